package org.explaincnn.ij;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.Score;

/** Everything a user chooses for one explanation; shared by the commands, macros and the CLI. */
public final class ExplainJob {

	public Path model;
	public String method = "gradcam";
	/** top1, topK, a class index, a label, or several joined by ';'. */
	public String target = "top1";
	/** Layer name, or null/"auto" for the model's default. */
	public String layer;
	public Score score = Score.LOGIT;
	public boolean counterfactual;
	public double opacity = 0.5;
	public String lut = Luts.DEFAULT;
	/** Fraction of the maximum (e.g. "0.5") or "otsu". */
	public String threshold = "0.5";
	public boolean addRois = true;
	/** Explain the current plane of a stack. */
	public boolean currentSlice;
	public long seed = 42;
	/** Layers to sweep ("all" or names): one map per layer instead of per class; null = no sweep. */
	public String sweep;
	/** Folder to save heatmap TIFF, overlay PNG, ROI zip and JSON in; null saves nothing. */
	public Path output;
	public int batchSize = 16;
	public final Map<String, String> params = new LinkedHashMap<>();

	ExplainOptions options() {
		return ExplainOptions.builder().layer(layer == null || layer.isBlank() || layer
			.equalsIgnoreCase("auto") ? null : layer.strip()).score(score).counterfactual(
				counterfactual).seed(seed).batchSize(batchSize).params(params).build();
	}

	/** The parameters as written to the JSON manifest. */
	Map<String, Object> describe() {
		Map<String, Object> m = new LinkedHashMap<>();
		m.put("target", target);
		m.put("layer", layer == null ? "auto" : layer);
		m.put("score", score.name().toLowerCase(java.util.Locale.ROOT));
		m.put("counterfactual", counterfactual);
		m.put("threshold", threshold);
		m.put("seed", seed);
		if (sweep != null) m.put("sweep", sweep);
		m.put("batchSize", batchSize);
		m.putAll(params);
		return m;
	}
}
