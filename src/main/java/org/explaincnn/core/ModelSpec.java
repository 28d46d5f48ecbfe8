package org.explaincnn.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** How to feed a loaded model and read its scores: resolved from the descriptor and the graph. */
public final class ModelSpec {

	public enum Layout {
		NHWC, NCHW
	}

	public enum Resize {
		STRETCH, CENTER_CROP
	}

	/** How probabilities follow from the logits. */
	public enum Activation {
		/** Classes exclude each other: probabilities = softmax(logits). */
		SOFTMAX,
		/** Independent classes: probability = sigmoid(logit) per class (multi-label, or binary). */
		SIGMOID,
		/** Scores used as they are: the probability score is the logit itself. */
		NONE
	}

	public String name;
	public String input;
	/** The model's own logits tensor (for a binary head: its single logit). */
	public String logits;
	public String probabilities;
	public Activation activation = Activation.SOFTMAX;
	/**
	 * One sigmoid logit z presented as two classes with scores [-z, z] and probabilities
	 * [1 - p, p]: class 0 is the negative class, class 1 the positive one.
	 */
	public boolean binary;
	public Layout layout = Layout.NHWC;
	/** Rank of the input tensor: 4 for images, 3 for [batch, height, width] grey input. */
	public int inputRank;
	/** Model input height and width, or -1 when the graph accepts any size. */
	public int height;
	public int width;
	public int channels;
	/** "RGB", "BGR" or "GRAY". */
	public String channelOrder;
	/** model value = (pixel - mean[c]) / std[c], pixels 0..255. */
	public float[] mean;
	public float[] std;
	public Resize resize = Resize.STRETCH;
	public int classes;
	public Labels labels;
	/** Largest batch the graph takes (1 when the input's batch dimension is fixed). */
	public int maxBatch;
	/** What was inferred because no descriptor said it. */
	public final List<String> assumptions = new ArrayList<>();

	/** Human-readable preprocessing, e.g. "(x - 127.5) / 127.5". */
	public String preprocessingText() {
		if (allEqual(mean) && allEqual(std)) return "(x - " + fmt(mean[0]) + ") / " + fmt(std[0]);
		return "(x - " + Arrays.toString(mean) + ") / " + Arrays.toString(std);
	}

	private static boolean allEqual(float[] v) {
		for (float f : v)
			if (f != v[0]) return false;
		return true;
	}

	private static String fmt(float f) {
		return f == (int) f ? Integer.toString((int) f) : Float.toString(f);
	}
}
