package org.explaincnn.core.tf;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.tensorflow.engine.SavedModelBundle;
import ai.djl.tensorflow.engine.TfSymbolBlock;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.types.TFloat32;
import org.explaincnn.core.BackpropRule;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.FeatureMap;
import org.explaincnn.core.Labels;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.ModelBundle;
import org.explaincnn.core.ModelDescriptor;
import org.explaincnn.core.ModelSpec;
import org.explaincnn.core.Pass;
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.Score;

/**
 * A classifier loaded through DJL's TensorFlow engine, with symbolic gradients added to its graph.
 * DJL owns the native graph and session; this class wraps the same handles with TF Java's
 * {@link Graph} and {@link Session} (never closing the wrappers) so that backward ops can be added
 * once and every explanation is one {@code Session.run}.
 */
public final class TensorFlowModel implements ExplainableModel {

	private static final Set<String> CALL_OPS = Set.of("StatefulPartitionedCall",
		"PartitionedCall");

	private final ModelBundle bundle;
	private final ModelSpec spec;
	private final Model djlModel;
	private final Graph graph;
	private final Session session;
	private final Output<?> input;
	private final Output<?> logits;
	private final Output<?> probabilities;
	private final Map<Score, Output<?>> seeds = new HashMap<>();
	private final Map<String, Output<?>[]> gradientCache = new HashMap<>();
	private final Map<String, Output<?>> tensors = new HashMap<>();
	private final Map<BackpropRule, Output<?>[]> modifiedLogits = new HashMap<>();
	private final Map<String, Object> memo = new HashMap<>();
	private List<LayerInfo> layers;
	private int gradientCount;
	private boolean closed;

	private TensorFlowModel(ModelBundle bundle, Model djlModel, Graph graph, Session session,
		Output<?> input, Output<?> logits, Output<?> probabilities, ModelSpec spec)
	{
		this.bundle = bundle;
		this.djlModel = djlModel;
		this.graph = graph;
		this.session = session;
		this.input = input;
		this.logits = logits;
		this.probabilities = probabilities;
		this.spec = spec;
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
		return new Capabilities(true, true, false);
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

			if (bundle.format == ModelBundle.Format.SAVED_MODEL) {
				SignatureDef signature = handles.getMetaGraphDef().getSignatureDefMap().get(
					d.signature != null ? d.signature : "serving_default");
				if (inputName == null) inputName = signatureInput(signature, spec);
				if (logitsName == null && probabilitiesName == null) {
					String scores = signatureOutput(signature);
					Output<?> out = GraphFunctionInliner.inlineIfCall(graph, GraphOutputs.require(graph,
						scores, "signature output"));
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
			Output<?> lg = logitsName == null ? null : GraphFunctionInliner.inlineIfCall(graph,
				GraphOutputs.require(graph, logitsName, "logits"));
			Output<?> pr = probabilitiesName == null ? null : GraphFunctionInliner.inlineIfCall(graph,
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
			describeInput(spec, in, d, batchRelaxed, bundle.format);
			TensorFlowModel em = new TensorFlowModel(bundle, model, graph, session, in, lg, pr,
				spec);
			em.describeOutputs(d);
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

	private static void describeInput(ModelSpec spec, Output<?> in, ModelDescriptor d,
		boolean batchRelaxed, ModelBundle.Format format)
	{
		spec.name = d.name != null ? d.name : "model";
		if (in.dataType() != DataType.DT_FLOAT) throw new ExplainException("Input '" + spec.input +
			"' is " + in.dataType() + "; Explain CNN needs a float32 image input.");
		long[] shape = in.shape().isUnknown() ? null : in.shape().asArray();
		if (shape == null || shape.length < 3 || shape.length > 4) throw new ExplainException(
			"Input '" + spec.input + "' has shape " + in.shape() +
				"; Explain CNN needs an image input [batch, height, width, channels] (or " +
				"[batch, height, width] for grey models).");
		spec.inputRank = shape.length;
		if (d.layout != null) {
			try {
				spec.layout = ModelSpec.Layout.valueOf(d.layout.toUpperCase(Locale.ROOT));
			}
			catch (IllegalArgumentException e) {
				throw new ExplainException("Unknown layout '" + d.layout + "' in " +
					ModelDescriptor.FILE_NAME + "; use \"NHWC\" or \"NCHW\".");
			}
		}
		else if (shape.length == 4 && (shape[1] == 1 || shape[1] == 3) && shape[3] != 1 &&
			shape[3] != 3)
		{
			spec.layout = ModelSpec.Layout.NCHW;
			spec.assumptions.add("channels-first (NCHW) layout, from the input shape");
		}
		long h, w, c;
		if (shape.length == 3) {
			h = shape[1];
			w = shape[2];
			c = 1;
			if (spec.layout == ModelSpec.Layout.NCHW) throw new ExplainException(
				"A rank-3 input has no channel axis, so layout NCHW does not fit; remove \"layout\".");
		}
		else if (spec.layout == ModelSpec.Layout.NHWC) {
			h = shape[1];
			w = shape[2];
			c = shape[3];
		}
		else {
			c = shape[1];
			h = shape[2];
			w = shape[3];
		}
		if (c < 0) throw new ExplainException("Input '" + spec.input + "' has an open channel " +
			"count " + in.shape() + "; Explain CNN needs a fixed number of channels.");
		spec.channels = (int) c;
		if (d.inputSize != null) {
			if (d.inputSize.length != 2) throw new ExplainException("\"inputSize\" in " +
				ModelDescriptor.FILE_NAME + " must be [height, width].");
			if ((h > 0 && h != d.inputSize[0]) || (w > 0 && w != d.inputSize[1]))
				throw new ExplainException("\"inputSize\" " + java.util.Arrays.toString(d.inputSize) +
					" does not fit the input shape " + in.shape() + "; fix or remove it.");
			h = d.inputSize[0];
			w = d.inputSize[1];
		}
		spec.height = (int) h;
		spec.width = (int) w;
		if (h < 0 || w < 0) spec.assumptions.add(
			"the model takes any image size: images are fed at their own size");

		// Multichannel (e.g. microscopy) models have no colour order: channels are fed as they are.
		String order = d.channelOrder != null ? d.channelOrder.toUpperCase(Locale.ROOT)
			: spec.channels == 1 ? "GRAY" : spec.channels == 3 ? "RGB" : "CHANNELS";
		if (d.channelOrder == null && spec.channels == 3) spec.assumptions.add(
			"RGB channel order");
		if (!order.equals("RGB") && !order.equals("BGR") && !order.equals("GRAY") && !order.equals(
			"CHANNELS")) throw new ExplainException("Unknown channelOrder '" + d.channelOrder +
				"' in " + ModelDescriptor.FILE_NAME + "; use \"RGB\", \"BGR\", \"GRAY\" or " +
				"\"CHANNELS\".");
		int expected = order.equals("GRAY") ? 1 : order.equals("CHANNELS") ? spec.channels : 3;
		if (expected != spec.channels) throw new ExplainException("channelOrder " + order +
			" means " + expected + " channel(s) but input '" + spec.input + "' has " +
			spec.channels + "; fix \"channelOrder\" in " + ModelDescriptor.FILE_NAME + ".");
		spec.channelOrder = order;

		spec.mean = new float[spec.channels];
		spec.std = new float[spec.channels];
		if (d.mean != null || d.std != null) {
			fillPerChannel(spec.mean, d.mean, 0f, "mean");
			fillPerChannel(spec.std, d.std, 1f, "std");
		}
		else if (d.scale != null || d.offset != null) {
			float scale = d.scale != null ? d.scale : 1f;
			float offset = d.offset != null ? d.offset : 0f;
			if (scale == 0) throw new ExplainException("\"scale\" must not be 0.");
			// x * scale + offset == (x - mean) / std with std = 1/scale, mean = -offset/scale
			java.util.Arrays.fill(spec.std, 1f / scale);
			java.util.Arrays.fill(spec.mean, -offset / scale);
		}
		else {
			java.util.Arrays.fill(spec.mean, 0f);
			java.util.Arrays.fill(spec.std, 255f);
			spec.assumptions.add("pixels scaled to [0, 1] (x / 255)");
		}
		if (d.resize != null) {
			switch (d.resize.toLowerCase(Locale.ROOT)) {
				case "stretch":
					spec.resize = ModelSpec.Resize.STRETCH;
					break;
				case "center-crop":
				case "centre-crop":
				case "crop":
					spec.resize = ModelSpec.Resize.CENTER_CROP;
					break;
				default:
					throw new ExplainException("Unknown resize '" + d.resize + "' in " +
						ModelDescriptor.FILE_NAME + "; use \"stretch\" or \"center-crop\".");
			}
		}
		spec.maxBatch = shape[0] == 1 && !batchRelaxed ? 1 : Integer.MAX_VALUE;
	}

	private static void fillPerChannel(float[] target, float[] given, float fallback,
		String field)
	{
		if (given == null) java.util.Arrays.fill(target, fallback);
		else if (given.length == 1) java.util.Arrays.fill(target, given[0]);
		else if (given.length == target.length) System.arraycopy(given, 0, target, 0,
			given.length);
		else throw new ExplainException("\"" + field + "\" in " + ModelDescriptor.FILE_NAME +
			" has " + given.length + " values but the model has " + target.length +
			" channels; give one value or one per channel.");
	}

	private void describeOutputs(ModelDescriptor d) {
		long classes = logits.shape().numDimensions() == 2 ? logits.shape().size(1) : -1;
		if (logits.shape().numDimensions() != 2 && !logits.shape().isUnknown())
			throw new ExplainException("Scores '" + spec.logits + "' have shape " + logits.shape() +
				"; Explain CNN explains classifiers with scores [batch, classes].");
		if (classes < 0) {
			Pass probe = run(new PassRequest(new float[inputSize(1)], 1));
			classes = probe.classes;
		}
		spec.classes = (int) classes;
		if (bundle.labelsPath != null) {
			Labels labels = Labels.read(bundle.labelsPath);
			if (labels.size() != spec.classes) throw new ExplainException("Labels file " +
				bundle.labelsPath.getFileName() + " has " + labels.size() +
				" names but the model has " + spec.classes +
				" classes; give one name per output class (background included).");
			spec.labels = labels;
		}
		else {
			spec.labels = Labels.numbered(spec.classes);
			spec.assumptions.add("no labels file: classes are numbered");
		}
		if (d.targetLayer != null) layer(d.targetLayer);
	}

	// ---- running ---------------------------------------------------------------------------

	/** Number of floats of a model-ready batch (channels last). */
	public int inputSize(int batch) {
		if (spec.height < 0 || spec.width < 0) throw new ExplainException(
			"The model takes any size; give the image size to inputSize(batch, h, w).");
		return batch * spec.height * spec.width * spec.channels;
	}

	/** Runs one batch, every native tensor closed before this returns. */
	@Override
	public Pass run(PassRequest r, int h, int w) {
		checkOpen();
		int c = spec.channels;
		if (r.batch < 1 || r.batch > spec.maxBatch) throw new IllegalArgumentException("batch " +
			r.batch + " outside 1.." + spec.maxBatch);
		if (r.input.length != r.batch * h * w * c) throw new IllegalArgumentException(
			"input length " + r.input.length + " != " + r.batch + "x" + h + "x" + w + "x" + c);

		List<Output<?>> fetches = new ArrayList<>();
		if (r.rule != BackpropRule.PLAIN && r.activations.isEmpty()) {
			// The rule's copy of the forward path computes the same scores: read them there, so
			// the model's own forward pass does not run as well.
			Output<?>[] copy = modifiedScores(r.rule);
			fetches.add(copy[0]);
			fetches.add(copy[1]);
		}
		else {
			fetches.add(logits);
			fetches.add(probabilities);
		}
		for (LayerInfo layer : r.activations)
			fetches.add(tensor(layer.name));
		Output<?>[] grads = null;
		if (r.seed != null || r.topOneSign != 0) {
			if (r.seed != null && r.seed.length != r.batch * spec.classes)
				throw new IllegalArgumentException("seed length " + r.seed.length +
					" != batch x classes");
			List<String> targets = new ArrayList<>();
			for (LayerInfo layer : r.layerGradients)
				targets.add(layer.name);
			if (r.inputGradient) targets.add(null);
			if (!targets.isEmpty()) {
				if (r.rule != BackpropRule.PLAIN) {
					if (!r.layerGradients.isEmpty()) throw new IllegalArgumentException(
						"modified backprop gives input gradients only");
					grads = new Output<?>[] { modifiedInputGradient(r.rule, r.score, r.seed == null
						? r.topOneSign : 0) };
				}
				else grads = gradients(r.score, targets, r.seed == null ? r.topOneSign : 0);
				Collections.addAll(fetches, grads);
			}
		}
		else if (!r.layerGradients.isEmpty() || r.inputGradient) throw new IllegalArgumentException(
			"gradients need a seed");

		long[] inputShape = feedShape(r.batch, h, w);
		float[] feed = spec.layout == ModelSpec.Layout.NCHW ? Tensors.nhwcToNchw(r.input, r.batch, h,
			w, c) : r.input;
		try (TFloat32 x = TFloat32.tensorOf(Shape.of(inputShape), DataBuffers.of(feed, true,
			false));
			TFloat32 seed = r.seed == null ? null : TFloat32.tensorOf(Shape.of(r.batch, spec.classes),
				DataBuffers.of(r.seed, true, false)))
		{
			Session.Runner runner = session.runner().feed(input, x);
			if (seed != null) runner.feed(seedPlaceholder(r.score), seed);
			for (Output<?> f : fetches)
				runner.fetch(f);
			try (Result result = runTf(runner)) {
				float[] lg = Tensors.read((TFloat32) result.get(0));
				float[] pr = Tensors.read((TFloat32) result.get(1));
				Pass pass = new Pass(r.batch, lg.length / r.batch, lg, pr);
				int i = 2;
				for (LayerInfo layer : r.activations)
					pass.activations.put(layer.name, featureMap((TFloat32) result.get(i++)));
				for (LayerInfo layer : r.layerGradients)
					pass.gradients.put(layer.name, featureMap((TFloat32) result.get(i++)));
				if (r.inputGradient) pass.inputGradient = inputMap((TFloat32) result.get(i), r.batch, h,
					w);
				return pass;
			}
		}
	}

	private Result runTf(Session.Runner runner) {
		try {
			return runner.run();
		}
		catch (RuntimeException e) {
			String msg = TensorFlowRuntime.firstLine(e);
			if (msg.contains("SymbolicGradient") || msg.contains("does not match declared output type"))
				throw new ExplainException("TensorFlow cannot differentiate through a function call in" +
					" this model (" + msg + "); re-export it without tf.function wrappers or as a " +
					"frozen graph.", e);
			throw new ExplainException("TensorFlow failed to run the model (" + msg + ").", e);
		}
	}

	private long[] feedShape(int batch, int h, int w) {
		if (spec.inputRank == 3) return new long[] { batch, h, w };
		return spec.layout == ModelSpec.Layout.NCHW ? new long[] { batch, spec.channels, h, w }
			: new long[] { batch, h, w, spec.channels };
	}

	private FeatureMap featureMap(TFloat32 t) {
		long[] dims = t.shape().asArray();
		float[] data = Tensors.read(t);
		int n = (int) dims[0];
		if (dims.length == 4 || dims.length == 5) {
			if (spec.layout == ModelSpec.Layout.NCHW) {
				int ch = (int) dims[1];
				int[] spatial = new int[dims.length - 2];
				for (int i = 0; i < spatial.length; i++)
					spatial[i] = (int) dims[i + 2];
				return new FeatureMap(n, spatial, ch, Tensors.channelsFirstToLast(data, n, ch,
					product(spatial)));
			}
			int[] spatial = new int[dims.length - 2];
			for (int i = 0; i < spatial.length; i++)
				spatial[i] = (int) dims[i + 1];
			return new FeatureMap(n, spatial, (int) dims[dims.length - 1], data);
		}
		throw new IllegalStateException("not a spatial map: " + t.shape());
	}

	private FeatureMap inputMap(TFloat32 t, int batch, int h, int w) {
		float[] data = Tensors.read(t);
		if (spec.layout == ModelSpec.Layout.NCHW && spec.inputRank == 4) data = Tensors
			.channelsFirstToLast(data, batch, spec.channels, h * w);
		return new FeatureMap(batch, new int[] { h, w }, spec.channels, data);
	}

	private static int product(int[] v) {
		int p = 1;
		for (int x : v)
			p *= x;
		return p;
	}

	// ---- gradients -------------------------------------------------------------------------

	private Output<?> seedPlaceholder(Score score) {
		synchronized (graph) {
			return seeds.computeIfAbsent(score, s -> graph.opBuilder("Placeholder",
				"explaincnn/seed_" + s.name().toLowerCase(Locale.ROOT), graph.baseScope()).setAttr(
					"dtype", DataType.DT_FLOAT).setAttr("shape", Shape.of(-1, spec.classes)).build()
				.output(0));
		}
	}

	private Output<?> topOneSeed(float sign) {
		return topOneSeed(sign, logits, "model");
	}

	/** +-one_hot(argmax(scores)): the top-1 seed made inside the graph. */
	private Output<?> topOneSeed(float sign, Output<?> scores, String tag) {
		String leaf = "top1_seed_" + tag + "_" + (sign > 0 ? "pos" : "neg");
		synchronized (graph) {
			if (graph.operation("explaincnn/" + leaf) != null) return graph.operation("explaincnn/" +
				leaf).output(0);
			org.tensorflow.op.Ops tf = org.tensorflow.op.Ops.create(graph);
			Output<org.tensorflow.types.TFloat32> lg = scores.expect(org.tensorflow.types.TFloat32.class);
			return tf.withSubScope("explaincnn").withName(leaf).oneHot(tf.math.argMax(lg, tf.constant(1)), tf.constant(
				spec.classes), tf.constant(sign), tf.constant(0f)).asOutput();
		}
	}

	/**
	 * Backward ops for d(sum(seed * score)) / d(targets); null target = the input. topOneSign != 0
	 * uses the in-graph top-1 seed instead of the seed placeholder. Cached.
	 */
	private Output<?>[] gradients(Score score, List<String> targets, float topOneSign) {
		String key = score + "|" + topOneSign + "|" + targets;
		synchronized (graph) {
			Output<?>[] cached = gradientCache.get(key);
			if (cached != null) return cached;
			Output<?>[] xs = new Output<?>[targets.size()];
			for (int i = 0; i < xs.length; i++)
				xs[i] = targets.get(i) == null ? input : tensor(targets.get(i));
			Output<?> y = score == Score.PROBABILITY ? probabilities : logits;
			CustomGradients.registerOnce();
			Output<?>[] dx = addGradients(y, xs, topOneSign != 0 ? topOneSeed(topOneSign)
				: seedPlaceholder(score));
			for (int i = 0; i < dx.length; i++) {
				if (dx[i] == null) throw new ExplainException("The score does not depend on '" +
					(targets.get(i) == null ? spec.input : targets.get(i)) +
					"'; choose a layer between the input and the output.");
			}
			gradientCache.put(key, dx);
			return dx;
		}
	}

	/** Backward ops for d(sum(seed * y)) / d(xs) under a fresh name; missing gradients in one line. */
	private Output<?>[] addGradients(Output<?> y, Output<?>[] xs, Output<?> seed) {
		try {
			return graph.addGradients("explaincnn/grad" + (gradientCount++), new Output<?>[] { y }, xs,
				new Output<?>[] { seed });
		}
		catch (RuntimeException e) {
			throw new ExplainException(noGradientMessage(e), e);
		}
	}

	private static String noGradientMessage(RuntimeException e) {
		String msg = TensorFlowRuntime.firstLine(e);
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("gradient.*?for op:? ?'?([\\w]+)")
			.matcher(msg);
		if (m.find()) return "Op " + m.group(1) +
			" on the path from input to score has no gradient in TensorFlow, so gradient methods " +
			"cannot run on this model; use a perturbation method (occlusion) instead.";
		return "TensorFlow cannot differentiate this model (" + msg + ").";
	}

	/** Logits and probabilities of the rule's copy of the forward path (built once per rule). */
	private Output<?>[] modifiedScores(BackpropRule rule) {
		synchronized (graph) {
			return modifiedLogits.computeIfAbsent(rule, r -> {
				Output<?> lg = ModifiedBackprop.copyForwardPath(graph, input, logits, r);
				Output<?> pr = graph.opBuilder("Softmax", "explaincnn/" + r.name().toLowerCase(
					Locale.ROOT) + "/softmax", graph.baseScope()).addInput(lg).build().output(0);
				return new Output<?>[] { lg, pr };
			});
		}
	}

	/** d score / d input through the rule's copy of the forward path (built once per rule). */
	private Output<?> modifiedInputGradient(BackpropRule rule, Score score, float topOneSign) {
		String key = "rule:" + rule + "|" + score + "|" + topOneSign;
		synchronized (graph) {
			Output<?>[] cached = gradientCache.get(key);
			if (cached != null) return cached[0];
			Output<?>[] copy = modifiedScores(rule);
			Output<?> y = score == Score.PROBABILITY ? copy[1] : copy[0];
			Output<?> seed = topOneSign != 0 ? topOneSeed(topOneSign, copy[0], rule.name()
				.toLowerCase(Locale.ROOT)) : seedPlaceholder(score);
			Output<?>[] dx = addGradients(y, new Output<?>[] { input }, seed);
			gradientCache.put(key, dx);
			return dx[0];
		}
	}

	Output<?> tensor(String name) {
		synchronized (graph) {
			return tensors.computeIfAbsent(name, n -> GraphOutputs.require(graph, n, "layer"));
		}
	}

	// ---- layers ----------------------------------------------------------------------------

	/** Spatial feature maps (4-D or 5-D float outputs) on the path from input to scores. */
	@Override
	public synchronized List<LayerInfo> layers() {
		if (layers != null) return layers;
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
			if (product(spatial) <= 1) continue;
			Output<?> out = candidates.get(i);
			result.add(new LayerInfo(GraphOutputs.tensorName(out), out.op().type(), spatial,
				channels, orders.get(i)));
		}
		layers = Collections.unmodifiableList(result);
		return layers;
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
		int h = spec.height > 0 ? spec.height : 224, w = spec.width > 0 ? spec.width : 224;
		try (TFloat32 x = TFloat32.tensorOf(Shape.of(feedShape(1, h, w)))) {
			Session.Runner runner = session.runner().feed(input, x);
			for (Output<?> o : outs)
				runner.fetch(o);
			try (Result r = runTf(runner)) {
				shapes.clear();
				for (int i = 0; i < outs.size(); i++)
					shapes.add(r.get(i).shape().asArray());
			}
		}
		return shapes;
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
		java.util.function.Function<GraphOperation, java.util.Collection<GraphOperation>> next)
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

	/** Finds a listed layer by name, or fails with a hint. */
	@Override
	public LayerInfo layer(String name) {
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
	@Override
	public LayerInfo defaultLayer() {
		if (bundle.descriptor.targetLayer != null) return layer(bundle.descriptor.targetLayer);
		List<LayerInfo> all = layers();
		if (all.isEmpty()) throw new ExplainException("Model '" + spec.name +
			"' has no spatial feature map (no conv layer), so CAM methods do not apply; use an " +
			"input-gradient method such as saliency.");
		return all.get(all.size() - 1);
	}

	/**
	 * A value derived from this model alone (e.g. CAM's dense weights), computed once and kept for
	 * the model's lifetime.
	 */
	@SuppressWarnings("unchecked")
	@Override
	public synchronized <T> T memo(String key, java.util.function.Supplier<T> compute) {
		Object v = memo.get(key);
		if (v == null) {
			v = compute.get();
			memo.put(key, v);
		}
		return (T) v;
	}

	// ---- plumbing --------------------------------------------------------------------------

	Graph graph() {
		return graph;
	}

	Session session() {
		return session;
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
