package org.explaincnn.core;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Turns a model descriptor and what the graph says about its tensors (plain values: shapes as
 * {@code long[]}, -1 for an open dimension, null for an unknown rank) into a {@link ModelSpec}:
 * layout, input size, channels and their order, preprocessing, resize and batch limit, then the
 * class count and labels. No engine types, so every rule is testable without TensorFlow; what was
 * inferred rather than read from the descriptor goes into {@link ModelSpec#assumptions}.
 */
public final class SpecResolver {

	/** The engine's name of a 32-bit float tensor (TensorFlow's DataType name). */
	public static final String FLOAT = "DT_FLOAT";

	private SpecResolver() {}

	/**
	 * Fills the input side of {@code spec} ({@link ModelSpec#input} must be set: messages name it).
	 *
	 * @param shape the input tensor's shape, null when its rank is unknown
	 * @param dtype the input tensor's element type, e.g. {@link #FLOAT}
	 * @param batchRelaxed a fixed batch of 1 was relaxed (and checked) when the graph was converted
	 */
	public static void resolveInput(ModelSpec spec, ModelDescriptor d, long[] shape, String dtype,
		boolean batchRelaxed)
	{
		spec.name = d.name != null ? d.name : "model";
		if (!FLOAT.equals(dtype)) throw new ExplainException("Input '" + spec.input + "' is " +
			dtype + "; Explain CNN needs a float32 image input.");
		if (shape == null || shape.length < 3 || shape.length > 4) throw new ExplainException(
			"Input '" + spec.input + "' has shape " + Arrays.toString(shape) +
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
			"count " + Arrays.toString(shape) + "; Explain CNN needs a fixed number of channels.");
		spec.channels = (int) c;
		if (d.inputSize != null) {
			if (d.inputSize.length != 2) throw new ExplainException("\"inputSize\" in " +
				ModelDescriptor.FILE_NAME + " must be [height, width].");
			if ((h > 0 && h != d.inputSize[0]) || (w > 0 && w != d.inputSize[1]))
				throw new ExplainException("\"inputSize\" " + Arrays.toString(d.inputSize) +
					" does not fit the input shape " + Arrays.toString(shape) + "; fix or remove it.");
			h = d.inputSize[0];
			w = d.inputSize[1];
		}
		spec.height = (int) h;
		spec.width = (int) w;
		if (h < 0 || w < 0) spec.assumptions.add(
			"the model takes any image size: images are fed at their own size");
		resolveChannelOrder(spec, d);
		resolvePreprocessing(spec, d);
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

	private static void resolveChannelOrder(ModelSpec spec, ModelDescriptor d) {
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
	}

	private static void resolvePreprocessing(ModelSpec spec, ModelDescriptor d) {
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
			Arrays.fill(spec.std, 1f / scale);
			Arrays.fill(spec.mean, -offset / scale);
		}
		else {
			Arrays.fill(spec.mean, 0f);
			Arrays.fill(spec.std, 255f);
			spec.assumptions.add("pixels scaled to [0, 1] (x / 255)");
		}
	}

	private static void fillPerChannel(float[] target, float[] given, float fallback,
		String field)
	{
		if (given == null) Arrays.fill(target, fallback);
		else if (given.length == 1) Arrays.fill(target, given[0]);
		else if (given.length == target.length) System.arraycopy(given, 0, target, 0,
			given.length);
		else throw new ExplainException("\"" + field + "\" in " + ModelDescriptor.FILE_NAME +
			" has " + given.length + " values but the model has " + target.length +
			" channels; give one value or one per channel.");
	}

	/**
	 * The class count from the scores' shape [batch, classes], or -1 when the graph leaves it open
	 * (the engine then probes one forward pass). Scores of another rank are refused.
	 *
	 * @param shape the scores tensor's shape, null when its rank is unknown
	 */
	public static int classesFromShape(ModelSpec spec, long[] shape) {
		if (shape == null) return -1;
		if (shape.length != 2) throw new ExplainException("Scores '" + spec.logits +
			"' have shape " + Arrays.toString(shape) +
			"; Explain CNN explains classifiers with scores [batch, classes].");
		return (int) shape[1];
	}

	/**
	 * The output activation: the descriptor's, else what the graph shows (a Softmax or Sigmoid op
	 * on the scores), else sigmoid for a single output unit (a binary classifier: a softmax over one
	 * logit is always 1), else softmax. One sigmoid unit is presented as two classes (see
	 * {@link ModelSpec#binary}). Call after {@link #resolveInput}.
	 *
	 * @param shown the activation op on the scores in the graph, null when there is none, NONE
	 *   when the scores are probabilities themselves
	 * @param outputs the number of units of the logits tensor
	 * @return the number of classes presented to everything downstream
	 */
	public static int resolveActivation(ModelSpec spec, ModelDescriptor d,
		ModelSpec.Activation shown, int outputs)
	{
		if (d.activation != null) {
			String a = d.activation.strip().toUpperCase(Locale.ROOT);
			try {
				spec.activation = ModelSpec.Activation.valueOf(a);
			}
			catch (IllegalArgumentException e) {
				throw new ExplainException("Unknown activation '" + d.activation + "' in " +
					ModelDescriptor.FILE_NAME + "; use \"softmax\", \"sigmoid\" or \"none\".");
			}
		}
		else if (shown == ModelSpec.Activation.NONE) spec.activation = shown;
		else if (shown != null) {
			spec.activation = shown;
			spec.assumptions.add(shown == ModelSpec.Activation.SOFTMAX
				? "softmax output (a Softmax op on the scores): the classes exclude each other"
				: outputs == 1
					? "sigmoid output with one unit (a Sigmoid op on the scores): a binary classifier"
					: "sigmoid outputs (a Sigmoid op on the scores): " + outputs +
						" independent classes (multi-label)");
		}
		else if (outputs == 1) {
			spec.activation = ModelSpec.Activation.SIGMOID;
			spec.assumptions.add("one output unit: a sigmoid logit (binary classifier); set " +
				"\"activation\" in " + ModelDescriptor.FILE_NAME + " if it is not");
		}
		else {
			spec.activation = ModelSpec.Activation.SOFTMAX;
			spec.assumptions.add("softmax over the " + outputs + " scores (no activation in the " +
				"graph); set \"activation\": \"sigmoid\" in " + ModelDescriptor.FILE_NAME +
				" if the classes are independent");
		}
		spec.binary = spec.activation == ModelSpec.Activation.SIGMOID && outputs == 1;
		return spec.binary ? 2 : outputs;
	}

	/**
	 * Sets the class count and the labels: read from {@code labelsFile} (null: numbered). A binary
	 * head takes one name (the positive class; the negative one is "not <name>") or two (negative,
	 * then positive).
	 */
	public static void resolveClasses(ModelSpec spec, int classes, Path labelsFile) {
		spec.classes = classes;
		if (labelsFile != null) {
			Labels labels = Labels.read(labelsFile);
			if (spec.binary && labels.size() == 1) labels = new Labels(List.of("not " + labels.name(0),
				labels.name(0)));
			if (spec.binary && labels.size() != 2) throw new ExplainException("Labels file " +
				labelsFile.getFileName() + " has " + labels.size() + " names but the model has one " +
				"sigmoid output; give the positive class (one line) or the negative and the positive " +
				"class (two lines).");
			if (labels.size() != spec.classes) throw new ExplainException("Labels file " +
				labelsFile.getFileName() + " has " + labels.size() + " names but the model has " +
				spec.classes + " classes; give one name per output class (background included).");
			spec.labels = labels;
		}
		else {
			spec.labels = Labels.numbered(spec.classes);
			spec.assumptions.add(spec.binary
				? "no labels file: classes are numbered (class 1 is the positive class, logit > 0)"
				: "no labels file: classes are numbered");
		}
	}
}
