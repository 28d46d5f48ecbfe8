package org.explaincnn.core.tf;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;
import org.explaincnn.core.BackpropRule;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ModelSpec;
import org.explaincnn.core.Score;

/**
 * The backward half of the graph, added on first need and cached by what it computes: seed
 * placeholders (one per score kind), in-graph top-1 seeds, the backward ops of d(sum(seed * score))
 * / d(targets), and per backprop rule a modified copy of the forward path with its own backward
 * ops. Every change holds the graph's monitor (the lock {@link Graph#addGradients} itself takes),
 * so two threads asking for the same gradients at once build them once, and a thread never sees
 * half-added ops. The caches belong to this object, one per loaded model.
 */
final class GradientGraph {

	private final Graph graph;
	private final Output<?> input;
	private final Output<?> logits;
	private final Output<?> probabilities;
	private final int classes;
	private final ModelSpec.Activation activation;
	private final String inputName;
	private final LayerCatalogue catalogue;
	private final Map<Score, Output<?>> seeds = new HashMap<>();
	private final Map<String, Output<?>[]> gradients = new HashMap<>();
	private final Map<BackpropRule, Output<?>[]> ruleScores = new HashMap<>();
	private int added;

	GradientGraph(Graph graph, Output<?> input, Output<?> logits, Output<?> probabilities,
		int classes, ModelSpec.Activation activation, String inputName, LayerCatalogue catalogue)
	{
		this.graph = graph;
		this.input = input;
		this.logits = logits;
		this.probabilities = probabilities;
		this.classes = classes;
		this.activation = activation;
		this.inputName = inputName;
		this.catalogue = catalogue;
	}

	/** The placeholder the per-row seed (batch x classes) of a score kind is fed to. */
	Output<?> seedPlaceholder(Score score) {
		synchronized (graph) {
			return seeds.computeIfAbsent(score, s -> graph.opBuilder("Placeholder",
				"explaincnn/seed_" + s.name().toLowerCase(Locale.ROOT), graph.baseScope()).setAttr(
					"dtype", DataType.DT_FLOAT).setAttr("shape", Shape.of(-1, classes)).build()
				.output(0));
		}
	}

	/** +-one_hot(argmax(scores)): the top-1 seed made inside the graph. */
	private Output<?> topOneSeed(float sign, Output<?> scores, String tag) {
		String leaf = "top1_seed_" + tag + "_" + (sign > 0 ? "pos" : "neg");
		synchronized (graph) {
			if (graph.operation("explaincnn/" + leaf) != null) return graph.operation("explaincnn/" +
				leaf).output(0);
			Ops tf = Ops.create(graph);
			Output<TFloat32> lg = scores.expect(TFloat32.class);
			return tf.withSubScope("explaincnn").withName(leaf).oneHot(tf.math.argMax(lg, tf.constant(
				1)), tf.constant(classes), tf.constant(sign), tf.constant(0f)).asOutput();
		}
	}

	/**
	 * Backward ops for d(sum(seed * score)) / d(targets), a null target being the input.
	 * topOneSign != 0 seeds with the in-graph top-1 class instead of the seed placeholder.
	 */
	Output<?>[] gradients(Score score, List<String> targets, float topOneSign) {
		String key = score + "|" + topOneSign + "|" + targets;
		synchronized (graph) {
			Output<?>[] cached = gradients.get(key);
			if (cached != null) return cached;
			Output<?>[] xs = new Output<?>[targets.size()];
			for (int i = 0; i < xs.length; i++)
				xs[i] = targets.get(i) == null ? input : catalogue.output(targets.get(i));
			Output<?> y = score == Score.PROBABILITY ? probabilities : logits;
			CustomGradients.registerOnce();
			Output<?>[] dx = addGradients(y, xs, topOneSign != 0 ? topOneSeed(topOneSign, logits,
				"model") : seedPlaceholder(score));
			for (int i = 0; i < dx.length; i++) {
				if (dx[i] == null) throw new ExplainException("The score does not depend on '" +
					(targets.get(i) == null ? inputName : targets.get(i)) +
					"'; choose a layer between the input and the output.");
			}
			gradients.put(key, dx);
			return dx;
		}
	}

	/** Logits and probabilities of the rule's copy of the forward path (built once per rule). */
	Output<?>[] ruleScores(BackpropRule rule) {
		synchronized (graph) {
			return ruleScores.computeIfAbsent(rule, r -> {
				Output<?> lg = ModifiedBackprop.copyForwardPath(graph, input, logits, r);
				Output<?> pr = ScoreHead.probabilities(graph, lg, activation, "explaincnn/" + r.name()
					.toLowerCase(Locale.ROOT));
				return new Output<?>[] { lg, pr };
			});
		}
	}

	/** d score / d input through the rule's copy of the forward path (built once per rule). */
	Output<?> ruleInputGradient(BackpropRule rule, Score score, float topOneSign) {
		String key = "rule:" + rule + "|" + score + "|" + topOneSign;
		synchronized (graph) {
			Output<?>[] cached = gradients.get(key);
			if (cached != null) return cached[0];
			Output<?>[] copy = ruleScores(rule);
			Output<?> y = score == Score.PROBABILITY ? copy[1] : copy[0];
			Output<?> seed = topOneSign != 0 ? topOneSeed(topOneSign, copy[0], rule.name()
				.toLowerCase(Locale.ROOT)) : seedPlaceholder(score);
			Output<?>[] dx = addGradients(y, new Output<?>[] { input }, seed);
			gradients.put(key, dx);
			return dx[0];
		}
	}

	/** Backward ops for d(sum(seed * y)) / d(xs) under a fresh name; missing gradients in one line. */
	private Output<?>[] addGradients(Output<?> y, Output<?>[] xs, Output<?> seed) {
		try {
			return graph.addGradients("explaincnn/grad" + (added++), new Output<?>[] { y }, xs,
				new Output<?>[] { seed });
		}
		catch (RuntimeException e) {
			throw new ExplainException(noGradientMessage(e), e);
		}
	}

	private static String noGradientMessage(RuntimeException e) {
		String msg = TensorFlowRuntime.firstLine(e);
		Matcher m = Pattern.compile("gradient.*?for op:? ?'?([\\w]+)").matcher(msg);
		if (m.find()) return "Op " + m.group(1) +
			" on the path from input to score has no gradient in TensorFlow, so gradient methods " +
			"cannot run on this model; use a perturbation method (occlusion) instead.";
		return "TensorFlow cannot differentiate this model (" + msg + ").";
	}
}
