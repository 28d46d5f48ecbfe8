package org.explaincnn.methods;

import org.explaincnn.core.FeatureMap;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.Resample;

/** Arithmetic shared by the CAM family. */
final class CamMaps {

	private CamMaps() {}

	/** Spatial mean of the gradient per channel (Grad-CAM's neuron importance weights). */
	static double[] meanGradient(FeatureMap grad) {
		int p = grad.positions(), c = grad.channels;
		double[] w = new double[c];
		for (int i = 0; i < p; i++)
			for (int k = 0; k < c; k++)
				w[k] += grad.data[i * c + k];
		for (int k = 0; k < c; k++)
			w[k] /= p;
		return w;
	}

	/** Sum over positions of each channel (batch of one). */
	static double[] channelSums(FeatureMap a) {
		int p = a.positions(), c = a.channels;
		double[] sum = new double[c];
		for (int i = 0; i < p; i++)
			for (int k = 0; k < c; k++)
				sum[k] += a.data[i * c + k];
		return sum;
	}

	/** sum_k w_k A_k at each position (batch of one). */
	static float[] weightedSum(FeatureMap act, double[] w) {
		int p = act.positions(), c = act.channels;
		float[] out = new float[p];
		for (int i = 0; i < p; i++) {
			double s = 0;
			for (int k = 0; k < c; k++)
				s += w[k] * act.data[i * c + k];
			out[i] = (float) s;
		}
		return out;
	}

	static float[] relu(float[] v) {
		for (int i = 0; i < v.length; i++)
			if (v[i] < 0) v[i] = 0;
		return v;
	}

	/** A feature-map-resolution map (height x width) bilinearly upsampled to the model input. */
	static float[] toModel(float[] map, FeatureMap like, PreparedImage image) {
		return Resample.resize(map, like.width(), like.height(), 1, image.width(), image.height());
	}
}
