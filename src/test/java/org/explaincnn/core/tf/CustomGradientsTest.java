package org.explaincnn.core.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.PassRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;

import org.explaincnn.TinyModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TFloat32;

/** Java gradients for ops TensorFlow's C++ gradients lack, checked by finite differences. */
class CustomGradientsTest {

	@TempDir
	Path tmp;

	@BeforeAll
	static void start() {
		TensorFlowRuntime.start();
		CustomGradients.registerOnce();
	}

	/** f(x) = sum(w * op(x)) for a fixed random w; compares d f / d x with central differences. */
	private static void checkGradient(long[] shape, BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> op) {
		int n = 1;
		for (long d : shape)
			n *= (int) d;
		Random r = new Random(5);
		float[] x = new float[n];
		for (int i = 0; i < n; i++)
			x[i] = (float) r.nextGaussian();
		try (Graph g = new Graph()) {
			Ops tf = Ops.create(g);
			Placeholder<TFloat32> in = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
			Operand<TFloat32> y = op.apply(tf, in);
			Placeholder<TFloat32> weights = tf.placeholder(TFloat32.class);
			Operand<TFloat32> f = tf.sum(tf.math.mul(y, weights), tf.range(tf.constant(0), tf.rank(y),
				tf.constant(1)));
			Output<?>[] dx = g.addGradients(f.asOutput(), new Output<?>[] { in.asOutput() });
			try (Session s = new Session(g)) {
				float[] yValue = run(s, in, x, shape, null, y.asOutput(), null);
				float[] w = new float[yValue.length];
				for (int i = 0; i < w.length; i++)
					w[i] = (float) r.nextGaussian();
				long[] yShape = shapeOf(s, in, x, shape, y.asOutput());
				float[] grad = run(s, in, x, shape, weights, dx[0], new Object[] { w, yShape });
				for (int probe = 0; probe < 6; probe++) {
					int i = r.nextInt(n);
					float eps = 1e-2f;
					float[] plus = x.clone(), minus = x.clone();
					plus[i] += eps;
					minus[i] -= eps;
					double fd = (weightedSum(run(s, in, plus, shape, null, y.asOutput(), null), w) -
						weightedSum(run(s, in, minus, shape, null, y.asOutput(), null), w)) / (2 * eps);
					assertEquals(fd, grad[i], 2e-3 + 0.01 * Math.abs(fd), "element " + i);
				}
			}
		}
	}

	private static double weightedSum(float[] y, float[] w) {
		double s = 0;
		for (int i = 0; i < y.length; i++)
			s += (double) y[i] * w[i];
		return s;
	}

	private static long[] shapeOf(Session s, Placeholder<TFloat32> in, float[] x, long[] shape,
		Output<?> out)
	{
		try (TFloat32 t = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(x));
			Result r = s.runner().feed(in, t).fetch(out).run())
		{
			return r.get(0).shape().asArray();
		}
	}

	private static float[] run(Session s, Placeholder<TFloat32> in, float[] x, long[] shape,
		Placeholder<TFloat32> weights, Output<?> out, Object[] w)
	{
		try (TFloat32 t = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(x));
			TFloat32 wt = w == null ? null : TFloat32.tensorOf(Shape.of((long[]) w[1]), DataBuffers.of(
				(float[]) w[0])))
		{
			Session.Runner runner = s.runner().feed(in, t);
			if (wt != null) runner.feed(weights, wt);
			try (Result r = runner.fetch(out).run()) {
				return Tensors.read((TFloat32) r.get(0));
			}
		}
	}

	@Test
	void conv3dGradientMatchesFiniteDifferences() {
		float[][][][][] kernel = new float[2][3][3][2][3];
		Random r = new Random(1);
		for (float[][][][] a : kernel)
			for (float[][][] b : a)
				for (float[][] c : b)
					for (float[] d : c)
						for (int i = 0; i < d.length; i++)
							d[i] = (float) r.nextGaussian();
		checkGradient(new long[] { 1, 3, 5, 5, 2 }, (tf, x) -> tf.nn.conv3d(x, tf.constant(kernel),
			List.of(1L, 1L, 1L, 1L, 1L), "SAME"));
	}

	@Test
	void fusedBatchNormV1AndV2GradientsMatchFiniteDifferences() {
		float[] scale = { 1.5f, -0.7f, 2f }, offset = { 0.1f, 0.2f, -0.3f };
		float[] mean = { 0.3f, -0.2f, 0.05f }, var = { 0.8f, 1.7f, 0.4f };
		for (boolean v2 : new boolean[] { false, true }) {
			checkGradient(new long[] { 2, 4, 4, 3 }, (tf, x) -> {
				FusedBatchNorm.Options training = FusedBatchNorm.isTraining(false);
				Operand<TFloat32> y = tf.nn.fusedBatchNorm(x, tf.constant(scale), tf.constant(offset), tf
					.constant(mean), tf.constant(var), training).y();
				if (v2) return y;
				// FusedBatchNorm v1: same op with the v1 type name.
				Output<?> v1 = ((Graph) tf.scope().env()).opBuilder("FusedBatchNorm", "bn_v1", tf.scope())
					.addInput(x.asOutput()).addInput(tf.constant(scale).asOutput()).addInput(tf.constant(
						offset).asOutput()).addInput(tf.constant(mean).asOutput()).addInput(tf.constant(var)
							.asOutput()).setAttr("is_training", false).setAttr("epsilon", 0.001f).build()
					.output(0);
				@SuppressWarnings("unchecked")
				Operand<TFloat32> typed = (Operand<TFloat32>) v1;
				return typed;
			});
		}
	}

	@Test
	void opWithoutGradientFailsWithAClearMessageWhenExplaining() throws Exception {
		GraphDef def;
		try (Graph g = new Graph()) {
			Ops tf = Ops.create(g);
			Operand<TFloat32> x = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(
				Shape.of(-1, 8, 8, 1)));
			Operand<TFloat32> rounded = tf.withName("quantise").math.round(x);
			tf.withName("logits").reshape(tf.math.mean(rounded, tf.constant(new int[] { 1, 2 })), tf
				.constant(new int[] { -1, 1 }));
			def = g.toGraphDef();
		}
		// One output unit would be read as a binary sigmoid head (two classes): keep it one score.
		Path dir = TinyModels.frozenBundle(tmp.resolve("round"), def,
			"{\"mean\": [0], \"std\": [1], \"logits\": \"logits\", \"activation\": \"none\"}");
		try (ExplainableModel m = ExplainableModel.open(dir)) {
			float[] x = new float[64];
			assertEquals(1, m.forward(x, 1).classes, "forward passes still work");
			ExplainException e = assertThrows(ExplainException.class, () -> m.run(new PassRequest(x, 1)
				.seed(new float[] { 1 }).inputGradient()));
			assertTrue(e.getMessage().contains("Round"), e.getMessage());
			assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
		}
	}
}
