package org.explaincnn.core.tf;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.tensorflow.engine.SavedModelBundle;
import ai.djl.tensorflow.engine.TfSymbolBlock;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.explaincnn.core.BackpropRule;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.ModelBundle;
import org.explaincnn.core.ModelDescriptor;
import org.explaincnn.core.ModelSpec;
import org.explaincnn.core.Pass;
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.SpecResolver;

/**
 * A classifier loaded through DJL's TensorFlow engine, with symbolic gradients added to its graph.
 * DJL owns the native graph and session; this class wraps the same handles with TF Java's
 * {@link Graph} and {@link Session} (never closing the wrappers) so that backward ops can be added
 * once and every explanation is one {@code Session.run}. It is a facade over four parts: the spec
 * ({@link SpecResolver}, engine-free), the {@link LayerCatalogue}, the {@link GradientGraph} and the
 * {@link SessionRunner}. All of them, and every cache, belong to this object; it is safe for
 * several threads at once.
 */
public final class TensorFlowModel implements ExplainableModel {

	private final ModelBundle bundle;
	private final ModelSpec spec;
	private final Model djlModel;
	private final Graph graph;
	private final Output<?> input;
	private final Output<?> logits;
	private final Output<?> probabilities;
	private final SessionRunner runner;
	private final LayerCatalogue catalogue;
	private GradientGraph gradients;
	private final Map<String, Object> memo = new HashMap<>();
	private volatile boolean closed;

	private TensorFlowModel(ModelBundle bundle, Model djlModel, Graph graph, Session session,
		Output<?> input, Output<?> logits, Output<?> probabilities, ModelSpec spec)
	{
		this.bundle = bundle;
		this.djlModel = djlModel;
		this.graph = graph;
		this.input = input;
		this.logits = logits;
		this.probabilities = probabilities;
		this.spec = spec;
		this.runner = new SessionRunner(session, input, spec);
		this.catalogue = new LayerCatalogue(graph, input, logits, spec, runner,
			bundle.descriptor.targetLayer);
	}

	@Override
	public ModelSpec spec() {
		return spec;
	}

	@Override
	public ModelBundle bundle() {
		return bundle;
	}

	@Override
	public Capabilities capabilities() {
		return new Capabilities(true, true, true);
	}

	@Override
	public float[][] denseHeadWeights(LayerInfo layer) {
		return memo("dense-head:" + layer.name, () -> GapDenseHead.weights(this, layer));
	}

	public static TensorFlowModel open(Path folder) {
		return open(ModelBundle.at(folder));
	}

	public static TensorFlowModel open(ModelBundle bundle) {
		TensorFlowRuntime.start();
		ModelDescriptor d = bundle.descriptor;
		ModelSpec spec = new ModelSpec();
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

		Model model = Model.newInstance(bundle.folder.getFileName().toString(), Device.cpu(),
			"TensorFlow");
		boolean ok = false;
		try {
			try {
				model.load(savedModel, null, Map.of("Tags", d.tags != null ? d.tags : "serve",
					"SignatureDefKey", d.signature != null ? d.signature : "serving_default"));
			}
			catch (IOException | MalformedModelException | RuntimeException e) {
				throw new ExplainException("TensorFlow cannot load the model in " + savedModel + " (" +
					TensorFlowRuntime.firstLine(e) + "); check that it is a SavedModel with tag '" +
					(d.tags != null ? d.tags : "serve") + "'.", e);
			}
			SavedModelBundle handles = ((TfSymbolBlock) model.getBlock()).getSavedModelBundle();
			Graph graph = wrapGraph(handles.getGraph());
			Session session = wrapSession(graph, handles.getSession());
			// What was inlined into this graph: one inliner per model, dropped once it is loaded.
			GraphFunctionInliner inliner = new GraphFunctionInliner(graph);

			if (bundle.format == ModelBundle.Format.SAVED_MODEL) {
				SignatureDef signature = handles.getMetaGraphDef().getSignatureDefMap().get(
					d.signature != null ? d.signature : "serving_default");
				if (inputName == null) inputName = signatureInput(signature, spec);
				if (logitsName == null && probabilitiesName == null) {
					String scores = signatureOutput(signature);
					Output<?> out = inliner.inlineIfCall(GraphOutputs.require(graph, scores,
						 "signature output"));
					Output<?> behind = GraphOutputs.logitsBehindSoftmax(out);
					if (behind != null) {
						probabilitiesName = GraphOutputs.tensorName(out);
						logitsName = GraphOutputs.tensorName(behind);
						spec.assumptions.add("probabilities from the serving signature, logits '" +
							logitsName + "' (the softmax input)");
					}
					else {
						logitsName = GraphOutputs.tensorName(out);
						spec.assumptions.add("the serving signature's output '" + scores +
							"' holds logits (no softmax found before it)");
					}
				}
			}
			Output<?> in = GraphOutputs.require(graph, inputName, "input");
			Output<?> lg = logitsName == null ? null : inliner.inlineIfCall(
				GraphOutputs.require(graph, logitsName, "logits"));
			Output<?> pr = probabilitiesName == null ? null : inliner.inlineIfCall(
				GraphOutputs.require(graph, probabilitiesName, "probabilities"));
			if (lg == null) {
				lg = GraphOutputs.logitsBehindSoftmax(pr);
				if (lg == null) {
					lg = pr;
					spec.assumptions.add("no logits tensor: the probabilities serve as scores");
				}
			}
			if (pr == null) {
				pr = graph.opBuilder("Softmax", "explaincnn/softmax", graph.baseScope()).addInput(lg)
					.build().output(0);
			}
			spec.input = GraphOutputs.tensorName(in);
			spec.logits = GraphOutputs.tensorName(lg);
			spec.probabilities = GraphOutputs.tensorName(pr);
			SpecResolver.resolveInput(spec, d, in.shape().isUnknown() ? null : in.shape().asArray(),
				in.dataType().name(), batchRelaxed);
			TensorFlowModel em = new TensorFlowModel(bundle, model, graph, session, in, lg, pr,
				spec);
			em.resolveClasses();
			ok = true;
			return em;
		}
		finally {
			if (!ok) model.close();
		}
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

	private void resolveClasses() {
		int classes = SpecResolver.classesFromShape(spec, logits.shape().isUnknown() ? null : logits
			.shape().asArray());
		if (classes < 0) {
			int h = spec.height > 0 ? spec.height : 224, w = spec.width > 0 ? spec.width : 224;
			classes = run(new PassRequest(new float[h * w * spec.channels], 1), h, w).classes;
		}
		SpecResolver.resolveClasses(spec, classes, bundle.labelsPath);
		if (bundle.descriptor.targetLayer != null) layer(bundle.descriptor.targetLayer);
	}

	/**
	 * Runs one batch, every native tensor closed before this returns. Backward ops are added to the
	 * graph only when the request asks for a gradient; a forward request leaves the graph as it is.
	 */
	@Override
	public Pass run(PassRequest r, int h, int w) {
		checkOpen();
		int c = spec.channels;
		if (r.batch < 1 || r.batch > spec.maxBatch) throw new IllegalArgumentException("batch " +
			r.batch + " outside 1.." + spec.maxBatch);
		if (r.input.length != r.batch * h * w * c) throw new IllegalArgumentException(
			"input length " + r.input.length + " != " + r.batch + "x" + h + "x" + w + "x" + c);
		return runner.run(fetches(r), r, h, w);
	}

	/** The graph's tensors for a request: scores, activations, gradients, seed and layer feeds. */
	private SessionRunner.Fetches fetches(PassRequest r) {
		if (r.rule != BackpropRule.PLAIN && !r.feeds.isEmpty()) throw new IllegalArgumentException(
			"layer feeds act on the model's own forward path, not a backprop rule's copy");
		SessionRunner.Fetches f;
		if (r.rule != BackpropRule.PLAIN && r.activations.isEmpty()) {
			// The rule's copy of the forward path computes the same scores: read them there, so
			// the model's own forward pass does not run as well.
			Output<?>[] copy = gradients().ruleScores(r.rule);
			f = new SessionRunner.Fetches(copy[0], copy[1]);
		}
		else f = new SessionRunner.Fetches(logits, probabilities);
		for (LayerInfo layer : r.activations)
			f.activations.add(tensor(layer.name));
		for (LayerInfo layer : r.feeds.keySet())
			f.feeds.add(tensor(layer.name));
		boolean backward = !r.layerGradients.isEmpty() || r.inputGradient;
		if (!backward) return f; // forward only: no backward ops, no seed fed
		if (r.seed == null && r.topOneSign == 0) throw new IllegalArgumentException(
			"gradients need a seed");
		if (r.seed != null && r.seed.length != r.batch * spec.classes)
			throw new IllegalArgumentException("seed length " + r.seed.length + " != batch x classes");
		float topOneSign = r.seed == null ? r.topOneSign : 0;
		if (r.rule != BackpropRule.PLAIN) {
			if (!r.layerGradients.isEmpty()) throw new IllegalArgumentException(
				"modified backprop gives input gradients only");
			f.gradients = new Output<?>[] { gradients().ruleInputGradient(r.rule, r.score,
				topOneSign) };
		}
		else {
			List<String> targets = new ArrayList<>();
			for (LayerInfo layer : r.layerGradients)
				targets.add(layer.name);
			if (r.inputGradient) targets.add(null);
			f.gradients = gradients().gradients(r.score, targets, topOneSign);
		}
		if (r.seed != null) f.seed = gradients().seedPlaceholder(r.score);
		return f;
	}

	/** The backward half of the graph, made on the first gradient request. */
	private GradientGraph gradients() {
		synchronized (graph) {
			if (gradients == null) gradients = new GradientGraph(graph, input, logits, probabilities,
				spec.classes, spec.input, catalogue);
			return gradients;
		}
	}

	Output<?> tensor(String name) {
		return catalogue.output(name);
	}

	@Override
	public List<LayerInfo> layers() {
		return catalogue.layers();
	}

	@Override
	public LayerInfo layer(String name) {
		return catalogue.layer(name);
	}

	@Override
	public LayerInfo defaultLayer() {
		return catalogue.defaultLayer();
	}

	/**
	 * A value derived from this model alone (e.g. CAM's dense weights), computed once and kept for
	 * the model's lifetime.
	 */
	@SuppressWarnings("unchecked")
	@Override
	public <T> T memo(String key, Supplier<T> compute) {
		synchronized (memo) {
			Object v = memo.get(key);
			if (v == null) {
				v = compute.get();
				memo.put(key, v);
			}
			return (T) v;
		}
	}

	// ---- plumbing --------------------------------------------------------------------------

	Graph graph() {
		return graph;
	}

	SessionRunner runner() {
		return runner;
	}

	/** Number of ops in the graph: tests check that forward passes add none. */
	int graphSize() {
		synchronized (graph) {
			int n = 0;
			for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); it.next())
				n++;
			return n;
		}
	}

	Output<?> inputTensor() {
		return input;
	}

	Output<?> logitsTensor() {
		return logits;
	}

	private void checkOpen() {
		if (closed) throw new IllegalStateException("model closed");
	}

	@Override
	public synchronized void close() {
		if (closed) return;
		closed = true;
		// The wrappers share DJL's handles: DJL frees them, the wrappers are dropped.
		djlModel.close();
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
