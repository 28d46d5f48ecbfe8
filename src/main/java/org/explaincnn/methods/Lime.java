package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
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
 * to the details.
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
		int[] labels = Superpixels.modelFeatures(image, options);
		int m = Superpixels.count(labels);
		Superpixels.requireFeatures(m, title());
		int n = options.get(SAMPLES);
		Superpixels.requireSize(n, m, title());
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
		double[][] x = new double[n][m], y = new double[n][classes.length];
		for (int i = 0; i < n; i++) {
			int k = 0;
			for (int j = 0; j < m; j++)
				if (on[i][j]) {
					x[i][j] = 1;
					k++;
				}
			weight[i] = kernel(k, m, width);
			for (int c = 0; c < classes.length; c++)
				y[i][c] = options.seedSign() * scores[i][c];
		}
		Fit fit = Fit.ridge(x, y, weight, options.get(RIDGE));
		int shown = options.get(SHOWN);
		List<ClassMap> out = new ArrayList<>();
		for (int c = 0; c < classes.length; c++) {
			double[] coefficient = new double[m];
			for (int j = 0; j < m; j++)
				coefficient[j] = fit.coefficients[j][c];
			int[] positive = strongest(coefficient, shown, 1), negative = strongest(coefficient, shown,
				-1);
			double[] painted = new double[m];
			for (int j : positive)
				painted[j] = coefficient[j];
			for (int j : negative)
				painted[j] = coefficient[j];
			out.add(new ClassMap(FeatureMask.paint(labels, painted)).detail(ClassMap.SIGNED, true).detail(
				"featureCount", m).detail(FeatureMask.DETAIL, Superpixels.table(coefficient, labels, image,
					options)).detail(
				"samples", n).detail("positiveFeatures", Arrays.stream(positive).boxed().toList()).detail(
					"negativeFeatures", Arrays.stream(negative).boxed().toList()).detail("coefficients",
						Arrays.stream(coefficient).boxed().toList()).detail("intercept", fit.intercept[c])
				.detail("r2", fit.r2[c]).detail("localPrediction", fit.intercept[c] + Arrays.stream(
					coefficient).sum()));
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
	 */
	static int[] strongest(double[] coefficient, int k, int sign) {
		return IntStream.range(0, coefficient.length).filter(j -> sign * coefficient[j] > 0).boxed()
			.sorted(Comparator.comparingDouble((Integer j) -> -sign * coefficient[j]).thenComparing(
				j -> j)).limit(k).mapToInt(Integer::intValue).toArray();
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

		/**
		 * sklearn centres X and y on their weighted means, fits the centred data with the penalty and
		 * recovers the intercept from the means; R^2 is sklearn's weighted score.
		 */
		static Fit ridge(double[][] x, double[][] y, double[] w, double alpha) {
			int n = x.length, m = x[0].length, c = y[0].length;
			double total = Arrays.stream(w).sum();
			double[] xMean = new double[m], yMean = new double[c];
			for (int i = 0; i < n; i++) {
				for (int j = 0; j < m; j++)
					xMean[j] += w[i] * x[i][j] / total;
				for (int k = 0; k < c; k++)
					yMean[k] += w[i] * y[i][k] / total;
			}
			double[][] xc = new double[n][m], yc = new double[n][c];
			for (int i = 0; i < n; i++) {
				for (int j = 0; j < m; j++)
					xc[i][j] = x[i][j] - xMean[j];
				for (int k = 0; k < c; k++)
					yc[i][k] = y[i][k] - yMean[k];
			}
			double[][] beta = WeightedLeastSquares.solve(xc, yc, w, alpha);
			double[] intercept = new double[c], r2 = new double[c];
			for (int k = 0; k < c; k++) {
				intercept[k] = yMean[k];
				for (int j = 0; j < m; j++)
					intercept[k] -= xMean[j] * beta[j][k];
				double residual = 0, spread = 0;
				for (int i = 0; i < n; i++) {
					double predicted = intercept[k];
					for (int j = 0; j < m; j++)
						predicted += x[i][j] * beta[j][k];
					residual += w[i] * (y[i][k] - predicted) * (y[i][k] - predicted);
					spread += w[i] * yc[i][k] * yc[i][k];
				}
				// sklearn's r2_score: 1 for a perfect fit of constant data, 0 for an imperfect one.
				r2[k] = spread > 0 ? 1 - residual / spread : residual == 0 ? 1 : 0;
			}
			return new Fit(beta, intercept, r2);
		}
	}
}
