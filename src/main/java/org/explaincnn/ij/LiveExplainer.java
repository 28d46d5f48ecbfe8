package org.explaincnn.ij;

import ij.CompositeImage;
import ij.ImageListener;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;

import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.explaincnn.core.DaemonThreads;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explanation;
import org.explaincnn.ij.input.Frame;
import org.explaincnn.ij.render.ExplanationRenderer;
import org.explaincnn.ij.render.RenderOptions;

/**
 * Re-explains what an image window shows whenever it changes: another slice or frame scrolled to,
 * or new pixels written in place by an acquisition or webcam plugin. One thread looks at the
 * displayed plane when the image says it was updated ({@link ImageListener#imageUpdated}) and
 * otherwise every {@link #POLL_MS} ms, cheaply (position, pixel array, a sample of its pixels);
 * when it differs from the last one explained it copies the plane, hashes the copy and, unless
 * that is what was explained last, explains the copy and redraws the overlay and heatmap in place.
 * Always the newest frame: whatever was written while the model was busy is not queued, the next
 * look sees only what is displayed then, and a frame already explained is never explained again
 * (the hash is of the very pixels explained, so a write during the copy cannot hide or repeat a
 * frame), and a copy taken while the pixels were being written (the look before and after it
 * differ) is taken again rather than explained. Idle, the thread costs a sampled look per
 * {@link #POLL_MS} ms. {@link #close} stops
 * the thread (joined) and returns the model.
 */
public final class LiveExplainer implements AutoCloseable {

	/** How often the displayed plane is looked at when the image does not say it changed. */
	static final int POLL_MS = 15;

	/** Pixels looked at per poll at most: a look costs microseconds whatever the image size. */
	private static final int SAMPLES = 16_384;

	/**
	 * One explained frame: the pixel array read, when the change was seen, when the model was done
	 * (read, prepared and explained) and when it was drawn.
	 */
	public record Result(int number, Object pixels, long seenNanos, long explainedNanos,
		long doneNanos, ExplainResult result) {}

	/** What identifies the displayed plane: position, displayed pixel array and a hash. */
	private record Signature(int slice, int frame, Object pixels, int hash) {}

	/** A copy of the displayed plane as a one-plane image, and the signature of the copy. */
	private record Snapshot(ImagePlus image, Signature signature) {}

	private final ImagePlus imp;
	private final ExplainJob job;
	private final ModelCache.Lease lease;
	private final Consumer<String> log;
	private final Consumer<Result> shown;
	private final Thread thread;
	private final ImageListener updates;
	private volatile boolean stopped;
	/** The image said it changed (perhaps in pixels the sampled look does not see). */
	private volatile boolean updated;
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
		thread = DaemonThreads.of("explaincnn-live " + imp.getTitle(), this::loop);
		updates = new ImageListener() {

			@Override
			public void imageOpened(ImagePlus i) {}

			@Override
			public void imageUpdated(ImagePlus i) {
				if (i != imp) return;
				updated = true;
				LockSupport.unpark(thread);
			}

			@Override
			public void imageClosed(ImagePlus i) {}
		};
	}

	/** Starts explaining {@code imp} as it changes; {@code shown} sees each result once drawn. */
	public static LiveExplainer start(ImagePlus imp, ExplainJob job, Consumer<String> log,
		Consumer<Result> shown)
	{
		LiveExplainer live = new LiveExplainer(imp, job, log, shown);
		// ImageJ sends imageUpdated only for an image with a window (and listening at all routes
		// every image's events through the AWT event thread): without one, polling alone.
		if (imp.getWindow() != null) ImagePlus.addImageListener(live.updates);
		live.thread.start();
		return live;
	}

	/** The pixel arrays of the displayed plane: its channels (the displayed one alone if one). */
	private Object[] planeArrays() {
		int c = imp.getNChannels();
		// The displayed processor, not the stack: a virtual stack would read its file each time.
		if (c == 1 || imp.getStackSize() == 1) return new Object[] { imp.getProcessor().getPixels() };
		ImageStack stack = imp.getStack();
		Object[] out = new Object[c];
		for (int ch = 1; ch <= c; ch++)
			out[ch - 1] = stack.getPixels(imp.getStackIndex(ch, imp.getSlice(), imp.getFrame()));
		return out;
	}

	/** The cheap look: position, arrays and a sample of their pixels. */
	private Signature look() {
		Object[] arrays = planeArrays();
		int hash = 1;
		for (Object a : arrays)
			hash = 31 * hash + sampledHash(a);
		return new Signature(imp.getSlice(), imp.getFrame(), arrays[0], hash);
	}

	private static int sampledHash(Object px) {
		int n = Array.getLength(px), stride = Math.max(1, n / SAMPLES), h = n;
		for (int i = stride / 2; i < n; i += stride)
			h = 31 * h + (px instanceof int[] ? ((int[]) px)[i] : px instanceof byte[] ? ((byte[]) px)[i]
				: px instanceof short[] ? ((short[]) px)[i] : Float.floatToIntBits(((float[]) px)[i]));
		return h;
	}

	private static int fullHash(Object px) {
		if (px instanceof int[]) return Arrays.hashCode((int[]) px);
		if (px instanceof byte[]) return Arrays.hashCode((byte[]) px);
		if (px instanceof short[]) return Arrays.hashCode((short[]) px);
		return Arrays.hashCode((float[]) px);
	}

	private static Object copy(Object px) {
		if (px instanceof int[]) return ((int[]) px).clone();
		if (px instanceof byte[]) return ((byte[]) px).clone();
		if (px instanceof short[]) return ((short[]) px).clone();
		return ((float[]) px).clone();
	}

	/**
	 * The displayed plane copied, with what the model reads of it (display range, LUTs of a
	 * composite); its signature hashes the copy, so it names exactly what is explained.
	 */
	private Snapshot snapshot() {
		int slice = imp.getSlice(), frame = imp.getFrame();
		ImageProcessor shownIp = imp.getProcessor();
		Object[] arrays = planeArrays();
		ImageStack stack = new ImageStack(imp.getWidth(), imp.getHeight());
		int hash = 1;
		for (Object a : arrays) {
			Object c = copy(a);
			hash = 31 * hash + fullHash(c);
			ImageProcessor ip = shownIp.createProcessor(imp.getWidth(), imp.getHeight());
			ip.setPixels(c);
			stack.addSlice(null, ip);
		}
		ImagePlus copy;
		if (arrays.length > 1) {
			copy = new ImagePlus(imp.getTitle(), stack);
			copy.setDimensions(arrays.length, 1, 1);
			if (imp.isComposite()) {
				CompositeImage ci = new CompositeImage(copy, ((CompositeImage) imp).getMode());
				ci.setLuts(((CompositeImage) imp).getLuts());
				copy = ci;
			}
		}
		else {
			ImageProcessor ip = stack.getProcessor(1);
			if (!(ip instanceof ColorProcessor)) ip.setMinAndMax(imp.getDisplayRangeMin(), imp
				.getDisplayRangeMax());
			copy = new ImagePlus(imp.getTitle(), ip);
		}
		return new Snapshot(copy, new Signature(slice, frame, arrays[0], hash));
	}

	private void loop() {
		ExplainableModel model = lease.model();
		RenderOptions render = ImageExplainer.renderOptions(job, true, false);
		Signature lastLook = null, lastExplained = null;
		ExplainResult drawn = null;
		try {
			while (!stopped) {
				Signature now = look();
				if (now.equals(lastLook) && !updated) {
					// Until the next poll, or sooner when the image says it was updated.
					LockSupport.parkNanos(POLL_MS * 1_000_000L);
					continue;
				}
				updated = false;
				lastLook = now;
				long seen = System.nanoTime();
				Snapshot snap = snapshot();
				// Pixels written while they were copied (the look changed meanwhile) would be half
				// of one frame and half of the next: the next round copies them again.
				if (!look().equals(now)) continue;
				if (snap.signature.equals(lastExplained)) continue;
				Frame f = Frame.ofPlane(snap.image, 1, 1, model.spec(), line -> {});
				Explanation e = ImageExplainer.explain(model, List.of(f.prepared), job,
					ExplainOptions.ProgressListener.NONE, () -> stopped, seen).get(0);
				long modelDone = System.nanoTime();
				// update() sets the input's overlay, which redraws it: no second full redraw here.
				drawn = drawn == null ? ExplanationRenderer.render(imp, e, model, render)
					: ExplanationRenderer.update(drawn, imp, e, render);
				long done = System.nanoTime();
				double ms = (done - seen) / 1e6;
				latencySumMs += ms;
				latencyMaxMs = Math.max(latencyMaxMs, ms);
				explained++;
				lastExplained = snap.signature;
				shown.accept(new Result(explained, snap.signature.pixels, seen, modelDone, done, drawn));
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
		ImagePlus.removeImageListener(updates);
		LockSupport.unpark(thread);
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
