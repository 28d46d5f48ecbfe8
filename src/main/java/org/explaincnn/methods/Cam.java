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
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.Passes;
import org.explaincnn.core.PreparedImage;

/**
 * CAM (Zhou et al. 2016) for models whose head is global average pooling + dense: map_c =
 * ReLU(sum_k W[k, c] A_k), the weights read from the dense layer. One forward pass, no gradients.
 */
final class Cam implements AttributionMethod {

	@Override
	public String id() {
		return "cam";
	}

	@Override
	public String title() {
		return "CAM";
	}

	@Override
	public boolean usesLayer() {
		return true;
	}

	@Override
	public boolean resolvesTopOne() {
		return true;
	}

	@Override
	public List<ClassMap> explain(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options)
	{
		LayerInfo layer = LayerGradients.layerOf(model, options);
		float[][] w = model.denseHeadWeights(layer);
		Pass pass = Passes.run(model, image, new PassRequest(image.modelInput, 1).activation(layer));
		FeatureMap a = pass.activation(layer);
		List<ClassMap> out = new ArrayList<>();
		for (int c0 : classes) {
			// The activation pass also gave the scores: the top class needs no other pass.
			int c = c0 == TOP_ONE ? ExplainableModel.argmax(pass.logits, 0, pass.classes) : c0;
			double[] weights = new double[layer.channels];
			for (int k = 0; k < weights.length; k++)
				weights[k] = options.seedSign() * w[k][c];
			ClassMap m = new ClassMap(CamMaps.toModel(CamMaps.relu(CamMaps.weightedSum(a, weights)), a,
				image));
			out.add(c0 == TOP_ONE ? m.resolvedFrom(pass, 0) : m);
		}
		return out;
	}
}
