package org.explaincnn.core.tf;

import java.util.Arrays;
import java.util.Set;

import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.LayerInfo;

/**
 * Finds a global-average-pooling + dense head after a layer (what CAM needs) and reads its weights:
 * layer -> [Relu] -> Mean over space | AvgPool over the whole map -> [Squeeze/Reshape/Identity]
 * -> MatMul | 1x1 Conv2D -> [BiasAdd/Add, Squeeze, Reshape, Identity] -> logits.
 */
final class GapDenseHead {

	private static final Set<String> PASS = Set.of("Identity", "Squeeze", "Reshape", "StopGradient");

	private GapDenseHead() {}

	/** Dense weights [channels][classes]; the graph walk holds the graph's lock. */
	static float[][] weights(TensorFlowModel model, LayerInfo layer) {
		String fail = "Model has no global-average-pooling + dense head after layer '" + layer.name +
			"', which CAM needs; use Grad-CAM (equal to CAM on such models) or pick the last conv layer.";
		Output<?> w;
		synchronized (model.graph()) {
			w = denseWeights((GraphOperation) model.tensor(layer.name).op(), layer, model.spec()
				.logits, fail);
		}
		long[][] shape = new long[1][];
		float[] values = model.runner().constant(w, shape);
		int classes = (int) shape[0][shape[0].length - 1];
		int channels = values.length / classes;
		if (channels != layer.channels) throw new ExplainException(fail);
		float[][] out = new float[channels][];
		for (int k = 0; k < channels; k++) {
			out[k] = Arrays.copyOfRange(values, k * classes, (k + 1) * classes);
			// A binary head's scores are [-z, z]: the negative class has the negated weights.
			if (model.spec().binary) out[k] = new float[] { -out[k][0], out[k][0] };
		}
		return out;
	}

	/** The dense kernel after layer -> [Relu] -> global mean, or a one-line error. */
	private static Output<?> denseWeights(GraphOperation op, LayerInfo layer, String logitsTensor,
		String fail)
	{
		op = skip(next(op), Set.of("Identity", "Relu", "Relu6"));
		if (op == null) throw new ExplainException(fail);
		boolean pooled = op.type().equals("Mean") || (op.type().equals("AvgPool") && covers(op,
			layer));
		if (!pooled) throw new ExplainException(fail);
		op = skip(next(op), PASS);
		if (op == null || !(op.type().equals("MatMul") || op.type().equals("Conv2D")))
			throw new ExplainException(fail);
		Output<?> w = op.input(1);
		GraphOperation tail = next(op);
		String logits = logitsTensor.contains(":") ? logitsTensor.substring(0, logitsTensor.indexOf(
			':')) : logitsTensor;
		boolean reaches = op.name().equals(logits);
		while (!reaches && tail != null && (PASS.contains(tail.type()) || tail.type().equals(
			"BiasAdd") || tail.type().equals("Add") || tail.type().equals("AddV2")))
		{
			reaches = tail.name().equals(logits);
			tail = next(tail);
		}
		if (!reaches) throw new ExplainException(fail);
		return w;
	}

	/** {@code op}, or the first op after it (single consumers) whose type is not in {@code types}. */
	private static GraphOperation skip(GraphOperation op, Set<String> types) {
		while (op != null && types.contains(op.type()))
			op = next(op);
		return op;
	}

	/** The single consumer of the model's own graph; ops Explain CNN added (gradients) are ignored. */
	private static GraphOperation next(GraphOperation op) {
		GraphOperation only = null;
		for (GraphOperation c : op.consumers()) {
			if (c.name().startsWith("explaincnn/") || c.name().startsWith("explaincnn_")) continue;
			if (only != null) return null;
			only = c;
		}
		return only;
	}

	private static boolean covers(GraphOperation pool, LayerInfo layer) {
		long[] k = pool.attributes().getAttrIntList("ksize");
		return k.length == 4 && k[1] == layer.spatial[0] && k[2] == layer.spatial[1];
	}
}
