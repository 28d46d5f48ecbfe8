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
}
