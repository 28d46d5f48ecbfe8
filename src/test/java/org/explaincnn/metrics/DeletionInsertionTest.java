package org.explaincnn.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.explaincnn.TinyModels;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.Score;
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
 * Deletion, insertion and the confidence change on a linear TensorFlow model, score = w . x: the
 * oracle map (each pixel's contribution w . x relative to the baseline) is the best possible
 * ordering at every step, so its deletion curve lies below any other ordering's and its insertion
 * curve above; the curves also equal the sums computed here by hand.
 */
class DeletionInsertionTest {

	static final int W = 8, H = 8, C = 3, PIXELS = W * H;
	/** One score, used as it is; pixels are the model's units (mean 0, std 1). */
	static final String RAW = "{\"mean\": [0], \"std\": [1], \"logits\": \"logits\", " +
		"\"activation\": \"none\"}";
	static final ExplainOptions LOGIT = ExplainOptions.builder().score(Score.LOGIT).batchSize(7)
		.build();

	@TempDir
	static Path tmp;
	static ExplainableModel linear;
	static float[] w = new float[PIXELS * C], x = new float[PIXELS * C];
	static PreparedImage image;

	@BeforeAll
	static void build() throws Exception {
		Random r = new Random(12);
		for (int i = 0; i < w.length; i++) {
			w[i] = (float) r.nextGaussian();
			x[i] = r.nextInt(256);
		}
		linear = ExplainableModel.open(TinyModels.frozenBundle(tmp.resolve("linear"), graph(), RAW));
		image = PreparedImage.of(x, W, H, C, linear.spec());
		assertArrayEquals(x, image.modelInput, 0f, "the test needs model units = pixels");
	}

	@AfterAll
	static void close() {
		linear.close();
	}

	/** input [-1, 8, 8, 3] -> flatten -> dot w: one logit. */
	static GraphDef graph() {
		try (Graph g = new Graph()) {
			Ops tf = Ops.create(g);
			Operand<TFloat32> in = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(
				Shape.of(-1, H, W, C)));
			float[][] col = new float[w.length][1];
			for (int i = 0; i < w.length; i++)
				col[i][0] = w[i];
			tf.withName("logits").linalg.matMul(tf.reshape(in, tf.constant(new int[] { -1, w
				.length })), tf.constant(col));
			return g.toGraphDef();
		}
	}

	/** Per pixel: sum over channels of w (x - baseline). */
	static float[] contribution(float[] baseline) {
		float[] m = new float[PIXELS];
		for (int p = 0; p < PIXELS; p++)
			for (int k = 0; k < C; k++)
				m[p] += w[p * C + k] * (x[p * C + k] - baseline[p * C + k]);
		return m;
	}

	static float[] negated(float[] map) {
		float[] out = new float[map.length];
		for (int i = 0; i < map.length; i++)
			out[i] = -map[i];
		return out;
	}

	static float[] random(long seed) {
		Random r = new Random(seed);
		float[] m = new float[PIXELS];
		for (int i = 0; i < PIXELS; i++)
			m[i] = r.nextFloat();
		return m;
	}

	static double dot(float[] a, float[] b) {
		double s = 0;
		for (int i = 0; i < a.length; i++)
			s += (double) a[i] * b[i];
		return s;
	}

	static final DeletionInsertion.Settings SETTINGS = new DeletionInsertion.Settings(16,
		MetricBaselines.BLACK, MetricBaselines.BLUR, 2);

	static DeletionInsertion.Curves curves(float[] map) {
		return DeletionInsertion.of(linear, image, map, 0, LOGIT, SETTINGS);
	}

	@Test
	void deletionOfTheOracleMapFallsFastestAndEqualsTheSumsLeft() {
		float[] oracle = contribution(new float[x.length]); // black = 0 in model units
		PerturbationCurve best = curves(oracle).deletion();
		int[] order = PixelOrder.descending(oracle);
		for (int i = 0; i <= SETTINGS.steps(); i++) {
			int gone = DeletionInsertion.switched(i, SETTINGS.steps(), PIXELS);
			assertEquals(gone / (double) PIXELS, best.fractions[i], 1e-12);
			double left = 0;
			for (int j = gone; j < PIXELS; j++)
				left += oracle[order[j]];
			assertEquals(left, best.scores[i], 1e-3 * (1 + Math.abs(left)), "step " + i);
		}
		assertEquals(0, best.scores[SETTINGS.steps()], 1e-3, "everything deleted: black scores 0");
		for (float[] other : new float[][] { negated(oracle), random(1), random(2) }) {
			PerturbationCurve worse = curves(other).deletion();
			for (int i = 0; i <= SETTINGS.steps(); i++)
				assertTrue(best.scores[i] <= worse.scores[i] + 1e-3, "step " + i + ": " + best.scores[i] +
					" > " + worse.scores[i]);
			assertTrue(best.auc < worse.auc, best.auc + " vs " + worse.auc);
		}
	}

	@Test
	void insertionOfTheOracleMapRisesFastestFromTheBlurredInput() {
		float[] blurred = MetricBaselines.of(MetricBaselines.BLUR, linear, image, SETTINGS
			.blurSigma());
		float[] oracle = contribution(blurred);
		PerturbationCurve best = curves(oracle).insertion();
		assertEquals(dot(w, blurred), best.scores[0], 1e-2, "insertion starts at the blurred input");
		assertEquals(dot(w, x), best.scores[SETTINGS.steps()], 1e-2, "and ends at the input");
		for (float[] other : new float[][] { negated(oracle), random(1), random(2),
			contribution(new float[x.length]) })
		{
			PerturbationCurve worse = curves(other).insertion();
			for (int i = 0; i <= SETTINGS.steps(); i++)
				assertTrue(best.scores[i] >= worse.scores[i] - 1e-2, "step " + i);
			assertTrue(best.auc > worse.auc, best.auc + " vs " + worse.auc);
		}
	}

	@Test
	void theBlurBaselineIsABlurAndTheAreaIsTheTrapezoidRule() {
		float[] blurred = MetricBaselines.of(MetricBaselines.BLUR, linear, image, 2);
		double mean = 0, spreadIn = 0, spreadOut = 0;
		for (float v : x)
			mean += v / x.length;
		for (int i = 0; i < x.length; i++) {
			spreadIn += (x[i] - mean) * (x[i] - mean);
			spreadOut += (blurred[i] - mean) * (blurred[i] - mean);
		}
		assertTrue(spreadOut < 0.3 * spreadIn, "blurring smooths noise: " + spreadOut + " vs " +
			spreadIn);
		assertEquals(0.5 * (1 + 3) / 2 + 0.5 * (3 + 2) / 2, PerturbationCurve.trapezoid(new double[] {
			0, 0.5, 1 }, new double[] { 1, 3, 2 }), 1e-12);
	}

	@Test
	void confidenceChangeEqualsItsFormula() {
		float[] map = contribution(new float[x.length]);
		double y = dot(w, x);
		float[] m = ConfidenceChange.minMax(map);
		double masked = 0;
		for (int p = 0; p < PIXELS; p++)
			for (int k = 0; k < C; k++)
				masked += w[p * C + k] * m[p] * x[p * C + k];
		ConfidenceChange.Result r = ConfidenceChange.of(linear, image, map, 0, LOGIT);
		assertEquals(y, r.original(), 1e-2);
		assertEquals(masked, r.masked(), 1e-2);
		assertTrue(y > 0, "this seed gives a positive score, where the drop is defined");
		assertEquals(Math.max(0, y - masked) / y, r.drop(), 1e-4);
		assertEquals(masked > y, r.increase());
		double[] avg = ConfidenceChange.averages(List.of(new ConfidenceChange.Result(2, 1,
			0.5, false), new ConfidenceChange.Result(1, 3, 0, true)));
		assertArrayEquals(new double[] { 0.25, 0.5 }, avg, 1e-12);
	}

	@Test
	void pixelsAreRankedByValueWithTiesInIndexOrder() {
		assertArrayEquals(new int[] { 3, 1, 0, 4, 2, 5 }, PixelOrder.descending(new float[] { -0f,
			2, -3, 7, 0, Float.NaN }));
	}
}
