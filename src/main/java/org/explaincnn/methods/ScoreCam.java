package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.FeatureMap;
import org.explaincnn.core.Param;
import org.explaincnn.core.PassStream;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.Resample;
import org.explaincnn.core.Score;

/**
 * Score-CAM (Wang et al. 2020): each channel k of the layer, upsampled to the input and min-max
 * normalised to [0, 1], masks the input, M_k = s(Up(A_k)); its weight is the class score of the
 * masked input x * M_k, no gradient involved. Channels whose map is constant at the layer carry
 * no spatial information and weigh 0 (never divided by their zero range). The masked inputs are
 * made one batch at a time (one mask at a time), so memory does not grow with the channels.
 *
 * <p>{@code variant=paper} (default) follows the paper's increase of confidence: w_k = p(x * M_k)
 * - p(x_b), p the class probability (the authors' code scores with the softmax) and x_b the
 * baseline, the input masked to zero. {@code variant=library} is what pytorch-grad-cam and recent
 * torch-cam compute: the masked inputs' logits, then a softmax over the channels. Masks are
 * upsampled, then normalised (the paper, pytorch-grad-cam); torch-cam normalises at the layer's
 * resolution first. Masking is in model units: masked-out pixels become the model's zero (mid
 * grey for inputs scaled to [-1, 1]).
 *
 * <p>SS-CAM and IS-CAM differ only in the masks each channel is scored with ({@link #sampleMask}):
 * several per channel, whose scores are averaged.
 */
class ScoreCam extends CamFamily {

	static final Param<String> VARIANT = Param.choice("variant", "paper", List.of("paper",
		"library"), "Variant",
		"paper: class probability of the masked input minus that of the input masked to zero; " +
			"library: softmax over the channels of the masked inputs' logits (pytorch-grad-cam)");
	static final Param<Integer> CHANNELS = Param.integer("channels", 0, 0, 1_000_000,
		"Channels (0 = all)",
		"weigh only the N channels of largest activation variance, one pass each or per sample " +
			"(tf-keras-vis's faster Score-CAM); the others weigh 0");

	/**
	 * The channel count assumed by {@link #passes(ExplainOptions)}, which has no model: the sample
	 * MobileNet's default layer. {@link #passes(int, ExplainOptions)} gives the exact count.
	 */
	static final int ASSUMED_CHANNELS = 1024;

	@Override
	public String id() {
		return "scorecam";
	}

	@Override
	public String title() {
		return "Score-CAM";
	}

	@Override
	public boolean forwardOnly() {
		return true;
	}

	@Override
	public List<Param<?>> parameters() {
		return List.of(VARIANT, CHANNELS);
	}

	/** Masked inputs scored per channel. */
	int samples(ExplainOptions options) {
		return 1;
	}

	/**
	 * The mask of sample s of channel k, given the channel's normalised mask (not to be written;
	 * may be returned as is). {@code cls} and the seed make random masks repeatable.
	 */
	float[] sampleMask(float[] mask, int k, int s, int cls, ExplainOptions options) {
		return mask;
	}

	@Override
	public int passes(ExplainOptions options) {
		int limit = options.get(CHANNELS);
		return passes(limit > 0 ? limit : ASSUMED_CHANNELS, options);
	}

	@Override
	public int passes(ExplainableModel model, ExplainOptions options) {
		return passes(LayerGradients.layerOf(model, options).channels, options);
	}

	/** Passes per class on a layer of {@code channels} channels (constant channels cost none). */
	int passes(int channels, ExplainOptions options) {
		int scored = options.get(CHANNELS) > 0 ? Math.min(channels, options.get(CHANNELS)) : channels;
		return 1 + (paper(options) ? 1 : 0) + scored * samples(options);
	}

	static boolean paper(ExplainOptions options) {
		return options.get(VARIANT).equals("paper");
	}

	@Override
	double[] channelWeights(CamContext c) {
		ExplainOptions o = c.options;
		FeatureMap a = c.activation;
		int[] scored = varyingChannels(a, o.get(CHANNELS));
		int n = samples(o);
		boolean paper = paper(o);
		int first = paper ? 1 : 0; // input 0 is the baseline in the paper's variant
		float[] x = c.image.modelInput;
		MaskCache masks = new MaskCache(a, c.image);
		PassStream.InputWriter inputs = (i, batch, offset) -> {
			if (i < first) Arrays.fill(batch, offset, offset + x.length, 0f); // the baseline
			else {
				int j = i - first, k = scored[j / n];
				masked(x, sampleMask(masks.of(k), k, j % n, c.cls, o), c.image.channels, batch, offset);
			}
		};
		float[] s = c.scores(first + scored.length * n, inputs, paper ? Score.PROBABILITY
			: Score.LOGIT);
		double[] mean = new double[scored.length];
		for (int j = 0; j < scored.length; j++) {
			for (int t = 0; t < n; t++)
				mean[j] += s[first + j * n + t];
			mean[j] /= n;
		}
		double[] w = new double[a.channels];
		if (paper) for (int j = 0; j < scored.length; j++)
			w[scored[j]] = mean[j] - s[0];
		else {
			double[] soft = softmax(mean);
			for (int j = 0; j < scored.length; j++)
				w[scored[j]] = soft[j];
		}
		return w;
	}

	/** exp(v_i - max) / sum: the softmax, safe from overflow. */
	static double[] softmax(double[] v) {
		double max = Double.NEGATIVE_INFINITY, sum = 0;
		for (double d : v)
			max = Math.max(max, d);
		double[] out = new double[v.length];
		for (int i = 0; i < v.length; i++)
			sum += out[i] = Math.exp(v[i] - max);
		for (int i = 0; i < v.length; i++)
			out[i] /= sum;
		return out;
	}

	/**
	 * The channels whose map is not constant at the layer, in channel order; with a limit > 0 only
	 * the {@code limit} of largest variance (ties: the lower index).
	 */
	static int[] varyingChannels(FeatureMap a, int limit) {
		int p = a.positions(), c = a.channels;
		double[] sum = new double[c], sumSq = new double[c];
		float[] min = new float[c], max = new float[c];
		Arrays.fill(min, Float.POSITIVE_INFINITY);
		Arrays.fill(max, Float.NEGATIVE_INFINITY);
		for (int i = 0; i < p; i++)
			for (int k = 0; k < c; k++) {
				float v = a.data[i * c + k];
				sum[k] += v;
				sumSq[k] += (double) v * v;
				min[k] = Math.min(min[k], v);
				max[k] = Math.max(max[k], v);
			}
		List<Integer> varying = new ArrayList<>();
		for (int k = 0; k < c; k++)
			if (max[k] > min[k]) varying.add(k);
		if (limit > 0 && limit < varying.size()) {
			double[] variance = new double[c];
			for (int k = 0; k < c; k++)
				variance[k] = sumSq[k] / p - (sum[k] / p) * (sum[k] / p);
			varying.sort((i, j) -> variance[i] != variance[j] ? Double.compare(variance[j],
				variance[i]) : Integer.compare(i, j));
			varying = new ArrayList<>(varying.subList(0, limit));
			varying.sort(null);
		}
		return varying.stream().mapToInt(Integer::intValue).toArray();
	}

	/**
	 * Channel k of A upsampled to the model input and min-max normalised to [0, 1]; null if the
	 * upsampled map is constant (callers skip channels constant at the layer before).
	 */
	static float[] mask(FeatureMap a, int k, PreparedImage image) {
		int p = a.positions(), c = a.channels;
		float[] channel = new float[p];
		for (int i = 0; i < p; i++)
			channel[i] = a.data[i * c + k];
		float[] up = Resample.resize(channel, a.width(), a.height(), 1, image.width(), image
			.height());
		if (up == channel) up = channel.clone();
		float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
		for (float v : up) {
			min = Math.min(min, v);
			max = Math.max(max, v);
		}
		if (!(max > min)) return null;
		float range = max - min;
		for (int i = 0; i < up.length; i++)
			up[i] = (up[i] - min) / range;
		return up;
	}

	/** The model input x (channels last) times the mask at each pixel, into out from offset. */
	static void masked(float[] x, float[] mask, int channels, float[] out, int offset) {
		if (channels == 3) {
			// RGB, most models: the channel loop unrolled (a 3-step inner loop took 0.5 ms a pass).
			for (int p = 0, i = 0, o = offset; p < mask.length; p++, i += 3, o += 3) {
				float m = mask[p];
				out[o] = x[i] * m;
				out[o + 1] = x[i + 1] * m;
				out[o + 2] = x[i + 2] * m;
			}
			return;
		}
		for (int p = 0, i = 0; p < mask.length; p++) {
			float m = mask[p];
			for (int k = 0; k < channels; k++, i++)
				out[offset + i] = x[i] * m;
		}
	}

	/** The last channel's mask: the samples of one channel come one after another. */
	static final class MaskCache {

		private final FeatureMap a;
		private final PreparedImage image;
		private int channel = -1;
		private float[] mask;

		MaskCache(FeatureMap a, PreparedImage image) {
			this.a = a;
			this.image = image;
		}

		float[] of(int k) {
			if (k != channel) {
				mask = ScoreCam.mask(a, k, image);
				channel = k;
			}
			if (mask == null) throw new IllegalStateException("channel " + k + " is constant");
			return mask;
		}
	}

	/**
	 * SS-CAM (Wang et al. 2020b, "Smoothed Score-CAM"): each channel's mask is scored
	 * {@code samples} times with Gaussian noise of standard deviation {@code noise} added to it
	 * (per pixel, seeded by {@code --seed}); the weight is the mean score (paper: minus the
	 * baseline's; library: then the softmax over channels, as torch-cam). 35 samples as torch-cam;
	 * less noise than its 2 (see {@link #NOISE}).
	 */
	static final class Smoothed extends ScoreCam {

		static final Param<Integer> SAMPLES = Param.integer("samples", 35, 1, 100_000, "Samples",
			"noisy masks per channel, one pass each");
		/**
		 * torch-cam adds noise of 2 to masks in [0, 1], which its softmax over the channels keeps
		 * positive; with the paper's baseline subtraction, masks that noisy score below the baseline
		 * and the map vanishes (tabby on both.png: mass 0 with 2, 0.5+ on the cat with 0.3).
		 */
		static final Param<Double> NOISE = Param.number("noise", 0.3, 0, 100, "Noise (mask units)",
			"standard deviation of the Gaussian noise added to each [0, 1] mask");

		@Override
		public String id() {
			return "sscam";
		}

		@Override
		public String title() {
			return "SS-CAM";
		}

		@Override
		public List<Param<?>> parameters() {
			return List.of(VARIANT, CHANNELS, SAMPLES, NOISE);
		}

		@Override
		int samples(ExplainOptions options) {
			return options.get(SAMPLES);
		}

		@Override
		float[] sampleMask(float[] mask, int k, int s, int cls, ExplainOptions options) {
			return GaussianNoise.add(mask, new double[] { options.get(NOISE) }, GaussianNoise.random(
				options.seed, cls, k, s));
		}
	}

	/**
	 * IS-CAM (Naidu et al. 2020, "Integrated Score-CAM"): each channel's mask is scored at
	 * {@code steps} scales i / N of itself, i = 1..N, as a Riemann sum from the empty mask to the
	 * full one; the weight is the mean score. The masked input never exceeds the original (torch-cam
	 * accumulates the scale, so its inputs grow up to (N + 1) / 2 times the image).
	 */
	static final class Integrated extends ScoreCam {

		static final Param<Integer> STEPS = Param.integer("steps", 10, 1, 100_000, "Steps",
			"scales i/N of each mask, i = 1..N, one pass each");

		@Override
		public String id() {
			return "iscam";
		}

		@Override
		public String title() {
			return "IS-CAM";
		}

		@Override
		public List<Param<?>> parameters() {
			return List.of(VARIANT, CHANNELS, STEPS);
		}

		@Override
		int samples(ExplainOptions options) {
			return options.get(STEPS);
		}

		@Override
		float[] sampleMask(float[] mask, int k, int s, int cls, ExplainOptions options) {
			int n = options.get(STEPS);
			if (s == n - 1) return mask;
			float scale = (float) (s + 1) / n;
			float[] out = new float[mask.length];
			for (int i = 0; i < out.length; i++)
				out[i] = mask[i] * scale;
			return out;
		}
	}
}
