package org.explaincnn.core.tf;

import java.util.Arrays;
import java.util.List;

import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.Conv3dBackpropFilter;
import org.tensorflow.op.nn.Conv3dBackpropInput;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Gradients, written in Java, for ops common in CNNs whose TensorFlow C++ gradient is missing:
 * Conv3D and the inference form of FusedBatchNorm (v1/v2). TensorFlow keeps one gradient per op
 * type for the whole process, so these are registered once and only where TensorFlow has none.
 */
final class CustomGradients {

	/** TensorFlow's gradient registry is process-wide, so registration is too. */
	private static boolean registered;

	private CustomGradients() {}

	static synchronized void registerOnce() {
		if (registered) return;
		registered = true;
		TensorFlow.registerCustomGradient("Conv3D", CustomGradients::conv3d);
		TensorFlow.registerCustomGradient("FusedBatchNorm", CustomGradients::fusedBatchNorm);
		TensorFlow.registerCustomGradient("FusedBatchNormV2", CustomGradients::fusedBatchNorm);
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	static List<Operand<?>> conv3d(Ops tf, GraphOperation op, List<Output<?>> grads) {
		Operand<TFloat32> x = (Operand) op.input(0);
		Operand<TFloat32> filter = (Operand) op.input(1);
		Operand<TFloat32> dy = (Operand) grads.get(0);
		List<Long> strides = boxed(op.attributes().getAttrIntList("strides"));
		List<Long> dilations = boxed(op.attributes().getAttrIntList("dilations"));
		String padding = op.attributes().getAttrString("padding");
		String format = op.attributes().getAttrString("data_format");
		Operand<TFloat32> dx = tf.nn.conv3dBackpropInput(tf.shape(x), filter, dy, strides, padding,
			Conv3dBackpropInput.dilations(dilations), Conv3dBackpropInput.dataFormat(format));
		Operand<TFloat32> dFilter = tf.nn.conv3dBackpropFilter(x, (Operand<TInt32>) tf.shape(filter),
			dy, strides, padding, Conv3dBackpropFilter.dilations(dilations), Conv3dBackpropFilter
				.dataFormat(format));
		return Arrays.asList(dx, dFilter);
	}

	/**
	 * y = scale * (x - mean) / sqrt(var + eps) + offset with fixed (inference) statistics, so
	 * dy/dx = scale / sqrt(var + eps) per channel.
	 */
	@SuppressWarnings({ "unchecked", "rawtypes" })
	static List<Operand<?>> fusedBatchNorm(Ops tf, GraphOperation op, List<Output<?>> grads) {
		Operand<TFloat32> x = (Operand) op.input(0);
		Operand<TFloat32> scale = (Operand) op.input(1);
		Operand<TFloat32> mean = (Operand) op.input(3);
		Operand<TFloat32> variance = (Operand) op.input(4);
		Operand<TFloat32> dy = (Operand) grads.get(0);
		float eps = op.attributes().getAttrFloat("epsilon");
		boolean channelsFirst = op.attributes().getAttrString("data_format").startsWith("NC");
		Operand<TFloat32> inv = tf.math.rsqrt(tf.math.add(variance, tf.constant(eps)));
		Operand<TFloat32> factor = tf.math.mul(scale, inv);
		Operand<TInt32> reduce = tf.constant(channelsFirst ? new int[] { 0, 2, 3 } : new int[] { 0,
			1, 2 });
		Operand<TFloat32> centred = tf.math.sub(x, perChannel(tf, mean, channelsFirst));
		Operand<TFloat32> dx = tf.math.mul(dy, perChannel(tf, factor, channelsFirst));
		Operand<TFloat32> dScale = tf.sum(tf.math.mul(dy, tf.math.mul(centred, perChannel(tf, inv,
			channelsFirst))), reduce);
		Operand<TFloat32> dOffset = tf.sum(dy, reduce);
		Operand<TFloat32> dMean = tf.math.neg(tf.math.mul(dOffset, factor));
		Operand<TFloat32> dVar = tf.math.mul(tf.math.mul(tf.sum(tf.math.mul(dy, centred), reduce),
			factor), tf.math.mul(tf.constant(-0.5f), tf.math.square(inv)));
		return Arrays.asList(dx, dScale, dOffset, dMean, dVar);
	}

	private static Operand<TFloat32> perChannel(Ops tf, Operand<TFloat32> v, boolean first) {
		return first ? tf.reshape(v, tf.constant(new int[] { 1, -1, 1, 1 })) : v;
	}

	private static List<Long> boxed(long[] v) {
		Long[] out = new Long[v.length];
		for (int i = 0; i < v.length; i++)
			out[i] = v[i];
		return Arrays.asList(out);
	}
}
