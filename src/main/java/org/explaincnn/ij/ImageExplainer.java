package org.explaincnn.ij;

import ij.ImagePlus;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.explaincnn.core.Attribution;
import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explainer;
import org.explaincnn.core.Explanation;
import org.explaincnn.core.FeatureMask;
import org.explaincnn.core.ImageGeometry;
import org.explaincnn.core.ModelSpec;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.TargetSpec;
import org.explaincnn.ij.input.Frame;
import org.explaincnn.ij.input.FrameSource;
import org.explaincnn.ij.input.ImagePlusSource;
import org.explaincnn.ij.io.FeatureTable;
import org.explaincnn.ij.io.Manifest;
import org.explaincnn.ij.io.ResultFiles;
import org.explaincnn.ij.render.ExplanationRenderer;
import org.explaincnn.ij.render.RenderOptions;
import org.explaincnn.methods.Methods;

/**
 * What the SciJava commands, the IJ1 macro bridge and the command line call: a frame source feeds
 * the explainer ({@link #explain(ExplainableModel, List, ExplainJob, ExplainOptions.ProgressListener,
 * BooleanSupplier, long)}), the {@link ExplanationRenderer} draws the results (heatmap, overlay,
 * ROIs) and {@link ResultFiles} writes them. The three steps are apart so that stacks, video, live
 * views and batch runs can each combine them their own way (the command line overlaps them).
 */
public final class ImageExplainer {

	private ImageExplainer() {}

	public static ExplainResult explain(ImagePlus imp, ExplainJob job, Consumer<String> log,
		ExplainOptions.ProgressListener progress, BooleanSupplier cancelled)
	{
		if (imp != null && imp.getNSlices() * imp.getNFrames() > 1 && job.everyPlane())
			try (ModelCache.Lease lease = acquireModel(job)) {
				return StackExplainer.explain(imp, job, lease.model(), log, progress, cancelled);
			}
		return explainAll(List.of(imp), job, log, progress, cancelled).get(0);
	}

	/**
	 * Explains several images with one job; CAM methods run them through the model together, in
	 * batches of the job's batch size (a folder goes faster than image by image). Each input gains
	 * the map and ROIs as overlay.
	 */
	public static List<ExplainResult> explainAll(List<ImagePlus> imps, ExplainJob job,
		Consumer<String> log, ExplainOptions.ProgressListener progress, BooleanSupplier cancelled)
	{
		long t0 = System.nanoTime();
		// Refuse what cannot fit before reading a pixel (the images are open: their pixels are in).
		for (ImagePlus imp : imps)
			if (imp != null) ImagePlusInput.checkFits(imp.getTitle(), imp.getWidth(), imp.getHeight(),
				imp.getType() == ImagePlus.COLOR_RGB ? 3 : imp.getNChannels(), mapCount(job), false);
		// The lease covers reading, running and drawing; a result keeps only the model's spec and
		// bundle (plain Java, valid after the model is closed).
		try (ModelCache.Lease lease = acquireModel(job)) {
			ExplainableModel model = lease.model();
			RenderOptions render = renderOptions(job, true, true);
			List<Frame> frames = new ArrayList<>();
			try (FrameSource source = new ImagePlusSource(imps, job.currentSlice, model.spec(), log)) {
				for (Frame f; (f = source.next()) != null;)
					frames.add(f);
			}
			List<PreparedImage> prepared = new ArrayList<>();
			frames.forEach(f -> prepared.add(f.prepared));
			List<Explanation> explanations = explain(model, prepared, job, progress, cancelled, t0);
			List<ExplainResult> results = new ArrayList<>();
			for (int i = 0; i < imps.size(); i++) {
				logDetails(explanations.get(i), log);
				results.add(ExplanationRenderer.render(imps.get(i), explanations.get(i), model,
					render));
			}
			return results;
		}
	}

	/**
	 * How many full-size maps a job makes per image (its target's classes; a sweep counts as one,
	 * its layer count being known only to the model), for the memory estimate.
	 */
	public static int mapCount(ExplainJob job) {
		String t = job.target == null ? "" : job.target.trim().toLowerCase(Locale.ROOT);
		if (t.matches("top-?\\d{1,6}")) return Math.max(1, Integer.parseInt(t.replaceAll("\\D", "")));
		return Math.max(1, t.split(";").length);
	}

	/**
	 * A lease on the job's model (loaded once, kept in {@link ModelCache}), after checking every
	 * option of the job, before the model loads and then against the model (top-k within its
	 * classes). Hold it, in try-with-resources, for as long as the model runs.
	 */
	/**
	 * What can be checked before any image is read: the method's parameters, the target among the
	 * model's classes, the layer (or the sweep's layers), so that a wrong job is one line before
	 * anything runs, however many images it would have had.
	 */
	private static void checkAgainstModel(ExplainJob job, ExplainableModel model) {
		AttributionMethod method = Methods.byName(job.method);
		method.checkParameters(job.params);
		ModelSpec spec = model.spec();
		TargetSpec.parse(job.target).resolve(new float[spec.classes], spec.labels);
		if (job.sweep != null) Explainer.sweepLayers(model, job.sweep);
		else if (method.usesLayer()) model.layerOrDefault(job.options().layer);
	}

	public static ModelCache.Lease acquireModel(ExplainJob job) {
		if (job.model == null) throw new ExplainException(
			"No model given; choose a model folder (with saved_model.pb or a frozen .pb graph).");
		job.validate();
		ModelCache.Lease lease = ModelCache.acquire(job.model);
		try {
			job.validate(lease.model().spec());
			checkAgainstModel(job, lease.model());
			return lease;
		}
		catch (RuntimeException e) {
			lease.close();
			throw e;
		}
	}

	/** The job's colour map, opacity, threshold and ROIs, checked; what to draw is the caller's. */
	public static RenderOptions renderOptions(ExplainJob job, boolean drawOnInput, boolean preview) {
		return RenderOptions.of(job.lut, job.opacity, job.threshold, job.addRois, drawOnInput,
			preview);
	}

	/**
	 * Runs the job's method on prepared images: a layer sweep image by image, one image alone, or
	 * several through {@link Explainer#explainBatch} (CAM methods in batches of the job's size).
	 * {@code startNanos} is when the work on a single image began (for its timings).
	 */
	public static List<Explanation> explain(ExplainableModel model, List<PreparedImage> prepared,
		ExplainJob job, ExplainOptions.ProgressListener progress, BooleanSupplier cancelled,
		long startNanos)
	{
		AttributionMethod method = Methods.byName(job.method);
		ExplainOptions options = options(job, method, null, progress, cancelled);
		TargetSpec target = TargetSpec.parse(job.target);
		List<Explanation> explanations = new ArrayList<>();
		if (job.sweep == null && method.usesFeatureMask()) {
			// Each image gets its features on its own geometry (a label image or ROIs must fit it).
			for (PreparedImage p : prepared) {
				explanations.add(Explainer.explain(model, p, method, target, options(job, method, p,
					progress, cancelled), prepared.size() == 1 ? startNanos : System.nanoTime()));
			}
		}
		else if (job.sweep != null) for (PreparedImage p : prepared)
			explanations.add(Explainer.sweep(model, p, method, target, Explainer.sweepLayers(model,
				job.sweep), options));
		else if (prepared.size() == 1) explanations.add(Explainer.explain(model, prepared.get(0),
			method, target, options, startNanos));
		else explanations.addAll(Explainer.explainBatch(model, prepared, method, target, options));
		return explanations;
	}

	/**
	 * The options a job gives {@code method}: the job's options with only the parameters the method
	 * declares (Compare runs several methods on one job), progress and cancel (also cancelled when
	 * the process exits, so nothing runs on a model being closed), and for a feature method given
	 * an {@code image}, the job's features on that image's own geometry (a label image or ROIs must
	 * fit it). Explain, Evaluate and Compare all make their options here.
	 */
	public static ExplainOptions options(ExplainJob job, AttributionMethod method,
		PreparedImage image, ExplainOptions.ProgressListener progress, BooleanSupplier cancelled)
	{
		Map<String, String> own = new LinkedHashMap<>();
		job.params.forEach((k, v) -> {
			if (method.parameter(k) != null) own.put(k, v);
		});
		ExplainOptions base = job.options();
		// The builder only adds parameters: a method's subset starts from the job's common options.
		ExplainOptions.Builder b = own.size() == job.params.size() ? base.toBuilder() : ExplainOptions
			.builder().layer(base.layer).score(base.score).counterfactual(base.counterfactual).seed(
				base.seed).batchSize(base.batchSize).params(own);
		b.progress(progress).cancelled(() -> ModelCache.shuttingDown() || cancelled.getAsBoolean());
		if (image != null && method.usesFeatureMask()) {
			ImageGeometry g = image.geometry;
			b.featureMask(FeatureMasks.forImage(job.features, g.originalWidth, g.originalHeight));
		}
		return b.build();
	}

	/** What a method had to say about its maps (e.g. the completeness gap of integrated gradients). */
	public static void logDetails(Explanation e, Consumer<String> log) {
		for (Attribution a : e.attributions) {
			Map<String, Object> details = new LinkedHashMap<>(a.details);
			Object warning = details.remove(Explainer.WARNING);
			// The per-feature values go to the features table and CSV, not into the log line.
			Object features = details.remove(FeatureMask.DETAIL);
			if (features instanceof List) details.put(FeatureMask.DETAIL, ((List<?>) features).size() +
				" (see the features table)");
			if (!details.isEmpty()) log.accept(e.methodTitle + " " + a.label + ": " + details);
			if (warning != null) log.accept("Warning: " + warning);
		}
	}

	/**
	 * A figure: the input, the coloured heatmap and the overlay side by side (first class), as the
	 * Grad-CAM papers show them.
	 */
	public static ImagePlus panel(ImagePlus input, ExplainResult r, String lutName) {
		return ExplanationRenderer.panel(input, r, Luts.byName(lutName));
	}

	/**
	 * Writes stem.method.heatmap.tif, .overlay.png, .rois.zip, optionally .json, and for methods
	 * with per-feature values .features.csv; returns them.
	 */
	public static List<Path> save(ExplainResult r, ExplainJob job, Path outDir, String stem,
		boolean json, String inputFile) throws IOException
	{
		return save(r, job, outDir, stem, json, inputFile, EnumSet.allOf(ResultFiles.Output.class));
	}

	/**
	 * As {@link #save(ExplainResult, ExplainJob, Path, String, boolean, String)}, the chosen files;
	 * a method's per-feature table is always written (it is the result of feature methods).
	 */
	public static List<Path> save(ExplainResult r, ExplainJob job, Path outDir, String stem,
		boolean json, String inputFile, Set<ResultFiles.Output> outputs) throws IOException
	{
		List<Path> written = new ArrayList<>(ResultFiles.write(r, outDir, stem, json ? Manifest.of(r,
			job.describe(), inputFile) : null, outputs));
		if (FeatureTable.has(r.explanation)) written.add(FeatureTable.writeCsv(r.explanation, outDir
			.resolve(stem + "." + r.explanation.method + FeatureTable.CSV_SUFFIX)));
		return written;
	}

	public static String version() {
		return Manifest.version();
	}
}
