package org.explaincnn.methods;

import org.explaincnn.core.FeatureMap;

/**
 * Grad-CAM (Selvaraju et al. 2017): w_k = mean over positions of d score / d A_k;
 * map = ReLU(sum_k w_k A_k), upsampled to the input. With counterfactual the gradients are negated.
 */
public final class GradCam extends CamFamily.FromLayer {

	@Override
	public String id() {
		return "gradcam";
	}

	@Override
	public String title() {
		return "Grad-CAM";
	}

	@Override
	double[] channelWeights(FeatureMap a, FeatureMap g) {
		return CamMaps.meanGradient(g);
	}
}
