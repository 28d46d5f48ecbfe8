package org.explaincnn.metrics;

import java.util.List;

import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.PerturbationScores;
import org.explaincnn.core.PreparedImage;

/**
 * Average drop and increase in confidence (Chattopadhay et al. 2018, the figures torch-cam
 * publishes): the class score Y on the input against O on the input multiplied by the map
 * (min-max normalised to 0..1, i.e. black where the map is lowest). Drop = max(0, Y - O) / Y,
 * increase = 1 when O > Y; both are averaged over images. The paper uses the probability
 * ({@code options.score}). Two forward passes.
 */
public final class ConfidenceChange {

	/** One image's figures. */
	public record Result(double original, double masked, double drop, boolean increase) {}

	private ConfidenceChange() {}

	public static Result of(ExplainableModel model, PreparedImage image, float[] map, int cls,
		ExplainOptions options)
	{
		float[] weight = minMax(map);
		float[] black = MetricBaselines.black(model, image);
		int c = image.channels;
		float[][] s = PerturbationScores.of(model, image, 2, i -> {
			if (i == 0) return image.modelInput;
			float[] masked = new float[black.length];
			// black + m (x - black): the pixels times m, in model units.
			for (int p = 0; p < masked.length; p++)
				masked[p] = black[p] + weight[p / c] * (image.modelInput[p] - black[p]);
			return masked;
		}, new int[] { cls }, options);
		double y = s[0][0], o = s[1][0];
		return new Result(y, o, y > 0 ? Math.max(0, y - o) / y : Double.NaN, o > y);
	}

	/** The map scaled to 0..1; a constant map ranks nothing and masks everything (all 0). */
	static float[] minMax(float[] map) {
		float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
		for (float v : map) {
			lo = Math.min(lo, v);
			hi = Math.max(hi, v);
		}
		float[] out = new float[map.length];
		if (!(hi > lo)) return out;
		for (int i = 0; i < map.length; i++)
			out[i] = (map[i] - lo) / (hi - lo);
		return out;
	}

	/** Average drop and increase in confidence over images, as fractions (torch-cam's form). */
	public static double[] averages(List<Result> results) {
		double drop = 0, increase = 0;
		int n = 0;
		for (Result r : results) {
			if (Double.isNaN(r.drop)) continue;
			drop += r.drop;
			increase += r.increase ? 1 : 0;
			n++;
		}
		return n == 0 ? new double[] { Double.NaN, Double.NaN } : new double[] { drop / n, increase / n };
	}
}
