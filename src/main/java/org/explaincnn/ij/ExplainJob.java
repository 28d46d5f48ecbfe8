package org.explaincnn.ij;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.DaemonThreads;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ModelSpec;
import org.explaincnn.core.Param;
import org.explaincnn.core.Score;
import org.explaincnn.core.tf.TensorFlowRuntime;
import org.explaincnn.ij.input.PlaneRange;
import org.explaincnn.methods.Methods;

/**
 * Everything a user chooses for one explanation; shared by the commands, macros and the CLI. The
 * options are declared in {@link CommonParams}, the method's own in its
 * {@link AttributionMethod#parameters()}; {@link #set} reads any of them from text and
 * {@link #validate} checks them all, so every front end refuses a bad value with the same line.
 */
public final class ExplainJob {

	public Path model;
	public String method = "gradcam";
	/** top1, topK, a class index, a label, or several joined by ';'. */
	public String target = CommonParams.TARGET.defaultValue;
	/** Layer name, or null/"auto" for the model's default. */
	public String layer;
	public Score score = Score.LOGIT;
	public boolean counterfactual = CommonParams.COUNTERFACTUAL.defaultValue;
	public double opacity = CommonParams.OPACITY.defaultValue;
	public String lut = CommonParams.LUT.defaultValue;
	/** Fraction of the maximum (e.g. "0.5") or "otsu". */
	public String threshold = CommonParams.THRESHOLD.defaultValue;
	public boolean addRois = CommonParams.ROIS.defaultValue;
	/** Explain the current plane of a stack. */
	public boolean currentSlice = CommonParams.CURRENT.defaultValue;
	/** Explain every plane of a stack (within {@link #z} and {@link #t}). */
	public boolean stack = CommonParams.STACK.defaultValue;
	/** The slices and frames of a stack to explain, as typed ("all", "1-5", "1-3,7"). */
	public String z = CommonParams.Z.defaultValue, t = CommonParams.T.defaultValue;
	public long seed = CommonParams.SEED.defaultValue;
	/** Layers to sweep ("all" or names): one map per layer instead of per class; null = no sweep. */
	public String sweep;
	/** Folder to save heatmap TIFF, overlay PNG, ROI zip and JSON in; null saves nothing. */
	public Path output;
	public int batchSize = CommonParams.BATCH.defaultValue;
	/** TensorFlow threads; 0 leaves TensorFlow's default (all cores). Read when TensorFlow starts. */
	public int threads;
	/** Feature groups of feature ablation, LIME and KernelSHAP: see {@link CommonParams#FEATURES}. */
	public String features = CommonParams.FEATURES.defaultValue;
	/** The method's own parameters as typed (key -> text); checked by {@link #validate}. */
	public final Map<String, String> params = new LinkedHashMap<>();

	/**
	 * Sets the option or method parameter {@code key} from text, as typed in a macro, dialog or on
	 * the command line. A common option is checked at once (one line naming key, value and what is
	 * allowed); a method parameter is kept as text and checked by {@link #validate}, once the method
	 * is known.
	 */
	public void set(String key, String text) {
		Param<?> p = CommonParams.byKey(key);
		if (p == null) {
			params.put(key.strip(), text);
			return;
		}
		switch (p.key) {
			case "model":
				model = text.isBlank() ? null : Paths.get(text.strip());
				break;
			case "target":
				target = text.strip();
				checkTarget(target);
				break;
			case "layer":
				layer = text.strip();
				break;
			case "score":
				score = Score.parse(CommonParams.SCORE.parse(text));
				break;
			case "counterfactual":
				counterfactual = CommonParams.COUNTERFACTUAL.parse(text);
				break;
			case "opacity":
				opacity = CommonParams.OPACITY.parse(text);
				break;
			case "lut":
				lut = text.strip();
				break;
			case "threshold":
				threshold = CommonParams.checkThreshold(text);
				break;
			case "rois":
				addRois = CommonParams.ROIS.parse(text);
				break;
			case "current":
				currentSlice = CommonParams.CURRENT.parse(text);
				break;
			case "stack":
				stack = CommonParams.STACK.parse(text);
				break;
			case "z":
				z = CommonParams.Z.parse(text);
				break;
			case "t":
				t = CommonParams.T.parse(text);
				break;
			case "seed":
				seed = CommonParams.SEED.parse(text);
				break;
			case "batch":
				batchSize = CommonParams.BATCH.parse(text);
				break;
			case "threads":
				threads = CommonParams.THREADS.parse(text);
				break;
			case "output":
				output = text.isBlank() ? null : Paths.get(text.strip());
				break;
			case "features":
				features = CommonParams.FEATURES.parse(text.isBlank() ? FeatureMasks.AUTO : text);
				break;
			default:
				throw new IllegalStateException("option " + p.key + " is declared but not read");
		}
	}

	/** The current value of a common option, as its declaration types it. */
	public Object get(Param<?> p) {
		switch (p.key) {
			case "model":
				return model == null ? "" : model.toString();
			case "target":
				return target;
			case "layer":
				return layer == null || layer.isBlank() ? "auto" : layer;
			case "score":
				return score.name().toLowerCase(Locale.ROOT);
			case "counterfactual":
				return counterfactual;
			case "opacity":
				return opacity;
			case "lut":
				return lut;
			case "threshold":
				return threshold;
			case "rois":
				return addRois;
			case "current":
				return currentSlice;
			case "stack":
				return stack;
			case "z":
				return z;
			case "t":
				return t;
			case "seed":
				return seed;
			case "batch":
				return batchSize;
			case "threads":
				return threads > 0 ? threads : CommonParams.THREADS.defaultValue;
			case "output":
				return output == null ? "" : output.toString();
			case "features":
				return features;
			default:
				throw new IllegalArgumentException("not a common option: " + p.key);
		}
	}

	/**
	 * Checks every option and the method's parameters before anything runs: a bad value is a
	 * one-line {@link ExplainException} naming the parameter, the value and what is allowed.
	 */
	public void validate() {
		if (model == null) throw new ExplainException(
			"No model given; choose a model folder (with saved_model.pb or a frozen .pb graph).");
		AttributionMethod m = Methods.byName(method);
		checkTarget(target);
		recheck(CommonParams.OPACITY, opacity);
		CommonParams.checkThreshold(threshold);
		recheck(CommonParams.Z, z);
		recheck(CommonParams.T, t);
		recheck(CommonParams.SEED, seed);
		recheck(CommonParams.BATCH, batchSize);
		if (threads != 0) recheck(CommonParams.THREADS, threads);
		Luts.byName(lut);
		m.checkParameters(params);
		if (m.usesFeatureMask()) recheck(CommonParams.FEATURES, features);
		if (sweep != null) CommonParams.SWEEP_METHOD.parse(m.id());
	}

	/** Whether a stack is explained plane by plane: 'stack' ticked or a range of z or t chosen. */
	public boolean everyPlane() {
		return !currentSlice && (stack || !PlaneRange.ALL.equalsIgnoreCase(z.strip()) ||
			!PlaneRange.ALL.equalsIgnoreCase(t.strip()));
	}

	/** The checks that need the model: top-k within its classes. */
	public void validate(ModelSpec spec) {
		int k = topK(target);
		if (k > spec.classes) throw new ExplainException("Parameter top-k=" + k +
			" is not allowed; top-k takes a whole number from 1 to " + spec.classes +
			" (the model's classes).");
	}

	private static void checkTarget(String t) {
		topK(t);
	}

	/** K of a topK target (checked), or 0 for other targets. */
	private static int topK(String t) {
		String s = t == null ? "" : t.strip().toLowerCase(Locale.ROOT);
		if (!s.matches("top-?\\d+")) return 0;
		return CommonParams.TOP_K.parse(s.substring(s.startsWith("top-") ? 4 : 3));
	}

	/** A value set directly (not through {@link #set}) is checked as if typed. */
	private static void recheck(Param<?> p, Object value) {
		p.parse(p.format(value));
	}

	/**
	 * Starts TensorFlow with the job's thread count if it has not started yet (TensorFlow reads
	 * thread counts once per process).
	 */
	public void startEngine() {
		if (threads > 0) TensorFlowRuntime.start(threads, threads);
	}

	/**
	 * Starts TensorFlow on a background thread (most of a second of loading native code) while the
	 * caller lists and reads its files; the first use of a model waits for it. A failure is left to
	 * that first use, which reports it.
	 */
	public void startEngineInBackground() {
		DaemonThreads.of("explaincnn-engine-start", () -> {
			try {
				TensorFlowRuntime.start(threads, threads);
			}
			catch (RuntimeException e) {
				// Reported by the first model load.
			}
		}).start();
	}

	public ExplainOptions options() {
		return ExplainOptions.builder().layer(layer == null || layer.isBlank() || layer
			.equalsIgnoreCase("auto") ? null : layer.strip()).score(score).counterfactual(
				counterfactual).seed(seed).batchSize(batchSize).params(params).build();
	}

	/**
	 * The parameters as written to the JSON manifest: every common option and every declared
	 * parameter of the method with the value in effect (the default where none was given).
	 */
	public Map<String, Object> describe() {
		Map<String, Object> m = new LinkedHashMap<>();
		for (Param<?> p : CommonParams.ALL)
			if (p != CommonParams.MODEL && p != CommonParams.OUTPUT) m.put(p.key, get(p));
		if (sweep != null) m.put("sweep", sweep);
		AttributionMethod am = Methods.byName(method);
		for (Param<?> p : CommonParams.extraFor(am))
			m.put(p.key, get(p));
		ExplainOptions o = options();
		for (Param<?> p : am.parameters())
			if (sweep == null || !p.hasKey(CommonParams.SWEEP_LAYERS.key)) m.put(p.key, o.get(p));
		return m;
	}
}
