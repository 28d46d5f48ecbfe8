package org.explaincnn.ij;

import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.ImageRoi;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.process.FloatProcessor;

import java.awt.Color;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.explaincnn.core.Attribution;
import org.explaincnn.core.DaemonThreads;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explanation;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.TargetSpec;
import org.explaincnn.ij.input.Frame;
import org.explaincnn.ij.input.PlaneRange;
import org.explaincnn.ij.io.PlaneTable;
import org.explaincnn.ij.render.ExplanationRenderer;
import org.explaincnn.ij.render.RenderOptions;
import org.explaincnn.ij.render.ThresholdRois;
import org.explaincnn.methods.SharedConcepts;

/**
 * Explains every plane of a stack or hyperstack (or the slices and frames chosen with z= and t=):
 * planes go through the model in chunks of the job's batch size, as the files of a folder do (CAM
 * methods explain a chunk in one TensorFlow run); the next chunk's planes are prepared on another
 * thread while the model runs, so two chunks of prepared planes are held at most.
 * The heatmap is a 32-bit hyperstack with the input's slices, frames and calibration (one channel
 * per map: one unless several classes or layers were asked for), the input gains one coloured
 * {@link ImageRoi} and the ROIs per plane, each with its position, and a {@link PlaneTable} has a
 * row per plane. The channels of a plane are read together, as for a single image (fed to the
 * model's channels when the bundle says CHANNELS, adapted otherwise). Cancelling keeps the planes
 * explained so far.
 */
public final class StackExplainer {

	private StackExplainer() {}

	/** A plane of the input: slice z and frame t, from 1. */
	public record Plane(int z, int t) {}

	/**
	 * The concepts shared by the planes: their layer activations pooled a batch at a time (the
	 * planes are prepared again when explained, and log then), one factorisation.
	 */
	private static SharedConcepts sharedConcepts(ImagePlus imp, List<Plane> planes, ExplainJob job,
		ExplainableModel model, BooleanSupplier cancelled)
	{
		ExplainOptions options = job.options().toBuilder().cancelled(() -> ModelCache.shuttingDown()
			|| cancelled.getAsBoolean()).build();
		SharedConcepts.Pool pool = SharedConcepts.pool(model, options);
		for (int from = 0; from < planes.size(); from += job.batchSize) {
			List<PreparedImage> chunk = new ArrayList<>();
			for (Plane p : planes.subList(from, Math.min(planes.size(), from + job.batchSize)))
				chunk.add(Frame.ofPlane(imp, p.z, p.t, model.spec(), line -> {}).prepared);
			pool.add(chunk);
		}
		return pool.factorise();
	}

	/** The planes a job chooses of a stack, in ImageJ's order (slices vary fastest). */
	public static List<Plane> planes(ImagePlus imp, ExplainJob job) {
		List<Integer> zs = PlaneRange.parse(job.z, imp.getNSlices(), "z");
		List<Integer> ts = PlaneRange.parse(job.t, imp.getNFrames(), "t");
		List<Plane> out = new ArrayList<>();
		for (int t : ts)
			for (int z : zs)
				out.add(new Plane(z, t));
		return out;
	}

	/**
	 * Explains the chosen planes of {@code imp} with the model of {@code lease}. Progress counts
	 * planes; when {@code cancelled} turns true the planes done so far are kept (the others stay 0
	 * in the heatmap) and the log says how many.
	 */
	public static ExplainResult explain(ImagePlus imp, ExplainJob job, ExplainableModel model,
		Consumer<String> log, ExplainOptions.ProgressListener progress, BooleanSupplier cancelled)
	{
		return explain(imp, job, model, log, progress, cancelled, true);
	}

	/**
	 * As above; without {@code drawOnInput} the input's overlay is left alone: the command line
	 * never shows it, and a coloured image per plane would cost time and memory for nothing.
	 */
	public static ExplainResult explain(ImagePlus imp, ExplainJob job, ExplainableModel model,
		Consumer<String> log, ExplainOptions.ProgressListener progress, BooleanSupplier cancelled,
		boolean drawOnInput)
	{
		List<Plane> planes = planes(imp, job);
		List<Integer> zs = PlaneRange.parse(job.z, imp.getNSlices(), "z");
		List<Integer> ts = PlaneRange.parse(job.t, imp.getNFrames(), "t");
		int w = imp.getWidth(), h = imp.getHeight(), maps = job.sweep != null ? 0 : ImageExplainer
			.mapCount(job);
		checkFits(imp, planes.size(), Math.max(1, maps));
		RenderOptions render = ImageExplainer.renderOptions(job, drawOnInput, false);
		Set<String> messages = Collections.synchronizedSet(new LinkedHashSet<>());
		int done = 0;
		boolean stopped = false;
		// Deep Feature Factorization with scope=folder: one factorisation over the planes first.
		SharedConcepts shared = SharedConcepts.asked(job.method, job.options()) ? sharedConcepts(imp,
			planes, job, model, cancelled) : null;
		Collected collected = new Collected(imp, planes, zs.size(), w, h, maps, render, model);
		ChunksAhead ahead = new ChunksAhead(imp, planes, job.batchSize, model, messages);
		boolean ran = false;
		try {
			for (int from = 0; from < planes.size() && !stopped; from += job.batchSize) {
				if (cancelled.getAsBoolean()) {
					stopped = true;
					break;
				}
				int n = Math.min(job.batchSize, planes.size() - from);
				List<PreparedImage> chunk = ahead.next();
				int chunkFrom = from;
				List<Explanation> explained;
				try {
					explained = shared != null ? shared.explanations(from, chunk, TargetSpec.parse(job
						.target)) : ImageExplainer.explain(model, chunk, job, (passes, total) -> progress.update(
						chunkFrom + (int) ((long) n * passes / Math.max(1, total)), planes.size()), cancelled,
						System.nanoTime());
				}
				catch (ExplainOptions.CancelledException e) {
					stopped = true;
					break;
				}
				collected.add(chunkFrom, explained);
				done += n;
				progress.update(done, planes.size());
			}
			ran = true;
		}
		finally {
			ahead.close();
			// After a failure here, the collector's own failure would hide it.
			collected.finish(ran);
		}
		messages.forEach(log);
		Explanation first = collected.first;
		maps = collected.maps;
		ImageStack heat = collected.heat;
		List<Roi> rois = collected.rois;
		if (first == null) throw new ExplainOptions.CancelledException();
		if (stopped) log.accept(String.format(Locale.ROOT, "Cancelled after %d of %d planes of '%s'; " +
			"the results hold the %d planes explained (the heatmap is 0 on the others).", done, planes
				.size(), imp.getTitle(), done));
		ImagePlus heatmap = heatmap(imp, heat, first, maps, zs.size(), ts.size(), collected.range, render);
		List<Roi> onInput = render.drawOnInput ? drawOnInput(imp, heat, planes, maps, done, heatmap,
			rois, render, first) : List.of();
		// The heatmap shows the ROIs too, each on its own map, slice and frame there.
		Overlay heatOverlay = new Overlay();
		for (Roi r : rois) {
			Roi c = (Roi) r.clone();
			String[] at = r.getProperty("heatmap").split(",");
			int m = Integer.parseInt(at[0]), zi = Integer.parseInt(at[1]), ti = Integer.parseInt(at[2]);
			if (heatmap.isHyperStack()) c.setPosition(m, zi, ti);
			else c.setPosition(heatmap.getStackIndex(m, zi, ti));
			heatOverlay.add(c);
		}
		heatmap.setOverlay(heatOverlay);
		heatmap.setProp("ExplainCNN.planes", done);
		return new ExplainResult(first, heatmap, rois, model, onInput, collected.table);
	}

	/**
	 * What the explained planes give, collected on a thread of its own while the caller runs the
	 * next chunk through the model: each plane's maps copied into the heatmap stack, its display
	 * range, table rows and thresholded ROIs (the tracing is most of that time). Chunks are taken
	 * in order, at most two waiting; the fields are read after {@link #finish}.
	 */
	private static final class Collected {

		private final ImagePlus imp;
		private final List<Plane> planes;
		private final int slices, w, h;
		private final RenderOptions render;
		private final ExplainableModel model;
		private final ExecutorService thread = Executors.newSingleThreadExecutor(DaemonThreads
			.named("explaincnn-plane-results"));
		private final ArrayDeque<Future<?>> waiting = new ArrayDeque<>();
		ImageStack heat;
		final PlaneTable table = new PlaneTable();
		final List<Roi> rois = new ArrayList<>();
		double[] range;
		Explanation first;
		int maps;

		Collected(ImagePlus imp, List<Plane> planes, int slices, int w, int h, int maps,
			RenderOptions render, ExplainableModel model)
		{
			this.imp = imp;
			this.planes = planes;
			this.slices = slices;
			this.w = w;
			this.h = h;
			this.maps = maps;
			this.render = render;
			this.model = model;
		}

		/** Collects a chunk's explanations (planes from, from + 1, ...) behind the caller. */
		void add(int from, List<Explanation> explained) {
			while (waiting.size() >= 2)
				await(waiting.poll());
			waiting.add(thread.submit(() -> collect(from, explained)));
		}

		private void collect(int from, List<Explanation> explained) {
			for (int i = 0; i < explained.size(); i++) {
				Explanation e = explained.get(i);
				if (first == null) {
					first = e;
					maps = e.attributions.size();
					heat = emptyHeatmap(w, h, maps, planes.size());
				}
				Plane p = planes.get(from + i);
				int index = from + i, zi = index % slices + 1, ti = index / slices + 1;
				store(heat, e, index, maps, p);
				// The planes share one display range, each plane's as a single image would get it.
				double[] own = ExplanationRenderer.evidenceRange(e);
				range = range == null ? own : ExplanationRenderer.union(range, own);
				table.addAll(PlaneTable.rows(index + 1, p.z, p.t, e, model.spec().labels));
				rois.addAll(planeRois(imp, e, p, render, model, maps, zi, ti));
			}
		}

		/**
		 * Waits for every chunk given (also after a cancel) and ends the thread; with
		 * {@code report} false (the caller is failing) the chunks not collected yet are dropped
		 * and nothing is thrown, so that the caller's failure is the one reported.
		 */
		void finish(boolean report) {
			try {
				if (report) while (!waiting.isEmpty())
					await(waiting.poll());
			}
			finally {
				for (Future<?> f : waiting)
					f.cancel(true);
				waiting.clear();
				thread.shutdownNow();
			}
		}

		private void await(Future<?> f) {
			result(f, imp, "collect");
		}
	}

	/**
	 * A helper thread's result: its exception or error thrown as it is, an interrupt as a cancel
	 * (the flag kept).
	 */
	private static <T> T result(Future<T> f, ImagePlus imp, String doing) {
		try {
			return f.get();
		}
		catch (ExecutionException e) {
			if (e.getCause() instanceof RuntimeException r) throw r;
			if (e.getCause() instanceof Error r) throw r;
			throw new ExplainException("Cannot " + doing + " the planes of '" + imp.getTitle() +
				"' (" + e.getCause() + ").");
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new ExplainOptions.CancelledException();
		}
	}

	/**
	 * The planes prepared for the model chunk by chunk, the next chunk on a thread of its own while
	 * the caller explains the current one. Only that thread reads the input's pixels (the caller
	 * reads its dimensions), one plane after another, as a virtual stack needs.
	 */
	private static final class ChunksAhead {

		private final ImagePlus imp;
		private final List<Plane> planes;
		private final int batch;
		private final ExplainableModel model;
		private final Set<String> messages;
		private final ExecutorService thread = Executors.newSingleThreadExecutor(DaemonThreads
			.named("explaincnn-planes"));
		private int from;
		private Future<List<PreparedImage>> next;

		ChunksAhead(ImagePlus imp, List<Plane> planes, int batch, ExplainableModel model,
			Set<String> messages)
		{
			this.imp = imp;
			this.planes = planes;
			this.batch = batch;
			this.model = model;
			this.messages = messages;
			next = thread.submit(() -> prepare(0));
		}

		private List<PreparedImage> prepare(int start) {
			List<PreparedImage> chunk = new ArrayList<>();
			for (Plane p : planes.subList(start, Math.min(planes.size(), start + batch)))
				chunk.add(Frame.ofPlane(imp, p.z, p.t, model.spec(), messages::add).prepared);
			return chunk;
		}

		/** The next chunk; the one after it is started. */
		List<PreparedImage> next() {
			List<PreparedImage> chunk;
			try {
				chunk = result(next, imp, "prepare");
			}
			catch (RuntimeException | Error e) {
				close();
				throw e;
			}
			from += batch;
			int start = from;
			if (start < planes.size()) next = thread.submit(() -> prepare(start));
			return chunk;
		}

		void close() {
			thread.shutdownNow();
		}
	}

	/** Refuses, in one line, a stack whose heatmap and overlays cannot fit in the heap. */
	private static void checkFits(ImagePlus imp, int planes, int maps) {
		long need = (long) imp.getWidth() * imp.getHeight() * planes * (4L * maps + 4);
		if (need <= ImagePlusInput.heapAvailable()) return;
		System.gc();
		if (need <= ImagePlusInput.heapAvailable()) return;
		throw new ExplainException(String.format(Locale.ROOT, "'%s': the heatmap and overlay of %d " +
			"planes need about %.1f GB but only %.1f GB of the Java heap is free; choose fewer planes " +
			"(z= and t=), or give Java more memory (-Xmx, Edit > Options > Memory & Threads).", imp
				.getTitle(), planes, need / 1e9, ImagePlusInput.heapAvailable() / 1e9));
	}

	private static ImageStack emptyHeatmap(int w, int h, int maps, int planes) {
		ImageStack s = new ImageStack(w, h);
		for (int i = 0; i < maps * planes; i++)
			s.addSlice("not explained", new FloatProcessor(w, h));
		return s;
	}

	/** Puts a plane's maps into the heatmap stack. */
	private static void store(ImageStack heat, Explanation e, int index, int maps, Plane p) {
		for (int m = 0; m < maps; m++) {
			Attribution a = e.attributions.get(m);
			int slice = index * maps + m + 1;
			heat.setPixels(a.map.clone(), slice);
			heat.setSliceLabel(String.format(Locale.ROOT, "z=%d t=%d %s (%d)", p.z, p.t, a.label.split(
				",")[0], a.classIndex), slice);
		}
	}

	/**
	 * A plane's ROIs with their position on the input: (all channels, z, t) on a hyperstack, the
	 * stack index on a plain stack. The heatmap's position (map, slice and frame within the chosen
	 * ones) is kept in the ROI's "heatmap" property.
	 */
	private static List<Roi> planeRois(ImagePlus imp, Explanation e, Plane p, RenderOptions render,
		ExplainableModel model, int maps, int zi, int ti)
	{
		List<Roi> out = new ArrayList<>();
		if (!render.rois) return out;
		for (int m = 0; m < maps; m++) {
			Attribution a = e.attributions.get(m);
			for (Roi r : ThresholdRois.regions(a.map, a.width, a.height, render.threshold, model.spec()
				.labels.shortName(a.classIndex)))
			{
				position(r, imp, p);
				r.setName(r.getName() + String.format(Locale.ROOT, " z%d t%d", p.z, p.t));
				r.setStrokeColor(Color.cyan);
				r.setProperty("heatmap", (m + 1) + "," + zi + "," + ti);
				out.add(r);
			}
		}
		return out;
	}

	private static void position(Roi r, ImagePlus imp, Plane p) {
		if (imp.isHyperStack() || imp.getNChannels() > 1) r.setPosition(0, p.z, p.t);
		else r.setPosition(imp.getStackIndex(1, p.z, p.t));
	}

	/** The heatmap hyperstack: the input's slices, frames and calibration; one channel per map. */
	private static ImagePlus heatmap(ImagePlus imp, ImageStack heat, Explanation first, int maps,
		int slices, int frames, double[] range, RenderOptions render)
	{
		Attribution a = first.attributions.get(0);
		String what = maps == 1 ? a.label.split(",")[0] : maps + " maps";
		ImagePlus out = new ImagePlus(first.methodTitle + " " + what + " - " + imp.getTitle(), heat);
		out.setDimensions(maps, slices, frames);
		if (imp.isHyperStack() || maps > 1) out.setOpenAsHyperStack(true);
		out.setCalibration(imp.getCalibration().copy());
		out.getProcessor().setLut(ExplanationRenderer.lutFor(first, render));
		out.setDisplayRange(range[0], range[1] > range[0] ? range[1] : 1);
		out.setProp("ExplainCNN.method", first.method);
		out.setProp("ExplainCNN.class", a.classIndex);
		out.setProp("ExplainCNN.label", a.label);
		out.setProp("ExplainCNN.layer", a.layer == null ? "" : a.layer);
		return out;
	}

	/**
	 * The input's overlay gains, per explained plane, the first map coloured (one ImageRoi with the
	 * plane's position) and copies of the plane's ROIs; its pixels are not changed.
	 */
	private static List<Roi> drawOnInput(ImagePlus imp, ImageStack heat, List<Plane> planes,
		int maps, int done, ImagePlus heatmap, List<Roi> rois, RenderOptions render,
		Explanation first)
	{
		List<Roi> added = new ArrayList<>();
		Overlay overlay = imp.getOverlay() != null ? imp.getOverlay() : new Overlay();
		if (render.opacity > 0) for (int i = 0; i < done; i++) {
			ImageRoi map = ExplanationRenderer.colouredRoi((float[]) heat.getPixels(i * maps + 1), heat
				.getWidth(), heat.getHeight(), heatmap.getDisplayRangeMin(), heatmap.getDisplayRangeMax(),
				heatmap.getProcessor().getLut(), render.opacity, "heatmap " + first.attributions.get(0)
					.label.split(",")[0]);
			position(map, imp, planes.get(i));
			overlay.add(map, "Explain CNN " + first.methodTitle);
			added.add(map);
		}
		for (Roi r : rois) {
			Roi copy = (Roi) r.clone();
			overlay.add(copy);
			added.add(copy);
		}
		imp.setOverlay(overlay);
		return added;
	}
}
