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

	/** Registered in META-INF/services. */
	public static final class PatchBeforeTests implements LauncherSessionListener {

		@Override
		public void launcherSessionOpened(LauncherSession session) {
			init();
		}
	}
}
