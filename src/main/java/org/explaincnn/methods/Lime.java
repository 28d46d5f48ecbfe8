package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.FeatureMask;
import org.explaincnn.core.Param;
import org.explaincnn.core.PerturbationScores;
import org.explaincnn.core.PreparedImage;

/**
 * LIME (Ribeiro et al. 2016) on superpixels, as the lime package's LimeImageExplainer: N random
 * on/off patterns over the superpixels (the first with all on), off superpixels replaced by the
 * baseline (lime's hide_color=None: each superpixel's mean colour), the class scores of those
 * inputs, each pattern weighted by sqrt(exp(-d^2 / width^2)) with d its cosine distance to the
 * all-on pattern (width 0.25), and a weighted ridge regression with intercept (sklearn's
 * Ridge(alpha=1) in lime) per class. The map holds the coefficients of the K most positive and the
 * K most negative superpixels (the others 0), as lime's get_image_and_mask shows them; every
 * coefficient, the intercept, the fit's weighted R^2 (lime's "score") and the local prediction go
 * to the details. A user's regions replace the superpixels; a region with no model pixel is never
 * switched off and gets the coefficient 0 ({@link Superpixels.Features}). The fit keeps the on/off
 * patterns (a byte per superpixel and sample) and a least-squares factor of the superpixels'
 * size, not a matrix of samples x superpixels ({@link WeightedLeastSquares}).
 */
final class Lime implements AttributionMethod {

	static final Param<Integer> SAMPLES = Param.integer("samples", 1000, 2, 50_000, "Samples",
		"random on/off superpixel patterns scored by the model (the first has every superpixel on)");
	static final Param<Integer> SHOWN = Param.integer("shown", 5, 1, 10_000,
		"Shown superpixels each way", "the map holds the K most positive and the K most negative " +
			"superpixels' coefficients, the others are 0; all coefficients go to the JSON");
	static final Param<Double> WIDTH = Param.number("width", 0.25, 0.01, 100, "Width of the kernel",
		"width of the exponential kernel on the cosine distance to the whole image (lime's 0.25)");
	static final Param<Double> RIDGE = Param.number("ridge", 1, 0, 1e6, "Ridge alpha",
		"L2 penalty of the weighted linear fit (sklearn's Ridge alpha in lime: 1)");

	@Override
	public String id() {
		return "lime";
	}

	@Override
	public String title() {
		return "LIME";
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
		out.addAll(List.of(SHOWN, WIDTH, RIDGE));
		return out;
	}

	@Override
	public int passes(ExplainOptions options) {
		return options.get(SAMPLES);
	}

	@Override
	public List<ClassMap> explain(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options)
	{
		Superpixels.Features features = Superpixels.features(image, options, title());
		int[] labels = features.compact;
		int m = features.present.length;
		int n = options.get(SAMPLES);
		Superpixels.requireSize(n, m, m + 1, classes.length, title());
		SplittableRandom random = new SplittableRandom(options.seed);
		// A stream of its own for a noise baseline, so that it does not repeat the patterns' draws.
		float[] base = Superpixels.baseline(model, image, labels, m, options, random.split());
		boolean[][] on = new boolean[n][m];
		Arrays.fill(on[0], true);
		for (int i = 1; i < n; i++)
			for (int j = 0; j < m; j++)
				on[i][j] = random.nextBoolean();
		float[][] scores = PerturbationScores.of(model, image, n, i -> FeatureMask.perturb(
			image.modelInput, base, image.channels, labels, on[i]), classes, options);

		double width = options.get(WIDTH);
		double[] weight = new double[n];
		double[][] y = new double[n][classes.length];
		for (int i = 0; i < n; i++) {
			int k = 0;
			for (int j = 0; j < m; j++)
				if (on[i][j]) k++;
			weight[i] = kernel(k, m, width);
			for (int c = 0; c < classes.length; c++)
				y[i][c] = options.seedSign() * scores[i][c];
		}
		double[] row = new double[m];
		Fit fit = Fit.ridge(n, i -> {
			for (int j = 0; j < m; j++)
				row[j] = on[i][j] ? 1 : 0;
			return row;
		}, y, weight, options.get(RIDGE), title());
		int shown = options.get(SHOWN);
		List<ClassMap> out = new ArrayList<>();
		for (int c = 0; c < classes.length; c++) {
			double[] present = new double[m];
			for (int j = 0; j < m; j++)
				present[j] = fit.coefficients[j][c];
			// Every feature of a user's mask, 0 for those with no model pixel (never switched off).
			double[] coefficient = features.expand(present);
			int[] positive = strongest(coefficient, shown, 1), negative = strongest(coefficient, shown,
				-1);
			double[] painted = new double[coefficient.length];
			for (int j : positive)
				painted[j] = coefficient[j];
			for (int j : negative)
				painted[j] = coefficient[j];
			out.add(new ClassMap(FeatureMask.paint(features.labels, painted)).detail(ClassMap.SIGNED,
				true).detail("featureCount", features.count).detail(FeatureMask.DETAIL, Superpixels
					.table(coefficient, features.labels, image, options)).detail("samples", n).detail(
						"positiveFeatures", Arrays.stream(positive).boxed().toList()).detail(
							"negativeFeatures", Arrays.stream(negative).boxed().toList()).detail(
								"coefficients", Arrays.stream(coefficient).boxed().toList()).detail("intercept",
									fit.intercept[c]).detail("r2", fit.r2[c]).detail("localPrediction",
										fit.intercept[c] + Arrays.stream(coefficient).sum()));
		}
		return out;
	}

	/**
	 * lime's weight of a pattern with {@code on} of m superpixels on: sqrt(exp(-d^2 / width^2)), d
	 * sklearn's cosine distance to the all-on pattern, 1 - sqrt(on / m) (1 for the all-off pattern,
	 * whose norm is 0).
	 */
	static double kernel(int on, int m, double width) {
		double d = on == 0 ? 1 : 1 - Math.sqrt((double) on / m);
		return Math.sqrt(Math.exp(-d * d / (width * width)));
	}

	/**
	 * Up to k features with the largest coefficients of this sign (sign +1: most positive first;
	 * -1: most negative first), ties by feature number; coefficients of the other sign or 0 never.
	 * Superpixels switched on and off together in every sample have the same coefficient up to
	 * rounding, which differs with the batch size: coefficients are compared to 1e-9 of the largest,
	 * so such ties always go to the lower feature number.
	 */
	static int[] strongest(double[] coefficient, int k, int sign) {
		double largest = Arrays.stream(coefficient).map(Math::abs).max().orElse(0);
		double step = largest > 0 ? largest * 1e-9 : 1;
		return IntStream.range(0, coefficient.length).filter(j -> sign * coefficient[j] > 0).boxed()
			.sorted(Comparator.comparingLong((Integer j) -> -Math.round(sign * coefficient[j] / step))
				.thenComparing(j -> j)).limit(k).mapToInt(Integer::intValue).toArray();
	}

	/** A weighted ridge regression with an unpenalised intercept, as sklearn's Ridge. */
	static final class Fit {

		/** features x classes. */
		final double[][] coefficients;
		final double[] intercept, r2;

		private Fit(double[][] coefficients, double[] intercept, double[] r2) {
			this.coefficients = coefficients;
			this.intercept = intercept;
			this.r2 = r2;
		}

		/** As {@link #ridge(int, IntFunction, double[][], double[], double, String)} on rows of x. */
		static Fit ridge(double[][] x, double[][] y, double[] w, double alpha) {
			return ridge(x.length, i -> x[i], y, w, alpha, "LIME");
		}

		/**
		 * sklearn's Ridge with sample weights: the intercept is an unpenalised unknown (the same
		 * solution as sklearn's centring on the weighted means), the n rows {@code x.apply(i)} (m
		 * values; may reuse one array) folded into a least-squares factor one at a time, so memory
		 * does not grow with n; R^2 is sklearn's weighted score, from a second pass over the rows.
		 */
		static Fit ridge(int n, IntFunction<double[]> x, double[][] y, double[] w, double alpha,
			String method)
		{
			int c = y[0].length, m = x.apply(0).length;
			WeightedLeastSquares fit = new WeightedLeastSquares(m + 1, c);
			double[] row = new double[m + 1];
			row[m] = 1;
			for (int i = 0; i < n; i++) {
				System.arraycopy(x.apply(i), 0, row, 0, m);
				fit.add(row, y[i], w[i]);
			}
			fit.ridge(alpha, m);
			double[][] solved = fit.solve(method);
			double[][] beta = Arrays.copyOf(solved, m);
			double total = Arrays.stream(w).sum();
			double[] intercept = new double[c], r2 = new double[c], yMean = new double[c];
			for (int k = 0; k < c; k++) {
				intercept[k] = solved[m][k];
				for (int i = 0; i < n; i++)
					yMean[k] += w[i] * y[i][k] / total;
			}
			double[] residual = new double[c], spread = new double[c];
			for (int i = 0; i < n; i++) {
				double[] xi = x.apply(i);
				for (int k = 0; k < c; k++) {
					double predicted = intercept[k];
					for (int j = 0; j < m; j++)
						predicted += xi[j] * beta[j][k];
					residual[k] += w[i] * (y[i][k] - predicted) * (y[i][k] - predicted);
					spread[k] += w[i] * (y[i][k] - yMean[k]) * (y[i][k] - yMean[k]);
				}
			}
			for (int k = 0; k < c; k++)
				// sklearn's r2_score: 1 for a perfect fit of constant data, 0 for an imperfect one.
				r2[k] = spread[k] > 0 ? 1 - residual[k] / spread[k] : residual[k] == 0 ? 1 : 0;
			return new Fit(beta, intercept, r2);
		}
	}
}
