package org.explaincnn.core;

/**
 * A problem the user can fix: bad model folder, unknown layer or class, unsuitable image. The
 * message is one line that names the problem and the fix; front ends print it without a stack
 * trace.
 */
public class ExplainException extends RuntimeException {

	public ExplainException(String message) {
		super(message);
	}

	public ExplainException(String message, Throwable cause) {
		super(message, cause);
	}

	/** The first line of a throwable's message (TensorFlow's messages run to many lines). */
	public static String firstLine(Throwable e) {
		String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
		int nl = m.indexOf('\n');
		return nl < 0 ? m : m.substring(0, nl);
	}
}
