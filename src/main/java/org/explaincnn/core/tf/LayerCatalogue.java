package org.explaincnn.core.tf;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.proto.DataType;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.ModelDescriptor;
import org.explaincnn.core.ModelSpec;

/**
 * The spatial layers of a loaded graph: found once by walking the ops between the input and the
 * scores, then looked up by name, by name without ":0", by a unique suffix, or by a Keras layer's
 * own name. Graph walks hold the
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

	/**
	 * Finds a listed layer: by its tensor name (with or without ":0"), a unique suffix after "/", a
	 * scope (its last listed op), or a Keras layer's own name. Keras exports inline their layers as scopes such as
	 * ".../conv_pw_13_relu_1/Relu6": a name (or a "/"-joined run of names) that equals consecutive
	 * path components, each optionally with a "_N" suffix, picks that scope, and the scope's last
	 * listed op is the layer's output. Otherwise one line: ambiguous (a few candidates), not a
	 * spatial feature map (a graph tensor of another shape), or unknown.
	 */
	LayerInfo layer(String name) {
		List<LayerInfo> all = layers();
		for (LayerInfo l : all)
			if (l.name.equals(name)) return l;
		String stripped = name.endsWith(":0") ? name.substring(0, name.length() - 2) : name;
		for (LayerInfo l : all)
			if (l.name.equals(stripped)) return l;
		List<LayerInfo> suffix = new ArrayList<>();
		for (LayerInfo l : all)
			if (l.name.endsWith("/" + stripped)) suffix.add(l);
		if (suffix.size() == 1) return suffix.get(0);
		if (suffix.size() > 1) throw ambiguous(name, names(suffix));
		// A scope given in full (as "ambiguous" lists them): its last op is its output.
		LayerInfo inScope = null;
		for (LayerInfo l : all)
			if (l.name.startsWith(stripped + "/")) inScope = l;
		if (inScope != null) return inScope;
		Map<String, LayerInfo> scopes = new LinkedHashMap<>();
		for (LayerInfo l : all) {
			String scope = scopeOf(l.name, stripped);
			// The scope's output is its last op: listed layers come in graph order.
			if (scope != null) scopes.put(scope, l);
		}
		if (scopes.size() == 1) return scopes.values().iterator().next();
		if (scopes.size() > 1) throw ambiguous(name, new ArrayList<>(scopes.keySet()));
		throw notALayer(name, stripped);
	}

	/**
	 * The path prefix of {@code tensor} that ends in the components of {@code keras} (each equal,
	 * or followed by "_N"), or null.
	 */
	static String scopeOf(String tensor, String keras) {
		String[] path = tensor.split("/");
		String[] want = keras.split("/");
		for (int i = 0; i + want.length < path.length; i++) {
			boolean match = true;
			for (int j = 0; j < want.length && match; j++)
				match = path[i + j].equals(want[j]) || path[i + j].matches(Pattern.quote(want[j]) +
					"_\\d+");
			if (match) return String.join("/", Arrays.copyOf(path, i + want.length));
		}
		return null;
	}

	private static List<String> names(List<LayerInfo> layers) {
		List<String> out = new ArrayList<>();
		for (LayerInfo l : layers)
			out.add(l.name);
		return out;
	}

	private static ExplainException ambiguous(String name, List<String> candidates) {
		int shown = Math.min(3, candidates.size());
		return new ExplainException("Layer '" + name + "' is ambiguous, one of: '" + String.join(
			"', '", candidates.subList(0, shown)) + "'" + (candidates.size() > shown ? " (" +
				(candidates.size() - shown) + " more)" : "") + "; give more of the name " +
			"(Model Info or --list-layers lists the layers).");
	}

	/**
	 * Why a name that is no listed layer fails: a graph tensor that is not a spatial map (logits, a
	 * flatten or dense output), a spatial map off the path from input to scores, or no such name.
	 */
	private ExplainException notALayer(String name, String stripped) {
		Output<?> tensor = graphTensor(stripped);
		String list = "list the layers with Model Info or --list-layers";
		if (tensor != null) {
			boolean unknown = tensor.shape().isUnknown();
			int rank = unknown ? -1 : tensor.shape().numDimensions();
			boolean mapLike = tensor.dataType() == DataType.DT_FLOAT && (rank == 4 || rank == 5);
			if (mapLike && isSpatial(tensor)) return new ExplainException("'" + name +
				"' is not on the path from the input to the scores; " + list + ".");
			return new ExplainException("'" + name + "' is not a spatial feature map (shape " +
				(unknown ? "unknown" : Arrays.toString(tensor.shape().asArray())) + (tensor
					.dataType() != DataType.DT_FLOAT ? ", " + tensor.dataType() : "") +
				"); CAM methods need a 4-D conv layer output; " + list + ".");
		}
		List<LayerInfo> all = layers();
		String hint = all.isEmpty() ? "this model has no spatial feature maps" : "e.g. '" + all.get(
			all.size() - 1).name + "'";
		return new ExplainException("Unknown layer '" + name + "'; " + list + " (" + hint + ").");
	}

	/**
	 * A tensor of the graph by name, else an op between the input and the scores by a unique "/"
	 * suffix or a unique Keras scope (variables and savers share layer names); else null.
	 */
	private Output<?> graphTensor(String name) {
		synchronized (graph) {
			GraphOperation exact = graph.operation(name);
			if (exact != null && exact.numOutputs() > 0) return exact.output(0);
			Set<GraphOperation> path = reachableBackward((GraphOperation) logits.op());
			path.retainAll(reachableForward((GraphOperation) input.op()));
			List<GraphOperation> suffix = new ArrayList<>();
			Map<String, GraphOperation> scopes = new LinkedHashMap<>();
			for (Iterator<GraphOperation> it = graph.operations(); it.hasNext();) {
				GraphOperation op = it.next();
				if (op.numOutputs() == 0 || !path.contains(op) || op.name().startsWith("explaincnn"))
					continue;
				if (op.name().endsWith("/" + name)) suffix.add(op);
				String scope = scopeOf(op.name(), name);
				if (scope != null) scopes.put(scope, op);
			}
			if (suffix.size() == 1) return suffix.get(0).output(0);
			if (suffix.isEmpty() && scopes.size() == 1) return scopes.values().iterator().next()
				.output(0);
			return null;
		}
	}

	/**
	 * A 4-D or 5-D map that may have more than one position (a pooled [n, 1, 1, c] map is not
	 * spatial; an open dimension may be).
	 */
	private boolean isSpatial(Output<?> tensor) {
		long[] s = tensor.shape().asArray();
		long positions = 1;
		for (int k = 0; k < s.length - 2; k++) {
			long d = s[spec.layout == ModelSpec.Layout.NCHW ? k + 2 : k + 1];
			if (d < 0) return true;
			positions *= d;
		}
		return positions > 1;
	}

	/**
	 * The Grad-CAM layer by default: the descriptor's suggestion, else the last spatial feature map
	 * before global pooling or flattening (as tf-keras-vis and torch-cam choose).
	 */
	LayerInfo defaultLayer() {
		if (suggested != null) return suggestedLayer();
		List<LayerInfo> all = layers();
		if (all.isEmpty()) throw new ExplainException("Model '" + spec.name +
			"' has no spatial feature map (no conv layer), so CAM methods do not apply; use an " +
			"input-gradient method such as saliency.");
		return all.get(all.size() - 1);
	}

	/** Refuses a descriptor whose "targetLayer" names no layer, when the model is opened. */
	void checkSuggested() {
		if (suggested != null) suggestedLayer();
	}

	private LayerInfo suggestedLayer() {
		try {
			return layer(suggested);
		}
		catch (ExplainException e) {
			throw new ExplainException("\"targetLayer\" in " + ModelDescriptor.FILE_NAME + ": " + e
				.getMessage() + " Fix or remove the field.");
		}
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
