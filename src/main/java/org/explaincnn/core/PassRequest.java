package org.explaincnn.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One Session.run over a batch: the forward scores, optionally activations of some layers, and the
 * gradients of sum(seed * score) with respect to some layers and the input. With no seed (and no
 * top-1 seed) the run is forward only. A layer feed replaces a layer's output by a given tensor.
 */
public final class PassRequest {

	/** Model-ready input, channels last: batch x height x width x channels. */
	public final float[] input;
	public final int batch;
	public Score score = Score.LOGIT;
	/** batch x classes weights of the scores, or null for a forward pass only. */
	public float[] seed;
	public final List<LayerInfo> activations = new ArrayList<>();
	public final List<LayerInfo> layerGradients = new ArrayList<>();
	public boolean inputGradient;
	/** ReLU rule of the input gradient (guided backprop, deconvnet); plain by default. */
	public BackpropRule rule = BackpropRule.PLAIN;
	/** Non-zero: the seed is +-one_hot(argmax(logits)) computed in the graph (top-1 in one run). */
	public float topOneSign;
	/** Values fed at inner layers instead of being computed from the input (batch x the layer). */
	public final Map<LayerInfo, FeatureMap> feeds = new LinkedHashMap<>();
	/**
	 * Values that replace weight tensors for this run (tensor name to values, in the tensor's own
	 * layout): the model's files and its other runs are untouched.
	 */
	public final Map<String, float[]> weights = new LinkedHashMap<>();

	public PassRequest(float[] input, int batch) {
		this.input = input;
		this.batch = batch;
	}

	public PassRequest score(Score s) {
		this.score = s;
		return this;
	}

	public PassRequest seed(float[] seedPerClass) {
		this.seed = seedPerClass;
		return this;
	}

	/**
	 * Seeds each row with its own top-1 class, chosen inside the graph, so that predicting and
	 * explaining the top class is a single Session.run. sign is +1, or -1 for counterfactuals.
	 */
	public PassRequest seedTopOne(float sign) {
		this.topOneSign = sign;
		return this;
	}

	public PassRequest activation(LayerInfo layer) {
		activations.add(layer);
		return this;
	}

	public PassRequest layerGradient(LayerInfo layer) {
		layerGradients.add(layer);
		return this;
	}

	public PassRequest inputGradient() {
		this.inputGradient = true;
		return this;
	}

	/** The input gradient with a modified ReLU rule; layer gradients are not allowed with it. */
	public PassRequest inputGradient(BackpropRule backpropRule) {
		this.inputGradient = true;
		this.rule = backpropRule;
		return this;
	}

	/**
	 * Feeds {@code value} (channels last, batch x the layer's shape) at the layer instead of
	 * computing it from the input: everything downstream sees the fed value, including gradients
	 * taken there. Needs {@code capabilities().layerFeed}.
	 */
	public PassRequest feed(LayerInfo layer, FeatureMap value) {
		if (value.batch != batch || value.channels != layer.channels || !Arrays.equals(
			value.spatial, layer.spatial)) throw new IllegalArgumentException("fed " + value +
				" does not fit " + batch + " x layer " + layer);
		feeds.put(layer, value);
		return this;
	}

	/**
	 * Replaces a weight tensor (one of {@link ExplainableModel#layersWithWeights()}) by
	 * {@code values} for this run. Needs {@code capabilities().weightFeed}.
	 */
	public PassRequest weight(String tensor, float[] values) {
		weights.put(tensor, values);
		return this;
	}

	/** A copy of this request (the arrays shared, the lists and maps copied). */
	public PassRequest copy() {
		PassRequest c = new PassRequest(input, batch);
		c.score = score;
		c.seed = seed;
		c.activations.addAll(activations);
		c.layerGradients.addAll(layerGradients);
		c.inputGradient = inputGradient;
		c.rule = rule;
		c.topOneSign = topOneSign;
		c.feeds.putAll(feeds);
		c.weights.putAll(weights);
		return c;
	}
}
