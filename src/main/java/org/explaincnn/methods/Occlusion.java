package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.ModelSpec;
import org.explaincnn.core.Param;
import org.explaincnn.core.PerturbationScores;
import org.explaincnn.core.PreparedImage;

/**
 * Occlusion (Zeiler and Fergus 2014; as Captum's {@code Occlusion}): a square window slides over
 * the model input in steps of {@code stride}, every channel of its pixels replaced by the baseline;
 * each window's score drop, score(x) - score(occluded), is credited to the pixels it covers, and a
 * pixel's value is the mean drop over the windows that cover it. As in Captum, windows lie wholly
 * inside the image, so when the stride does not divide the free length the last pixels of a row or
 * column are covered by no window and stay 0. One forward pass per window plus one for the image,
 * shared by all classes; occluded inputs are made when their batch runs.
 */
final class Occlusion implements AttributionMethod {

	static final Param<Integer> WINDOW = Param.integer("window", 32, 1, 4096, "Window (pixels)",
		"side of the square occluding window, in model-input pixels (clipped to the input)");
	static final Param<Integer> STRIDE = Param.integer("stride", 0, 0, 4096, "Stride (pixels)",
		"step between windows in model-input pixels; 0 takes half the window");

	@Override
	public String id() {
		return "occlusion";
	}

	@Override
	public String title() {
		return "Occlusion";
	}

	@Override
	public boolean usesLayer() {
		return false;
	}

	@Override
	public boolean forwardOnly() {
		return true;
	}

	@Override
	public List<Param<?>> parameters() {
		return List.of(WINDOW, STRIDE, Baselines.HIDDEN, Baselines.BLUR_SIGMA);
	}

	/** Windows + 1 for a 224 x 224 input (the count follows the model's input size). */
	@Override
	public int passes(ExplainOptions options) {
		Windows w = new Windows(224, 224, options);
		return w.count() + 1;
	}

	@Override
	public int passes(ExplainableModel model, ExplainOptions options) {
		ModelSpec s = model.spec();
		return s.width > 0 && s.height > 0 ? new Windows(s.width, s.height, options).count() + 1
			: passes(options);
	}

	@Override
	public List<ClassMap> explain(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options)
	{
		int width = image.width(), height = image.height(), c = image.channels;
		Windows windows = new Windows(width, height, options);
		float[] x = image.modelInput;
		float[] base = Baselines.of(Baselines.HIDDEN, options.get(Baselines.HIDDEN), model, image,
			new SplittableRandom(options.seed), options.get(Baselines.BLUR_SIGMA));
		// Input 0 is the image itself, input k > 0 the image under window k - 1.
		float[][] scores = PerturbationScores.of(model, image, windows.count() + 1, k -> k == 0 ? x
			: windows.occlude(k - 1, x, base, c), classes, options);
		int[] covering = new int[width * height];
		for (int k = 0; k < windows.count(); k++)
			windows.forEachPixel(k, p -> covering[p]++);
		float sign = options.seedSign();
		List<ClassMap> out = new ArrayList<>();
		for (int j = 0; j < classes.length; j++) {
			double[] sum = new double[width * height];
			for (int k = 0; k < windows.count(); k++) {
				double drop = scores[0][j] - scores[k + 1][j];
				windows.forEachPixel(k, p -> sum[p] += drop);
			}
			float[] map = new float[sum.length];
			for (int p = 0; p < map.length; p++)
				if (covering[p] > 0) map[p] = (float) (sign * sum[p] / covering[p]);
			out.add(new ClassMap(map).detail("windows", windows.count()).detail("window", windows.side)
				.detail("stride", windows.stride).detail("score", scores[0][j]));
		}
		return out;
	}

	/** The windows over a width x height input, row by row; window k starts at (x0(k), y0(k)). */
	static final class Windows {

		final int width, height, side, stride, across, down;

		Windows(int width, int height, ExplainOptions options) {
			this.width = width;
			this.height = height;
			this.side = Math.min(options.get(WINDOW), Math.min(width, height));
			int s = options.get(STRIDE);
			this.stride = s > 0 ? s : Math.max(1, side / 2);
			this.across = (width - side) / stride + 1;
			this.down = (height - side) / stride + 1;
		}

		int count() {
			return across * down;
		}

		int x0(int k) {
			return (k % across) * stride;
		}

		int y0(int k) {
			return (k / across) * stride;
		}

		/** Calls {@code action} with the index (y * width + x) of every pixel under window k. */
		void forEachPixel(int k, IntConsumer action) {
			int x0 = x0(k), y0 = y0(k);
			for (int y = y0; y < y0 + side; y++)
				for (int x = x0; x < x0 + side; x++)
					action.accept(y * width + x);
		}

		/** A copy of {@code x} with window k replaced by {@code base} (channels last). */
		float[] occlude(int k, float[] x, float[] base, int channels) {
			float[] out = x.clone();
			int x0 = x0(k), y0 = y0(k);
			for (int y = y0; y < y0 + side; y++) {
				int from = (y * width + x0) * channels;
				System.arraycopy(base, from, out, from, side * channels);
			}
			return out;
		}
	}
}
