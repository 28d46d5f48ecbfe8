package org.explaincnn.core;

/**
 * A method whose map at a layer is a function of that layer's activations and gradients alone (the
 * CAM family): a sweep over many layers can then fetch them all in one pass, with one backward
 * graph, instead of one per layer.
 */
public interface LayerMapMethod {

	/** The map at the layer's resolution (batch of one). */
	float[] layerMap(FeatureMap activation, FeatureMap gradient);
}
