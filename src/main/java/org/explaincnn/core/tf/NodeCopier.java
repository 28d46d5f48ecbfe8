package org.explaincnn.core.tf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.GraphOperationBuilder;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.explaincnn.core.ExplainException;

/**
 * Recreates a NodeDef as a new op of the live graph, with its inputs resolved by the caller: used to
 * inline function bodies and to build modified copies of the forward path.
 */
final class NodeCopier {

	/**
	 * TensorFlow's op registry, read once: process-wide, immutable data (not a cache of any model),
	 * so a static is right here.
	 */
	private static Map<String, OpDef> opDefs;

	private NodeCopier() {}

	/**
	 * @param dataInput resolves one data input string of the NodeDef to an output of the graph
	 * @param controlInput resolves a control input ("^name" without the caret), or null to drop it
	 */
	static GraphOperation copy(Graph graph, NodeDef def, String newName,
		Function<String, Output<?>> dataInput, Function<String, GraphOperation> controlInput)
	{
		OpDef opDef = opDef(def.getOp());
		List<String> data = new ArrayList<>();
		List<String> control = new ArrayList<>();
		for (String in : def.getInputList())
			(in.startsWith("^") ? control : data).add(in);
		// Group the flat input list by the op's input arguments (lists take several inputs).
		List<Object> grouped = new ArrayList<>();
		int next = 0;
		for (OpDef.ArgDef arg : opDef.getInputArgList()) {
			int count = -1;
			if (!arg.getNumberAttr().isEmpty()) count = (int) def.getAttrOrThrow(arg.getNumberAttr())
				.getI();
			else if (!arg.getTypeListAttr().isEmpty()) count = def.getAttrOrThrow(arg
				.getTypeListAttr()).getList().getTypeCount();
			if (count < 0) grouped.add(dataInput.apply(data.get(next++)));
			else {
				Output<?>[] list = new Output<?>[count];
				for (int i = 0; i < count; i++)
					list[i] = dataInput.apply(data.get(next++));
				grouped.add(list);
			}
		}
		GraphOperationBuilder b = (GraphOperationBuilder) graph.opBuilder(def.getOp(), newName, graph
			.baseScope());
		for (Object in : grouped) {
			if (in instanceof Output) b.addInput((Output<?>) in);
			else b.addInputList((Output<?>[]) in);
		}
		if (controlInput != null) for (String c : control) {
			GraphOperation dep = controlInput.apply(c.substring(1));
			if (dep != null) b.addControlInput(dep);
		}
		for (Map.Entry<String, AttrValue> attr : def.getAttrMap().entrySet())
			if (!attr.getKey().startsWith("_")) b.setAttr(attr.getKey(), attr.getValue());
		return b.build();
	}

	/** Flat output index of (output argument, index within it) of an op. */
	static int outputIndex(GraphOperation op, String argName, int index) {
		int offset = 0;
		for (OpDef.ArgDef out : opDef(op.type()).getOutputArgList()) {
			if (out.getName().equals(argName)) return offset + index;
			offset += op.outputListLength(out.getName());
		}
		return -1;
	}

	static synchronized OpDef opDef(String type) {
		if (opDefs == null) {
			opDefs = new HashMap<>();
			for (OpDef d : TensorFlow.registeredOpList().getOpList())
				opDefs.put(d.getName(), d);
		}
		OpDef d = opDefs.get(type);
		if (d == null) throw new ExplainException("Op '" + type +
			"' is not known to this TensorFlow (" + TensorFlow.version() + ").");
		return d;
	}
}
