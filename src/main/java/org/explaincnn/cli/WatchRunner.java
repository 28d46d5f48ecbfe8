package org.explaincnn.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ImageFiles;
import org.explaincnn.ij.ImageExplainer;
import org.explaincnn.ij.input.ImageFileSource;
import org.explaincnn.ij.io.AtomicFiles;
import org.explaincnn.ij.io.ResultNames;

/**
 * {@code ./explain --watch DIR}: explains each image that appears in DIR, once, when it is
 * complete, with the usual outputs and an {@code explain.csv} row (the folder runner does the
 * work), until stopped (Ctrl-C). A file counts as complete when its size and modification time
 * have not changed for the settle time and it reads as a whole image; a file that keeps its size
 * but does not read yet (a writer that paused) is looked at again until it has been unchanged for
 * ten settle times, then reported as failed. Hidden files (an acquisition's temporaries before
 * their atomic rename, ours) and our own results are ignored; images already there when watching
 * starts are left alone.
 */
final class WatchRunner {

	/** How long a new file must stay unchanged before it is read. */
	static final long SETTLE_MILLIS = 500;

	private WatchRunner() {}

	/** What was last seen of a file: size, modification time, since when unchanged. */
	private record Seen(long size, long modified, long since) {}

	static int run(ExplainCli.Options o, Path dir, PrintStream out, PrintStream err) {
		ImageExplainer.acquireModel(o.job).close(); // a bad job is one line before watching
		return watch(o, dir, SETTLE_MILLIS, () -> false, out, err);
	}

	/** Watches until {@code stop} says so (tests) or the process is stopped. */
	static int watch(ExplainCli.Options o, Path dir, long settleMillis, BooleanSupplier stop,
		PrintStream out, PrintStream err)
	{
		if (!Files.isDirectory(dir)) throw new ExplainException("--watch needs a folder; " + dir +
			" is not one.");
		Set<Path> done = new HashSet<>(images(dir));
		out.println("Watching " + dir.toAbsolutePath() + " (" + done.size() + " image(s) already " +
			"there left alone); results in " + o.out.toAbsolutePath() + "; Ctrl-C stops.");
		out.flush();
		Map<Path, Seen> pending = new HashMap<>();
		int failed = 0;
		while (!stop.getAsBoolean()) {
			long now = System.currentTimeMillis();
			List<Path> ready = new ArrayList<>();
			for (Path p : images(dir)) {
				if (done.contains(p)) continue;
				BasicFileAttributes a;
				try {
					a = Files.readAttributes(p, BasicFileAttributes.class);
				}
				catch (IOException gone) {
					pending.remove(p);
					continue;
				}
				Seen before = pending.get(p);
				long modified = a.lastModifiedTime().toMillis();
				if (before == null || before.size != a.size() || before.modified != modified) {
					pending.put(p, new Seen(a.size(), modified, now));
					continue;
				}
				if (now - before.since < settleMillis) continue;
				String problem = ImageFileSource.problem(p.toString());
				if (problem.isEmpty()) ready.add(p);
				else if (now - before.since >= 10 * settleMillis) {
					// Unchanged for long and still not an image: the folder runner reports it.
					ready.add(p);
				}
			}
			for (Path p : ready) {
				done.add(p);
				pending.remove(p);
			}
			if (!ready.isEmpty()) {
				o.images.clear();
				o.images.addAll(ready);
				if (ImageRunner.run(o, out, err) != 0) failed++;
				out.flush();
			}
			try {
				Thread.sleep(Math.max(20, settleMillis / 5));
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				break;
			}
		}
		return failed > 0 ? 2 : 0;
	}

	/** The image files of the folder now (not hidden, not our results). */
	private static List<Path> images(Path dir) {
		List<Path> in = new ArrayList<>();
		try (Stream<Path> s = Files.list(dir)) {
			s.filter(f -> ImageFiles.hasImageName(f) && !ResultNames.isResult(f) && !f.getFileName()
				.toString().startsWith(".") && Files.isRegularFile(f)).sorted().forEach(in::add);
		}
		catch (IOException e) {
			throw new ExplainException("Cannot list folder " + dir + " (" + AtomicFiles.reason(e) +
				"); check its permissions.");
		}
		return in;
	}
}
