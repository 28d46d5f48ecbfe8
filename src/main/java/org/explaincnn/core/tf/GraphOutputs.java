package org.explaincnn.core.tf;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.proto.DataType;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ModelDescriptor;
import org.explaincnn.core.ModelSpec;

/** Finding inputs and score tensors in a graph that nobody described. */
final class GraphOutputs {

	private static final Set<String> PASS_THROUGH = Set.of("Identity", "Reshape", "Squeeze",
		"StopGradient");
	private static final Set<String> NOT_OUTPUTS = Set.of("Const", "NoOp", "Placeholder",
		"PlaceholderWithDefault", "Assert", "VarHandleOp", "SaveV2", "RestoreV2");

	private GraphOutputs() {}

	/** Resolves "op" or "op:index" to an output, or fails naming the descriptor field. */
	static Output<?> require(Graph g, String tensor, String field) {
		String opName = tensor;
		int index = 0;
		int colon = tensor.lastIndexOf(':');
		if (colon > 0 && tensor.substring(colon + 1).chars().allMatch(Character::isDigit)) {
			opName = tensor.substring(0, colon);
			index = Integer.parseInt(tensor.substring(colon + 1));
		}
		GraphOperation op = g.operation(opName);
		if (op == null) throw new ExplainException("Tensor '" + tensor + "' (" + field +
			") is not in the graph; check the name in " + ModelDescriptor.FILE_NAME +
			" (Model Info lists the graph's inputs and layers).");
		if (index >= op.numOutputs()) throw new ExplainException("Op '" + opName + "' has only " +
			op.numOutputs() + " outputs, so '" + tensor + "' (" + field + ") does not exist.");
		return op.output(index);
	}

	/** The single float placeholder of a frozen graph. */
	static String findInput(Graph g) {
		List<String> found = new ArrayList<>();
		for (Iterator<GraphOperation> it = g.operations(); it.hasNext();) {
			GraphOperation op = it.next();
			if (op.type().equals("Placeholder") && op.output(0).dataType() == DataType.DT_FLOAT)
				found.add(op.name());
		}
		if (found.size() == 1) return found.get(0);
		throw new ExplainException(found.isEmpty()
			? "The graph has no float Placeholder input; name the input tensor with \"input\" in " +
				ModelDescriptor.FILE_NAME + "."
			: "The graph has several inputs " + found + "; name the image input with \"input\" in " +
				ModelDescriptor.FILE_NAME + ".");
	}

	/** The single float rank-2 output that nothing consumes: the classifier's scores. */
	static String findScores(Graph g) {
		List<String> found = new ArrayList<>();
		for (Iterator<GraphOperation> it = g.operations(); it.hasNext();) {
			GraphOperation op = it.next();
			if (NOT_OUTPUTS.contains(op.type())) continue;
			if (op.numOutputs() == 0 || op.numConsumers() > 0) continue;
			Output<?> out = op.output(0);
			if (out.dataType() == DataType.DT_FLOAT && out.shape().numDimensions() == 2) found.add(op
				.name());
		}
		if (found.size() == 1) return found.get(0);
		throw new ExplainException(found.isEmpty()
			? "Cannot find the class scores (no rank-2 float output); name them with \"logits\" " +
				"or \"probabilities\" in " + ModelDescriptor.FILE_NAME + "."
			: "Several candidate score outputs " + found + "; name one with \"logits\" or " +
				"\"probabilities\" in " + ModelDescriptor.FILE_NAME + ".");
	}

	/**
	 * If {@code scores} is a softmax (possibly behind reshapes), returns the softmax input: the
	 * logits. Otherwise null.
	 */
	static Output<?> logitsBehindSoftmax(Output<?> scores) {
		return inputBehind(scores, "Softmax");
	}

	/** If {@code scores} is a sigmoid (possibly behind reshapes), returns its input. Otherwise null. */
	static Output<?> logitsBehindSigmoid(Output<?> scores) {
		return inputBehind(scores, "Sigmoid");
	}

	/** The activation {@code scores} come out of (Softmax or Sigmoid behind reshapes), or null. */
	static ModelSpec.Activation activationOf(Output<?> scores) {
		if (scores == null) return null;
		if (logitsBehindSoftmax(scores) != null) return ModelSpec.Activation.SOFTMAX;
		if (logitsBehindSigmoid(scores) != null) return ModelSpec.Activation.SIGMOID;
		return null;
	}

	private static Output<?> inputBehind(Output<?> scores, String opType) {
		GraphOperation op = (GraphOperation) scores.op();
		for (int hops = 0; hops < 8; hops++) {
			if (op.type().equals(opType)) return op.input(0);
			if (!PASS_THROUGH.contains(op.type()) || op.numInputs() == 0) return null;
			op = (GraphOperation) op.input(0).op();
		}
		return null;
	}

	static String tensorName(Output<?> out) {
		return out.index() == 0 ? out.op().name() : out.op().name() + ":" + out.index();
	}
}
