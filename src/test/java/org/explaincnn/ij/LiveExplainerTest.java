package org.explaincnn.ij;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import org.explaincnn.TestData;
import org.junit.jupiter.api.Test;

/**
 * Live explanation on a simulated camera: a thread writes the frames of an image sequence into
 * an ImagePlus at 30 frames per second (a new pixel array each, as a camera plugin swaps buffers);
 * frames are explained, none twice, the newest-frame policy holds (the last frame written is the
 * last explained), and close leaves no thread behind. Prints frames per second and latency (the
 * numbers are measured, not asserted: the machine is shared).
 */
class LiveExplainerTest {

	private static boolean liveThreadAlive() {
		return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith(
			"explaincnn-live") && t.isAlive());
	}

	@Test
	void aSimulatedCameraIsExplainedNewestFrameFirst() throws Exception {
		// 3 s in the suite; EXPLAINCNN_LIVE_SECONDS=10 for the measurement.
		String env = System.getenv("EXPLAINCNN_LIVE_SECONDS");
		int seconds = env == null ? 3 : Integer.parseInt(env), count = 30 * seconds;
		ImageProcessor both = IJ.openImage(TestData.sampleImage("both.png").toString()).getProcessor();
		List<int[]> frames = new ArrayList<>();
		for (int k = 0; k < count; k++) {
			ImageProcessor f = both.duplicate();
			f.translate(k % 41 - 20, (k / 41) % 11 - 5);
			frames.add((int[]) f.getPixels());
		}
		ImagePlus camera = new ImagePlus("camera", new ColorProcessor(224, 224, frames.get(0)
			.clone()));
		ExplainJob job = new ExplainJob();
		job.model = TestData.sampleModel();
		// Loaded and run once before the clock starts (graph set-up, JIT).
		for (int k = 0; k < 3; k++)
			ImageExplainer.explain(new ImagePlus("warm-up", new ColorProcessor(224, 224, frames.get(k)
				.clone())), job, line -> {}, (done, total) -> {}, () -> false);
		int threadsBefore = Thread.activeCount();
		List<LiveExplainer.Result> results = new CopyOnWriteArrayList<>();
		long[] written = new long[count];
		List<String> log = new ArrayList<>();
		LiveExplainer live = LiveExplainer.start(camera, job, log::add, results::add);
		long start = System.nanoTime();
		for (int k = 0; k < count; k++) {
			long due = start + k * 1_000_000_000L / 30;
			while (System.nanoTime() < due)
				Thread.sleep(1);
			camera.getProcessor().setPixels(frames.get(k));
			written[k] = System.nanoTime();
		}
		long deadline = System.currentTimeMillis() + 20_000;
		while ((results.isEmpty() || results.get(results.size() - 1).pixels() != frames.get(count -
			1)) && System.currentTimeMillis() < deadline)
			Thread.sleep(5);
		live.close();
		assertNull(live.failure(), log.toString());
		assertFalse(results.isEmpty());
		assertSame(frames.get(count - 1), results.get(results.size() - 1).pixels(),
			"the last frame written is the last explained");
		Set<Object> seen = new HashSet<>();
		double latencySum = 0, latencyMax = 0;
		int measured = 0;
		for (LiveExplainer.Result r : results) {
			assertTrue(seen.add(r.pixels()), "frame " + frames.indexOf(r.pixels()) + " explained twice");
			int k = frames.indexOf(r.pixels());
			if (k >= 0) {
				double ms = (r.doneNanos() - written[k]) / 1e6;
				latencySum += ms;
				latencyMax = Math.max(latencyMax, ms);
				measured++;
			}
		}
		// Frames only move forward: a frame explained after another was written after it.
		int previous = -1;
		for (LiveExplainer.Result r : results) {
			int k = frames.indexOf(r.pixels());
			assertTrue(k > previous || k < 0, "frame " + k + " after " + previous);
			if (k >= 0) previous = k;
		}
		assertFalse(liveThreadAlive(), "no live thread left");
		assertTrue(Thread.activeCount() <= threadsBefore, "threads back to before");
		// Where a frame's time goes: reading and the model, then drawing (heatmap, overlay, ROIs).
		double modelMs = 0, drawMs = 0, drawMax = 0;
		for (LiveExplainer.Result r : results) {
			modelMs += (r.explainedNanos() - r.seenNanos()) / 1e6;
			drawMs += (r.doneNanos() - r.explainedNanos()) / 1e6;
			drawMax = Math.max(drawMax, (r.doneNanos() - r.explainedNanos()) / 1e6);
		}
		System.out.printf(Locale.ROOT, "LIVE %d frames written in %d s, %d explained: %.1f frames/s; " +
			"latency from write to drawn result mean %.0f ms, max %.0f ms; per frame read + model " +
			"%.1f ms, drawing %.1f ms (max %.1f ms)%n", count, seconds, results.size(), results.size() /
				(double) seconds, latencySum / Math.max(1, measured), latencyMax, modelMs / results.size(),
			drawMs / results.size(), drawMax);
	}

	/**
	 * An image that does not change costs the live thread little CPU (it looked at the whole
	 * 2000 x 2000 plane every millisecond before: most of a core) and is explained once; a frame
	 * written in place over it is seen and explained once more.
	 */
	@Test
	void anUnchangingImageIsExplainedOnceAndCostsLittleCpuWhileIdle() throws Exception {
		ImageProcessor big = IJ.openImage(TestData.sampleImage("both.png").toString()).getProcessor()
			.resize(2000, 2000);
		ImagePlus still = new ImagePlus("still", big);
		ExplainJob job = new ExplainJob();
		job.model = TestData.sampleModel();
		List<LiveExplainer.Result> results = new CopyOnWriteArrayList<>();
		List<String> log = new ArrayList<>();
		ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
		try (LiveExplainer live = LiveExplainer.start(still, job, log::add, results::add)) {
			waitFor(() -> results.size() >= 1);
			Thread.sleep(300); // the first frame's drawing done
			Thread thread = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName()
				.equals("explaincnn-live still")).findFirst().orElseThrow();
			long before = cpu.getThreadCpuTime(thread.getId()), wall = System.nanoTime();
			Thread.sleep(1000);
			double share = (cpu.getThreadCpuTime(thread.getId()) - before) / (double) (System
				.nanoTime() - wall);
			System.out.printf(Locale.ROOT, "LIVE idle: %.2f%% of a core on a 2000 x 2000 image%n", 100 *
				share);
			assertTrue(share < 0.10, "idle live thread used " + share + " of a core");
			assertEquals(1, results.size(), "an unchanged image is explained once");
			big.invert(); // written in place: same array, new pixels
			waitFor(() -> results.size() >= 2);
			Thread.sleep(200);
			assertEquals(2, results.size(), "the new frame once");
			assertNull(live.failure(), log.toString());
		}
	}

	private static void waitFor(BooleanSupplier done) throws InterruptedException {
		long deadline = System.currentTimeMillis() + 60_000;
		while (!done.getAsBoolean() && System.currentTimeMillis() < deadline)
			Thread.sleep(10);
		assertTrue(done.getAsBoolean(), "timed out");
	}
}
