package org.explaincnn.ij;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.explaincnn.TestData;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.tf.TensorFlowModel;
import org.explaincnn.ij.input.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real TensorFlow models in a cache of two: a model evicted while another thread runs a long
 * Integrated Gradients on it is closed only when that run has finished (and its map is the one it
 * gives alone); a bundle changed on disk is loaded again, the old model closed once released.
 */
class ModelLifetimeTest {

	@TempDir
	Path tmp;

	Path copyOfSampleModel(String name) throws IOException {
		Path to = tmp.resolve(name);
		Files.createDirectories(to);
		try (Stream<Path> files = Files.list(TestData.sampleModel())) {
			for (Path f : (Iterable<Path>) files::iterator)
				Files.copy(f, to.resolve(f.getFileName()));
		}
		return to;
	}

	static ExplainJob longIntegratedGradients(Path model) {
		ExplainJob job = new ExplainJob();
		job.model = model;
		job.method = "integratedgradients";
		job.target = "tabby";
		job.params.put("steps", "200");
		job.batchSize = 8;
		return job;
	}

	static float[] explain(ExplainableModel model, PreparedImage image, ExplainJob job,
		AtomicInteger batchesDone)
	{
		return ImageExplainer.explain(model, List.of(image), job, (done, total) -> batchesDone
			.incrementAndGet(), () -> false, System.nanoTime()).get(0).attributions.get(0).map;
	}

	@Test
	void aModelEvictedWhileAnotherThreadRunsOnItIsClosedOnlyAfterTheRun() throws Exception {
		ModelCache cache = new ModelCache(ExplainableModel::open, 2);
		Path a = copyOfSampleModel("a"), b = copyOfSampleModel("b"), c = copyOfSampleModel("c");
		ExplainJob job = longIntegratedGradients(a);
		ImagePlus imp = IJ.openImage(TestData.sampleImage("both.png").toString());
		float[] alone;
		PreparedImage image;
		try (ModelCache.Lease lease = cache.lease(a)) {
			image = Frame.of(imp, null, false, lease.model().spec(), line -> {}).prepared;
			alone = explain(lease.model(), image, job, new AtomicInteger());
		}

		AtomicInteger batches = new AtomicInteger();
		CompletableFuture<float[]> during = new CompletableFuture<>();
		TensorFlowModel[] modelA = new TensorFlowModel[1];
		CompletableFuture<Void> leased = new CompletableFuture<>();
		Thread worker = new Thread(() -> {
			try (ModelCache.Lease lease = cache.lease(a)) {
				modelA[0] = (TensorFlowModel) lease.model();
				leased.complete(null);
				during.complete(explain(lease.model(), image, job, batches));
			}
			catch (Throwable t) {
				during.completeExceptionally(t);
			}
		});
		worker.start();
		leased.get(30, TimeUnit.SECONDS);
		while (batches.get() < 1 && !during.isDone())
			Thread.sleep(2);
		// Two other models opened from another thread: A, least recently used, is evicted.
		try (ModelCache.Lease lb = cache.lease(b)) {
			lb.model().forward(new float[224 * 224 * 3], 1);
		}
		try (ModelCache.Lease lc = cache.lease(c)) {
			lc.model().forward(new float[224 * 224 * 3], 1);
		}
		assertFalse(during.isDone(), "the run on A was still going when A was evicted " +
			"(else this test proves nothing; give it more steps)");
		assertFalse(modelA[0].isClosed(), "evicted while in use: not closed");

		float[] map = during.get(120, TimeUnit.SECONDS);
		worker.join();
		assertArrayEquals(alone, map, "the run completes with the map it gives alone");
		assertTrue(modelA[0].isClosed(), "A, evicted, is closed once its last lease is back");
		try (ModelCache.Lease again = cache.lease(a)) {
			assertNotSame(modelA[0], again.model(), "A used again is loaded again");
			assertEquals(1001, again.model().forward(new float[224 * 224 * 3], 1).classes);
		}
		cache.shutdown(Duration.ZERO);
	}

	@Test
	void aBundleChangedOnDiskIsLoadedAgainAndTheOldModelClosedWhenReleased() throws Exception {
		ModelCache cache = new ModelCache(ExplainableModel::open, 2);
		Path folder = copyOfSampleModel("stale");
		ModelCache.Lease old = cache.lease(folder);
		TensorFlowModel first = (TensorFlowModel) old.model();
		try (ModelCache.Lease same = cache.lease(folder)) {
			assertSame(first, same.model(), "an unchanged bundle is served from the cache");
		}
		assertEquals("tench", first.spec().labels.shortName(1));

		Path labels = folder.resolve("labels.txt");
		List<String> lines = Files.readAllLines(labels, StandardCharsets.UTF_8);
		lines.set(1, "1:renamed fish");
		Files.write(labels, lines, StandardCharsets.UTF_8);
		Files.setLastModifiedTime(labels, FileTime.fromMillis(System.currentTimeMillis() + 10_000));

		try (ModelCache.Lease fresh = cache.lease(folder)) {
			assertNotSame(first, fresh.model(), "a changed bundle is loaded again");
			assertEquals("renamed fish", fresh.model().spec().labels.shortName(1));
			assertFalse(first.isClosed(), "the old model is still leased: not closed");
			old.close();
			assertTrue(first.isClosed(), "the old model is closed when its lease is returned");
			assertFalse(((TensorFlowModel) fresh.model()).isClosed());
		}
		// What a result keeps of a closed model still works; running it is a clear error.
		assertEquals(folder.toAbsolutePath().normalize(), first.bundle().folder);
		assertEquals(1001, first.spec().classes);
		IllegalStateException closed = assertThrows(IllegalStateException.class, () -> first.run(
			new PassRequest(new float[224 * 224 * 3], 1), 224, 224));
		assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
		cache.shutdown(Duration.ZERO);
	}
}
