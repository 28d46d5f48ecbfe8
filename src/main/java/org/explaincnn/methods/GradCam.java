package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.List;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.FeatureMap;
import org.explaincnn.core.PreparedImage;

/**
 * Grad-CAM (Selvaraju et al. 2017): w_k = mean over positions of d score / d A_k;
 * map = ReLU(sum_k w_k A_k), upsampled to the input. With counterfactual the gradients are negated.
 */
public final class GradCam implements AttributionMethod {

	@Override
	public String id() {
		return "gradcam";
	}

	@Override
	public String title() {
		return "Grad-CAM";
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
		LayerGradients lg = LayerGradients.compute(model, image, classes, options);
		List<ClassMap> out = new ArrayList<>();
		for (int i = 0; i < classes.length; i++) {
			FeatureMap a = lg.activations.get(i);
			float[] cam = CamMaps.relu(CamMaps.weightedSum(a, CamMaps.meanGradient(lg.gradients.get(
				i))));
			out.add(lg.classMap(classes, i, CamMaps.toModel(cam, a, image)));
		}
		return out;
	}
}
