package org.explaincnn.core;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.explaincnn.core.tf.TensorFlowModel;

/**
 * What a loaded classifier can do for the attribution methods: run batches that fetch scores,
 * layer activations and gradients, list its spatial layers, and read its dense head. Methods
 * depend on this interface only; {@link TensorFlowModel} is the TensorFlow implementation.
 */
public interface ExplainableModel extends AutoCloseable {

	/** Opens a model bundle folder with the TensorFlow engine. */
	static ExplainableModel open(Path folder) {
		return TensorFlowModel.open(folder);
	}

	/** How to feed the model and read its scores. */
	ModelSpec spec();

	/** The bundle on disk the model came from. */
	ModelBundle bundle();

	/** What this model supports beyond a forward pass. */
	Capabilities capabilities();

	/**
	 * Runs one batch of {@code r.batch} inputs of h x w (the model's own size for fixed-size
	 * models), fetching what the request asks for; a request without gradients is forward only.
	 * Thread-safe: several threads may run one model at once. Many passes: {@link PassStream}.
	 */
	Pass run(PassRequest r, int height, int width);

	/** {@link #run(PassRequest, int, int)} at the model's own input size (fixed-size models). */
	default Pass run(PassRequest r) {
		ModelSpec s = spec();
		if (s.height < 0 || s.width < 0) throw new IllegalStateException(
			"the model takes any size: give the input's height and width");
		return run(r, s.height, s.width);
	}

	/** Forward pass: scores for a batch of model-ready inputs at the model's own size. */
	default Pass forward(float[] modelInput, int batch) {
		return run(new PassRequest(modelInput, batch));
	}

	/** Spatial feature maps (4-D or 5-D) on the path from input to scores, input to output. */
	List<LayerInfo> layers();

	/** A listed layer by name (exact, without ":0", or a unique suffix); one-line error otherwise. */
	LayerInfo layer(String name);

	/** The default CAM layer: the descriptor's suggestion, else the last spatial map. */
	LayerInfo defaultLayer();

	/** The named layer, or {@link #defaultLayer()} when the name is null. */
	default LayerInfo layerOrDefault(String name) {
		return name != null ? layer(name) : defaultLayer();
	}

	/**
	 * Weights [channels][classes] of a global-average-pooling + dense head right after the layer
	 * (what CAM needs); a one-line error when the model has no such head there.
	 */
	float[][] denseHeadWeights(LayerInfo layer);

	/**
	 * A value derived from this model alone, computed once and kept for the model's lifetime (owned
	 * by the model, so two models never share it).
	 */
	<T> T memo(String key, Supplier<T> compute);

	/**
	 * Layers with weights on the path to the scores, top (nearest the scores) first; needs
	 * {@code capabilities().weightFeed}. Their tensors can be overridden per run
	 * ({@link PassRequest#weight}), which the sanity check uses to randomise a model in memory.
	 */
	default List<WeightLayer> layersWithWeights() {
		throw new ExplainException("This model cannot replace its weights in memory; the sanity " +
			"check needs a TensorFlow model.");
	}

	/** The stored values of a weight tensor (its layout as in the graph). */
	default float[] weights(WeightLayer.Tensor tensor) {
		throw new ExplainException("This model cannot read its weights; the sanity check needs a " +
			"TensorFlow model.");
	}

	/**
	 * {@link #denseHeadWeights(LayerInfo)} as they are when some weight tensors are replaced by the
	 * given values (tensor name to values), so that CAM sees a randomised head.
	 */
	default float[][] denseHeadWeights(LayerInfo layer, Map<String, float[]> weightOverrides) {
		if (weightOverrides.isEmpty()) return denseHeadWeights(layer);
		throw new ExplainException("This model cannot replace its weights in memory; the sanity " +
			"check needs a TensorFlow model.");
	}

	@Override
	void close();

	/** The class with the highest score in row b of a batch x classes array. */
	static int argmax(float[] scores, int b, int classes) {
		int best = 0;
		for (int k = 1; k < classes; k++)
			if (scores[b * classes + k] > scores[b * classes + best]) best = k;
		return best;
	}

	/** What a model offers beyond forward passes; a UI can say which methods apply. */
	final class Capabilities {

		/** Gradients with respect to layers and the input. */
		public final boolean gradients;
		/** Modified ReLU backward rules (guided backprop, deconvnet). */
		public final boolean backpropRules;
		/** Feeding a tensor at an inner layer instead of the input. */
		public final boolean layerFeed;
		/** Replacing weight tensors by given values for a run ({@link PassRequest#weight}). */
		public final boolean weightFeed;

		public Capabilities(boolean gradients, boolean backpropRules, boolean layerFeed) {
			this(gradients, backpropRules, layerFeed, false);
		}

		public Capabilities(boolean gradients, boolean backpropRules, boolean layerFeed,
			boolean weightFeed)
		{
			this.gradients = gradients;
			this.backpropRules = backpropRules;
			this.layerFeed = layerFeed;
			this.weightFeed = weightFeed;
		}
	}
}
