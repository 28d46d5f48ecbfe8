package org.explaincnn.core.tf;

import ai.djl.Model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.explaincnn.core.BackpropRule;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.ModelBundle;
import org.explaincnn.core.ModelSpec;
import org.explaincnn.core.Pass;
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.SpecResolver;
import org.explaincnn.core.WeightLayer;

/**
 * A classifier loaded through DJL's TensorFlow engine, with symbolic gradients added to its graph.
 * DJL owns the native graph and session; this class wraps the same handles with TF Java's
 * {@link Graph} and {@link Session} (never closing the wrappers) so that backward ops can be added
 * once and every explanation is one {@code Session.run}. It is a facade over six parts: the
 * {@link ModelLoader}, the spec ({@link SpecResolver}, engine-free), the {@link ScoreHead} (the
 * scores and probabilities every method sees), the {@link LayerCatalogue}, the
 * {@link GradientGraph} and the {@link SessionRunner}. All of them, and every cache, belong to this
 * object; it is safe for several threads at once.
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
	private final WeightCatalogue weightCatalogue;
	private GradientGraph gradients;
	private final Map<String, Object> memo = new HashMap<>();
	private volatile boolean closed;
	/**
	 * Runs hold it shared, close exclusively: closing waits for batches in flight, so a session is
	 * never freed under a run (fair, so a stream of runs cannot hold a close off for ever).
	 */
	private final ReadWriteLock lifetime = new ReentrantReadWriteLock(true);

	private TensorFlowModel(ModelBundle bundle, ModelLoader.Loaded loaded, ScoreHead head,
		ModelSpec spec, SessionRunner runner)
	{
		this.bundle = bundle;
		this.djlModel = loaded.djlModel;
		this.graph = loaded.graph;
		this.input = loaded.input;
		this.logits = head.logits;
		this.probabilities = head.probabilities;
		this.spec = spec;
		this.runner = runner;
		this.catalogue = new LayerCatalogue(graph, input, logits, spec, runner,
			bundle.descriptor.targetLayer);
		this.weightCatalogue = new WeightCatalogue(graph, input, logits, runner);
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
		return new Capabilities(true, true, true, true);
	}

	@Override
	public float[][] denseHeadWeights(LayerInfo layer) {
		return memo("dense-head:" + layer.name, () -> GapDenseHead.weights(this, layer, Map.of()));
	}

	@Override
	public float[][] denseHeadWeights(LayerInfo layer, Map<String, float[]> weightOverrides) {
		if (weightOverrides.isEmpty()) return denseHeadWeights(layer);
		lifetime.readLock().lock();
		try {
			checkOpen();
			for (Map.Entry<String, float[]> e : weightOverrides.entrySet())
				weightTensor(e.getKey(), e.getValue());
			return GapDenseHead.weights(this, layer, weightOverrides);
		}
		finally {
			lifetime.readLock().unlock();
		}
	}

	@Override
	public List<WeightLayer> layersWithWeights() {
		lifetime.readLock().lock();
		try {
			checkOpen();
			return weightCatalogue.layers();
		}
		finally {
			lifetime.readLock().unlock();
		}
	}

	@Override
	public float[] weights(WeightLayer.Tensor tensor) {
		lifetime.readLock().lock();
		try {
			checkOpen();
			return weightCatalogue.values(weightTensor(tensor.name(), null));
		}
		finally {
			lifetime.readLock().unlock();
		}
	}

	/** A listed weight tensor by name, its values' count checked when given; else an error. */
	private WeightLayer.Tensor weightTensor(String name, float[] values) {
		WeightLayer.Tensor t = weightCatalogue.tensor(name);
		if (t == null) throw new IllegalArgumentException("not a weight tensor of this model: " +
			name);
		if (values != null && values.length != t.size()) throw new IllegalArgumentException(name +
			" has " + t.size() + " values, not " + values.length);
		return t;
	}

	/** The graph outputs, shapes and values of weight overrides, in the map's order. */
	void weightFeeds(Map<String, float[]> overrides, List<Output<?>> outputs, List<long[]> shapes,
		List<float[]> values)
	{
		for (Map.Entry<String, float[]> e : overrides.entrySet()) {
			WeightLayer.Tensor t = weightTensor(e.getKey(), e.getValue());
			outputs.add(weightCatalogue.output(t));
			shapes.add(t.shape());
			values.add(e.getValue());
		}
	}

	public static TensorFlowModel open(Path folder) {
		return open(ModelBundle.at(folder));
	}

	public static TensorFlowModel open(ModelBundle bundle) {
		// Before waiting for TensorFlow, which may be starting on another thread.
		if (bundle.format == ModelBundle.Format.FROZEN_GRAPH) FrozenGraphConverter.prepareKey(
			bundle.modelPath, bundle.descriptor);
		TensorFlowRuntime.start();
		ModelSpec spec = new ModelSpec();
		ModelLoader.Loaded l = ModelLoader.load(bundle, spec);
		boolean ok = false;
		try {
			SpecResolver.resolveInput(spec, bundle.descriptor, l.input.shape().isUnknown() ? null
				: l.input.shape().asArray(), l.input.dataType().name(), l.batchRelaxed);
			SessionRunner runner = new SessionRunner(l.session, l.input, spec);
			int classes = SpecResolver.resolveActivation(spec, bundle.descriptor, l.shown, outputUnits(
				l.logits, spec, runner));
			ScoreHead head = ScoreHead.build(l.graph, l.logits, l.probabilities, spec);
			spec.probabilities = GraphOutputs.tensorName(head.probabilities);
			SpecResolver.resolveClasses(spec, classes, bundle.labelsPath);
			TensorFlowModel em = new TensorFlowModel(bundle, l, head, spec, runner);
			em.catalogue.checkSuggested();
			ok = true;
			return em;
		}
		finally {
			if (!ok) l.djlModel.close();
		}
	}

	/** Units of the logits tensor: from its shape, else from one probe run on a zero image. */
	private static int outputUnits(Output<?> logits, ModelSpec spec, SessionRunner runner) {
		int units = SpecResolver.classesFromShape(spec, logits.shape().isUnknown() ? null : logits
			.shape().asArray());
		if (units >= 0) return units;
		long[] probed = runner.shapes(List.of(logits), spec.height > 0 ? spec.height : 224,
			spec.width > 0 ? spec.width : 224).get(0);
		return SpecResolver.classesFromShape(spec, probed);
	}

	/**
	 * Runs one batch, every native tensor closed before this returns. Backward ops are added to the
	 * graph only when the request asks for a gradient; a forward request leaves the graph as it is.
	 */
	@Override
	public Pass run(PassRequest r, int h, int w) {
		lifetime.readLock().lock();
		try {
			checkOpen();
			return runOpen(r, h, w);
		}
		finally {
			lifetime.readLock().unlock();
		}
	}

	private Pass runOpen(PassRequest r, int h, int w) {
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
		weightFeeds(r.weights, f.weights, f.weightShapes, new ArrayList<>());
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
				spec.classes, spec.activation, spec.input, catalogue);
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
		if (closed) throw new IllegalStateException("model " + bundle.folder + " was closed; " +
			"take models through ModelCache.acquire and keep the lease while running");
	}

	/**
	 * Frees the native graph and session, after any run in flight has returned. {@link #spec()} and
	 * {@link #bundle()} are plain Java and stay valid (results keep them for labels and manifests).
	 */
	@Override
	public void close() {
		lifetime.writeLock().lock();
		try {
			if (closed) return;
			closed = true;
			synchronized (memo) {
				memo.clear();
			}
			// The wrappers share DJL's handles: DJL frees them, the wrappers are dropped, but TF
			// Java's registry of graphs must forget ours first (see ModelLoader.forgetWrapper).
			ModelLoader.forgetWrapper(graph);
			djlModel.close();
		}
		finally {
			lifetime.writeLock().unlock();
		}
	}

	/** True once {@link #close()} has freed the native model. */
	public boolean isClosed() {
		return closed;
	}
}
