package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.BackpropRule;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Param;
import org.explaincnn.core.PreparedImage;

/**
 * Integrated Gradients (Sundararajan et al. 2017): (x - x') * the mean gradient along the straight
 * path from the baseline x' to x, by the trapezoid rule over {@code steps} intervals (steps + 1
 * points). The points are streamed through the model in batches, so memory does not grow with
 * steps. Completeness (sum of attributions = f(x) - f(x')) is checked and reported.
 */
final class IntegratedGradients implements AttributionMethod {

	@Override
	public String id() {
		return "integratedgradients";
	}

	@Override
	public String title() {
		return "Integrated Gradients";
	}

	@Override
	public boolean usesLayer() {
		return false;
	}

	static final Param<Integer> STEPS = Param.integer("steps", 50, 1, 100_000, "Steps (path integral)",
		"intervals of the path from the baseline to the image (trapezoid rule, steps + 1 passes)");
	static final Param<String> BASELINE = Param.choiceOrPath("baseline", "black", Baselines.KINDS,
		false, "Baseline", "the reference image the path starts from");

	@Override
	public List<Param<?>> parameters() {
		return List.of(STEPS, BASELINE, Baselines.BLUR_SIGMA);
	}

	@Override
	public int passes(ExplainOptions options) {
		return options.get(STEPS) + 1;
	}

	@Override
	public List<ClassMap> explain(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options)
	{
		int steps = options.get(STEPS);
		float[] x = image.modelInput;
		float[] base = Baselines.of(BASELINE, options.get(BASELINE), model, image, new SplittableRandom(
			options.seed), options.get(Baselines.BLUR_SIGMA));
		List<ClassMap> out = new ArrayList<>();
		int total = classes.length * (steps + 1);
		for (int ci = 0; ci < classes.length; ci++) {
			int cls = classes[ci];
			double[] avg = new double[x.length];
			float[] ends = new float[2];
			InputGradients.atInputs(model, image, cls, steps + 1, k -> point(x, base, (double) k /
				steps), options, BackpropRule.PLAIN, (k, in,
				g, score) -> {
				double w = (k == 0 || k == steps ? 0.5 : 1.0) / steps;
				for (int i = 0; i < g.length; i++)
					avg[i] += w * g[i];
				if (k == 0) ends[0] = score;
				if (k == steps) ends[1] = score;
			}, ci * (steps + 1), total);
			float[] attribution = new float[x.length];
			double sum = 0;
			for (int i = 0; i < x.length; i++) {
				attribution[i] = (float) ((x[i] - base[i]) * avg[i]);
				sum += attribution[i];
			}
			double delta = ends[1] - ends[0];
			out.add(new ClassMap(InputGradients.sum(attribution, image.channels)).detail(
				"attributionSum", sum).detail("scoreDifference", delta).detail("completenessGap", sum -
					delta).detail("relativeGap", delta == 0 ? 0 : (sum - delta) / Math.abs(delta)).detail(
						"steps", steps));
		}
		return out;
	}

	static float[] point(float[] x, float[] base, double alpha) {
		float[] p = new float[x.length];
		for (int i = 0; i < p.length; i++)
			p[i] = (float) (base[i] + alpha * (x[i] - base[i]));
		return p;
	}
}
