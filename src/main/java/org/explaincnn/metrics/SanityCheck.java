package org.explaincnn.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;
import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.ReweightedModel;
import org.explaincnn.core.WeightLayer;

/**
 * The model-parameter randomisation test of Adebayo et al. 2018 ("Sanity checks for saliency
 * maps"), cascading: the method's map on the model, then with the weights of the top 1, 2, ... k
 * weight layers re-initialised at random, each compared with the original map by the Spearman
 * rank correlation of the absolute and of the signed maps and by SSIM. A map that explains the
 * model must change when the model is destroyed; one that stays the same shows the image (edges),
 * not the model. The model is randomised in memory only ({@link ReweightedModel}): its files and
 * other users see the trained weights.
 */
public final class SanityCheck {

	/** Spearman (absolute maps) at full randomisation below which the method passes. */
	public static final double PASS_BELOW = 0.5;
	/**
	 * Standard deviation of a normal truncated at two standard deviations, over that of the normal:
	 * the random weights are scaled by its inverse so that their spread equals the trained ones'
	 * (Keras's variance-scaling initialisers correct the truncation the same way).
	 */
	static final double TRUNCATED_STD = 0.87962566103423978;

	/** One cascading step: the top {@code depth} layers randomised, the last of them {@code layer}. */
	public record Step(int depth, String layer, double spearmanAbsolute, double spearmanSigned,
		double ssim)
	{}

	/** The steps of one method on one image and class. */
	public record Result(String method, int classIndex, String label, long seed, List<Step> steps) {

		public Result {
			steps = List.copyOf(steps);
		}

		/** Correlation of the absolute maps at the deepest randomisation run. */
		public double finalSpearman() {
			return steps.isEmpty() ? Double.NaN : steps.get(steps.size() - 1).spearmanAbsolute();
		}

		public boolean passes() {
			return finalSpearman() < PASS_BELOW;
		}

		/** One line for people: what happened at the deepest step, and what it means. */
		public String verdict() {
			Step last = steps.get(steps.size() - 1);
			String figures = String.format(Locale.ROOT, "Spearman %.2f, SSIM %.2f with the top %d " +
				"weight layer%s randomised", last.spearmanAbsolute(), last.ssim(), last.depth(), last
					.depth() == 1 ? "" : "s");
			return passes() ? method + ": the map changes when the model is destroyed - passes (" +
				figures + ")." : String.format(Locale.ROOT, "%s: fails - the map stays the same when " +
					"the model is destroyed (%s; correlation stays above %.1f), so it shows the image " +
					"more than the model.", method, figures, PASS_BELOW);
		}
	}

	private SanityCheck() {}

	/**
	 * The cascade for one class: {@code layers} steps (0 or more than the model has: all of its
	 * weight layers). Costs one explanation per step plus one. Progress covers all the steps.
	 */
	public static Result of(ExplainableModel model, PreparedImage image, AttributionMethod method,
		int cls, ExplainOptions options, int layers)
	{
		List<WeightLayer> all = model.layersWithWeights();
		if (all.isEmpty()) throw new ExplainException("The model has no convolution or dense " +
			"weights on its path to the scores; there is nothing to randomise.");
		int depth = layers <= 0 ? all.size() : Math.min(layers, all.size());
		method.checkParameters(options.params());
		int w = image.width(), h = image.height();
		float[] original = explain(model, image, method, cls, options, 0, depth);
		List<Step> steps = new ArrayList<>();
		// Every step feeds the same tensors (the trained values where not yet randomised): TensorFlow
		// prepares a run once per set of fed tensors, so one set for the whole cascade saves that
		// preparation at every step (most of a step's cost for fast methods).
		Map<String, float[]> random = new LinkedHashMap<>();
		for (WeightLayer layer : all.subList(0, depth))
			for (WeightLayer.Tensor t : layer.tensors())
				random.put(t.name(), model.weights(t));
		for (int k = 1; k <= depth; k++) {
			options.checkCancelled();
			WeightLayer layer = all.get(k - 1);
			random.putAll(randomWeights(model, layer, k - 1, options.seed));
			float[] map = explain(new ReweightedModel(model, random), image, method, cls, options, k,
				depth);
			steps.add(new Step(k, layer.name(), spearman(absolute(original), absolute(map)), spearman(
				original, map), Ssim.of(original, map, w, h)));
		}
		return new Result(method.id(), cls, model.spec().labels.name(cls), options.seed, steps);
	}

	/** The model with its top {@code depth} weight layers randomised (as step {@code depth} runs it). */
	public static ReweightedModel randomised(ExplainableModel model, int depth, long seed) {
		List<WeightLayer> all = model.layersWithWeights();
		Map<String, float[]> random = new HashMap<>();
		for (int k = 0; k < Math.min(depth, all.size()); k++)
			random.putAll(randomWeights(model, all.get(k), k, seed));
		return new ReweightedModel(model, random);
	}

	/**
	 * New values for a layer's tensors: a normal truncated at two standard deviations, centred on
	 * zero, with each tensor's own trained standard deviation (a tensor of one value: its absolute
	 * value); seeded per layer (its rank from the top), so a layer gets the same values at every
	 * step of the cascade whatever the depth.
	 */
	public static Map<String, float[]> randomWeights(ExplainableModel model, WeightLayer layer,
		int rankFromTop, long seed)
	{
		SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + rankFromTop);
		Map<String, float[]> out = new LinkedHashMap<>();
		for (WeightLayer.Tensor t : layer.tensors()) {
			float[] trained = model.weights(t);
			double scale = spread(trained) / TRUNCATED_STD;
			float[] v = new float[trained.length];
			for (int i = 0; i < v.length; i++) {
				double z;
				do z = random.nextGaussian();
				while (Math.abs(z) > 2);
				v[i] = (float) (z * scale);
			}
			out.put(t.name(), v);
		}
		return out;
	}

	private static double spread(float[] v) {
		if (v.length == 1) return Math.abs(v[0]);
		double mean = 0, sq = 0;
		for (float x : v)
			mean += x;
		mean /= v.length;
		for (float x : v)
			sq += (x - mean) * (x - mean);
		return Math.sqrt(sq / v.length);
	}

	/**
	 * Spearman's rank correlation (ties ranked by their mean). A constant map has no order: against
	 * a map that has one it correlates 0, against another constant map 1.
	 */
	public static double spearman(float[] a, float[] b) {
		boolean ca = constant(a), cb = constant(b);
		if (ca || cb) return ca && cb ? 1 : 0;
		return new SpearmansCorrelation().correlation(doubles(a), doubles(b));
	}

	private static float[] explain(ExplainableModel model, PreparedImage image,
		AttributionMethod method, int cls, ExplainOptions options, int step, int steps)
	{
		ExplainOptions.ProgressListener total = options.progress;
		ExplainOptions o = options.toBuilder().progress((done, n) -> total.update(step * n + done, (
			steps + 1) * n)).build();
		return method.explain(model, image, new int[] { cls }, o).get(0).map;
	}

	private static float[] absolute(float[] m) {
		float[] out = new float[m.length];
		for (int i = 0; i < m.length; i++)
			out[i] = Math.abs(m[i]);
		return out;
	}

	private static boolean constant(float[] m) {
		for (float v : m)
			if (v != m[0]) return false;
		return true;
	}

	private static double[] doubles(float[] m) {
		double[] out = new double[m.length];
		for (int i = 0; i < m.length; i++)
			out[i] = m[i];
		return out;
	}
}
