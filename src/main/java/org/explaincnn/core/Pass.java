package org.explaincnn.core;

import java.util.LinkedHashMap;
import java.util.Map;

/** What one {@link PassRequest} fetched, copied out of TensorFlow (no native memory held). */
public final class Pass {

	public final int batch;
	public final int classes;
	/** batch x classes. */
	public final float[] logits;
	/** batch x classes; never null (models without a softmax get one added to their graph). */
	public final float[] probabilities;
	public final Map<String, FeatureMap> activations = new LinkedHashMap<>();
	public final Map<String, FeatureMap> gradients = new LinkedHashMap<>();
	/** Gradient with respect to the model input, channels last; null if not requested. */
	public FeatureMap inputGradient;

	public Pass(int batch, int classes, float[] logits, float[] probabilities) {
		this.batch = batch;
		this.classes = classes;
		this.logits = logits;
		this.probabilities = probabilities;
	}

	public float score(Score kind, int b, int cls) {
		return (kind == Score.PROBABILITY ? probabilities : logits)[b * classes + cls];
	}

	public FeatureMap activation(LayerInfo layer) {
		return activations.get(layer.name);
	}

	public FeatureMap gradient(LayerInfo layer) {
		return gradients.get(layer.name);
	}
}
