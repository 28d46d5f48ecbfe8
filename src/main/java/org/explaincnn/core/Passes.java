package org.explaincnn.core;

/**
 * Single passes for a prepared image, whatever the model's size rules, and seed helpers. Many
 * passes go through {@link PassStream}.
 */
public final class Passes {

	private Passes() {}

	public static Pass run(ExplainableModel model, PreparedImage image, PassRequest request) {
		return model.run(request, image.height(), image.width());
	}

	/** {@code copies} copies of the image's model input, one after another. */
	public static float[] repeat(float[] input, int copies) {
		if (copies == 1) return input; // passes never write into their input
		float[] out = new float[input.length * copies];
		for (int i = 0; i < copies; i++)
			System.arraycopy(input, 0, out, i * input.length, input.length);
		return out;
	}

	/** One-hot seeds: row b selects classes[from + b], with the given sign. */
	public static float[] oneHot(int[] classes, int from, int count, int numClasses, float sign) {
		float[] seed = new float[count * numClasses];
		for (int b = 0; b < count; b++)
			seed[b * numClasses + classes[from + b]] = sign;
		return seed;
	}
}
