package org.explaincnn.core.tf;

import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.explaincnn.core.BackpropRule;

/**
 * Guided backpropagation and Deconvnet without touching the model's own gradients. TensorFlow keeps
 * one gradient function per op type for the whole process, so the ReLU rule cannot be swapped
 * globally. Instead the forward path is copied once per rule, and each ReLU output y = relu(x)
 * becomes StopGradient(y) + G(x) - StopGradient(G(x)): the same value, but the gradient reaches x
 * only through G. G is a CheckNumericsV2 op (identity forward; no TensorFlow gradient of its own)
 * whose message names the rule; its Java gradient applies the rule, and any other CheckNumericsV2
 * in the process keeps the identity gradient, its true one.
 */
final class ModifiedBackprop {

	static final String MESSAGE_PREFIX = "explaincnn-backprop:";
	/** TensorFlow's gradient registry is process-wide, so registration is too. */
	private static boolean registered;

	private ModifiedBackprop() {}

	static synchronized void registerOnce() {
		if (registered) return;
		registered = true;
		TensorFlow.registerCustomGradient("CheckNumericsV2", ModifiedBackprop::gradient);
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private static List<Operand<?>> gradient(Ops tf, GraphOperation op, List<Output<?>> grads) {
		String message = op.attributes().getAttrString("message");
		Operand<TFloat32> dy = (Operand) grads.get(0);
		if (!message.startsWith(MESSAGE_PREFIX)) return List.of(dy);
		Operand<TFloat32> x = (Operand) op.input(0);
		Operand<TFloat32> positive = tf.nn.relu(dy);
		switch (message.substring(MESSAGE_PREFIX.length())) {
			case "guided-relu":
				return List.of(tf.math.mul(positive, mask(tf, tf.math.greater(x, tf.constant(0f)))));
			case "guided-relu6":
				return List.of(tf.math.mul(positive, mask(tf, tf.math.logicalAnd(tf.math.greater(x, tf
					.constant(0f)), tf.math.less(x, tf.constant(6f))))));
			case "deconvnet":
				return List.of(positive);
			default:
				return List.of(dy);
		}
	}

	private static Operand<TFloat32> mask(Ops tf, Operand<TBool> condition) {
		return tf.dtypes.cast(condition, TFloat32.class);
	}

	/**
	 * Copies the ops between {@code input} and {@code scores} under "explaincnn/rule/", with every
	 * Relu and Relu6 rewired as described above; returns the copy of {@code scores}.
	 */
	static Output<?> copyForwardPath(Graph graph, Output<?> input, Output<?> scores,
		BackpropRule rule)
	{
		registerOnce();
		String prefix = "explaincnn/" + rule.name().toLowerCase(Locale.ROOT);
		Set<GraphOperation> path = between((GraphOperation) input.op(), (GraphOperation) scores.op());
		Map<String, NodeDef> defs = new HashMap<>();
		for (NodeDef n : graph.toGraphDef().getNodeList())
			defs.put(n.getName(), n);
		Map<String, GraphOperation> copies = new HashMap<>();
		Map<String, Output<?>> rewired = new HashMap<>();
		Ops tf = Ops.create(graph).withSubScope(prefix.replace('/', '_') + "_rule");
		for (Iterator<GraphOperation> it = graph.operations(); it.hasNext();) {
			GraphOperation op = it.next();
			if (!path.contains(op) || op.equals(input.op())) continue;
			NodeDef def = defs.get(op.name());
			GraphOperation copy = NodeCopier.copy(graph, def, prefix + "/" + op.name(), ref -> {
				String name = ref.contains(":") ? ref.substring(0, ref.indexOf(':')) : ref;
				int index = ref.contains(":") ? Integer.parseInt(ref.substring(ref.indexOf(':') + 1)) : 0;
				Output<?> r = rewired.get(name + ":" + index);
				if (r != null) return r;
				GraphOperation c = copies.get(name);
				return c != null ? c.output(index) : graph.operation(name).output(index);
			}, null);
			copies.put(op.name(), copy);
			boolean relu6 = op.type().equals("Relu6");
			if (op.type().equals("Relu") || relu6) {
				Operand<TFloat32> x = copy.input(0).expect(TFloat32.class);
				Operand<TFloat32> y = copy.output(0).expect(TFloat32.class);
				String ruleName = rule == BackpropRule.DECONVNET ? "deconvnet" : relu6 ? "guided-relu6"
					: "guided-relu";
				Operand<TFloat32> g = graph.opBuilder("CheckNumericsV2", prefix + "/" + op.name() +
					"_rule", graph.baseScope()).addInput(x.asOutput()).setAttr("message", MESSAGE_PREFIX +
						ruleName).build().output(0).expect(TFloat32.class);
				Operand<TFloat32> value = tf.math.add(tf.stopGradient(y), tf.math.sub(g, tf.stopGradient(
					g)));
				rewired.put(op.name() + ":0", value.asOutput());
			}
		}
		Output<?> r = rewired.get(scores.op().name() + ":" + scores.index());
		return r != null ? r : copies.get(scores.op().name()).output(scores.index());
	}

	private static Set<GraphOperation> between(GraphOperation from, GraphOperation to) {
		Set<GraphOperation> both = LayerCatalogue.reachableBackward(to);
		both.retainAll(LayerCatalogue.reachableForward(from));
		return both;
	}
}
