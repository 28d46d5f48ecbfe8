package org.explaincnn;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Patches ImageJ 1.x for headless use. The patch must come before any ij.* class loads, and JUnit
 * loads test classes (whose signatures name ImagePlus) before @BeforeAll; so it runs when the
 * launcher session opens, before discovery.
 */
public final class HeadlessImageJ {

	private static boolean done;

	private HeadlessImageJ() {}

	public static synchronized void init() {
		if (done) return;
		System.setProperty("java.awt.headless", "true");
		net.imagej.patcher.LegacyInjector.preinit();
		done = true;
	}

	/**
	 * For tests that run the command line in-process: ImageJ patched, and the repository as the
	 * CLI's home (where it finds the sample model and images).
	 */
	public static void initForCli() {
		init();
		System.setProperty("explaincnn.home", TestData.repo().toString());
	}

	/** Registered in META-INF/services. */
	public static final class PatchBeforeTests implements LauncherSessionListener {

		@Override
		public void launcherSessionOpened(LauncherSession session) {
			init();
		}
	}
}
