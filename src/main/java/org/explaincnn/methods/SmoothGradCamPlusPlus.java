package org.explaincnn.methods;

import java.util.List;

import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.FeatureMap;
import org.explaincnn.core.Param;
import org.explaincnn.core.PassStream;

/**
 * Smooth Grad-CAM++ (Omeiza et al. 2019): Grad-CAM++ with the first, second and third powers of
 * the layer gradient averaged over {@code samples} noisy copies of the input (Gaussian noise of
 * standard deviation {@code noise} x the input range, seeded by {@code --seed}), as SmoothGrad
 * averages gradients: alpha = mean(D^2) / (2 mean(D^2) + sum(A) mean(D^3)), w_k = sum alpha
 * ReLU(mean(D)), A the activations at the image itself. Every sample's gradients count (torch-cam
 * uses only the last sample's first-order gradient in the final weights). With noise 0 it is
 * Grad-CAM++.
 */
final class SmoothGradCamPlusPlus extends CamFamily {

	@Override
	public String id() {
		return "smoothgradcam++";
	}

	@Override
	public String title() {
		return "Smooth Grad-CAM++";
	}

	@Override
	public List<Param<?>> parameters() {
		return List.of(NoiseTunnel.SAMPLES, NoiseTunnel.NOISE);
	}

	@Override
	public int passes(ExplainOptions options) {
		return 1 + options.get(NoiseTunnel.SAMPLES);
	}

	@Override
	double[] channelWeights(CamContext c) {
		int n = c.options.get(NoiseTunnel.SAMPLES);
		double level = c.options.get(NoiseTunnel.NOISE);
		float[] x = c.image.modelInput;
		int ch = c.image.channels;
		double[] sigma = GaussianNoise.sigma(level, c.model.spec(), ch);
		FeatureMap a = c.activation;
		int size = a.positions() * a.channels;
		double[] d1 = new double[size], d2 = new double[size], d3 = new double[size];
		// One generator per (class, sample): the noisy inputs do not depend on batching.
		PassStream.of(c.model, n, s -> GaussianNoise.add(x, sigma, GaussianNoise.random(c.options.seed,
			c.cls, 0, s))).at(c.image).classes(i -> c.cls).layerGradient(c.layer).progress(c.classIndex * n,
			c.classCount * n).forEachRow(c.options, (pass, b, i) -> {
				float[] g = pass.gradient(c.layer).data;
				for (int j = 0, o = b * size; j < size; j++) {
					double v = g[o + j], v2 = v * v;
					d1[j] += v;
					d2[j] += v2;
					d3[j] += v2 * v;
				}
			});
		double[] sumA = CamMaps.channelSums(a);
		double[] w = new double[a.channels];
		for (int j = 0; j < size; j++) {
			int k = j % a.channels;
			w[k] += CamFamily.GradCamPlusPlus.term(sumA[k], d1[j] / n, d2[j] / n, d3[j] / n);
		}
		return w;
	}
}
