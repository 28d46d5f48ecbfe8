package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.List;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.FeatureMap;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.Pass;
import org.explaincnn.core.PassStream;
import org.explaincnn.core.PreparedImage;

/**
 * Activations of a layer and the gradients of each target class's score with respect to it: the
 * input of every CAM method. Classes share batched passes (one image copy per class), in chunks
 * no larger than the batch size, so k classes cost ceil(k / batch) passes.
 */
final class LayerGradients {

	final LayerInfo layer;
	/** Per class: activations and gradients as a batch of one. */
	final List<FeatureMap> activations = new ArrayList<>();
	final List<FeatureMap> gradients = new ArrayList<>();
	/** Per class: the pass and row it came from (for classes resolved in the graph). */
	final List<Pass> passes = new ArrayList<>();
	final List<Integer> rows = new ArrayList<>();

	private LayerGradients(LayerInfo layer) {
		this.layer = layer;
	}

	/** A ClassMap for class i, noting the graph's choice when the class was TOP_ONE. */
	ClassMap classMap(int[] classes, int i, float[] map) {
		ClassMap m = new ClassMap(map);
		return classes[i] == AttributionMethod.TOP_ONE ? m.resolvedFrom(passes.get(i), rows.get(i))
			: m;
	}

	static LayerInfo layerOf(ExplainableModel model, ExplainOptions options) {
		return model.layerOrDefault(options.layer);
	}

	static LayerGradients compute(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options)
	{
		return compute(model, image, classes, options, layerOf(model, options));
	}

	static LayerGradients compute(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options, LayerInfo layer)
	{
		LayerGradients out = new LayerGradients(layer);
		PassStream.repeat(model, image.modelInput, classes.length).at(image).classes(i -> classes[i])
			.activation(layer).layerGradient(layer).forEachRow(options, (pass, b, i) -> {
				out.activations.add(pass.activation(layer).slice(b));
				out.gradients.add(pass.gradient(layer).slice(b));
				out.passes.add(pass);
				out.rows.add(b);
			});
		return out;
	}
}
