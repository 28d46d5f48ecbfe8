package org.explaincnn.ij;

import ij.ImagePlus;
import ij.process.ImageProcessor;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explanation;
import org.explaincnn.ij.input.Frame;
import org.explaincnn.ij.render.ExplanationRenderer;
import org.explaincnn.ij.render.RenderOptions;

/**
 * Re-explains what an image window shows whenever it changes: another slice or frame scrolled to,
 * or new pixels written in place by an acquisition or webcam plugin. One thread looks at the
 * displayed plane (its position, pixel array and a hash of its pixels) and, when it differs from
 * the last one explained, explains it and redraws the overlay and heatmap in place. Always the
 * newest frame: whatever was written while the model was busy is not queued, the next look sees
 * only what is displayed then, and a frame already explained is never explained again.
 * {@link #close} stops the thread (joined) and returns the model.
 */
public final class LiveExplainer implements AutoCloseable {

	/** One explained frame: the pixel array read, when the change was seen and when it was drawn. */
	public record Result(int number, Object pixels, long seenNanos, long doneNanos,
		ExplainResult result) {}

	/** What identifies the displayed frame. */
	private record Signature(int slice, int frame, Object pixels, int hash) {}

	private final ImagePlus imp;
	private final ExplainJob job;
	private final ModelCache.Lease lease;
	private final Consumer<String> log;
	private final Consumer<Result> shown;
	private final Thread thread;
	private volatile boolean stopped;
	private volatile int explained;
	private volatile double latencySumMs, latencyMaxMs;
	private final long startNanos = System.nanoTime();
	private volatile RuntimeException failure;

	private LiveExplainer(ImagePlus imp, ExplainJob job, Consumer<String> log,
		Consumer<Result> shown)
	{
		this.imp = imp;
		this.job = job;
		this.log = log;
		this.shown = shown;
		this.lease = ImageExplainer.acquireModel(job);
		thread = new Thread(this::loop, "explaincnn-live " + imp.getTitle());
		thread.setDaemon(true);
	}

	/** Starts explaining {@code imp} as it changes; {@code shown} sees each result once drawn. */
	public static LiveExplainer start(ImagePlus imp, ExplainJob job, Consumer<String> log,
		Consumer<Result> shown)
	{
		LiveExplainer live = new LiveExplainer(imp, job, log, shown);
		live.thread.start();
		return live;
	}

	private Signature signature() {
		ImageProcessor ip = imp.getProcessor();
		Object px = ip.getPixels();
		int hash;
		if (px instanceof int[]) hash = Arrays.hashCode((int[]) px);
		else if (px instanceof byte[]) hash = Arrays.hashCode((byte[]) px);
		else if (px instanceof short[]) hash = Arrays.hashCode((short[]) px);
		else hash = Arrays.hashCode((float[]) px);
		return new Signature(imp.getSlice(), imp.getFrame(), px, hash);
	}

	private void loop() {
		ExplainableModel model = lease.model();
		RenderOptions render = ImageExplainer.renderOptions(job, true, false);
		Signature last = null;
		ExplainResult drawn = null;
		try {
			while (!stopped) {
				Signature now = signature();
				if (now.equals(last)) {
					LockSupport.parkNanos(1_000_000); // a look per millisecond costs a hash
					continue;
				}
				long seen = System.nanoTime();
				Frame f = Frame.ofPlane(imp, now.slice, now.frame, model.spec(), line -> {});
				Explanation e = ImageExplainer.explain(model, List.of(f.prepared), job,
					ExplainOptions.ProgressListener.NONE, () -> stopped, seen).get(0);
				drawn = drawn == null ? ExplanationRenderer.render(imp, e, model, render)
					: ExplanationRenderer.update(drawn, imp, e, render);
				imp.updateAndDraw();
				long done = System.nanoTime();
				double ms = (done - seen) / 1e6;
				latencySumMs += ms;
				latencyMaxMs = Math.max(latencyMaxMs, ms);
				explained++;
				last = now;
				shown.accept(new Result(explained, now.pixels, seen, done, drawn));
			}
		}
		catch (ExplainOptions.CancelledException stop) {
			// closed while a frame was being explained
		}
		catch (RuntimeException e) {
			failure = e;
			log.accept("Live Explain stopped: " + e.getMessage());
		}
	}

	/** Frames explained so far. */
	public int explained() {
		return explained;
	}

	/** Frames explained per second since the start. */
	public double framesPerSecond() {
		return explained / ((System.nanoTime() - startNanos) / 1e9);
	}

	/** Mean and largest time from seeing a change to the redrawn result, in ms. */
	public double meanLatencyMs() {
		return explained == 0 ? 0 : latencySumMs / explained;
	}

	public double maxLatencyMs() {
		return latencyMaxMs;
	}

	/** Why the loop stopped on its own, or null. */
	public RuntimeException failure() {
		return failure;
	}

	/** Stops: the thread ends (joined) and the model is returned to the cache. */
	@Override
	public void close() {
		stopped = true;
		try {
			thread.join();
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		finally {
			lease.close();
		}
	}
}
