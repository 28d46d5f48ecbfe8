package org.explaincnn.core;

/** Helpers that run passes for a prepared image, whatever the model's size rules. */
public final class Passes {

	private Passes() {}

	public static Pass run(ExplainableModel model, PreparedImage image, PassRequest request) {
		return model.run(request, image.height(), image.width());
	}

	/** Receives row {@code row} of a pass, which belongs to {@code classes[index]}. */
	public interface ClassRow {

		void accept(Pass pass, int row, int index);
	}

	/**
	 * One batch row per class, the image repeated, in chunks of the batch size; each row is seeded
	 * with its class (negated for counterfactuals). A {@link AttributionMethod#TOP_ONE} class is
	 * chosen inside the graph, alone in its pass. {@code configure} adds what to fetch.
	 */
	public static void perClass(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options, java.util.function.Consumer<PassRequest> configure, ClassRow rows)
	{
		int chunk = options.chunkSize(model.spec());
		for (int from = 0; from < classes.length; from += chunk) {
			options.checkCancelled();
			boolean topOne = classes[from] == AttributionMethod.TOP_ONE;
			int n = topOne ? 1 : Math.min(chunk, classes.length - from);
			PassRequest r = new PassRequest(repeat(image.modelInput, n), n).score(options.score);
			if (topOne) r.seedTopOne(options.seedSign());
			else r.seed(oneHot(classes, from, n, model.spec().classes, options.seedSign()));
			configure.accept(r);
			Pass pass = run(model, image, r);
			for (int b = 0; b < n; b++)
				rows.accept(pass, b, from + b);
			options.progress.update(Math.min(classes.length, from + n), classes.length);
		}
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
