package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
		return List.of(Baselines.HIDDEN, Baselines.BLUR_SIGMA, CELL);
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
		float[] base = Baselines.of(Baselines.HIDDEN, options.get(Baselines.HIDDEN), model, image,
			new SplittableRandom(options.seed), options.get(Baselines.BLUR_SIGMA));
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
			out.add(new ClassMap(FeatureMask.paint(modelLabels, value)).detail(ClassMap.SIGNED, true).detail(
				"scoreAtImage", scores[0][j]).detail(FeatureMask.DETAIL, FeatureMask.rows(value, pixels,
					mask::name)));
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
}
