package org.explaincnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.explaincnn.HeadlessImageJ;
import org.explaincnn.TestData;
import org.explaincnn.ij.io.AtomicFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --watch: images dropped into the folder are explained once each; one written slowly (half,
 * a pause longer than the settle time, then the rest) is not read before it is whole; images
 * there before watching are left alone; stopping leaves no temporary.
 */
class WatchRunnerTest {

	@TempDir
	Path tmp;

	@BeforeAll
	static void start() {
		HeadlessImageJ.initForCli();
	}

	private static long rows(Path csv, String file, String status) throws Exception {
		if (!Files.exists(csv)) return 0;
		return Files.readAllLines(csv).stream().filter(l -> l.contains(file) && l.contains("," +
			status + ",")).count();
	}

	@Test
	void newImagesAreExplainedOnceEachAndAHalfWrittenOneOnlyWhenWhole() throws Exception {
		Path in = tmp.resolve("in"), outDir = tmp.resolve("out");
		Files.createDirectories(in);
		Files.copy(TestData.sampleImage("coffee.png"), in.resolve("before.png"));
		ExplainCli.Options o = ExplainCli.parse(new String[] { "--out", outDir.toString() });
		o.job.model = TestData.sampleModel();
		AtomicBoolean stop = new AtomicBoolean();
		ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
		long settle = 300;
		CompletableFuture<Integer> watching = CompletableFuture.supplyAsync(() -> WatchRunner.watch(o,
			in, settle, stop::get, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(
				err, true, StandardCharsets.UTF_8)));
		long started = System.currentTimeMillis() + 30_000;
		while (!out.toString(StandardCharsets.UTF_8).contains("Watching") && System
			.currentTimeMillis() < started)
			Thread.sleep(20);
		Path csv = outDir.resolve("explain.csv");
		// Dropped atomically: written under a hidden name, then renamed.
		Path hidden = in.resolve(".both.png.part");
		Files.copy(TestData.sampleImage("both.png"), hidden);
		Files.move(hidden, in.resolve("both.png"), StandardCopyOption.ATOMIC_MOVE);
		// Written slowly: half the bytes, a pause of several settle times, then the rest.
		byte[] whole = Files.readAllBytes(TestData.sampleImage("chelsea.png"));
		Path slow = in.resolve("slow.png");
		try (OutputStream s = Files.newOutputStream(slow)) {
			s.write(Arrays.copyOf(whole, whole.length / 2));
			s.flush();
			Thread.sleep(6 * settle);
			assertEquals(0, rows(csv, "slow.png", "ok") + rows(csv, "slow.png", "failed"),
				"a half-written file is not read");
			s.write(whole, whole.length / 2, whole.length - whole.length / 2);
		}
		long deadline = System.currentTimeMillis() + 60_000;
		while ((rows(csv, "both.png", "ok") == 0 || rows(csv, "slow.png", "ok") == 0) && System
			.currentTimeMillis() < deadline)
			Thread.sleep(100);
		Thread.sleep(4 * settle); // time for a second, wrong explanation to show
		stop.set(true);
		assertEquals(0, watching.get(30, TimeUnit.SECONDS), err.toString(StandardCharsets.UTF_8));
		assertEquals(1, rows(csv, "both.png", "ok"), Files.readString(csv));
		assertEquals(1, rows(csv, "slow.png", "ok"), Files.readString(csv));
		assertEquals(0, rows(csv, "slow.png", "failed"), Files.readString(csv));
		assertEquals(0, rows(csv, "before.png", "ok"), "images there before are left alone");
		assertTrue(Files.exists(outDir.resolve("slow.gradcam.heatmap.tif")));
		try (Stream<Path> s = Files.list(outDir)) {
			List<String> names = s.map(p -> p.getFileName().toString()).collect(Collectors.toList());
			assertFalse(names.stream().anyMatch(n -> n.startsWith(AtomicFiles.TEMPORARY_PREFIX)), names
				.toString());
		}
		String printed = out.toString(StandardCharsets.UTF_8);
		assertTrue(printed.contains("1 image(s) already there") && printed.contains("slow.png"),
			printed);
	}
}
