package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.BackpropRule;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Param;
import org.explaincnn.core.PreparedImage;

/**
 * GradientSHAP (expected gradients, Lundberg and Lee 2017; as Captum's GradientShap): the mean over
 * samples of (x - b) * gradient at b + alpha (x - b) + noise, with b drawn from a baseline
 * distribution (uniform noise, black, white, blur, or the images of a folder), alpha uniform in
 * [0, 1] and Gaussian noise of {@code noise} x the input range. Seeded, streamed in batches.
 */
final class GradientShap implements AttributionMethod {

	@Override
	public String id() {
		return "gradientshap";
	}

	@Override
	public String title() {
		return "GradientSHAP";
	}

	@Override
	public boolean usesLayer() {
		return false;
	}

	static final Param<String> BASELINES = Param.choiceOrPath("baseline", "noise", Baselines.KINDS,
		true, "Baseline distribution", "the distribution the baselines are drawn from: a kind, or a folder of images");
	static final Param<Double> NOISE = Param.number("noise", 0.0, 0, 10,
		"Noise (fraction of the input range)", "Gaussian noise added to each sample, as a fraction of the pixel range");

	@Override
	public List<Param<?>> parameters() {
		return List.of(NoiseTunnel.SAMPLES, BASELINES, NOISE, Baselines.BLUR_SIGMA);
	}

	@Override
	public int passes(ExplainOptions options) {
		return options.get(NoiseTunnel.SAMPLES);
	}

	@Override
	public List<ClassMap> explain(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options)
	{
		int samples = options.get(NoiseTunnel.SAMPLES);
		double level = options.get(NOISE);
		float[] x = image.modelInput;
		int c = image.channels;
		List<ClassMap> out = new ArrayList<>();
		for (int ci = 0; ci < classes.length; ci++) {
			SplittableRandom random = new SplittableRandom(options.seed + 31L * classes[ci]);
			List<float[]> pool = Baselines.distribution(BASELINES, options.get(BASELINES), Math.min(
				samples, 8), model, image, random, options.get(Baselines.BLUR_SIGMA));
			float[][] baseOf = new float[samples][];
			double[] sum = new double[x.length];
			InputGradients.atInputs(model, image, classes[ci], samples, s -> {
				float[] b = pool.get(random.nextInt(pool.size()));
				double alpha = random.nextDouble();
				float[] p = new float[x.length];
				for (int i = 0; i < p.length; i++)
					p[i] = (float) (b[i] + alpha * (x[i] - b[i]));
				if (level > 0) for (int i = 0; i < p.length; i++)
					p[i] += (float) (level * 255.0 / model.spec().std[i % c] * random.nextGaussian());
				baseOf[s] = b;
				return p;
			}, options, BackpropRule.PLAIN, (s, input, g, score) -> {
				float[] b = baseOf[s];
				for (int i = 0; i < g.length; i++)
					sum[i] += (x[i] - b[i]) * g[i];
				baseOf[s] = null;
			}, ci * samples, classes.length * samples);
			float[] attribution = new float[x.length];
			for (int i = 0; i < x.length; i++)
				attribution[i] = (float) (sum[i] / samples);
			out.add(new ClassMap(InputGradients.sum(attribution, c)).detail("samples", samples));
		}
		return out;
	}
}
