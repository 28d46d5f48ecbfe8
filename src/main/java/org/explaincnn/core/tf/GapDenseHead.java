package org.explaincnn.core.tf;

import java.util.Set;

import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.LayerInfo;

/**
 * Finds a global-average-pooling + dense head after a layer (what CAM needs) and reads its weights:
 * layer -> [Relu] -> Mean over space | AvgPool over the whole map -> [Squeeze/Reshape/Identity]
 * -> MatMul | 1x1 Conv2D -> [BiasAdd/Add, Squeeze, Reshape, Identity] -> logits.
 */
public final class GapDenseHead {

	private static final Set<String> PASS = Set.of("Identity", "Squeeze", "Reshape", "StopGradient");

	private GapDenseHead() {}

	/** Dense weights [channels][classes]. */
	public static float[][] weights(TensorFlowModel model, LayerInfo layer) {
		GraphOperation op = (GraphOperation) model.tensor(layer.name).op();
		String fail = "Model has no global-average-pooling + dense head after layer '" + layer.name +
			"', which CAM needs; use Grad-CAM (equal to CAM on such models) or pick the last conv layer.";
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
		String logits = model.spec().logits.contains(":") ? model.spec().logits.substring(0,
			model.spec().logits.indexOf(':')) : model.spec().logits;
		boolean reaches = op.name().equals(logits);
		while (!reaches && tail != null && (PASS.contains(tail.type()) || tail.type().equals(
			"BiasAdd") || tail.type().equals("Add") || tail.type().equals("AddV2")))
		{
			reaches = tail.name().equals(logits);
			tail = next(tail);
		}
		if (!reaches) throw new ExplainException(fail);
		try (Result r = model.session().runner().fetch(w).run()) {
			float[] values = Tensors.read((TFloat32) r.get(0));
			long[] shape = r.get(0).shape().asArray();
			int classes = (int) shape[shape.length - 1];
			int channels = values.length / classes;
			if (channels != layer.channels) throw new ExplainException(fail);
			float[][] out = new float[channels][classes];
			for (int k = 0; k < channels; k++)
				System.arraycopy(values, k * classes, out[k], 0, classes);
			return out;
		}
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
