package org.explaincnn.cli;

/**
 * How a macro says it failed without stopping ImageJ: {@code call("org.explaincnn.cli.MacroStatus.fail",
 * "why")}. {@code ./explain --macro} prints the reason and exits with 2; in Fiji the call only
 * records it (the macro prints its own line).
 */
public final class MacroStatus {

	private static volatile String failure;

	private MacroStatus() {}

	/** Records a failure (the first one is kept); returns "" for the macro. */
	public static synchronized String fail(String reason) {
		if (failure == null) failure = reason;
		return "";
	}

	/** The recorded failure, cleared; null if none. */
	static synchronized String takeFailure() {
		String f = failure;
		failure = null;
		return f;
	}
}
