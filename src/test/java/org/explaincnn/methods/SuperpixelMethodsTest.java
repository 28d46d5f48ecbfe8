package org.explaincnn.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

import org.apache.commons.math3.util.CombinatoricsUtils;
import org.explaincnn.TinyModels;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.FeatureMask;
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.PerturbationScores;
import org.explaincnn.core.PreparedImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TFloat32;

/**
 * LIME and KernelSHAP against closed forms on tiny TensorFlow models built here (as
 * MethodFormulasTest): on a linear model the Shapley value of a group of pixels is w . (x - b)
 * summed over the group, and an exactly linear response is what LIME's regression recovers; on a
 * cubic model the exact Shapley values come from the subset formula, with v(S) evaluated here.
 */
class SuperpixelMethodsTest {

	static final String RAW = "{\"mean\": [0, 0, 0], \"std\": [1, 1, 1], \"logits\": \"logits\"}";
	static final int SIDE = 24, C = 3, N = SIDE * SIDE * C;

	@TempDir
	static Path tmp;

	/** Two classes: column c of w. */
	static float[][] w = new float[N][2];
	static ExplainableModel linear, cubic;
	/** Gaussian values (model units = 0..255 units with this descriptor) and flat-colour blocks. */
	static PreparedImage noise, blocks;

	@BeforeAll
	static void build() throws Exception {
		Random r = new Random(7);
		for (float[] row : w)
			for (int c = 0; c < 2; c++)
				row[c] = (float) r.nextGaussian() * 0.05f;
		linear = ExplainableModel.open(TinyModels.frozenBundle(tmp.resolve("linear"), graph(false),
			RAW));
		cubic = ExplainableModel.open(TinyModels.frozenBundle(tmp.resolve("cubic"), graph(
			true), RAW));
		float[] gauss = new float[N];
		for (int i = 0; i < N; i++)
			gauss[i] = (float) r.nextGaussian();
		noise = PreparedImage.of(gauss, SIDE, SIDE, C, linear.spec());
		float[] flat = new float[N];
		for (int y = 0; y < SIDE; y++)
			for (int x = 0; x < SIDE; x++)
				for (int k = 0; k < C; k++)
					flat[(y * SIDE + x) * C + k] = ((x / 7 + 3 * (y / 9)) * 37 + 60 * k) % 256;
		blocks = PreparedImage.of(flat, SIDE, SIDE, C, linear.spec());
	}

	@AfterAll
	static void close() {
		linear.close();
		cubic.close();
	}

	/** input [-1,24,24,3] -> flatten -> dot w (2 columns) -> [cube]: logits [-1,2]. */
	static GraphDef graph(boolean cube) {
		try (Graph g = new Graph()) {
			Ops tf = Ops.create(g);
			Operand<TFloat32> in = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(
				Shape.of(-1, SIDE, SIDE, C)));
			Operand<TFloat32> z = tf.linalg.matMul(tf.reshape(in, tf.constant(new int[] { -1, N })), tf
				.constant(w));
			if (cube) tf.withName("logits").math.mul(tf.math.square(z), z);
			else tf.withName("logits").identity(z);
			return g.toGraphDef();
		}
	}

	static ExplainOptions options(String... keyValues) {
		ExplainOptions o = ExplainOptions.DEFAULTS;
		for (int i = 0; i < keyValues.length; i += 2)
			o = o.withParam(keyValues[i], keyValues[i + 1]);
		return o;
	}

	/** w_c . (x - b) summed over each group, b as the method builds it. */
	static double[] linearShapley(PreparedImage image, ExplainOptions o, int c) {
		int[] labels = Superpixels.modelFeatures(image, o);
		int m = Superpixels.count(labels);
		float[] b = Superpixels.baseline(linear, image, labels, m, o, null);
		// Every region of a user's mask, also those of no model pixel (the last ones, in a test).
		double[] phi = new double[o.featureMask != null ? o.featureMask.count : m];
		for (int p = 0; p < labels.length; p++)
			if (labels[p] != FeatureMask.NONE) for (int k = 0; k < C; k++)
				phi[labels[p]] += w[p * C + k][c] * ((double) image.modelInput[p * C + k] - b[p * C + k]);
		return phi;
	}

	@SuppressWarnings("unchecked")
	static double[] values(ClassMap map, String key) {
		return ((List<Double>) map.details.get(key)).stream().mapToDouble(Double::doubleValue)
			.toArray();
	}

	static void assertClose(double[] expected, double[] actual, double relative, String what) {
		assertEquals(expected.length, actual.length, what);
		double scale = Arrays.stream(expected).map(Math::abs).max().orElse(1);
		for (int i = 0; i < expected.length; i++)
			assertEquals(expected[i], actual[i], relative * scale, what + ", feature " + i + " of " +
				expected.length);
	}

	static List<ClassMap> explain(String method, ExplainableModel model, PreparedImage image,
		ExplainOptions o)
	{
		return Methods.byName(method).explain(model, image, new int[] { 0, 1 }, o);
	}

	/**
	 * M = 9 groups with 2^9 - 2 = 510 coalitions or more: all enumerated; M = 16 and 36 sampled
	 * (an additive model is fitted exactly by any coalitions of full rank); black and mean
	 * baselines; grid cells and SLIC superpixels.
	 */
	@Test
	void kernelShapOfALinearModelIsWDotXMinusBaselinePerGroup() {
		Object[][] cases = { { noise, options("segmentation", "grid", "segments", "9", "samples",
			"1024", "baseline", "black") }, { noise, options("segmentation", "grid", "segments", "9",
				"samples", "510") }, { noise, options("segmentation", "grid", "segments", "16", "samples",
					"200") }, { noise, options("segmentation", "grid", "segments", "36", "samples", "300",
						"baseline", "black") }, { blocks, options("segments", "20", "samples", "300") } };
		for (Object[] k : cases) {
			PreparedImage image = (PreparedImage) k[0];
			ExplainOptions o = (ExplainOptions) k[1];
			int m = Superpixels.count(Superpixels.modelFeatures(image, o));
			List<ClassMap> maps = explain("kernelshap", linear, image, o);
			for (int c = 0; c < 2; c++) {
				ClassMap map = maps.get(c);
				double[] expected = linearShapley(image, o, c);
				assertClose(expected, values(map, "shapleyValues"), 1e-4, "KernelSHAP " + o.params() +
					", class " + c);
				assertEquals(m <= 9, map.details.get("exact"), o.params().toString());
				double gap = (Double) map.details.get("completenessGap");
				double difference = (Double) map.details.get("scoreDifference");
				assertEquals(Arrays.stream(expected).sum(), difference, 1e-4 * Math.abs(difference) +
					1e-4);
				assertEquals(0, gap, 1e-6 * Math.abs(difference) + 1e-6, "efficiency gap");
				// The map paints each group with its value.
				int[] labels = Superpixels.modelFeatures(image, o);
				float[] painted = FeatureMask.paint(labels, values(map, "shapleyValues"));
				assertArrayEquals(painted, map.map, 0f);
			}
			if (image == blocks) assertTrue(m >= 10, "SLIC made " + m + " superpixels");
		}
	}

	/**
	 * A user's regions (the features option: a label image, ROIs) replace the superpixels: the
	 * values are those of the regions, pixels of no region are never switched off, and the table
	 * rows carry the regions' names and pixel counts.
	 */
	@Test
	void aUsersLabelImageReplacesTheSuperpixels() {
		int[] raw = new int[SIDE * SIDE];
		for (int y = 0; y < SIDE; y++)
			for (int x = 0; x < SIDE; x++)
				raw[y * SIDE + x] = y < 4 ? 0 : 1 + (x < 8 ? 0 : x < 16 ? 1 : 2) + (y < 14 ? 0 : 10);
		FeatureMask mask = FeatureMask.fromLabels(raw, SIDE, SIDE);
		ExplainOptions o = options("samples", "200", "baseline", "black").toBuilder().featureMask(mask)
			.build();
		List<ClassMap> maps = explain("kernelshap", linear, noise, o);
		for (int c = 0; c < 2; c++) {
			double[] expected = linearShapley(noise, o, c);
			assertEquals(6, expected.length);
			assertClose(expected, values(maps.get(c), "shapleyValues"), 1e-4, "class " + c);
			@SuppressWarnings("unchecked")
			List<Map<String, Object>> rows = (List<Map<String, Object>>) maps.get(c).details.get(
				FeatureMask.DETAIL);
			assertEquals(6, rows.size());
			assertEquals("label 12", rows.get(4).get("name"));
			assertEquals(mask.pixelCounts()[4], rows.get(4).get("pixels"));
			assertEquals(expected[4], (Double) rows.get(4).get("attribution"), 1e-4 * Math.abs(
				expected[4]) + 1e-6);
			// The unlabelled top rows belong to no feature: 0 in the map.
			for (int p = 0; p < 4 * SIDE; p++)
				assertEquals(0f, maps.get(c).map[p]);
		}
		List<ClassMap> lime = explain("lime", linear, noise, o);
		assertEquals(6, ((List<?>) lime.get(0).details.get(FeatureMask.DETAIL)).size());
	}

	/** Shapley values by their definition, v(S) = the model at the image with only S on. */
	static double[][] exactShapley(ExplainableModel model, PreparedImage image, ExplainOptions o) {
		int[] labels = Superpixels.modelFeatures(image, o);
		int m = Superpixels.count(labels);
		float[] b = Superpixels.baseline(model, image, labels, m, o, null);
		float[][] v = PerturbationScores.of(model, image, 1 << m, s -> {
			boolean[] on = new boolean[m];
			for (int i = 0; i < m; i++)
				on[i] = (s >> i & 1) == 1;
			return FeatureMask.perturb(image.modelInput, b, C, labels, on);
		}, new int[] { 0, 1 }, o);
		double[][] phi = new double[2][m];
		for (int i = 0; i < m; i++)
			for (int s = 0; s < 1 << m; s++) {
				if ((s >> i & 1) == 1) continue;
				int size = Integer.bitCount(s);
				double weight = 1 / (m * CombinatoricsUtils.binomialCoefficientDouble(m - 1, size));
				for (int c = 0; c < 2; c++)
					phi[c][i] += weight * ((double) v[s | 1 << i][c] - v[s][c]);
			}
		return phi;
	}

	/**
	 * The cubic model is not additive and has interactions of three groups (where the Shapley value
	 * and other weightings, e.g. Banzhaf's, part; for pairwise interactions they agree), so only the
	 * Shapley kernel's weights give the Shapley values: with every coalition enumerated they match
	 * the subset formula.
	 */
	@Test
	void kernelShapWithEveryCoalitionIsTheExactShapleyValueOfANonAdditiveModel() {
		for (String segments : new String[] { "4", "9" }) {
			ExplainOptions o = options("segmentation", "grid", "segments", segments, "samples", "600");
			double[][] expected = exactShapley(cubic, noise, o);
			List<ClassMap> maps = explain("kernelshap", cubic, noise, o);
			for (int c = 0; c < 2; c++) {
				assertEquals(true, maps.get(c).details.get("exact"));
				assertClose(expected[c], values(maps.get(c), "shapleyValues"), 1e-4, "M=" + segments +
					", class " + c);
			}
		}
		// Sampled coalitions of the same game: near, not equal (the interactions are sampled).
		ExplainOptions sampled = options("segmentation", "grid", "segments", "9", "samples", "120");
		double[] expected = exactShapley(cubic, noise, sampled)[0];
		ClassMap map = explain("kernelshap", cubic, noise, sampled).get(0);
		assertEquals(false, map.details.get("exact"));
		assertEquals(120, map.details.get("coalitions"));
		assertClose(expected, values(map, "shapleyValues"), 0.25, "sampled");
	}

	/**
	 * With ridge 0 LIME's weighted fit of an exactly linear response is exact: coefficients = the
	 * groups' w . (x - b), intercept = f(baseline), R^2 = 1. With lime's ridge of 1 the shrinkage
	 * keeps the order: the shown groups are the 5 most positive and 5 most negative, in order.
	 */
	@Test
	void limeOfALinearModelRecoversTheGroupsContributions() {
		ExplainOptions exact = options("segmentation", "grid", "segments", "16", "samples", "400",
			"ridge", "0", "baseline", "black");
		List<ClassMap> maps = explain("lime", linear, noise, exact);
		float[] atBaseline = PerturbationScores.of(linear, noise, 1, i -> new float[N], new int[] { 0,
			1 }, exact)[0];
		for (int c = 0; c < 2; c++) {
			ClassMap map = maps.get(c);
			double[] expected = linearShapley(noise, exact, c);
			assertClose(expected, values(map, "coefficients"), 1e-4, "LIME ridge 0, class " + c);
			assertEquals(atBaseline[c], (Double) map.details.get("intercept"), 1e-4 * (1 + Math.abs(
				atBaseline[c])));
			assertEquals(1, (Double) map.details.get("r2"), 1e-6);
		}
		ExplainOptions lime = options("segmentation", "grid", "segments", "36", "samples", "1000");
		List<ClassMap> shrunk = explain("lime", linear, noise, lime);
		int[] labels = Superpixels.modelFeatures(noise, lime);
		for (int c = 0; c < 2; c++) {
			ClassMap map = shrunk.get(c);
			double[] expected = linearShapley(noise, lime, c), coefficient = values(map, "coefficients");
			Integer[] order = IntStream.range(0, expected.length).boxed().toArray(Integer[]::new);
			Arrays.sort(order, (a, b) -> Double.compare(expected[b], expected[a]));
			List<Integer> top = Arrays.asList(order).subList(0, 5);
			List<Integer> bottom = Arrays.asList(order).subList(order.length - 5, order.length);
			List<Integer> bottomFirst = new java.util.ArrayList<>(bottom);
			java.util.Collections.reverse(bottomFirst);
			assertEquals(top, map.details.get("positiveFeatures"), "class " + c);
			assertEquals(bottomFirst, map.details.get("negativeFeatures"), "class " + c);
			double largest = Arrays.stream(expected).map(Math::abs).max().getAsDouble();
			for (int j = 0; j < expected.length; j++)
				if (Math.abs(expected[j]) > 0.02 * largest) assertEquals(Math.signum(expected[j]), Math
					.signum(coefficient[j]), "sign of " + j + ": " + coefficient[j] + " vs " + expected[j]);
			double[] shown = new double[expected.length];
			for (int j : top)
				shown[j] = coefficient[j];
			for (int j : bottom)
				shown[j] = coefficient[j];
			assertArrayEquals(FeatureMask.paint(labels, shown), map.map, 0f);
		}
	}

	@Test
	void theSeedDecidesTheSamples() {
		ExplainOptions o = options("segmentation", "grid", "segments", "16", "samples", "40");
		for (String method : new String[] { "lime", "kernelshap" }) {
			// The cubic model, so that KernelSHAP's sampled coalitions matter.
			float[] first = explain(method, cubic, noise, o).get(0).map;
			assertArrayEquals(first, explain(method, cubic, noise, o).get(0).map, method);
			float[] other = explain(method, cubic, noise, o.toBuilder().seed(43).build()).get(0).map;
			assertFalse(Arrays.equals(first, other), method + ": seed 43 gave the map of seed 42");
		}
	}

	/** lime's kernel from sklearn's cosine distance, computed on the vectors. */
	@Test
	void limeKernelIsTheSquareRootOfTheExponentialOfTheCosineDistance() {
		int m = 12;
		for (int on = 0; on <= m; on++) {
			double dot = on, norms = Math.sqrt(on) * Math.sqrt(m);
			double d = norms == 0 ? 1 : 1 - dot / norms;
			assertEquals(Math.sqrt(Math.exp(-d * d / 0.0625)), Lime.kernel(on, m, 0.25), 1e-12);
		}
		assertEquals(1, Lime.kernel(m, m, 0.25), 0);
	}

	/**
	 * The weighted ridge with intercept against its normal equations, solved here by commons-math:
	 * (Xc' W Xc + alpha I) beta = Xc' W yc on the weighted-mean-centred data, intercept = ybar -
	 * xbar . beta (sklearn's Ridge with sample weights).
	 */
	@Test
	void limeRidgeEqualsTheNormalEquations() {
		Random r = new Random(3);
		int n = 60, m = 7;
		double[][] x = new double[n][m], y = new double[n][2];
		double[] wt = new double[n];
		for (int i = 0; i < n; i++) {
			for (int j = 0; j < m; j++)
				x[i][j] = r.nextBoolean() ? 1 : 0;
			y[i][0] = r.nextGaussian() * 3 + 2;
			y[i][1] = r.nextGaussian();
			wt[i] = r.nextDouble();
		}
		for (double alpha : new double[] { 0, 1, 10 }) {
			Lime.Fit fit = Lime.Fit.ridge(x, y, wt, alpha);
			double total = Arrays.stream(wt).sum();
			double[] xbar = new double[m];
			for (int i = 0; i < n; i++)
				for (int j = 0; j < m; j++)
					xbar[j] += wt[i] * x[i][j] / total;
			for (int c = 0; c < 2; c++) {
				double ybar = 0;
				for (int i = 0; i < n; i++)
					ybar += wt[i] * y[i][c] / total;
				double[][] a = new double[m][m];
				double[] b = new double[m];
				for (int i = 0; i < n; i++)
					for (int j = 0; j < m; j++) {
						b[j] += wt[i] * (x[i][j] - xbar[j]) * (y[i][c] - ybar);
						for (int l = 0; l < m; l++)
							a[j][l] += wt[i] * (x[i][j] - xbar[j]) * (x[i][l] - xbar[l]);
					}
				for (int j = 0; j < m; j++)
					a[j][j] += alpha;
				double[] beta = new org.apache.commons.math3.linear.LUDecomposition(
					new org.apache.commons.math3.linear.Array2DRowRealMatrix(a)).getSolver().solve(
						new org.apache.commons.math3.linear.ArrayRealVector(b)).toArray();
				double intercept = ybar;
				for (int j = 0; j < m; j++) {
					assertEquals(beta[j], fit.coefficients[j][c], 1e-9, "alpha " + alpha);
					intercept -= xbar[j] * beta[j];
				}
				assertEquals(intercept, fit.intercept[c], 1e-9);
				assertTrue(fit.r2[c] < 1 && fit.r2[c] > -1, "R^2 " + fit.r2[c]);
			}
		}
	}

	/**
	 * The benchmark times a method against forward passes when it says {@link
	 * org.explaincnn.core.AttributionMethod#forwardOnly()}: that must be what it runs. A model that
	 * records whether any request asks for a gradient (a seed, layer or input gradients) checks it;
	 * saliency is the control that the recording sees backward passes.
	 */
	@Test
	void forwardOnlyIsWhatTheMethodRuns() {
		ExplainOptions o = options("segmentation", "grid", "segments", "4", "samples", "20", "cell",
			"12");
		for (String id : new String[] { "featureablation", "lime", "kernelshap", "saliency" }) {
			boolean[] backward = new boolean[1];
			ExplainableModel recording = (ExplainableModel) Proxy.newProxyInstance(getClass()
				.getClassLoader(), new Class<?>[] { ExplainableModel.class }, (proxy, method, args) -> {
					if (method.getName().equals("run") && args != null && args[0] instanceof PassRequest) {
						PassRequest r = (PassRequest) args[0];
						backward[0] |= r.seed != null || r.inputGradient || !r.layerGradients.isEmpty() ||
							r.topOneSign != 0;
					}
					try {
						return method.invoke(linear, args);
					}
					catch (InvocationTargetException e) {
						throw e.getCause();
					}
				});
			Methods.byName(id).explain(recording, noise, new int[] { 0, 1 }, o);
			assertEquals(!backward[0], Methods.byName(id).forwardOnly(), id);
		}
	}

	/**
	 * A user's regions are all kept, counted from the mask: on a 48 x 48 image (the model sees it
	 * at 24 x 24, sampling odd original pixels) a one-pixel region at (0, 0), the largest label,
	 * covers no model pixel.
	 * It stays in the table with value 0 and the others keep their exact values; the feature
	 * count is the mask's. A mask of only such regions is a one-line error about the regions.
	 */
	@Test
	void regionsSmallerThanAModelPixelStayInTheTableWithValueZero() {
		int big = 2 * SIDE;
		float[] raster = new float[big * big * C];
		Random r = new Random(5);
		for (int i = 0; i < raster.length; i++)
			raster[i] = (float) r.nextGaussian();
		PreparedImage image = PreparedImage.of(raster, big, big, C, linear.spec());
		int[] raw = new int[big * big];
		for (int y = 0; y < big; y++)
			for (int x = 0; x < big; x++)
				raw[y * big + x] = 2 + (x < SIDE ? 0 : 1) + (y < SIDE ? 0 : 2);
		raw[0] = 9; // the tiny region: label 9, feature 4
		FeatureMask mask = FeatureMask.fromLabels(raw, big, big);
		assertEquals(5, mask.count);
		ExplainOptions o = options("samples", "100", "baseline", "black", "ridge", "0").toBuilder()
			.featureMask(mask).build();
		for (String method : new String[] { "kernelshap", "lime" }) {
			List<ClassMap> maps = explain(method, linear, image, o);
			for (int c = 0; c < 2; c++) {
				ClassMap map = maps.get(c);
				double[] expected = linearShapley(image, o, c);
				assertEquals(5, expected.length);
				assertEquals(0, expected[4], 0);
				assertClose(expected, values(map, method.equals("lime") ? "coefficients"
					: "shapleyValues"), 1e-4, method + ", class " + c);
				assertEquals(5, map.details.get("featureCount"), method);
				@SuppressWarnings("unchecked")
				List<Map<String, Object>> rows = (List<Map<String, Object>>) map.details.get(
					FeatureMask.DETAIL);
				assertEquals(5, rows.size(), method);
				assertEquals("label 9", rows.get(4).get("name"));
				assertEquals(0.0, rows.get(4).get("attribution"));
				assertEquals(1, rows.get(4).get("pixels"));
			}
		}
		int[] onlyTiny = new int[big * big];
		onlyTiny[0] = 1;
		onlyTiny[2] = 2;
		ExplainOptions tiny = options().toBuilder().featureMask(FeatureMask.fromLabels(onlyTiny, big,
			big)).build();
		for (String method : new String[] { "kernelshap", "lime" }) {
			ExplainException e = assertThrows(ExplainException.class, () -> explain(method, linear,
				image, tiny));
			assertTrue(e.getMessage().contains("none of your 2 regions"), e.getMessage());
			assertFalse(e.getMessage().contains("segmentation"), e.getMessage());
			assertFalse(e.getMessage().contains("\n"), e.getMessage());
		}
	}

	/** NaN scores: a one-line error naming the method and the cause, not an exception of EJML's. */
	@Test
	void nanScoresAreAOneLineErrorNamingTheMethod() {
		double[][] x = { { 1, 0 }, { 0, 1 }, { 1, 1 } }, y = { { 1 }, { Double.NaN }, { 2 } };
		ExplainException e = assertThrows(ExplainException.class, () -> WeightedLeastSquares.solve(x,
			y, new double[] { 1, 1, 1 }, 0, "KernelSHAP"));
		assertTrue(e.getMessage().startsWith("KernelSHAP") && e.getMessage().contains("NaN"), e
			.getMessage());
	}

	/**
	 * The row-by-row fit is the minimum-norm weighted least-squares solution, also with fewer rows
	 * than unknowns (what shap's lstsq gives): pinv(sqrt(W) X) sqrt(W) y by commons-math's SVD, and
	 * with a ridge the solution of the stacked system.
	 */
	@Test
	void rowByRowFitIsTheMinimumNormSolution() {
		Random r = new Random(11);
		for (int[] size : new int[][] { { 4, 9 }, { 30, 6 } })
			for (double ridge : new double[] { 0, 0.5 }) {
				int n = size[0], m = size[1];
				double[][] x = new double[n][m], y = new double[n][2];
				double[] wt = new double[n];
				double[][] stacked = new double[n + m][m], rhs = new double[n + m][2];
				for (int i = 0; i < n; i++) {
					wt[i] = 0.1 + r.nextDouble();
					for (int j = 0; j < m; j++)
						stacked[i][j] = Math.sqrt(wt[i]) * (x[i][j] = r.nextInt(3) - 1);
					for (int k = 0; k < 2; k++)
						rhs[i][k] = Math.sqrt(wt[i]) * (y[i][k] = r.nextGaussian());
				}
				for (int j = 0; j < m; j++)
					stacked[n + j][j] = Math.sqrt(ridge);
				double[][] expected = new org.apache.commons.math3.linear.SingularValueDecomposition(
					new org.apache.commons.math3.linear.Array2DRowRealMatrix(stacked)).getSolver().solve(
						new org.apache.commons.math3.linear.Array2DRowRealMatrix(rhs)).getData();
				double[][] fit = WeightedLeastSquares.solve(x, y, wt, ridge, "test");
				for (int j = 0; j < m; j++)
					assertArrayEquals(expected[j], fit[j], 1e-9, n + "x" + m + " ridge " + ridge);
			}
	}
}
