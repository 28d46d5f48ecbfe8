package org.explaincnn.core;

import java.util.function.IntFunction;

/**
 * The perturbation runner: the scores of some classes at N inputs made on demand (masked,
 * occluded, ablated copies of an image), streamed forward-only through {@link PassStream} in
 * batches of {@code --batch}, with progress and cancel. Only N x classes floats are kept, never the
 * inputs, so memory does not grow with N. Occlusion, feature ablation, RISE, LIME, KernelSHAP and
 * the Score-CAM family differ only in the inputs they make and what they do with the scores.
 */
public final class PerturbationScores {

	private PerturbationScores() {}

	/**
	 * scores[i][j] = the score ({@code options.score}) of classes[j] at input i; classes are
	 * resolved class indices (not TOP_ONE).
	 */
	public static float[][] of(ExplainableModel model, PreparedImage image, int count,
		IntFunction<float[]> inputAt, int[] classes, ExplainOptions options)
	{
		return of(model, image, count, inputAt, classes, options, 0, count);
	}

	/** As {@link #of}, reporting progress as passes done + 1 .. done + count of total. */
	public static float[][] of(ExplainableModel model, PreparedImage image, int count,
		IntFunction<float[]> inputAt, int[] classes, ExplainOptions options, int done, int total)
	{
		float[][] scores = new float[count][];
		forEach(model, image, count, inputAt, classes, options, done, total, (index, s) -> scores[
			index] = s.clone());
		return scores;
	}

	/**
	 * As {@link #of}, handing each input's scores (one array reused per call: copy to keep) to
	 * {@code sink} in input order, for callers that fold them as they come. A batch's inputs are all
	 * made (by {@code inputAt}, in order) before its scores reach the sink.
	 */
	public static void forEach(ExplainableModel model, PreparedImage image, int count,
		IntFunction<float[]> inputAt, int[] classes, ExplainOptions options, int done, int total,
		ScoreSink sink)
	{
		forEach(model, PassStream.of(model, count, inputAt).at(image).progress(done, total), classes,
			options, sink);
	}

	/**
	 * As {@link #of}, the inputs written straight into the batch ({@link PassStream#writing}): for
	 * methods that make thousands of inputs.
	 */
	public static float[][] of(ExplainableModel model, PreparedImage image, int count,
		PassStream.InputWriter writer, int[] classes, ExplainOptions options, int done, int total)
	{
		float[][] scores = new float[count][];
		forEach(model, image, count, writer, classes, options, done, total, (index, s) -> scores[
			index] = s.clone());
		return scores;
	}

	/** As {@link #forEach}, the inputs written straight into the batch. */
	public static void forEach(ExplainableModel model, PreparedImage image, int count,
		PassStream.InputWriter writer, int[] classes, ExplainOptions options, int done, int total,
		ScoreSink sink)
	{
		forEach(model, PassStream.writing(model, count, writer).at(image).progress(done, total),
			classes, options, sink);
	}

	private static void forEach(ExplainableModel model, PassStream stream, int[] classes,
		ExplainOptions options, ScoreSink sink)
	{
		for (int c : classes)
			if (c < 0 || c >= model.spec().classes) throw new IllegalArgumentException("class " + c);
		float[] scores = new float[classes.length];
		stream.forEachRow(options, (pass, row, index) -> {
			for (int j = 0; j < classes.length; j++)
				scores[j] = pass.score(options.score, row, classes[j]);
			sink.accept(index, scores);
		});
	}

	/** Receives the scores of the classes at input {@code index}. */
	public interface ScoreSink {
		void accept(int index, float[] scores);
	}

	/** The scores of the classes at the unperturbed image (one forward pass). */
	public static float[] atImage(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options)
	{
		return of(model, image, 1, i -> image.modelInput, classes, options)[0];
	}
}
