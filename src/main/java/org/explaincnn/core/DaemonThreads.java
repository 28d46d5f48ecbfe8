package org.explaincnn.core;

import java.util.concurrent.ThreadFactory;

/**
 * Threads for work behind an explanation (reading ahead, collecting, writing): daemons, so that a
 * pool left open never keeps the JVM (or Fiji's headless runs) from exiting, and named for what
 * they do, as thread dumps and tests see them.
 */
public final class DaemonThreads {

	private DaemonThreads() {}

	/** A daemon thread of this name running {@code work}, not started. */
	public static Thread of(String name, Runnable work) {
		Thread t = new Thread(work, name);
		t.setDaemon(true);
		return t;
	}

	/** Daemon threads of this name, for executors. */
	public static ThreadFactory named(String name) {
		return r -> of(name, r);
	}
}
