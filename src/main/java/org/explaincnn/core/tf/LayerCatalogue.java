package org.explaincnn.core.tf;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.proto.DataType;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.ModelSpec;

/**
 * The spatial layers of a loaded graph: found once by walking the ops between the input and the
 * scores, then looked up by name, by name without ":0", or by a unique suffix. Graph walks hold the
 * graph's monitor, the lock every change to the graph holds, so they never see half-added ops.
 */
final class LayerCatalogue {

	private final Graph graph;
	private final Output<?> input;
	private final Output<?> logits;
	private final ModelSpec spec;
	private final SessionRunner runner;
	/** The descriptor's suggested CAM layer, or null. */
	private final String suggested;
	private final Map<String, Output<?>> outputs = new HashMap<>();
	private List<LayerInfo> layers;

	LayerCatalogue(Graph graph, Output<?> input, Output<?> logits, ModelSpec spec,
		SessionRunner runner, String suggested)
	{
		this.graph = graph;
		this.input = input;
		this.logits = logits;
		this.spec = spec;
		this.runner = runner;
		this.suggested = suggested;
	}

	/** Spatial feature maps (4-D or 5-D float outputs) on the path from input to scores. */
	List<LayerInfo> layers() {
		synchronized (graph) {
			if (layers == null) layers = Collections.unmodifiableList(find());
			return layers;
		}
	}

	private List<LayerInfo> find() {
		Set<GraphOperation> upstream = reachableBackward((GraphOperation) logits.op());
		Set<GraphOperation> downstream = reachableForward((GraphOperation) input.op());
		List<Output<?>> candidates = new ArrayList<>();
		List<Integer> orders = new ArrayList<>();
		int order = 0;
		for (Iterator<GraphOperation> it = graph.operations(); it.hasNext();) {
			GraphOperation op = it.next();
			order++;
			if (op.equals(input.op()) || !upstream.contains(op) || !downstream.contains(op)) continue;
			if (op.numOutputs() == 0) continue;
			Output<?> out = op.output(0);
			if (out.dataType() != DataType.DT_FLOAT) continue;
			int rank = out.shape().numDimensions();
			if (rank != 4 && rank != 5) continue;
			candidates.add(out);
			orders.add(order);
		}
		List<long[]> shapes = shapesOf(candidates);
		List<LayerInfo> result = new ArrayList<>();
		for (int i = 0; i < candidates.size(); i++) {
			long[] s = shapes.get(i);
			int rank = s.length;
			int[] spatial = new int[rank - 2];
			int channels;
			if (spec.layout == ModelSpec.Layout.NCHW) {
				channels = (int) s[1];
				for (int k = 0; k < spatial.length; k++)
					spatial[k] = (int) s[k + 2];
			}
			else {
				channels = (int) s[rank - 1];
				for (int k = 0; k < spatial.length; k++)
					spatial[k] = (int) s[k + 1];
			}
			if (SessionRunner.product(spatial) <= 1) continue;
			Output<?> out = candidates.get(i);
			result.add(new LayerInfo(GraphOutputs.tensorName(out), out.op().type(), spatial,
				channels, orders.get(i)));
		}
		return result;
	}

	/** Static shapes where the graph knows them, else one probe run that fetches them all. */
	private List<long[]> shapesOf(List<Output<?>> outs) {
		List<long[]> shapes = new ArrayList<>();
		boolean allKnown = true;
		for (Output<?> o : outs) {
			long[] s = o.shape().asArray();
			for (int i = 1; i < s.length; i++)
				allKnown &= s[i] >= 0;
			shapes.add(s);
		}
		if (allKnown || outs.isEmpty()) return shapes;
		return runner.shapes(outs, spec.height > 0 ? spec.height : 224, spec.width > 0 ? spec.width
			: 224);
	}

	/** Finds a listed layer by name, or fails with a hint. */
	LayerInfo layer(String name) {
		for (LayerInfo l : layers())
			if (l.name.equals(name)) return l;
		String stripped = name.endsWith(":0") ? name.substring(0, name.length() - 2) : name;
		for (LayerInfo l : layers())
			if (l.name.equals(stripped)) return l;
		List<LayerInfo> suffix = new ArrayList<>();
		for (LayerInfo l : layers())
			if (l.name.endsWith("/" + stripped)) suffix.add(l);
		if (suffix.size() == 1) return suffix.get(0);
		String hint = layers().isEmpty() ? "this model has no spatial feature maps" : "e.g. '" +
			defaultLayer().name + "'";
		throw new ExplainException("Unknown layer '" + name +
			"'; list the layers with Model Info or --list-layers (" + hint + ").");
	}

	/**
	 * The Grad-CAM layer by default: the descriptor's suggestion, else the last spatial feature map
	 * before global pooling or flattening (as tf-keras-vis and torch-cam choose).
	 */
	LayerInfo defaultLayer() {
		if (suggested != null) return layer(suggested);
		List<LayerInfo> all = layers();
		if (all.isEmpty()) throw new ExplainException("Model '" + spec.name +
			"' has no spatial feature map (no conv layer), so CAM methods do not apply; use an " +
			"input-gradient method such as saliency.");
		return all.get(all.size() - 1);
	}

	/** The graph output of a tensor name ("op" or "op:index"), looked up once. */
	Output<?> output(String name) {
		synchronized (graph) {
			return outputs.computeIfAbsent(name, n -> GraphOutputs.require(graph, n, "layer"));
		}
	}

	/** Ops reachable from {@code from} through their inputs (toward the input placeholder). */
	static Set<GraphOperation> reachableBackward(GraphOperation from) {
		return reach(from, op -> {
			List<GraphOperation> ins = new ArrayList<>();
			for (Operand<?> in : op.inputs())
				ins.add((GraphOperation) in.op());
			return ins;
		});
	}

	/** Ops reachable from {@code from} through their consumers (toward the outputs). */
	static Set<GraphOperation> reachableForward(GraphOperation from) {
		return reach(from, GraphOperation::consumers);
	}

	private static Set<GraphOperation> reach(GraphOperation from,
		Function<GraphOperation, Collection<GraphOperation>> next)
	{
		Set<GraphOperation> seen = new HashSet<>();
		Deque<GraphOperation> todo = new ArrayDeque<>();
		todo.add(from);
		while (!todo.isEmpty()) {
			GraphOperation op = todo.pop();
			if (seen.add(op)) todo.addAll(next.apply(op));
		}
		return seen;
	}
}
