package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.List;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.BackpropRule;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Param;
import org.explaincnn.core.PreparedImage;

/**
 * Methods that read one gradient at the input: saliency, input x gradient, guided backpropagation,
 * deconvnet. Each is a per-channel attribution of the gradient plus a reduction over channels;
 * the noise tunnel reuses both.
 */
abstract class InputGradientMethod implements AttributionMethod {

	abstract BackpropRule rule();

	/** Per-channel attribution from the input (model units) and its gradient. */
	float[] attribute(float[] input, float[] gradient) {
		return gradient;
	}

	/** Channels to one map. */
	float[] reduce(float[] hwc, int channels, ExplainOptions options) {
		return InputGradients.maxAbs(hwc, channels);
	}

	@Override
	public boolean usesLayer() {
		return false;
	}

	@Override
	public boolean resolvesTopOne() {
		return true;
	}

	@Override
	public List<ClassMap> explain(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options)
	{
		List<ClassMap> resolved = new ArrayList<>();
		List<float[]> grads = InputGradients.perClass(model, image, classes, options, rule(),
			resolved);
		List<ClassMap> out = new ArrayList<>();
		for (int i = 0; i < grads.size(); i++)
			out.add(InputGradients.classMap(reduce(attribute(image.modelInput, grads.get(i)),
				image.channels, options), resolved.get(i)));
		return out;
	}

	/** Saliency (Simonyan et al. 2014): |d score / d input|, maximum over colour channels. */
	static final class Saliency extends InputGradientMethod {

		@Override
		public String id() {
			return "saliency";
		}

		@Override
		public String title() {
			return "Saliency";
		}

		static final Param<Boolean> SIGNED = Param.flag("signed", false,
			"Signed gradient (not absolute)",
			"keep the sign: the value of largest magnitude over channels instead of the absolute value");

		@Override
		public List<Param<?>> parameters() {
			return List.of(SIGNED);
		}

		@Override
		BackpropRule rule() {
			return BackpropRule.PLAIN;
		}

		@Override
		float[] reduce(float[] hwc, int channels, ExplainOptions options) {
			return options.get(SIGNED) ? InputGradients.signedMax(
				hwc, channels) : InputGradients.maxAbs(hwc, channels);
		}
	}

	/** Input x gradient (Shrikumar et al. 2016), summed over channels. */
	static final class InputXGradient extends InputGradientMethod {

		@Override
		public String id() {
			return "inputxgradient";
		}

		@Override
		public String title() {
			return "Input x Gradient";
		}

		@Override
		BackpropRule rule() {
			return BackpropRule.PLAIN;
		}

		@Override
		float[] attribute(float[] input, float[] gradient) {
			float[] out = new float[gradient.length];
			for (int i = 0; i < out.length; i++)
				out[i] = input[i] * gradient[i];
			return out;
		}

		@Override
		float[] reduce(float[] hwc, int channels, ExplainOptions options) {
			return InputGradients.sum(hwc, channels);
		}
	}

	/** Guided backpropagation (Springenberg et al. 2015). */
	static final class GuidedBackprop extends InputGradientMethod {

		@Override
		public String id() {
			return "guidedbackprop";
		}

		@Override
		public String title() {
			return "Guided Backprop";
		}

		@Override
		BackpropRule rule() {
			return BackpropRule.GUIDED;
		}
	}

	/** Deconvnet (Zeiler and Fergus 2014). */
	static final class Deconvnet extends InputGradientMethod {

		@Override
		public String id() {
			return "deconvnet";
		}

		@Override
		public String title() {
			return "Deconvnet";
		}

		@Override
		BackpropRule rule() {
			return BackpropRule.DECONVNET;
		}
	}
}
