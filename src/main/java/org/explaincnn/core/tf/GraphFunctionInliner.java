package org.explaincnn.core.tf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.explaincnn.core.ExplainException;

/**
 * Keras-style SavedModels compute the forward pass inside (Stateful)PartitionedCall functions.
 * TensorFlow cannot differentiate through a stateful call, and the layers inside are not graph
 * nodes. This copies each called function's body into the live graph, wired to the call's own
 * inputs (the image placeholder and the variable handles), so the layers become named nodes
 * ("call/body_node") that gradients flow through. The original call stays for DJL's predictor.
 */
final class GraphFunctionInliner {

	private static final Set<String> CALL_OPS = Set.of("StatefulPartitionedCall",
		"PartitionedCall");

	private final Graph graph;
	/** Outputs of the inlined copy, per call op already inlined into this graph. */
	private final Map<String, Output<?>[]> inlined = new HashMap<>();
	/** The graph's function library, read on the first call found. */
	private Map<String, FunctionDef> library;

	/** An inliner for one graph; it remembers what it inlined there (owned by the model). */
	GraphFunctionInliner(Graph graph) {
		this.graph = graph;
	}

	/** Returns {@code out}, or its equivalent in the inlined copy if a function call made it. */
	Output<?> inlineIfCall(Output<?> out) {
		GraphOperation op = (GraphOperation) out.op();
		if (!CALL_OPS.contains(op.type())) return out;
		synchronized (graph) {
			Output<?>[] outputs = inlined.get(op.name());
			if (outputs == null) {
				if (library == null) {
					library = new HashMap<>();
					GraphDef def = graph.toGraphDef();
					for (FunctionDef f : def.getLibrary().getFunctionList())
						library.put(f.getSignature().getName(), f);
				}
				Output<?>[] args = new Output<?>[op.numInputs()];
				for (int i = 0; i < args.length; i++)
					args[i] = op.input(i);
				String fn = op.attributes().getAttrValueProto("f").getFunc().getName();
				outputs = inlineFunction(fn, args, op.name());
				inlined.put(op.name(), outputs);
			}
			return outputs[out.index()];
		}
	}

	private Output<?>[] inlineFunction(String name, Output<?>[] args, String prefix) {
		FunctionDef f = library.get(name);
		if (f == null) throw new ExplainException("The graph calls function '" + name +
			"' that is not in its library; re-export the model.");
		Body body = new Body(f, args, prefix);
		List<OpDef.ArgDef> outs = f.getSignature().getOutputArgList();
		Output<?>[] result = new Output<?>[outs.size()];
		for (int i = 0; i < result.length; i++)
			result[i] = body.resolve(f.getRetOrThrow(outs.get(i).getName()));
		return result;
	}

	/** The nodes of one function body, created on demand in dependency order. */
	private final class Body {

		final Map<String, NodeDef> nodes = new HashMap<>();
		final Map<String, Output<?>> argOutputs = new HashMap<>();
		final Map<String, GraphOperation> created = new HashMap<>();
		final Map<String, Output<?>[]> inlinedCalls = new HashMap<>();
		final String prefix;

		Body(FunctionDef f, Output<?>[] args, String prefix) {
			this.prefix = prefix;
			for (NodeDef n : f.getNodeDefList())
				nodes.put(n.getName(), n);
			List<OpDef.ArgDef> in = f.getSignature().getInputArgList();
			if (in.size() != args.length) throw new ExplainException("Function '" + f.getSignature()
				.getName() + "' takes " + in.size() + " inputs but is called with " + args.length +
				"; the SavedModel is inconsistent.");
			for (int i = 0; i < args.length; i++)
				argOutputs.put(in.get(i).getName(), args[i]);
		}

		/** "arg", "node:out_arg:index" (function body syntax) to an output of the live graph. */
		Output<?> resolve(String ref) {
			String[] parts = ref.split(":");
			if (parts.length == 1) {
				Output<?> arg = argOutputs.get(parts[0]);
				if (arg != null) return arg;
				return node(parts[0]).output(0);
			}
			String nodeName = parts[0];
			String argName = parts[1];
			int index = parts.length > 2 ? Integer.parseInt(parts[2]) : 0;
			NodeDef def = nodes.get(nodeName);
			if (def != null && CALL_OPS.contains(def.getOp())) return call(def)[index];
			GraphOperation op = node(nodeName);
			int flat = NodeCopier.outputIndex(op, argName, index);
			if (flat >= 0) return op.output(flat);
			throw new ExplainException("Cannot resolve '" + ref + "' in a function body of op " + op
				.type() + "; the model uses a form Explain CNN does not inline yet.");
		}

		Output<?>[] call(NodeDef def) {
			Output<?>[] cached = inlinedCalls.get(def.getName());
			if (cached != null) return cached;
			List<Output<?>> args = new ArrayList<>();
			for (String in : def.getInputList())
				if (!in.startsWith("^")) args.add(resolve(in));
			Output<?>[] outs = inlineFunction(def.getAttrOrThrow("f").getFunc().getName(), args
				.toArray(new Output<?>[0]), prefix + "/" + def.getName());
			inlinedCalls.put(def.getName(), outs);
			return outs;
		}

		GraphOperation node(String name) {
			GraphOperation op = created.get(name);
			if (op != null) return op;
			NodeDef def = nodes.get(name);
			if (def == null) throw new ExplainException("Function body refers to unknown node '" +
				name + "'; the SavedModel is inconsistent.");
			op = NodeCopier.copy(graph, def, prefix + "/" + name, this::resolve, dep -> nodes
				.containsKey(dep) && !CALL_OPS.contains(nodes.get(dep).getOp()) ? node(dep) : null);
			created.put(name, op);
			return op;
		}
	}

}
