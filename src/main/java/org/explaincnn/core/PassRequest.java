package org.explaincnn.core;

import java.util.ArrayList;
import java.util.List;

/**
 * One Session.run over a batch: the forward scores, optionally activations of some layers, and the
 * gradients of sum(seed * score) with respect to some layers and the input.
 */
public final class PassRequest {

	/** Model-ready input, channels last: batch x height x width x channels. */
	final float[] input;
	final int batch;
	Score score = Score.LOGIT;
	/** batch x classes weights of the scores, or null for a forward pass only. */
	float[] seed;
	final List<LayerInfo> activations = new ArrayList<>();
	final List<LayerInfo> layerGradients = new ArrayList<>();
	boolean inputGradient;

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
}
