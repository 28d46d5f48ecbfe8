package org.explaincnn.ij;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.gui.Roi;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import org.explaincnn.TinyModels;
import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.FeatureMask;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.TargetSpec;
import org.explaincnn.ij.io.ResultFiles;
import org.explaincnn.metrics.DeletionInsertion;
import org.explaincnn.metrics.Evaluation;
import org.explaincnn.metrics.MetricBaselines;
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
 * Evaluate makes its maps as Explain does, once: with the job's features (Feature Ablation over
 * the ROIs given, not the default grid), through the explainer's checks (a NaN map is refused),
 * and the explanation it returns is the one the measured maps came from. On a linear TensorFlow
 * model, score = w . x, where ablating a region to black removes exactly its sum of w . x.
 */
class MethodEvaluationTest {

	static final int W = 8, H = 8, C = 3;
	static final String RAW = "{\"mean\": [0], \"std\": [1], \"logits\": \"logits\", " +
		"\"activation\": \"none\"}";

	@TempDir
	static Path tmp;
	static ExplainableModel linear;
	static float[] w = new float[W * H * C], x = new float[W * H * C];
	static PreparedImage image;

	@BeforeAll
	static void build() throws Exception {
		Random r = new Random(5);
		for (int i = 0; i < w.length; i++) {
			w[i] = (float) r.nextGaussian();
			x[i] = r.nextInt(256);
		}
		linear = ExplainableModel.open(TinyModels.frozenBundle(tmp.resolve("linear"), graph(), RAW));
		image = PreparedImage.of(x, W, H, C, linear.spec());
	}

	@AfterAll
	static void close() {
		linear.close();
	}

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

	/** Sum of w (x - black) over the pixels with x0 <= x < x1. */
	static double contribution(int x0, int x1) {
		float[] black = MetricBaselines.black(linear, image);
		double s = 0;
		for (int y = 0; y < H; y++)
			for (int px = x0; px < x1; px++)
				for (int k = 0; k < C; k++) {
					int i = (y * W + px) * C + k;
					s += w[i] * (x[i] - black[i]);
				}
		return s;
	}

	static ExplainJob job(String method) {
		ExplainJob job = new ExplainJob();
		job.method = method;
		job.target = "0";
		job.set("score", "logit");
		return job;
	}

	@Test
	void evaluateAblatesTheFeaturesGivenNotTheDefaultGrid() throws Exception {
		Roi left = new Roi(0, 0, 3, H), right = new Roi(3, 0, 5, H);
		left.setName("left");
		right.setName("right");
		Path zip = tmp.resolve("halves.zip");
		ResultFiles.writeRoiZip(List.of(left, right), zip);
		ExplainJob job = job("featureablation");
		job.set("features", zip.toString());
		Evaluation.Evaluated e = MethodEvaluation.evaluate(linear, image, job, null,
			ExplainOptions.ProgressListener.NONE, () -> false);
		float[] map = e.results().get(0).modelMap();
		// The default grid (32 px cells) is one cell on 8 x 8: one value everywhere.
		double l = contribution(0, 3), r = contribution(3, W);
		for (int y = 0; y < H; y++)
			for (int px = 0; px < W; px++)
				assertEquals(px < 3 ? l : r, map[y * W + px], 1e-3 * (1 + Math.abs(px < 3 ? l : r)),
					"pixel " + px + "," + y);
		assertEquals(2, ((List<?>) e.explanation().attributions.get(0).details.get(
			FeatureMask.DETAIL)).size(), "the two ROIs are the features");
	}

	/** A method that gives a fixed map and counts its calls. */
	static AttributionMethod fixed(float[] map, AtomicInteger calls) {
		return new AttributionMethod() {

			@Override
			public String id() {
				return "fixed";
			}

			@Override
			public String title() {
				return "Fixed";
			}

			@Override
			public boolean usesLayer() {
				return false;
			}

			@Override
			public List<ClassMap> explain(ExplainableModel model, PreparedImage im, int[] classes,
				ExplainOptions options)
			{
				calls.incrementAndGet();
				return Arrays.stream(classes).mapToObj(c -> new ClassMap(map.clone())).toList();
			}
		};
	}

	@Test
	void eachMapIsMadeOnceAndTheExplanationHoldsTheMeasuredMap() {
		float[] map = new float[W * H];
		for (int i = 0; i < map.length; i++)
			map[i] = i % 5;
		AtomicInteger calls = new AtomicInteger();
		Evaluation.Evaluated e = Evaluation.of(linear, image, fixed(map, calls), TargetSpec.parse("0"),
			ExplainOptions.builder().build(), new DeletionInsertion.Settings(4, MetricBaselines.BLACK,
				MetricBaselines.BLUR, 2), null);
		assertEquals(1, calls.get(), "the map is made once and measured as it is");
		assertArrayEquals(map, e.results().get(0).modelMap());
		assertArrayEquals(map, e.explanation().attributions.get(0).map, "what Explain would save");
	}

	@Test
	void aNaNMapIsRefusedAsExplainRefusesIt() {
		float[] map = new float[W * H];
		map[3] = Float.NaN;
		ExplainException ex = assertThrows(ExplainException.class, () -> Evaluation.of(linear, image,
			fixed(map, new AtomicInteger()), TargetSpec.parse("0"), ExplainOptions.builder().build(),
			DeletionInsertion.Settings.DEFAULTS, null));
		assertTrue(ex.getMessage().contains("NaN"), ex.getMessage());
	}
}
