package org.explaincnn.ij.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Result files appear whole or not at all: the content goes to a hidden temporary file in the
 * same folder (same file system, so the rename is atomic), which is renamed over the target only
 * after the last byte was written. An interruption or a full disk leaves the earlier file (or no
 * file), never a truncated one that looks like a result; a failed write removes its temporary.
 */
public final class AtomicFiles {

	/** Writes a file's content to a stream. */
	@FunctionalInterface
	public interface Content {

		void writeTo(OutputStream out) throws IOException;
	}

	/** Prefix of temporaries, so that a folder listing can tell them from results. */
	public static final String TEMPORARY_PREFIX = ".explaincnn-";

	/**
	 * Temporaries being written now: Ctrl-C or SIGTERM mid-write (the shutdown hook runs) must not
	 * leave them behind. Removed from here once renamed or deleted, so the set stays small.
	 */
	private static final Set<Path> IN_FLIGHT = ConcurrentHashMap.newKeySet();

	static {
		Runtime.getRuntime().addShutdownHook(new Thread(AtomicFiles::removeInFlight,
			"explaincnn-temporaries"));
	}

	private AtomicFiles() {}

	/** Deletes every temporary still being written (the shutdown hook's work). */
	static void removeInFlight() {
		for (Path tmp : IN_FLIGHT) {
			try {
				Files.deleteIfExists(tmp);
			}
			catch (IOException ignored) {
				// best effort at exit
			}
			IN_FLIGHT.remove(tmp);
		}
	}

	/** How many temporaries are being written now (for tests). */
	static int inFlight() {
		return IN_FLIGHT.size();
	}

	public static Path write(Path target, Content content) throws IOException {
		return write(target, content, null);
	}

	/** Writes a file's content to a path (for writers that open the file themselves). */
	@FunctionalInterface
	public interface FileContent {

		void writeTo(Path file) throws IOException;
	}

	/**
	 * {@link #write} for a writer that needs a file name rather than a stream (ImageJ's AVI writer
	 * seeks back to fill in its headers): it writes the hidden temporary, renamed when complete.
	 */
	public static Path writeFile(Path target, FileContent content) throws IOException {
		return write(target, out -> {}, content);
	}

	private static Path write(Path target, Content stream, FileContent file) throws IOException {
		Path tmp = temporary(target);
		try {
			try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp,
				StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 1 << 16))
			{
				stream.writeTo(out);
			}
			if (file != null) file.writeTo(tmp);
			return moveIntoPlace(tmp, target);
		}
		catch (IOException | RuntimeException | Error e) {
			discard(tmp);
			throw e;
		}
	}

	/**
	 * A new hidden temporary name beside {@code target}, removed at exit unless moved into place
	 * (for writers that write over a long time, such as a video's).
	 */
	public static Path temporary(Path target) {
		Path tmp = target.resolveSibling(TEMPORARY_PREFIX + Long.toHexString(ThreadLocalRandom
			.current().nextLong()) + "-" + target.getFileName() + ".part");
		IN_FLIGHT.add(tmp);
		return tmp;
	}

	/** Renames a complete temporary over its target. */
	public static Path moveIntoPlace(Path tmp, Path target) throws IOException {
		try {
			Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		}
		catch (AtomicMoveNotSupportedException e) {
			Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
		}
		IN_FLIGHT.remove(tmp);
		return target;
	}

	/** Removes a temporary that will not be completed (the first failure is the one to report). */
	public static void discard(Path tmp) {
		try {
			Files.deleteIfExists(tmp);
		}
		catch (IOException ignored) {
			// best effort
		}
		IN_FLIGHT.remove(tmp);
	}

	/**
	 * Appends one line (a line break is added) in one write, so a reader or an interruption sees
	 * whole lines only.
	 */
	public static synchronized void appendLine(Path file, String line) throws IOException {
		Files.write(file, (line + "\n").getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE,
			StandardOpenOption.WRITE, StandardOpenOption.APPEND);
	}

	/** The reason an I/O failure gives, as a user reads it ("No space left on device"). */
	public static String reason(IOException e) {
		String m = e.getMessage();
		if (e instanceof FileSystemException) {
			String r = ((FileSystemException) e).getReason();
			if (r != null) return r;
		}
		return m == null ? e.getClass().getSimpleName() : m;
	}
}
