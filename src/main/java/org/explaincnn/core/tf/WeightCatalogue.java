package org.explaincnn.core.tf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.proto.DataType;
import org.explaincnn.core.WeightLayer;

/**
 * The layers with weights on the path from the input to the logits, top first, and the tensors
 * their weights are read from. A weight tensor is the kernel input of a convolution or MatMul
 * (and the bias of a BiasAdd / Add right after it) that does not depend on the input: a Const in
 * a frozen graph, a Dequantize of 8-bit weights, an Identity or a variable read. Any such tensor
 * can be fed in a {@code Session.run}: the session replaces fed tensors before it optimises
 * (constant-folds) the graph, so a fed Const is never folded away and its consumers, the
 * gradients' ops and the backprop rules' copies of the forward path (which read the same weight
 * tensors) all see the fed value; the graph itself is not changed.
 */
final class WeightCatalogue {

	/** Ops whose input 1 is a kernel. */
	private static final Set<String> KERNEL_OPS = Set.of("Conv2D", "DepthwiseConv2dNative",
		"Conv3D", "MatMul", "Conv2DBackpropInput", "Conv3DBackpropInputV2");
	private static final Set<String> BIAS_OPS = Set.of("BiasAdd", "Add", "AddV2");

	private final Graph graph;
	private final Output<?> input, logits;
	private final SessionRunner runner;
	private List<WeightLayer> layers;
	private final Map<String, WeightLayer.Tensor> tensors = new HashMap<>();

	WeightCatalogue(Graph graph, Output<?> input, Output<?> logits, SessionRunner runner) {
		this.graph = graph;
		this.input = input;
		this.logits = logits;
		this.runner = runner;
	}

	/** Top (nearest the logits) first. */
	List<WeightLayer> layers() {
		synchronized (graph) {
			if (layers == null) layers = Collections.unmodifiableList(find());
			return layers;
		}
	}

	/** The weight tensor of that name, or null. */
	WeightLayer.Tensor tensor(String name) {
		layers();
		return tensors.get(name);
	}

	/** The graph output of a listed weight tensor. */
	Output<?> output(WeightLayer.Tensor t) {
		synchronized (graph) {
			return GraphOutputs.require(graph, t.name(), "weight");
		}
	}

	/** The stored values of a weight tensor. */
	float[] values(WeightLayer.Tensor t) {
		return runner.constant(output(t), new long[1][]);
	}

	private List<WeightLayer> find() {
		Set<GraphOperation> upstream = LayerCatalogue.reachableBackward((GraphOperation) logits.op());
		Set<GraphOperation> downstream = LayerCatalogue.reachableForward((GraphOperation) input.op());
		List<WeightLayer> found = new ArrayList<>();
		for (Iterator<GraphOperation> it = graph.operations(); it.hasNext();) {
			GraphOperation op = it.next();
			if (!KERNEL_OPS.contains(op.type()) || !upstream.contains(op) || !downstream.contains(op))
				continue;
			Output<?> kernel = op.input(1);
			if (downstream.contains(kernel.op()) || !isFloat(kernel)) continue;
			List<WeightLayer.Tensor> ts = new ArrayList<>();
			ts.add(tensor(kernel, "kernel"));
			GraphOperation bias = singleConsumer(op);
			if (bias != null && BIAS_OPS.contains(bias.type())) {
				Output<?> b = bias.input(0).op().equals(op) ? bias.input(1) : bias.input(0);
				if (!downstream.contains(b.op()) && isFloat(b)) ts.add(tensor(b, "bias"));
			}
			found.add(new WeightLayer(op.name(), op.type(), ts));
		}
		Collections.reverse(found); // the graph lists ops inputs first
		for (WeightLayer l : found)
			for (WeightLayer.Tensor t : l.tensors())
				tensors.put(t.name(), t);
		return found;
	}

	private static GraphOperation singleConsumer(GraphOperation op) {
		Set<GraphOperation> c = op.consumers();
		return c.size() == 1 ? c.iterator().next() : null;
	}

	private static boolean isFloat(Output<?> o) {
		return o.dataType() == DataType.DT_FLOAT;
	}

	private WeightLayer.Tensor tensor(Output<?> o, String role) {
		long[] shape = o.shape().isUnknown() || o.shape().hasUnknownDimension() ? null : o.shape()
			.asArray();
		if (shape == null) { // a shape the graph does not record (e.g. a Dequantize): read it once
			long[][] s = new long[1][];
			runner.constant(o, s);
			shape = s[0];
		}
		return new WeightLayer.Tensor(GraphOutputs.tensorName(o), shape, role);
	}
}
