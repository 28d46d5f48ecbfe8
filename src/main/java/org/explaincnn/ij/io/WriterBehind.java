package org.explaincnn.ij.io;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.explaincnn.core.DaemonThreads;

/**
 * Runs output work behind the caller's TensorFlow runs. Drawing and writing files of different
 * images run on a few worker threads at once ({@link #submitInParallel}); what must come out in
 * the order it was handed in (printed lines, CSV rows) runs on one thread, in that order. At most
 * {@code capacity} tasks wait: a caller that gets ahead blocks, so memory stays bounded. The first
 * failure, in input order, stops the tasks after it and is rethrown to the caller; the tasks
 * before it finish (work already under way for a later task may still write its files).
 */
public final class WriterBehind implements AutoCloseable {

	private static final int WORKERS = Math.max(1, Math.min(4, Runtime.getRuntime()
		.availableProcessors()));

	private final ExecutorService workers = Executors.newFixedThreadPool(WORKERS, DaemonThreads
		.named("explaincnn-writer"));
	private final ExecutorService inOrder = Executors.newSingleThreadExecutor(DaemonThreads
		.named("explaincnn-writer-in-order"));
	private final Semaphore slots;
	/** The in-order step of the last task handed in; each task's waits for the one before. */
	private CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
	private final AtomicReference<Throwable> failure = new AtomicReference<>();

	public WriterBehind(int capacity) {
		slots = new Semaphore(Math.max(1, capacity));
	}

	/** Queues a task run in input order; blocks while {@code capacity} tasks wait. */
	public void submit(Runnable task) {
		submitInParallel(() -> task);
	}

	/**
	 * Queues {@code work} (drawing, writing this image's files) to run on a worker, at the same
	 * time as other tasks' work; the step it returns (null for none) runs after those of the tasks
	 * handed in before it. Blocks while {@code capacity} tasks wait; rethrows an earlier failure.
	 */
	public void submitInParallel(Supplier<Runnable> work) {
		rethrow();
		slots.acquireUninterruptibly();
		synchronized (this) {
			chain(work);
		}
	}

	private void chain(Supplier<Runnable> work) {
		CompletableFuture<Outcome> done = CompletableFuture.supplyAsync(() -> {
			// Work after a failure (in input order) is not started.
			if (failure.get() != null) return new Outcome(null, null);
			try {
				return new Outcome(work.get(), null);
			}
			catch (RuntimeException | Error e) {
				return new Outcome(null, e);
			}
		}, workers);
		// Failures are taken in input order: a task's failure stops the steps after it, never
		// those before it whose work was still running.
		last = last.thenCombineAsync(done, (previous, outcome) -> {
			try {
				if (failure.get() != null) return null;
				if (outcome.failure != null) failure.compareAndSet(null, outcome.failure);
				else if (outcome.step != null) outcome.step.run();
			}
			catch (RuntimeException | Error e) {
				failure.compareAndSet(null, e);
			}
			finally {
				slots.release();
			}
			return null;
		}, inOrder);
	}

	/** A task's work done: the step to run in order, or why the work failed. */
	private record Outcome(Runnable step, Throwable failure) {}

	/** Waits for every queued task; rethrows the first failure. */
	public void finish() {
		drain();
		rethrow();
	}

	private void drain() {
		CompletableFuture<Void> end;
		synchronized (this) {
			end = last;
		}
		try {
			end.get();
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException e) {
			failure.compareAndSet(null, e.getCause());
		}
		finally {
			workers.shutdown();
			inOrder.shutdown();
		}
	}

	private void rethrow() {
		Throwable e = failure.get();
		if (e instanceof RuntimeException r) throw r;
		if (e instanceof Error r) throw r;
	}

	/** Waits for the queued tasks (the results before a failure are still written). */
	@Override
	public void close() {
		drain();
	}
}
