package org.explaincnn.ij.input;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * What ImageJ prints on {@code System.out} while it reads a file ("Unsupported format...", an
 * IIOException): with {@link #router} installed as System.out (the command line does), the text
 * printed by a thread inside {@link #capture} is kept for that thread, so the reader's one-line
 * message can quote it, and other ImageJ text goes to the router's fallback (stderr), never to
 * the result lines on stdout.
 */
public final class ImageJText {

	private static final ThreadLocal<ByteArrayOutputStream> CAPTURED = new ThreadLocal<>();

	private ImageJText() {}

	/** A System.out that keeps captured threads' text and sends the rest to {@code fallback}. */
	public static PrintStream router(PrintStream fallback) {
		return new PrintStream(new OutputStream() {

			@Override
			public void write(int b) {
				ByteArrayOutputStream kept = CAPTURED.get();
				if (kept != null) kept.write(b);
				else fallback.write(b);
			}

			@Override
			public void write(byte[] b, int off, int len) {
				ByteArrayOutputStream kept = CAPTURED.get();
				if (kept != null) kept.write(b, off, len);
				else fallback.write(b, off, len);
			}

			@Override
			public void flush() {
				fallback.flush();
			}
		}, true, StandardCharsets.UTF_8);
	}

	/** Runs {@code read}; what it printed (through a router) is appended to {@code said}, as one line. */
	static <T> T capture(Supplier<T> read, StringBuilder said) {
		ByteArrayOutputStream outer = CAPTURED.get();
		ByteArrayOutputStream kept = new ByteArrayOutputStream();
		CAPTURED.set(kept);
		try {
			return read.get();
		}
		finally {
			if (outer == null) CAPTURED.remove();
			else CAPTURED.set(outer);
			said.append(kept.toString(StandardCharsets.UTF_8).strip().replaceAll("\\s+", " "));
		}
	}
}
