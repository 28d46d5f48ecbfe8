package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Param;
import org.explaincnn.core.PreparedImage;

/**
 * The noise tunnel (as Captum's NoiseTunnel) over an input-gradient method ({@code base}:
 * saliency, inputxgradient, guidedbackprop, deconvnet): the per-channel attribution is averaged over
 * {@code samples} copies of the input with Gaussian noise of standard deviation {@code noise} x the
 * input range. SmoothGrad takes the mean, SmoothGrad-squared the mean of squares, VarGrad the
 * variance; the base method's channel reduction comes last. Samples are streamed in batches and
 * the noise comes from {@code seed}, so runs repeat exactly.
 */
final class NoiseTunnel implements AttributionMethod {

	enum Mode {
		SMOOTHGRAD("smoothgrad", "SmoothGrad"), SQUARED("smoothgrad-sq", "SmoothGrad-squared"),
		VARGRAD("vargrad", "VarGrad");

		final String id, title;

		Mode(String id, String title) {
			this.id = id;
			this.title = title;
		}
	}

	private final Mode mode;

	NoiseTunnel(Mode mode) {
		this.mode = mode;
	}

	@Override
	public String id() {
		return mode.id;
	}

	@Override
	public String title() {
		return mode.title;
	}

	@Override
	public boolean usesLayer() {
		return false;
	}

	static final Param<Integer> SAMPLES = Param.integer("samples", 25, 1, 100_000, "Samples",
		"noisy copies of the image, one pass each");
	static final Param<Double> NOISE = Param.number("noise", 0.15, 0, 10,
		"Noise (fraction of the input range)", "standard deviation of the Gaussian noise, as a fraction of the pixel range");
	/** The registered input-gradient methods (a test keeps this list equal to the registry's). */
	static final Param<String> BASE = Param.choice("base", "saliency", List.of("saliency",
		"inputxgradient", "guidedbackprop", "deconvnet"), "Base method",
		"the input-gradient method averaged over the noisy copies");

	@Override
	public List<Param<?>> parameters() {
		return List.of(SAMPLES, NOISE, BASE);
	}

	@Override
	public int passes(ExplainOptions options) {
		return options.get(SAMPLES);
	}

	@Override
	public List<ClassMap> explain(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options)
	{
		AttributionMethod named = Methods.byName(options.get(BASE));
		if (!(named instanceof InputGradientMethod)) throw new ExplainException("The noise tunnel " +
			"runs over saliency, inputxgradient, guidedbackprop or deconvnet, not '" + named.id() + "'.");
		InputGradientMethod base = (InputGradientMethod) named;
		int samples = options.get(SAMPLES);
		double level = options.get(NOISE);
		float[] x = image.modelInput;
		int c = image.channels;
		double[] sigma = GaussianNoise.sigma(level, model.spec(), c);
		List<ClassMap> out = new ArrayList<>();
		for (int ci = 0; ci < classes.length; ci++) {
			// One generator per class, so a class's map does not depend on the others asked for.
			SplittableRandom random = new SplittableRandom(options.seed + 31L * classes[ci]);
			double[] sum = new double[x.length], sumSq = new double[x.length];
			int cls = classes[ci];
			InputGradients.atInputs(model, image, cls, samples, s -> GaussianNoise.add(x, sigma, random),
				options, base.rule(), (s, input, g, score) -> {
				float[] a = base.attribute(input, g);
				for (int i = 0; i < a.length; i++) {
					sum[i] += a[i];
					sumSq[i] += (double) a[i] * a[i];
				}
			}, ci * samples, classes.length * samples);
			float[] result = new float[x.length];
			for (int i = 0; i < result.length; i++) {
				double mean = sum[i] / samples;
				double meanSq = sumSq[i] / samples;
				result[i] = (float) (mode == Mode.SMOOTHGRAD ? mean : mode == Mode.SQUARED ? meanSq
					: Math.max(0, meanSq - mean * mean));
			}
			float[] map = mode == Mode.SMOOTHGRAD ? base.reduce(result, c, options) : InputGradients
				.maxAbs(result, c);
			out.add(new ClassMap(map).detail("samples", samples).detail("noise", level).detail("base",
				base.id()));
		}
		return out;
	}
}
