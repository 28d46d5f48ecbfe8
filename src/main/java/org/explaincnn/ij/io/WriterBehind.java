package org.explaincnn.ij.io;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Runs output work (drawing, writing files, printing lines) on one background thread, in the order
 * it was handed in, while the caller goes on with the next TensorFlow run. At most {@code capacity}
 * tasks wait: a caller that gets ahead blocks, so memory stays bounded. The first failure stops
 * the tasks after it and is rethrown to the caller.
 */
public final class WriterBehind implements AutoCloseable {

	private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
		Thread t = new Thread(r, "explaincnn-writer");
		t.setDaemon(true);
		return t;
	});
	private final Semaphore slots;
	private volatile RuntimeException failure;

	public WriterBehind(int capacity) {
		slots = new Semaphore(Math.max(1, capacity));
	}

	/** Queues a task; blocks while {@code capacity} tasks wait; rethrows an earlier failure. */
	public void submit(Runnable task) {
		rethrow();
		slots.acquireUninterruptibly();
		thread.execute(() -> {
			try {
				if (failure == null) task.run();
			}
			catch (RuntimeException e) {
				if (failure == null) failure = e;
			}
			finally {
				slots.release();
			}
		});
	}

	/** Waits for every queued task; rethrows the first failure. */
	public void finish() {
		drain();
		rethrow();
	}

	private void drain() {
		thread.shutdown();
		try {
			while (!thread.awaitTermination(1, TimeUnit.MINUTES)) {
				// Output of a large job; keep waiting.
			}
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	private void rethrow() {
		RuntimeException e = failure;
		if (e != null) throw e;
	}

	/** Waits for the queued tasks (the results before a failure are still written). */
	@Override
	public void close() {
		drain();
	}
}
