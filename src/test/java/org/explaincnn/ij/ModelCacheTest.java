package org.explaincnn.ij;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainOptions.CancelledException;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.Labels;
import org.explaincnn.core.ModelBundle;
import org.explaincnn.core.ModelSpec;
import org.explaincnn.core.Pass;
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.PassStream;
import org.junit.jupiter.api.Test;

/**
 * Model lifetime with a fake model that records its runs and its close: a model is closed exactly
 * once, only after its last lease, never while a run is inside it, and shutdown cancels a running
 * stream at its next batch before closing.
 */
class ModelCacheTest {

	/** A 4x4 grey two-class model whose runs take a while and which records how it is closed. */
	static final class FakeModel implements ExplainableModel {

		final ModelSpec spec = new ModelSpec();
		final AtomicInteger inRun = new AtomicInteger();
		final AtomicInteger runs = new AtomicInteger();
		final AtomicInteger closes = new AtomicInteger();
		volatile boolean closedDuringRun;
		volatile long lastRunEnd, closedAt;
		final long runMillis;

		FakeModel(long runMillis) {
			this.runMillis = runMillis;
			spec.height = spec.width = 4;
			spec.channels = 1;
			spec.classes = 2;
			spec.maxBatch = 1;
			spec.mean = new float[] { 0 };
			spec.std = new float[] { 1 };
			spec.labels = Labels.numbered(2);
		}

		@Override
		public ModelSpec spec() {
			return spec;
		}

		@Override
		public ModelBundle bundle() {
			return null;
		}

		@Override
		public Capabilities capabilities() {
			return new Capabilities(false, false, false);
		}

		@Override
		public Pass run(PassRequest r, int height, int width) {
			if (closes.get() > 0) throw new IllegalStateException("run on a closed model");
			inRun.incrementAndGet();
			try {
				Thread.sleep(runMillis);
				return new Pass(r.batch, 2, new float[2 * r.batch], new float[2 * r.batch]);
			}
			catch (InterruptedException e) {
				throw new IllegalStateException(e);
			}
			finally {
				runs.incrementAndGet();
				lastRunEnd = System.nanoTime();
				inRun.decrementAndGet();
			}
		}

		@Override
		public List<LayerInfo> layers() {
			return List.of();
		}

		@Override
		public LayerInfo layer(String name) {
			throw new UnsupportedOperationException();
		}

		@Override
		public LayerInfo defaultLayer() {
			throw new UnsupportedOperationException();
		}

		@Override
		public float[][] denseHeadWeights(LayerInfo layer) {
			throw new UnsupportedOperationException();
		}

		@Override
		public <T> T memo(String key, Supplier<T> compute) {
			return compute.get();
		}

		@Override
		public void close() {
			if (inRun.get() > 0) closedDuringRun = true;
			closedAt = System.nanoTime();
			closes.incrementAndGet();
		}
	}

	final List<FakeModel> opened = new ArrayList<>();

	ModelCache cache(int capacity, long runMillis) {
		return new ModelCache(path -> {
			FakeModel m = new FakeModel(runMillis);
			synchronized (opened) {
				opened.add(m);
			}
			return m;
		}, capacity);
	}

	static Path folder(String name) {
		return Paths.get(System.getProperty("java.io.tmpdir"), "explaincnn-no-such-bundle-" + name);
	}

	@Test
	void aModelIsClosedOnceAndOnlyAfterItsLastLease() {
		ModelCache cache = cache(1, 0);
		ModelCache.Lease first = cache.lease(folder("a"));
		ModelCache.Lease second = cache.lease(folder("a"));
		FakeModel a = (FakeModel) first.model();
		assertSame(a, second.model(), "one folder, one loaded model");
		assertEquals(1, opened.size());

		ModelCache.Lease b = cache.lease(folder("b")); // evicts a (capacity 1): retired, in use
		assertEquals(1, cache.cachedCount());
		assertEquals(0, a.closes.get(), "evicted while leased: not closed");
		first.close();
		assertEquals(0, a.closes.get(), "one lease still out: not closed");
		second.close();
		assertEquals(1, a.closes.get(), "the last lease closes the retired model");
		second.close();
		first.close();
		assertEquals(1, a.closes.get(), "returning a lease twice closes nothing more");
		assertThrows(IllegalStateException.class, first::model, "a returned lease gives no model");

		FakeModel bModel = (FakeModel) b.model();
		b.close();
		assertEquals(0, bModel.closes.get(),
			"a cached model stays open without leases");
		try (ModelCache.Lease again = cache.lease(folder("a"))) {
			assertNotSame(a, again.model(), "a closed model is loaded again, not served");
			assertEquals(3, opened.size());
		}
		assertEquals(1, bModel.closes.get(),
			"b, unused, is closed at once when evicted");
	}

	@Test
	void shutdownCancelsARunningStreamAndClosesOnlyAfterItReturns() throws Exception {
		ModelCache cache = cache(2, 40);
		CompletableFuture<Throwable> ended = new CompletableFuture<>();
		AtomicInteger batchesSeen = new AtomicInteger();
		Thread worker = new Thread(() -> {
			try (ModelCache.Lease lease = cache.lease(folder("long"))) {
				ExplainOptions options = ExplainOptions.DEFAULTS.toBuilder().batchSize(1).cancelled(
					cache::isShuttingDown).build();
				PassStream.repeat(lease.model(), new float[16], 10_000).run(options, chunk ->
					batchesSeen.incrementAndGet());
				ended.complete(null);
			}
			catch (Throwable t) {
				ended.complete(t);
			}
		});
		worker.start();
		while (batchesSeen.get() < 3)
			Thread.sleep(5);
		FakeModel m = opened.get(0);
		long t0 = System.nanoTime();
		int stillInUse = cache.shutdown(Duration.ofSeconds(10));
		long waitedMs = (System.nanoTime() - t0) / 1_000_000;

		assertEquals(0, stillInUse, "the running stream returned its lease within the wait");
		assertTrue(ended.get(5, TimeUnit.SECONDS) instanceof CancelledException,
			"the run ends cancelled, not by a failure: " + ended.get());
		assertTrue(batchesSeen.get() < 100, "cancelled at its next batch, not run to the end");
		assertEquals(1, m.closes.get(), "closed exactly once");
		assertFalse(m.closedDuringRun, "never closed while a batch was inside the model");
		assertTrue(m.closedAt >= m.lastRunEnd, "closed after the last batch returned");
		assertTrue(waitedMs < 2000, "shutdown waited for one batch, not the bound: " + waitedMs);
		assertThrows(CancelledException.class, () -> cache.lease(folder("other")),
			"no model is handed out while the process exits");
		worker.join();
	}

	@Test
	void shutdownLeavesAModelStillInUseOpenAfterItsBoundedWait() {
		ModelCache cache = cache(2, 0);
		ModelCache.Lease held = cache.lease(folder("held"));
		ModelCache.Lease idle = cache.lease(folder("idle"));
		idle.close();
		long t0 = System.nanoTime();
		assertEquals(1, cache.shutdown(Duration.ofMillis(300)), "one model still leased");
		long waitedMs = (System.nanoTime() - t0) / 1_000_000;
		assertTrue(waitedMs >= 250 && waitedMs < 3000, "the wait is bounded: " + waitedMs + " ms");
		FakeModel heldModel = opened.get(0), idleModel = opened.get(1);
		assertEquals(1, idleModel.closes.get(), "the unused model is closed");
		assertEquals(0, heldModel.closes.get(), "the model in use is not freed under its user");
		held.close();
		assertEquals(1, heldModel.closes.get(), "and is closed when its lease comes back");
	}
}
