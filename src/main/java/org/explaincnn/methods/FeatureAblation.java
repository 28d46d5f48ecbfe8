package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.FeatureMask;
import org.explaincnn.core.ImageGeometry;
import org.explaincnn.core.Param;
import org.explaincnn.core.PerturbationScores;
import org.explaincnn.core.PreparedImage;

/**
 * Feature ablation (Captum's {@code FeatureAblation}): for each feature group (a label of a label
 * image, a ROI, or a grid cell), score(x) - score(x with that group replaced by the baseline). The
 * map gives every pixel its group's value (signed: negative groups speak against the class), and
 * the per-group values go to {@link ClassMap#details} ({@link FeatureMask#DETAIL}) for the table and JSON.
 * Forward only: one pass for the image plus one per group, streamed by {@link PerturbationScores};
 * every class of a call is read from the same passes.
 */
final class FeatureAblation implements AttributionMethod {

	static final Param<String> BASELINE = Param.choiceOrPath("baseline", "black", List.of("black",
		"white", "mean", "blur"), false, "Baseline",
		"what an ablated feature's pixels become: black, white, the image's per-channel mean, a blurred copy or an image file");
	static final Param<Integer> CELL = Param.integer("cell", 32, 2, 4096, "Cell of the grid (model pixels)",
		"side of the grid cells used as features when no label image or ROIs are given, in model-input pixels");

	@Override
	public String id() {
		return "featureablation";
	}

	@Override
	public String title() {
		return "Feature Ablation";
	}

	@Override
	public boolean usesLayer() {
		return false;
	}

	@Override
	public boolean usesFeatureMask() {
		return true;
	}

	@Override
	public boolean forwardOnly() {
		return true;
	}

	@Override
	public List<Param<?>> parameters() {
		return List.of(BASELINE, Baselines.BLUR_SIGMA, CELL);
	}

	/** One pass for the image plus one per feature (the default grid counted on a 224 x 224 input). */
	@Override
	public int passes(ExplainOptions options) {
		if (options.featureMask != null) return options.featureMask.count + 1;
		int cell = options.get(CELL);
		return 1 + ((224 + cell - 1) / cell) * ((224 + cell - 1) / cell);
	}

	@Override
	public List<ClassMap> explain(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options)
	{
		FeatureMask mask = options.featureMask != null ? options.featureMask : grid(image.geometry,
			options.get(CELL));
		int[] modelLabels = mask.atModel(image.geometry);
		float[] x = image.modelInput;
		float[] base = baseline(options.get(BASELINE), model, image, options);
		// Features that cover no model pixel (smaller than one) cannot change the score: no pass.
		boolean[] seen = new boolean[mask.count];
		for (int f : modelLabels)
			if (f != FeatureMask.NONE) seen[f] = true;
		List<Integer> ablated = new ArrayList<>();
		for (int f = 0; f < mask.count; f++)
			if (seen[f]) ablated.add(f);
		float[][] scores = PerturbationScores.of(model, image, ablated.size() + 1, i -> i == 0 ? x
			: FeatureMask.perturb(x, base, image.channels, modelLabels, allBut(mask.count, ablated.get(
				i - 1))), classes, options);
		int[] pixels = mask.pixelCounts();
		List<ClassMap> out = new ArrayList<>();
		for (int j = 0; j < classes.length; j++) {
			double[] value = new double[mask.count];
			for (int i = 0; i < ablated.size(); i++)
				value[ablated.get(i)] = options.seedSign() * ((double) scores[0][j] - scores[i + 1][j]);
			List<Map<String, Object>> table = new ArrayList<>();
			for (int f = 0; f < mask.count; f++) {
				Map<String, Object> row = new LinkedHashMap<>();
				row.put("id", f + 1);
				row.put("name", mask.name(f));
				row.put("attribution", value[f]);
				row.put("pixels", pixels[f]);
				table.add(row);
			}
			out.add(new ClassMap(FeatureMask.paint(modelLabels, value)).detail(ClassMap.SIGNED, true).detail(
				"scoreAtImage", scores[0][j]).detail(FeatureMask.DETAIL, table));
		}
		return out;
	}

	/**
	 * The grid used when no features are given: cells of {@code cell} model-input pixels, scaled to
	 * the original image (so a large photo and a small crop get the same number of cells).
	 */
	static FeatureMask grid(ImageGeometry g, int cell) {
		double scale = Math.sqrt((double) g.cropWidth / g.modelWidth * g.cropHeight / g.modelHeight);
		return FeatureMask.grid(g.originalWidth, g.originalHeight, Math.max(1, (int) Math.round(cell *
			scale)));
	}

	private static boolean[] allBut(int count, int off) {
		boolean[] on = new boolean[count];
		Arrays.fill(on, true);
		on[off] = false;
		return on;
	}

	/** The baseline in model units; "mean" is the image's per-channel mean (0..255 pixels). */
	static float[] baseline(String kind, ExplainableModel model, PreparedImage image,
		ExplainOptions options)
	{
		if (!kind.strip().equalsIgnoreCase("mean")) return Baselines.of(kind, model, image,
			new SplittableRandom(options.seed), options.get(Baselines.BLUR_SIGMA));
		int c = image.channels;
		double[] mean = new double[c];
		for (int i = 0; i < image.pixels.length; i++)
			mean[i % c] += image.pixels[i];
		float[] pixels = new float[image.pixels.length];
		for (int i = 0; i < pixels.length; i++)
			pixels[i] = (float) (mean[i % c] / (image.pixels.length / c));
		return PreparedImage.normalise(pixels, model.spec());
	}
}
