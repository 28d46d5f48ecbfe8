package org.explaincnn.metrics;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.PerturbationScores;
import org.explaincnn.core.PreparedImage;

/**
 * Deletion and insertion (Petsiuk et al. 2018, RISE; as in Xplique): the model-input pixels are
 * ranked by the map; deletion replaces the most relevant first by a baseline (black) and insertion
 * restores them first into a baseline (a blurred copy), in N equal steps. A faithful map makes the
 * class score fall fast under deletion (low area) and rise fast under insertion (high area).
 * The score is {@code options.score} (Petsiuk use the probability). Both curves are one stream of
 * 2(N + 1) forward passes through {@link PerturbationScores}: the inputs are made on demand, so
 * memory does not grow with N.
 */
public final class DeletionInsertion {

	/** The settings of both curves. */
	public record Settings(int steps, String deletionBaseline, String insertionBaseline,
		double blurSigma)
	{

		public static final Settings DEFAULTS = new Settings(50, MetricBaselines.BLACK,
			MetricBaselines.BLUR, 5);

		public Settings {
			if (steps < 1) throw new ExplainException("Deletion/insertion steps=" + steps +
				" is not allowed; give at least 1 step.");
			if (!(blurSigma > 0)) throw new ExplainException("Blur sigma " + blurSigma +
				" is not allowed; give a positive sigma in pixels.");
		}
	}

	/** The two curves of one map. */
	public record Curves(PerturbationCurve deletion, PerturbationCurve insertion) {}

	private DeletionInsertion() {}

	/** Both curves of a map (modelHeight x modelWidth) for class {@code cls}. */
	public static Curves of(ExplainableModel model, PreparedImage image, float[] map, int cls,
		ExplainOptions options, Settings settings)
	{
		int pixels = image.width() * image.height();
		if (map.length != pixels) throw new IllegalArgumentException("map has " + map.length +
			" values, the model input " + pixels + " pixels");
		int[] order = PixelOrder.descending(map);
		float[] deleted = MetricBaselines.of(settings.deletionBaseline, model, image,
			settings.blurSigma);
		float[] start = MetricBaselines.of(settings.insertionBaseline, model, image,
			settings.blurSigma);
		int n = settings.steps, c = image.channels;
		// Input i < n + 1: deletion at step i; input n + 1 + i: insertion at step i.
		float[][] scores = PerturbationScores.of(model, image, 2 * (n + 1), i -> i <= n
			? mixed(image.modelInput, deleted, order, switched(i, n, pixels), c)
			: mixed(start, image.modelInput, order, switched(i - n - 1, n, pixels), c),
			new int[] { cls }, options);
		double[] fractions = new double[n + 1], deletion = new double[n + 1],
			insertion = new double[n + 1];
		for (int i = 0; i <= n; i++) {
			fractions[i] = switched(i, n, pixels) / (double) pixels;
			deletion[i] = scores[i][0];
			insertion[i] = scores[n + 1 + i][0];
		}
		return new Curves(new PerturbationCurve(fractions, deletion), new PerturbationCurve(
			fractions.clone(), insertion));
	}

	/** Pixels switched after step i of n. */
	static int switched(int step, int steps, int pixels) {
		return (int) Math.round((double) step * pixels / steps);
	}

	/** {@code from} with its first {@code count} pixels in {@code order} taken from {@code to}. */
	private static float[] mixed(float[] from, float[] to, int[] order, int count, int channels) {
		float[] out = from.clone();
		for (int i = 0; i < count; i++) {
			int at = order[i] * channels;
			System.arraycopy(to, at, out, at, channels);
		}
		return out;
	}
}
