package org.explaincnn.ij;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.Param;
import org.explaincnn.ij.input.PlaneRange;
import org.explaincnn.methods.Methods;

/**
 * The options every method shares, declared once as {@link Param}s, as the methods declare their
 * own. Their keys are the macro keys (unchanged since the first release), the SciJava input names
 * and, with a leading {@code --}, most command-line options; labels begin with the key, because
 * ImageJ's macro recorder makes the key from a dialog label's first word.
 */
public final class CommonParams {

	private CommonParams() {}

	public static final Param<String> MODEL = Param.text("model", "", "Model folder",
		"folder with saved_model.pb or a frozen .pb graph, optionally labels.txt and explain-cnn.json",
		null);
	public static final Param<String> TARGET = Param.text("target", "top1", "Target",
		"top1, topK (e.g. top3), a class index, a label (e.g. tabby), or several joined by ';'",
		null);
	public static final Param<String> LAYER = Param.text("layer", "auto", "Layer",
		"auto (the model's suggestion), or a layer name from Model Info", null);
	public static final Param<String> SCORE = Param.choice("score", "logit", List.of("logit",
		"probability"), "Score", "the class score explained: the pre-softmax logit or the probability");
	public static final Param<Boolean> COUNTERFACTUAL = Param.flag("counterfactual", false,
		"Counterfactual (negative evidence)", "map the evidence against the class");
	public static final Param<Double> OPACITY = Param.number("opacity", 0.5, 0, 1,
		"Opacity of the overlay", "opacity of the coloured map over the input (0: no map overlay)");
	public static final Param<String> LUT = Param.text("lut", Luts.DEFAULT, "LUT (colour map)",
		"any ImageJ LUT (Fire, Grays, Ice, Spectrum...), one of Fiji's luts (e.g. mpl-inferno) or a .lut file",
		null);
	public static final Param<String> THRESHOLD = Param.text("threshold", "0.5",
		"Threshold for ROIs", "a fraction of the map's maximum (more than 0, less than 1) or otsu",
		null);
	public static final Param<Boolean> ROIS = Param.flag("rois", true, "ROIs of the regions above the threshold",
		"outline each region above the threshold as an ROI named 'class #rank'");
	public static final Param<Boolean> CURRENT = Param.flag("current", false,
		"Current slice only (stacks)", "explain the current plane of a stack (stacks are refused unless this or 'stack' is chosen)");
	public static final Param<Boolean> STACK = Param.flag("stack", false,
		"Stack (every plane, or the z and t chosen)",
		"explain every slice and frame of a stack or hyperstack; the heatmap is a hyperstack of the same dimensions");
	public static final Param<String> Z = Param.text("z", PlaneRange.ALL, "Z slices of a stack",
		"the slices explained with 'stack': all, 3, 1-5 or 1-3,7", PlaneRange::problem);
	public static final Param<String> T = Param.text("t", PlaneRange.ALL, "T frames of a stack",
		"the frames explained with 'stack': all, 3, 1-10 or 1-3,7", PlaneRange::problem);
	public static final Param<String> OUTPUT = Param.text("output", "", "Output folder (optional)",
		"folder to save the heatmap TIFF, overlay PNG, ROI zip and JSON in; empty saves nothing", null);
	public static final Param<Integer> SEED = ExplainOptions.SEED;
	public static final Param<Integer> BATCH = ExplainOptions.BATCH;
	public static final Param<Integer> THREADS = Param.integer("threads", Math.max(1, Math.min(256,
		Runtime.getRuntime().availableProcessors())), 1, 256, "Threads (TensorFlow)",
		"TensorFlow intra- and inter-op threads, read once when TensorFlow starts; the default is the number of cores");
	/** Command line only: macros and dialogs write it as target=topK. */
	public static final Param<Integer> TOP_K = Param.integer("top-k", 1, 1, 100_000, "Top-k",
		"explain the K best classes, one map each (at most the model's number of classes)");

	/**
	 * Feature groups for the methods that switch groups of pixels off (feature ablation, LIME,
	 * KernelSHAP, whose superpixels a user's regions replace): offered
	 * only by their dialogs and commands, read by {@link FeatureMasks}.
	 */
	public static final Param<String> FEATURES = Param.text("features", FeatureMasks.AUTO,
		"Features (groups of pixels)",
		"auto (the ROI Manager's ROIs if it holds any, else a grid), grid, roimanager, a label image (TIFF/PNG, each value above 0 one feature) or ROI set (.zip/.roi) file, or the title of an open label image",
		// A lambda, not FeatureMasks::problem: linking FeatureMasks may load ImageJ classes, which
		// must wait until the command line has patched ImageJ for headless macros.
		value -> FeatureMasks.problem(value));

	/** Layer Sweep: the method, one of the registered methods that read a layer. */
	public static final Param<String> SWEEP_METHOD = Param.choice("method", "layercam",
		layerMethodIds(), "Method", "the method run at every layer (a method that reads a layer)");
	/** Layer Sweep: which layers. */
	public static final Param<String> SWEEP_LAYERS = Param.text("layers", "all",
		"Layers to sweep", "all (every activation layer, input to output), or names separated by commas",
		null);

	/**
	 * The options of an explanation, in dialog order (model first; the output folder last). Every
	 * front end reads and checks these; the target's top-k is checked through {@link #TARGET}.
	 */
	public static final List<Param<?>> ALL = List.of(MODEL, TARGET, LAYER, SCORE, COUNTERFACTUAL,
		OPACITY, LUT, THRESHOLD, ROIS, CURRENT, STACK, Z, T, SEED, BATCH, THREADS, OUTPUT);

	/** Remembered across commands and sessions: pick a model, LUT and threshold once. */
	public static final List<Param<?>> REMEMBERED = List.of(MODEL, LUT, THRESHOLD);

	/** The key under which a remembered option is kept, shared by every command. */
	public static String rememberKey(Param<?> p) {
		return "explaincnn." + p.key;
	}

	/** The common option with this key (the features option included), or null. */
	public static Param<?> byKey(String key) {
		for (Param<?> p : ALL)
			if (p.hasKey(key)) return p;
		return FEATURES.hasKey(key) ? FEATURES : null;
	}

	/** The common options a method offers beyond {@link #ALL}: features, if it groups pixels. */
	public static List<Param<?>> extraFor(AttributionMethod method) {
		return method.usesFeatureMask() ? List.of(FEATURES) : List.of();
	}

	/** The ids of the registered methods that read a layer: the ones a layer sweep can run. */
	public static List<String> layerMethodIds() {
		List<String> ids = new ArrayList<>();
		for (AttributionMethod m : Methods.all())
			if (m.usesLayer()) ids.add(m.id());
		return ids;
	}

	/**
	 * Checks a threshold: "otsu" or a fraction strictly between 0 and 1 (1 would leave no region).
	 * Its message begins with "Threshold", as it always has (scripts match on it).
	 */
	public static String checkThreshold(String raw) {
		String t = raw == null ? "" : raw.strip().toLowerCase(Locale.ROOT);
		if (t.equals("otsu")) return t;
		double f;
		try {
			f = Double.parseDouble(t);
		}
		catch (NumberFormatException e) {
			f = Double.NaN;
		}
		if (!(f > 0 && f < 1)) throw new ExplainException("Threshold " + raw +
			" is not allowed; threshold takes a fraction of the map's maximum (more than 0, less than 1) or otsu.");
		return t;
	}

	/**
	 * A line of help for one option: its help sentence, default and what is allowed, e.g.
	 * "steps: intervals of the path ... (default 50; a whole number from 1 to 100000)".
	 */
	public static String describe(Param<?> p) {
		String allowed = p.kind == Param.Kind.TEXT ? "" : "; " + p.allowed();
		String def = p.defaultText().isEmpty() ? "none" : p.defaultText();
		return p.help + " (default " + def + allowed + ")";
	}
}
