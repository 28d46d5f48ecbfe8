package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.List;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.BackpropRule;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Pass;
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.Passes;
import org.explaincnn.core.PreparedImage;

/** Gradients of class scores with respect to the input, and the channel reductions of maps. */
final class InputGradients {

	private InputGradients() {}

	/** One input gradient (height x width x channels) per class, classes batched. */
	static List<float[]> perClass(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options, BackpropRule rule, List<ClassMap> resolvedOut)
	{
		List<float[]> out = new ArrayList<>();
		Passes.perClass(model, image, classes, options, r -> r.inputGradient(rule), (pass, b, i) -> {
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
		java.util.function.IntFunction<float[]> inputAt, ExplainOptions options, BackpropRule rule,
		GradientSink sink, int doneBefore, int total)
	{
		int size = image.modelInput.length;
		int chunk = options.chunkSize(model.spec());
		for (int from = 0; from < count; from += chunk) {
			options.checkCancelled();
			int n = Math.min(chunk, count - from);
			float[] batch = new float[n * size];
			float[][] inputs = new float[n][];
			for (int b = 0; b < n; b++) {
				inputs[b] = inputAt.apply(from + b);
				System.arraycopy(inputs[b], 0, batch, b * size, size);
			}
			int[] cs = new int[n];
			java.util.Arrays.fill(cs, cls);
			Pass pass = Passes.run(model, image, new PassRequest(batch, n).score(options.score).seed(
				Passes.oneHot(cs, 0, n, model.spec().classes, options.seedSign())).inputGradient(rule));
			float[] g = pass.inputGradient.data;
			for (int b = 0; b < n; b++)
				sink.accept(from + b, inputs[b], java.util.Arrays.copyOfRange(g, b * size, (b + 1) *
					size), pass.score(options.score, b, cls));
			options.progress.update(doneBefore + from + n, total);
		}
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
