package org.explaincnn.core.tf;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.tensorflow.engine.SavedModelBundle;
import ai.djl.tensorflow.engine.TfSymbolBlock;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ModelBundle;
import org.explaincnn.core.ModelDescriptor;
import org.explaincnn.core.ModelSpec;

/**
 * Loads a bundle with DJL (frozen graphs converted first) and finds its input, logits and
 * probabilities: from the descriptor, else the serving signature, with function calls inlined so
 * that the scores are differentiable. A Softmax or Sigmoid on the scores is recognised (its input
 * is the logits); the probabilities a model lacks are added later by {@link ScoreHead}.
 */
final class ModelLoader {

	/** DJL's model and TF Java wrappers over its native graph and session, and the key tensors. */
	static final class Loaded {

		final Model djlModel;
		final Graph graph;
		final Session session;
		final Output<?> input, logits;
		/** The model's own probabilities, or null when it has none. */
		final Output<?> probabilities;
		/**
		 * The activation op found on the scores (Softmax, Sigmoid), NONE when probabilities serve as
		 * scores, or null.
		 */
		final ModelSpec.Activation shown;
		/** A fixed batch of 1 was relaxed (and checked) when the frozen graph was converted. */
		final boolean batchRelaxed;

		Loaded(Model djlModel, Graph graph, Session session, Output<?> input, Output<?> logits,
			Output<?> probabilities, ModelSpec.Activation shown, boolean batchRelaxed)
		{
			this.djlModel = djlModel;
			this.graph = graph;
			this.session = session;
			this.input = input;
			this.logits = logits;
			this.probabilities = probabilities;
			this.shown = shown;
			this.batchRelaxed = batchRelaxed;
		}
	}

	private ModelLoader() {}

	/**
	 * Loads the bundle; sets the spec's tensor names and adds what was assumed. The caller owns
	 * the DJL model from here on; on failure it is closed here.
	 */
	static Loaded load(ModelBundle bundle, ModelSpec spec) {
		ModelDescriptor d = bundle.descriptor;
		Path savedModel = bundle.modelPath;
		String inputName = d.input;
		String logitsName = d.logits;
		String probabilitiesName = d.probabilities;
		boolean batchRelaxed = false;
		if (bundle.format == ModelBundle.Format.FROZEN_GRAPH) {
			FrozenGraphConverter.Conversion c = FrozenGraphConverter.convert(bundle.modelPath, d);
			savedModel = c.savedModel;
			inputName = c.input;
			logitsName = c.logits;
			probabilitiesName = c.probabilities;
			batchRelaxed = c.batchRelaxed;
			spec.assumptions.addAll(c.assumptions);
		}
		// A SavedModel loaded before comes from its frozen copy, through the frozen-graph path.
		boolean frozenCopy = false;
		if (bundle.format == ModelBundle.Format.SAVED_MODEL) {
			FrozenGraphConverter.Conversion c = FrozenModelCache.lookup(bundle.modelPath, d);
			if (c != null) {
				frozenCopy = true;
				savedModel = c.savedModel;
				inputName = c.input;
				logitsName = c.logits;
				probabilitiesName = c.probabilities;
				spec.assumptions.addAll(c.assumptions);
			}
		}
		String tags = d.tags != null && !frozenCopy ? d.tags : "serve";
		String signatureKey = d.signature != null && !frozenCopy ? d.signature : "serving_default";

		Model model = Model.newInstance(bundle.folder.getFileName().toString(), Device.cpu(),
			"TensorFlow");
		boolean ok = false;
		try {
			try {
				model.load(savedModel, null, Map.of("Tags", tags, "SignatureDefKey", signatureKey,
					"ConfigProto", TensorFlowRuntime.sessionConfig()));
			}
			catch (IOException | MalformedModelException | RuntimeException e) {
				throw new ExplainException("TensorFlow cannot load the model in " + savedModel + " (" +
					TensorFlowRuntime.firstLine(e) + "); check that it is a SavedModel with tag '" +
					tags + "'.", e);
			}
			SavedModelBundle handles = ((TfSymbolBlock) model.getBlock()).getSavedModelBundle();
			Graph graph = wrapGraph(handles.getGraph());
			Session session = wrapSession(graph, handles.getSession());
			// What was inlined into this graph: one inliner per model, dropped once it is loaded.
			GraphFunctionInliner inliner = new GraphFunctionInliner(graph);

			if (bundle.format == ModelBundle.Format.SAVED_MODEL && !frozenCopy) {
				int assumedBefore = spec.assumptions.size();
				SignatureDef signature = handles.getMetaGraphDef().getSignatureDefMap().get(
					d.signature != null ? d.signature : "serving_default");
				int restored = 0;
				for (GraphOperation call : servingCalls(graph, signature, logitsName,
					probabilitiesName))
					restored += CheckpointRestorer.restoreIfNeeded(graph, session, handles
						.getMetaGraphDef(), savedModel, call);
				if (restored > 0) spec.assumptions.add(restored + " variables the TensorFlow loader " +
					"left uninitialised (tf.saved_model.save of a Keras 3 model) restored from the " +
					"checkpoint's object graph");
				if (inputName == null) inputName = signatureInput(signature, spec);
				if (logitsName == null && probabilitiesName == null) {
					String scores = signatureOutput(signature);
					Output<?> out = inliner.inlineIfCall(GraphOutputs.require(graph, scores,
						 "signature output"));
					Output<?> behind = GraphOutputs.logitsBehindSoftmax(out);
					Output<?> behindSigmoid = stripsSigmoid(d) ? GraphOutputs.logitsBehindSigmoid(out)
						: null;
					if (behind != null || behindSigmoid != null) {
						probabilitiesName = GraphOutputs.tensorName(out);
						logitsName = GraphOutputs.tensorName(behind != null ? behind : behindSigmoid);
						spec.assumptions.add("probabilities from the serving signature, logits '" +
							logitsName + "' (the " + (behind != null ? "softmax" : "sigmoid") + " input)");
					}
					else {
						logitsName = GraphOutputs.tensorName(out);
						spec.assumptions.add("the serving signature's output '" + scores +
							"' holds logits (no softmax or sigmoid found before it)");
					}
				}
				// Scores named by the descriptor are inlined here so that the frozen copy holds them.
				if (logitsName != null) logitsName = GraphOutputs.tensorName(inliner.inlineIfCall(
					GraphOutputs.require(graph, logitsName, "logits")));
				if (probabilitiesName != null) probabilitiesName = GraphOutputs.tensorName(inliner
					.inlineIfCall(GraphOutputs.require(graph, probabilitiesName, "probabilities")));
				FrozenModelCache.store(graph, session, bundle.modelPath, d, inputName, logitsName,
					probabilitiesName, List.copyOf(spec.assumptions.subList(assumedBefore, spec
						.assumptions.size())));
			}
			Output<?> in = GraphOutputs.require(graph, inputName, "input");
			Output<?> lg = logitsName == null ? null : inliner.inlineIfCall(
				GraphOutputs.require(graph, logitsName, "logits"));
			Output<?> pr = probabilitiesName == null ? null : inliner.inlineIfCall(
				GraphOutputs.require(graph, probabilitiesName, "probabilities"));
			ModelSpec.Activation shown = GraphOutputs.activationOf(pr);
			if (lg == null) {
				lg = GraphOutputs.logitsBehindSoftmax(pr);
				if (lg == null && stripsSigmoid(d)) lg = GraphOutputs.logitsBehindSigmoid(pr);
				if (lg == null) {
					lg = pr;
					shown = ModelSpec.Activation.NONE;
					spec.assumptions.add("no logits tensor: the probabilities serve as scores");
				}
			}
			else if (pr == null && d.logits == null && stripsSigmoid(d)) {
				// Scores found in the graph (not named) that come out of a sigmoid are probabilities.
				Output<?> behind = GraphOutputs.logitsBehindSigmoid(lg);
				if (behind != null) {
					pr = lg;
					lg = behind;
					shown = ModelSpec.Activation.SIGMOID;
					spec.assumptions.add("scores '" + GraphOutputs.tensorName(pr) + "' come out of a " +
						"sigmoid: logits '" + GraphOutputs.tensorName(lg) + "' (its input)");
				}
			}
			spec.input = GraphOutputs.tensorName(in);
			spec.logits = GraphOutputs.tensorName(lg);
			ok = true;
			return new Loaded(model, graph, session, in, lg, pr, shown, batchRelaxed);
		}
		finally {
			if (!ok) model.close();
		}
	}

	/** Function-call ops, as SavedModels of Keras models run their forward pass. */
	private static final Set<String> CALL_OPS = Set.of("StatefulPartitionedCall",
		"PartitionedCall");

	/** The function calls that produce the signature's outputs and the named score tensors. */
	private static List<GraphOperation> servingCalls(Graph graph, SignatureDef signature,
		String... names)
	{
		List<String> tensors = new ArrayList<>();
		if (signature != null) for (TensorInfo t : signature.getOutputsMap().values())
			tensors.add(t.getName());
		for (String n : names)
			if (n != null) tensors.add(n);
		List<GraphOperation> calls = new ArrayList<>();
		for (String t : tensors) {
			int colon = t.lastIndexOf(':');
			GraphOperation op = graph.operation(colon < 0 ? t : t.substring(0, colon));
			if (op != null && CALL_OPS.contains(op.type()) && !calls.contains(op)) calls.add(op);
		}
		return calls;
	}

	/** A sigmoid on the scores is taken off (its input becomes the logits) unless told otherwise. */
	private static boolean stripsSigmoid(ModelDescriptor d) {
		return d.activation == null || d.activation.strip().equalsIgnoreCase("sigmoid");
	}

	private static String signatureInput(SignatureDef signature, ModelSpec spec) {
		if (signature == null) throw new ExplainException("The SavedModel has no serving " +
			"signature; name the input with \"input\" in " + ModelDescriptor.FILE_NAME + ".");
		Map<String, TensorInfo> inputs = signature.getInputsMap();
		if (inputs.size() != 1) throw new ExplainException("The serving signature has " + inputs
			.size() + " inputs " + inputs.keySet() + "; name the image input with \"input\" in " +
			ModelDescriptor.FILE_NAME + ".");
		return inputs.values().iterator().next().getName();
	}

	private static String signatureOutput(SignatureDef signature) {
		if (signature == null) throw new ExplainException("The SavedModel has no serving " +
			"signature; name the scores with \"logits\" in " + ModelDescriptor.FILE_NAME + ".");
		Map<String, TensorInfo> outputs = signature.getOutputsMap();
		if (outputs.size() == 1) return outputs.values().iterator().next().getName();
		for (String key : outputs.keySet())
			if (key.toLowerCase(Locale.ROOT).contains("logit")) return outputs.get(key).getName();
		for (String key : outputs.keySet())
			if (key.toLowerCase(Locale.ROOT).contains("prob")) return outputs.get(key).getName();
		throw new ExplainException("The serving signature has outputs " + outputs.keySet() +
			"; name the class scores with \"logits\" or \"probabilities\" in " +
			ModelDescriptor.FILE_NAME + ".");
	}

	/**
	 * Removes a wrapper from TF Java's registry of graphs (Graph.ALL_GRAPHS, keyed by the native
	 * graph's id, which Graph.close() would remove; ours is never closed, DJL frees the graph). Left
	 * there, a graph made later at the same native address shares the key, and when the dead
	 * wrapper is collected the new graph's entry goes too: its custom gradients then fail with
	 * "Graph not found".
	 */
	static void forgetWrapper(Graph graph) {
		try {
			Field registry = Graph.class.getDeclaredField("ALL_GRAPHS");
			Field id = Graph.class.getDeclaredField("nativeId");
			registry.setAccessible(true);
			id.setAccessible(true);
			Map<?, ?> graphs = (Map<?, ?>) registry.get(null);
			Object key = id.get(graph);
			synchronized (graphs) {
				if (graphs.get(key) == graph) graphs.remove(key);
			}
		}
		catch (ReflectiveOperationException | RuntimeException e) {
			// Another TF Java version without that registry: nothing to forget.
		}
	}

	private static Graph wrapGraph(TF_Graph handle) {
		try {
			Constructor<Graph> c = Graph.class.getDeclaredConstructor(TF_Graph.class);
			c.setAccessible(true);
			return c.newInstance(handle);
		}
		catch (ReflectiveOperationException e) {
			throw new IllegalStateException("TF Java Graph cannot wrap DJL's graph", e);
		}
	}

	private static Session wrapSession(Graph g, TF_Session handle) {
		try {
			Constructor<Session> c = Session.class.getDeclaredConstructor(Graph.class,
				TF_Session.class);
			c.setAccessible(true);
			return c.newInstance(g, handle);
		}
		catch (ReflectiveOperationException e) {
			throw new IllegalStateException("TF Java Session cannot wrap DJL's session", e);
		}
	}
}
