package org.explaincnn.core.tf;

import java.util.List;
import java.util.Locale;

import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.explaincnn.core.ModelSpec;

/**
 * The class scores and probabilities every method sees, made in the graph from the model's logits
 * and the spec's output activation. Softmax models keep their own softmax (one is added where they
 * have none). One sigmoid logit z becomes two classes, scores [-z, z] and probabilities
 * sigmoid([-z, z]) = [1 - p, p], so seeds, argmax, targets, top-k and gradients need no special
 * case and the probability score differentiates through the sigmoid. Several sigmoid units keep
 * their own probability each.
 */
final class ScoreHead {

	/** The presented scores and probabilities. */
	final Output<?> logits, probabilities;

	private ScoreHead(Output<?> logits, Output<?> probabilities) {
		this.logits = logits;
		this.probabilities = probabilities;
	}

	/**
	 * Adds what the spec's activation needs after the model's logits (its own probabilities, or
	 * null when it has none, are reused for softmax and none).
	 */
	static ScoreHead build(Graph graph, Output<?> modelLogits, Output<?> modelProbabilities,
		ModelSpec spec)
	{
		synchronized (graph) {
			Output<?> scores = modelLogits;
			if (spec.binary) {
				Ops tf = Ops.create(graph).withSubScope("explaincnn");
				Output<TFloat32> z = modelLogits.expect(TFloat32.class);
				scores = tf.withName("binary_scores").concat(List.of(tf.withName("negated_logit")
					.math.neg(z), z), tf.constant(1)).asOutput();
			}
			return new ScoreHead(scores, reusable(modelProbabilities, spec) ? modelProbabilities
				: probabilities(graph, scores, spec.activation, "explaincnn"));
		}
	}

	/** The model's own probabilities fit the activation (a softmax output is kept as it is). */
	private static boolean reusable(Output<?> modelProbabilities, ModelSpec spec) {
		if (modelProbabilities == null || spec.binary) return false;
		boolean sigmoid = GraphOutputs.activationOf(modelProbabilities) ==
			ModelSpec.Activation.SIGMOID;
		switch (spec.activation) {
			case SOFTMAX:
				return !sigmoid;
			case SIGMOID:
				return sigmoid;
			default:
				return true;
		}
	}

	/**
	 * The probabilities of {@code logits} under the activation, as a new op named
	 * {@code scope/softmax}, {@code scope/sigmoid} or {@code scope/identity}. The caller holds the
	 * graph's lock.
	 */
	static Output<?> probabilities(Graph graph, Output<?> logits, ModelSpec.Activation activation,
		String scope)
	{
		String type = activation == ModelSpec.Activation.SOFTMAX ? "Softmax" : activation ==
			ModelSpec.Activation.SIGMOID ? "Sigmoid" : "Identity";
		return graph.opBuilder(type, scope + "/" + type.toLowerCase(Locale.ROOT), graph
			.baseScope()).addInput(logits).build().output(0);
	}
}
