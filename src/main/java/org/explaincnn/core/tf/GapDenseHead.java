package org.explaincnn.core.tf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.ByteDataBuffer;
import org.tensorflow.ndarray.buffer.IntDataBuffer;
import org.tensorflow.ndarray.buffer.LongDataBuffer;
import org.tensorflow.proto.DataType;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.ModelSpec;

/**
 * Finds a global-average-pooling + dense head after a layer (what CAM needs) and reads its weights:
 * layer -> [Identity/Relu/Relu6] -> Mean over the spatial axes (keep_dims or not) | AvgPool over the
 * whole map -> [Identity/Squeeze/Reshape/ExpandDims] -> MatMul | 1x1 Conv2D -> [BiasAdd/Add of a
 * weight, Identity/Squeeze/Reshape] -> the logits. Only the ops the logits depend on are followed,
 * and ops that read a tensor's shape alone are not data consumers: Keras exports compute a
 * Reshape's target from the bias-add's Shape, and their bias-add may also feed a Softmax.
 */
final class GapDenseHead {

	/** Ops that pass values through unchanged (dropout at inference is an Identity). */
	private static final Set<String> PASS = Set.of("Identity", "Squeeze", "Reshape", "ExpandDims",
		"StopGradient");
	/** Ops that read only the shape of their input. */
	private static final Set<String> SHAPE_ONLY = Set.of("Shape", "ShapeN", "Size", "Rank");

	private GapDenseHead() {}

	/** Dense weights [channels][classes]; the graph walk holds the graph's lock. */
	static float[][] weights(TensorFlowModel model, LayerInfo layer,
		Map<String, float[]> weightOverrides)
	{
		String fail = "Model has no global-average-pooling + dense head after layer '" + layer.name +
			"', which CAM needs; use Grad-CAM (equal to CAM on such models) or pick the last conv layer.";
		ModelSpec spec = model.spec();
		GraphOperation dense;
		synchronized (model.graph()) {
			GraphOperation logits = (GraphOperation) GraphOutputs.require(model.graph(), spec.logits,
				"logits").op();
			dense = new Walk((GraphOperation) model.tensor(layer.name).op(), logits).dense(layer, spec
				.layout, fail);
		}
		boolean transposed = dense.type().equals("MatMul") && dense.attributes().getAttrBool(
			"transpose_b");
		long[][] shape = new long[1][];
		// Read through the session with the overrides fed: a replaced kernel, or one computed from
		// replaced tensors, comes out as the runs see it.
		List<Output<?>> fed = new ArrayList<>();
		List<long[]> shapes = new ArrayList<>();
		List<float[]> overrideValues = new ArrayList<>();
		model.weightFeeds(weightOverrides, fed, shapes, overrideValues);
		int at = fed.indexOf(dense.input(1));
		float[] values; // TensorFlow refuses to fetch a tensor it is fed: take the value fed
		if (at >= 0) {
			values = overrideValues.get(at);
			shape[0] = shapes.get(at);
		}
		else values = model.runner().constant(dense.input(1), shape, fed, shapes, overrideValues);
		long[] s = shape[0];
		if (dense.type().equals("Conv2D") && (s.length != 4 || s[0] != 1 || s[1] != 1))
			throw new ExplainException(fail);
		int classes = (int) (transposed ? s[0] : s[s.length - 1]);
		int channels = values.length / classes;
		if (channels != layer.channels) throw new ExplainException(fail);
		int presented = spec.binary ? 2 : classes;
		float[][] out = new float[channels][presented];
		for (int k = 0; k < channels; k++) {
			for (int c = 0; c < classes; c++)
				out[k][c] = transposed ? values[c * channels + k] : values[k * classes + c];
			// A binary head's scores are [-z, z]: the negative class has the negated weights.
			if (spec.binary) out[k] = new float[] { -out[k][0], out[k][0] };
		}
		return out;
	}

	/** One walk from a layer to the logits, restricted to the ops the logits depend on. */
	private static final class Walk {

		private final GraphOperation layerOp, logits;
		private final Set<GraphOperation> feedsLogits;
		private final Set<GraphOperation> afterLayer;

		Walk(GraphOperation layerOp, GraphOperation logits) {
			this.layerOp = layerOp;
			this.logits = logits;
			this.feedsLogits = LayerCatalogue.reachableBackward(logits);
			this.afterLayer = LayerCatalogue.reachableForward(layerOp);
		}

		/** The MatMul or Conv2D of the head, or a one-line error. */
		GraphOperation dense(LayerInfo layer, ModelSpec.Layout layout, String fail) {
			GraphOperation op = skip(layerOp, Set.of("Identity", "Relu", "Relu6"));
			if (op == null || !(op.type().equals("Mean") && meansOverSpace(op, layer, layout) || op
				.type().equals("AvgPool") && covers(op, layer, layout))) throw new ExplainException(fail);
			GraphOperation dense = skip(op, PASS);
			if (dense == null || !(dense.type().equals("MatMul") || dense.type().equals("Conv2D")) ||
				afterLayer.contains(dense.input(1).op()) || dense.type().equals("MatMul") && dense
					.attributes().getAttrBool("transpose_a")) throw new ExplainException(fail);
			GraphOperation tail = dense;
			while (!tail.equals(logits)) {
				tail = next(tail);
				if (tail == null || !(PASS.contains(tail.type()) || isBiasAdd(tail)))
					throw new ExplainException(fail);
			}
			return dense;
		}

		/** The op after {@code op} past ops of {@code types}: the first of another type, or null. */
		private GraphOperation skip(GraphOperation op, Set<String> types) {
			op = next(op);
			while (op != null && types.contains(op.type()))
				op = next(op);
			return op;
		}

		/**
		 * The single consumer of {@code op}'s values on the way to the logits; ops Explain CNN added
		 * and shape reads are ignored. Null when there is none or several.
		 */
		private GraphOperation next(GraphOperation op) {
			GraphOperation only = null;
			for (GraphOperation c : op.consumers()) {
				if (c.name().startsWith("explaincnn") || !feedsLogits.contains(c) || SHAPE_ONLY
					.contains(c.type())) continue;
				if (only != null && !only.equals(c)) return null;
				only = c;
			}
			return only;
		}

		/** A bias (BiasAdd, Add, AddV2) whose other operand does not depend on the layer. */
		private boolean isBiasAdd(GraphOperation op) {
			if (!(op.type().equals("BiasAdd") || op.type().equals("Add") || op.type().equals("AddV2")))
				return false;
			int fromLayer = 0;
			for (int i = 0; i < op.numInputs(); i++)
				if (afterLayer.contains(op.input(i).op())) fromLayer++;
			return fromLayer == 1;
		}
	}

	/** A Mean whose constant axes are exactly the layer's spatial axes. */
	private static boolean meansOverSpace(GraphOperation mean, LayerInfo layer,
		ModelSpec.Layout layout)
	{
		GraphOperation axes = (GraphOperation) mean.input(1).op();
		if (!axes.type().equals("Const")) return false;
		int rank = layer.spatial.length + 2;
		Set<Long> want = new TreeSet<>();
		for (int k = 0; k < layer.spatial.length; k++)
			want.add((long) (layout == ModelSpec.Layout.NCHW ? k + 2 : k + 1));
		Set<Long> got = new TreeSet<>();
		try (Tensor t = axes.attributes().getAttrTensor("value")) {
			ByteDataBuffer bytes = t.asRawTensor().data();
			if (t.dataType() == DataType.DT_INT32) {
				IntDataBuffer v = bytes.asInts();
				for (long i = 0; i < v.size(); i++)
					got.add((long) Math.floorMod(v.getInt(i), rank));
			}
			else if (t.dataType() == DataType.DT_INT64) {
				LongDataBuffer v = bytes.asLongs();
				for (long i = 0; i < v.size(); i++)
					got.add(Math.floorMod(v.getLong(i), (long) rank));
			}
			else return false;
		}
		return got.equals(want);
	}

	/** An AvgPool whose window is the whole map (VALID padding: one output position). */
	private static boolean covers(GraphOperation pool, LayerInfo layer, ModelSpec.Layout layout) {
		if (!pool.attributes().getAttrString("padding").equals("VALID")) return false;
		long[] k = pool.attributes().getAttrIntList("ksize");
		int first = layout == ModelSpec.Layout.NCHW ? 2 : 1;
		return k.length == 4 && layer.spatial.length == 2 && Arrays.equals(new long[] { k[first],
			k[first + 1] }, new long[] { layer.spatial[0], layer.spatial[1] });
	}
}
