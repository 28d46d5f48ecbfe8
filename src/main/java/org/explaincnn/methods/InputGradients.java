package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.BackpropRule;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.PassStream;
import org.explaincnn.core.PreparedImage;

/** Gradients of class scores with respect to the input, and the channel reductions of maps. */
final class InputGradients {

	private InputGradients() {}

	/** One input gradient (height x width x channels) per class, classes batched. */
	static List<float[]> perClass(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options, BackpropRule rule, List<ClassMap> resolvedOut)
	{
		List<float[]> out = new ArrayList<>();
		PassStream.repeat(model, image.modelInput, classes.length).at(image).classes(i -> classes[i])
			.inputGradient(rule).forEachRow(options, (pass, b, i) -> {
				out.add(pass.inputGradient.slice(b).data);
				if (resolvedOut != null) resolvedOut.add(classes[i] == AttributionMethod.TOP_ONE
					? new ClassMap(null).resolvedFrom(pass, b) : null);
			});
		return out;
	}

	/**
	 * Gradients of one class at {@code count} inputs made on demand by {@code inputAt}, streamed in
	 * chunks of the batch size: memory is one chunk, whatever the count.
	 */
	static void atInputs(ExplainableModel model, PreparedImage image, int cls, int count,
		IntFunction<float[]> inputAt, ExplainOptions options, BackpropRule rule,
		GradientSink sink, int doneBefore, int total)
	{
		int size = image.modelInput.length;
		PassStream.of(model, count, inputAt).at(image).classes(i -> cls).inputGradient(rule)
			.progress(doneBefore, total).run(options, chunk -> {
				float[] g = chunk.pass.inputGradient.data;
				for (int b = 0; b < chunk.size(); b++)
					sink.accept(chunk.from + b, chunk.input(b), Arrays.copyOfRange(g, b * size, (b +
						1) * size), chunk.pass.score(options.score, b, cls));
			});
	}

	/** Receives sample i: its input, the gradient there and the score. */
	interface GradientSink {

		void accept(int sample, float[] input, float[] gradient, float score);
	}

	/** Largest absolute value over channels: Simonyan's saliency reduction. */
	static float[] maxAbs(float[] hwc, int channels) {
		float[] out = new float[hwc.length / channels];
		for (int p = 0; p < out.length; p++) {
			float m = 0;
			for (int k = 0; k < channels; k++)
				m = Math.max(m, Math.abs(hwc[p * channels + k]));
			out[p] = m;
		}
		return out;
	}

	/** The value of largest magnitude over channels, sign kept. */
	static float[] signedMax(float[] hwc, int channels) {
		float[] out = new float[hwc.length / channels];
		for (int p = 0; p < out.length; p++) {
			float m = 0;
			for (int k = 0; k < channels; k++) {
				float v = hwc[p * channels + k];
				if (Math.abs(v) > Math.abs(m)) m = v;
			}
			out[p] = m;
		}
		return out;
	}

	/** Sum over channels (attributions that add up: input x gradient, integrated gradients). */
	static float[] sum(float[] hwc, int channels) {
		float[] out = new float[hwc.length / channels];
		for (int p = 0; p < out.length; p++) {
			double s = 0;
			for (int k = 0; k < channels; k++)
				s += hwc[p * channels + k];
			out[p] = (float) s;
		}
		return out;
	}

	/** A ClassMap, with the graph's choice when the class was TOP_ONE. */
	static ClassMap classMap(float[] map, ClassMap resolved) {
		ClassMap m = new ClassMap(map);
		return resolved == null ? m : m.copyResolution(resolved);
	}
}
