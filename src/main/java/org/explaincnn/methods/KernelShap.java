package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.apache.commons.math3.util.CombinatoricsUtils;
import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.FeatureMask;
import org.explaincnn.core.Param;
import org.explaincnn.core.PerturbationScores;
import org.explaincnn.core.PreparedImage;

/**
 * KernelSHAP (Lundberg and Lee 2017) on superpixels, as the shap package's KernelExplainer: the
 * Shapley value of each superpixel is the solution of a weighted least-squares fit of the class
 * score over coalitions of superpixels (off ones show the baseline), weighted by the Shapley kernel
 * (M-1) / (C(M,s) s (M-s)) for a coalition of s of M superpixels. The empty and the full coalition
 * enter as the efficiency constraint sum(phi) = f(x) - f(baseline), by eliminating one unknown as
 * shap does. Coalitions are drawn as shap draws them: whole coalition sizes are enumerated (with
 * their complements) while the budget covers them, the rest sampled by size from the kernel; with
 * a budget of 2^M - 2 or more every coalition is enumerated and the values are the exact Shapley
 * values. Unlike shap's default there is no L1 feature selection: every superpixel gets a value.
 * The map paints each superpixel with its value; the details hold the values and the efficiency
 * gap (zero up to rounding, by the constraint), named as Integrated Gradients' completeness gap.
 * A user's regions replace the superpixels; a region with no model pixel cannot change the score
 * (a dummy player): it is left out of the coalitions and its value is 0.
 */
final class KernelShap implements AttributionMethod {

	static final Param<Integer> SAMPLES = Param.integer("samples", 1000, 1, 50_000,
		"Samples (coalitions)", "coalitions scored besides the empty and the full one, drawn from " +
			"the Shapley kernel as the shap package does; at 2^M - 2 or more (M superpixels) every " +
			"coalition is enumerated");

	@Override
	public String id() {
		return "kernelshap";
	}

	@Override
	public String title() {
		return "KernelSHAP";
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
		List<Param<?>> out = new ArrayList<>();
		out.add(SAMPLES);
		out.addAll(Superpixels.PARAMETERS);
		return out;
	}

	@Override
	public int passes(ExplainOptions options) {
		return options.get(SAMPLES) + 2;
	}

	@Override
	public List<ClassMap> explain(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options)
	{
		Superpixels.Features features = Superpixels.features(image, options, title());
		int[] labels = features.compact;
		int m = features.present.length;
		Superpixels.requireSize(options.get(SAMPLES), m, m - 1, classes.length, title());
		SplittableRandom random = new SplittableRandom(options.seed);
		// A stream of its own for a noise baseline, so that it does not repeat the coalitions' draws.
		float[] base = Superpixels.baseline(model, image, labels, m, options, random.split());
		Coalitions coalitions = Coalitions.draw(m, options.get(SAMPLES), random);
		int k = coalitions.masks.size();
		boolean[] all = new boolean[m], none = new boolean[m];
		Arrays.fill(all, true);
		// Input 0: the image (all on), 1: the baseline (all off), then the coalitions.
		float[][] scores = PerturbationScores.of(model, image, k + 2, i -> FeatureMask.perturb(
			image.modelInput, base, image.channels, labels, i == 0 ? all : i == 1 ? none
				: coalitions.masks.get(i - 2)), classes, options);
		int c = classes.length;
		double sign = options.seedSign();
		double[] difference = new double[c];
		for (int j = 0; j < c; j++)
			difference[j] = sign * (scores[0][j] - (double) scores[1][j]);
		double[][] phi = new double[m][c];
		if (m == 1) phi[0] = difference.clone();
		else {
			// shap's elimination of the last unknown: phi_last = difference - sum of the others.
			WeightedLeastSquares fit = new WeightedLeastSquares(m - 1, c);
			double[] x = new double[m - 1], y = new double[c], weight = coalitions.weights();
			for (int i = 0; i < k; i++) {
				boolean[] z = coalitions.masks.get(i);
				double last = z[m - 1] ? 1 : 0;
				for (int f = 0; f < m - 1; f++)
					x[f] = (z[f] ? 1 : 0) - last;
				for (int j = 0; j < c; j++)
					y[j] = sign * (scores[i + 2][j] - (double) scores[1][j]) - last * difference[j];
				fit.add(x, y, weight[i]);
			}
			double[][] solved = fit.solve(title());
			for (int j = 0; j < c; j++) {
				double rest = 0;
				for (int f = 0; f < m - 1; f++)
					rest += phi[f][j] = solved[f][j];
				phi[m - 1][j] = difference[j] - rest;
			}
		}
		List<ClassMap> out = new ArrayList<>();
		for (int j = 0; j < c; j++) {
			double[] present = new double[m];
			double sum = 0;
			for (int f = 0; f < m; f++)
				sum += present[f] = phi[f][j];
			// Every feature of a user's mask, 0 for those with no model pixel (a dummy player's value).
			double[] value = features.expand(present);
			double d = difference[j];
			out.add(new ClassMap(FeatureMask.paint(features.labels, value)).detail(ClassMap.SIGNED, true)
				.detail("featureCount", features.count).detail(FeatureMask.DETAIL, Superpixels.table(value,
					features.labels, image, options)).detail(
				"coalitions", k).detail("exact", coalitions.exact).detail("shapleyValues", Arrays.stream(
					value).boxed().toList()).detail("attributionSum", sum).detail("scoreDifference", d)
				.detail("completenessGap", sum - d).detail("relativeGap", d == 0 ? 0 : (sum - d) / Math
					.abs(d)));
		}
		return out;
	}

	/** Coalitions of M features with their kernel weights, drawn as shap's KernelExplainer does. */
	static final class Coalitions {

		final List<boolean[]> masks = new ArrayList<>();
		private double[] weight = new double[16];
		/** True when every coalition was enumerated (the values are then exact). */
		boolean exact;

		double[] weights() {
			return Arrays.copyOf(weight, masks.size());
		}

		private int add(boolean[] mask, double w) {
			if (masks.size() == weight.length) weight = Arrays.copyOf(weight, 2 * weight.length);
			weight[masks.size()] = w;
			masks.add(mask);
			return masks.size() - 1;
		}

		/**
		 * At most {@code budget} coalitions other than the empty and the full one (at most 2^M - 2
		 * exist). Sizes s and M - s are paired, as the kernel is symmetric. Sizes are enumerated from
		 * the smallest (the most weight per coalition) while the budget left covers every coalition
		 * of the size in proportion to its kernel weight; the remaining budget draws a size by its
		 * weight, a random coalition of that size and its complement; a coalition drawn again adds to
		 * its weight. The drawn coalitions share the weight of the sizes not enumerated.
		 */
		static Coalitions draw(int m, int budget, SplittableRandom random) {
			Coalitions out = new Coalitions();
			long exist = m <= 30 ? (1L << m) - 2 : Long.MAX_VALUE;
			int samples = (int) Math.min(budget, exist);
			int sizes = (m - 1 + 1) / 2, paired = (m - 1) / 2;
			out.exact = samples == exist;
			if (samples == 0) return out;
			double[] kernel = new double[sizes];
			for (int s = 1; s <= sizes; s++)
				kernel[s - 1] = (m - 1.0) / (s * (double) (m - s)) * (s <= paired ? 2 : 1);
			normalise(kernel);
			double[] remaining = kernel.clone();
			int full = 0;
			double left = samples;
			for (int s = 1; s <= sizes; s++) {
				double subsets = CombinatoricsUtils.binomialCoefficientDouble(m, s) * (s <= paired ? 2
					: 1);
				if (left * remaining[s - 1] / subsets < 1 - 1e-8) break;
				full++;
				left -= subsets;
				if (remaining[s - 1] < 1) {
					double scale = 1 - remaining[s - 1];
					for (int i = 0; i < sizes; i++)
						remaining[i] /= scale;
				}
				double w = kernel[s - 1] / CombinatoricsUtils.binomialCoefficientDouble(m, s) / (s <=
					paired ? 2 : 1);
				int[] pick = new int[s];
				for (int i = 0; i < s; i++)
					pick[i] = i;
				do {
					boolean[] mask = new boolean[m];
					for (int i : pick)
						mask[i] = true;
					out.add(mask, w);
					if (s <= paired) out.add(complement(mask), w);
				}
				while (nextCombination(pick, m));
			}
			out.exact |= full == sizes;
			if (full == sizes) return out;
			int fixed = out.masks.size(), samplesLeft = samples - fixed;
			double[] bySize = Arrays.copyOfRange(kernel, full, sizes);
			for (int i = 0; i < bySize.length; i++)
				if (full + i + 1 <= paired) bySize[i] /= 2; // two coalitions per draw
			normalise(bySize);
			Map<BitSet, Integer> seen = new HashMap<>();
			int[] order = new int[m];
			for (int draws = 4 * samplesLeft; samplesLeft > 0 && draws > 0; draws--) {
				int s = full + 1 + pickIndex(bySize, random);
				for (int i = 0; i < m; i++)
					order[i] = i;
				boolean[] mask = new boolean[m];
				for (int i = 0; i < s; i++) { // the first s of a random permutation
					int j = i + random.nextInt(m - i);
					int t = order[i];
					order[i] = order[j];
					order[j] = t;
					mask[order[i]] = true;
				}
				samplesLeft -= count(out, seen, mask);
				if (samplesLeft > 0 && s <= paired) samplesLeft -= count(out, seen, complement(mask));
			}
			double drawn = 0, weightLeft = 0;
			for (int i = fixed; i < out.masks.size(); i++)
				drawn += out.weight[i];
			for (int i = full; i < sizes; i++)
				weightLeft += kernel[i];
			for (int i = fixed; i < out.masks.size(); i++)
				out.weight[i] *= weightLeft / drawn;
			return out;
		}

		/** Adds a drawn coalition with weight 1, or 1 to its weight if drawn before; 1 if new. */
		private static int count(Coalitions out, Map<BitSet, Integer> seen, boolean[] mask) {
			BitSet key = new BitSet(mask.length);
			for (int i = 0; i < mask.length; i++)
				if (mask[i]) key.set(i);
			Integer at = seen.get(key);
			if (at != null) {
				out.weight[at] += 1;
				return 0;
			}
			seen.put(key, out.add(mask, 1));
			return 1;
		}

		private static boolean[] complement(boolean[] mask) {
			boolean[] c = new boolean[mask.length];
			for (int i = 0; i < c.length; i++)
				c[i] = !mask[i];
			return c;
		}

		/** The next s-subset of 0..m-1 in lexicographic order (as itertools.combinations). */
		private static boolean nextCombination(int[] pick, int m) {
			int s = pick.length, i = s - 1;
			while (i >= 0 && pick[i] == m - s + i)
				i--;
			if (i < 0) return false;
			pick[i]++;
			for (int j = i + 1; j < s; j++)
				pick[j] = pick[j - 1] + 1;
			return true;
		}

		private static int pickIndex(double[] p, SplittableRandom random) {
			double u = random.nextDouble(), cumulative = 0;
			for (int i = 0; i < p.length; i++)
				if (u < (cumulative += p[i])) return i;
			return p.length - 1;
		}

		private static void normalise(double[] v) {
			double sum = Arrays.stream(v).sum();
			for (int i = 0; i < v.length; i++)
				v[i] /= sum;
		}
	}
}
