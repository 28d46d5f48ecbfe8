package org.explaincnn;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.StridedSlice;
import org.tensorflow.op.math.Mean;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Tiny classifiers with the output heads real models have, built with TF Java: GAP + dense nets
 * ending in a sigmoid (multi-label), one sigmoid unit (binary), a Keras-like graph (layer scopes,
 * a keep_dims mean, a Reshape whose target is computed from a Shape, dropout, a bias-add feeding
 * both the logits and a softmax), and heads that are not GAP + dense. Every net has the input
 * "input" [-1, 6, 6, 2] and the 6x6x4 feature map of {@link TinyModels.GapDense}.
 */
public final class HeadGraphs {

	private HeadGraphs() {}

	/** Dense weights [4][units] and a bias, reproducible from the seed. */
	public static float[][] dense(int units, long seed) {
		Random r = new Random(seed);
		float[][] w = new float[4][units];
		for (float[] row : w)
			for (int i = 0; i < units; i++)
				row[i] = (float) r.nextGaussian();
		return w;
	}

	private static Operand<TFloat32> features(Ops tf, TinyModels.GapDense net) {
		Operand<TFloat32> x = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(
			Shape.of(-1, net.h, net.w, net.cin)));
		Operand<TFloat32> conv = tf.withName("conv").nn.conv2d(x, tf.constant(net.kernel), List.of(1L,
			1L, 1L, 1L), "SAME");
		return tf.withName("features").nn.relu(tf.withName("conv_bias").nn.biasAdd(conv, tf.constant(
			net.bias)));
	}

	/**
	 * features -> spatial mean -> dense "logits" [-1, units] (bias 0.1 per unit), then "scores" =
	 * sigmoid(logits) when {@code sigmoid}, else nothing after the logits.
	 */
	public static GraphDef gapDense(TinyModels.GapDense net, float[][] dense, boolean sigmoid) {
		try (Graph g = new Graph()) {
			Ops tf = Ops.create(g);
			Operand<TFloat32> pooled = tf.withName("pool").math.mean(features(tf, net), tf.constant(
				new int[] { 1, 2 }));
			float[] bias = new float[dense[0].length];
			Arrays.fill(bias, 0.1f);
			Operand<TFloat32> logits = tf.withName("logits").nn.biasAdd(tf.withName("dense").linalg
				.matMul(pooled, tf.constant(dense)), tf.constant(bias));
			if (sigmoid) tf.withName("scores").math.sigmoid(logits);
			return g.toGraphDef();
		}
	}

	/**
	 * A Keras-like graph: layer scopes "model/conv2d", "model/re_lu", "model/conv2d_1" (1x1,
	 * {@code mix} [4][4]), "model/re_lu_1" (the feature map), then "model/global_average_pooling2d"
	 * (Mean, keep_dims), "model/flatten" (Reshape to [-1, 4] with the batch size read by a Shape
	 * op), "model/dropout" (Identity), "model/dense" (MatMul + BiasAdd) whose bias-add feeds both
	 * "model/dense/Softmax" and "model/logits/Identity".
	 */
	public static GraphDef kerasLike(TinyModels.GapDense net, float[][][][] mix, float[][] dense) {
		try (Graph g = new Graph()) {
			Ops tf = Ops.create(g);
			Ops m = tf.withSubScope("model");
			Operand<TFloat32> x = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(
				Shape.of(-1, net.h, net.w, net.cin)));
			Ops conv = m.withSubScope("conv2d");
			Operand<TFloat32> a = conv.withName("BiasAdd").nn.biasAdd(conv.withName("Conv2D").nn.conv2d(
				x, tf.constant(net.kernel), List.of(1L, 1L, 1L, 1L), "SAME"), tf.constant(net.bias));
			a = m.withSubScope("re_lu").withName("Relu").nn.relu(a);
			Ops conv1 = m.withSubScope("conv2d_1");
			a = conv1.withName("BiasAdd").nn.biasAdd(conv1.withName("Conv2D").nn.conv2d(a, tf.constant(
				mix), List.of(1L, 1L, 1L, 1L), "VALID"), tf.constant(new float[] { 0.05f, -0.05f, 0.1f,
					0f }));
			Operand<TFloat32> features = m.withSubScope("re_lu_1").withName("Relu").nn.relu(a);
			Operand<TFloat32> pooled = m.withSubScope("global_average_pooling2d").withName("Mean").math
				.mean(features, tf.constant(new int[] { 1, 2 }), Mean.keepDims(true));
			Ops flatten = m.withSubScope("flatten");
			Operand<TInt32> batch = flatten.withName("strided_slice").stridedSlice(flatten.withName(
				"Shape").shape(pooled), tf.constant(new int[] { 0 }), tf.constant(new int[] { 1 }), tf
					.constant(new int[] { 1 }), StridedSlice.shrinkAxisMask(1L));
			Operand<TFloat32> flat = flatten.withName("Reshape").reshape(pooled, flatten.withName("Pack")
				.stack(List.of(batch, tf.constant(4))));
			Operand<TFloat32> dropped = m.withSubScope("dropout").withName("Identity").identity(flat);
			Ops d = m.withSubScope("dense");
			Operand<TFloat32> logits = d.withName("BiasAdd").nn.biasAdd(d.withName("MatMul").linalg
				.matMul(dropped, tf.constant(dense)), tf.constant(new float[] { 0f, 0.2f, -0.1f }));
			d.withName("Softmax").nn.softmax(logits);
			m.withSubScope("logits").withName("Identity").identity(logits);
			return g.toGraphDef();
		}
	}

	/** features -> GAP -> dense (4 -> 5) -> relu -> dense (5 -> 3) "logits": not one dense layer. */
	public static GraphDef mlpHead(TinyModels.GapDense net) {
		try (Graph g = new Graph()) {
			Ops tf = Ops.create(g);
			Operand<TFloat32> pooled = tf.math.mean(features(tf, net), tf.constant(new int[] { 1, 2 }));
			Random r = new Random(3);
			float[][] w1 = new float[4][5], w2 = new float[5][3];
			for (float[][] w : new float[][][] { w1, w2 })
				for (float[] row : w)
					for (int i = 0; i < row.length; i++)
						row[i] = (float) r.nextGaussian();
			Operand<TFloat32> hidden = tf.nn.relu(tf.linalg.matMul(pooled, tf.constant(w1)));
			tf.withName("logits").linalg.matMul(hidden, tf.constant(w2));
			return g.toGraphDef();
		}
	}

	/**
	 * "transposed" [-1, 4, 6, 6] (a listed layer: 4x6 positions, 6 channels) -> Mean over axes
	 * [1, 3] (one spatial axis and the channels) -> [-1, 6] -> dense [6][3] "logits". The pooled
	 * width equals the layer's channel count, yet this is no global average pooling.
	 */
	public static GraphDef meanOverOtherAxes(TinyModels.GapDense net) {
		try (Graph g = new Graph()) {
			Ops tf = Ops.create(g);
			Operand<TFloat32> f = tf.withName("transposed").linalg.transpose(features(tf, net), tf
				.constant(new int[] { 0, 3, 1, 2 }));
			Operand<TFloat32> pooled = tf.withName("pool").math.mean(f, tf.constant(new int[] { 1,
				3 }));
			Random r = new Random(4);
			float[][] w = new float[6][3];
			for (float[] row : w)
				for (int i = 0; i < 3; i++)
					row[i] = (float) r.nextGaussian();
			tf.withName("logits").linalg.matMul(pooled, tf.constant(w));
			return g.toGraphDef();
		}
	}
}
