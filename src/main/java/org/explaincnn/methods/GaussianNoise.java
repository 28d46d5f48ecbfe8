package org.explaincnn.methods;

import java.util.SplittableRandom;

import org.explaincnn.core.ModelSpec;

/**
 * Gaussian noise for the methods that average over noisy copies (the noise tunnel, Smooth
 * Grad-CAM++, SS-CAM's masks): one way to draw it, each method keeping its own seeding so that its
 * results repeat bit for bit.
 */
final class GaussianNoise {

	private GaussianNoise() {}

	/**
	 * Per channel, {@code level} times the 0..255 input range in model units (the input is
	 * normalised by the model's std), as the noise tunnel's "fraction of the pixel range".
	 */
	static double[] sigma(double level, ModelSpec spec, int channels) {
		double[] sigma = new double[channels];
		for (int k = 0; k < channels; k++)
			sigma[k] = level * 255.0 / spec.std[k];
		return sigma;
	}

	/** x (channels last) plus sigma[channel] times a standard normal draw per value, in a new array. */
	static float[] add(float[] x, double[] sigma, SplittableRandom random) {
		int c = sigma.length;
		float[] out = new float[x.length];
		for (int i = 0; i < out.length; i++)
			out[i] = (float) (x[i] + sigma[i % c] * random.nextGaussian());
		return out;
	}

	/**
	 * A generator for one (class, channel, sample) of a seed: the draws do not depend on batching
	 * or on the other classes asked for.
	 */
	static SplittableRandom random(long seed, int cls, int k, int s) {
		long h = seed;
		h = h * 1_000_003L + cls;
		h = h * 1_000_003L + k;
		h = h * 1_000_003L + s;
		return new SplittableRandom(h);
	}
}
