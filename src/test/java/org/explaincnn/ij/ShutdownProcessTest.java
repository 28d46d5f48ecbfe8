package org.explaincnn.ij;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.explaincnn.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM (what Process.destroy sends, and what Ctrl-C's SIGINT resembles) during a long
 * Integrated Gradients run on the command line: the process ends promptly with the signal's exit
 * code, not a crash (no hs_err file, not 134/139).
 */
class ShutdownProcessTest {

	@TempDir
	Path work;

	@Test
	void sigtermDuringALongRunEndsTheProcessWithoutACrash() throws Exception {
		String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
		ProcessBuilder pb = new ProcessBuilder(java, "-Xmx1g", "-Djava.awt.headless=true",
			"--add-opens=java.base/java.lang=ALL-UNNAMED", "-cp", System.getProperty(
				"java.class.path"), "org.explaincnn.cli.ExplainCli", TestData.sampleImage("both.png")
					.toString(), "--model", TestData.sampleModel().toString(), "--method",
			"integratedgradients", "--param", "steps=100000", "--threads", "1", "--out", work
				.resolve("out").toString());
		pb.directory(work.toFile());
		pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
		File log = work.resolve("log.txt").toFile();
		pb.redirectErrorStream(true).redirectOutput(log);
		Process p = pb.start();
		// Start-up and model loading take a few seconds; 100000 steps then run for many minutes.
		Thread.sleep(10_000);
		assertTrue(p.isAlive(), "still running the long pass: " + Files.readString(log.toPath()));
		long t0 = System.nanoTime();
		p.destroy();
		boolean ended = p.waitFor(30, TimeUnit.SECONDS);
		if (!ended) p.destroyForcibly();
		String output = Files.readString(log.toPath());
		assertTrue(ended, "the process hung after SIGTERM: " + output);
		long ms = (System.nanoTime() - t0) / 1_000_000;
		int code = p.exitValue();
		assertTrue(Set.of(143, 130, 2).contains(code), "exit code " + code + " after " + ms +
			" ms: " + output);
		try (Stream<Path> files = Files.list(work)) {
			List<String> crashLogs = files.map(f -> f.getFileName().toString()).filter(n -> n
				.startsWith("hs_err")).toList();
			assertTrue(crashLogs.isEmpty(), "JVM crash logs: " + crashLogs);
		}
		assertFalse(output.contains("SIGSEGV"), output);
		assertTrue(ms < 15_000, "ended within the hook's bounded wait: " + ms + " ms");
	}
}
