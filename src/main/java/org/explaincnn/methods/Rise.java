package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Param;
import org.explaincnn.core.PerturbationScores;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.Resample;

/**
 * RISE (Petsiuk, Das and Saenko 2018): N random binary grids of s x s cells, each cell kept with
 * probability p, upsampled bilinearly to (s + 1) x the cell size and cut at a random shift of up
 * to one cell (as the authors' code does), so the masks are smooth and not aligned to a grid. The
 * masked input is x * M + baseline * (1 - M); the saliency is sum_i score_i M_i / (N p), the
 * paper's normalisation (so a pixel's value is the mean score of the masks that keep it). Masks are
 * drawn from one generator seeded by {@code --seed}, one batch at a time, and the map accumulates
 * per batch: memory is one batch of masks whatever N is.
 */
final class Rise implements AttributionMethod {

	static final Param<Integer> MASKS = Param.integer("masks", 2000, 1, 1_000_000, "Masks",
		"number of random masks (one forward pass each; the paper used 4000 for ResNet)");
	static final Param<Integer> CELLS = Param.integer("cells", 7, 1, 256, "Cells per side (s)",
		"cells per side of the low-resolution mask grid (s)");
	static final Param<Double> KEEP = Param.number("p", 0.5, 0.01, 1, "P (keep probability)",
		"probability that a grid cell is kept (shows the image)");

	@Override
	public String id() {
		return "rise";
	}

	@Override
	public String title() {
		return "RISE";
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
		return List.of(MASKS, CELLS, KEEP, Baselines.HIDDEN, Baselines.BLUR_SIGMA);
	}

	@Override
	public int passes(ExplainOptions options) {
		return options.get(MASKS);
	}

	@Override
	public List<ClassMap> explain(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options)
	{
		int n = options.get(MASKS);
		double keep = options.get(KEEP);
		int width = image.width(), height = image.height(), c = image.channels;
		float[] x = image.modelInput;
		SplittableRandom random = new SplittableRandom(options.seed);
		float[] base = Baselines.of(Baselines.HIDDEN, options.get(Baselines.HIDDEN), model, image,
			random.split(), options.get(Baselines.BLUR_SIGMA));
		MaskMaker masks = new MaskMaker(options.get(CELLS), keep, width, height);
		double[][] sum = new double[classes.length][width * height];
		// The masks of the batch in flight: a batch's inputs are made (in order, from batches of
		// the chunk size starting at its multiples) before its scores come back.
		float[][] batch = new float[options.chunkSize(model.spec())][];
		PerturbationScores.forEach(model, image, n, (i, into, offset) -> {
			float[] m = batch[i % batch.length] = masks.next(random);
			masked(x, base, m, c, into, offset);
		}, classes, options, 0, n, (i, scores) -> {
			float[] m = batch[i % batch.length];
			for (int j = 0; j < classes.length; j++) {
				double s = scores[j];
				double[] acc = sum[j];
				for (int p = 0; p < m.length; p++)
					acc[p] += s * m[p];
			}
		});
		double norm = options.seedSign() / (n * keep);
		List<ClassMap> out = new ArrayList<>();
		for (int j = 0; j < classes.length; j++) {
			float[] map = new float[width * height];
			for (int p = 0; p < map.length; p++)
				map[p] = (float) (sum[j][p] * norm);
			out.add(new ClassMap(map).detail("masks", n));
		}
		return out;
	}

	/** x * m + base * (1 - m) per pixel, every channel (channels last), into out from offset. */
	static void masked(float[] x, float[] base, float[] mask, int channels, float[] out,
		int offset)
	{
		if (channels == 3) {
			// RGB, most models: the channel loop unrolled, as in Score-CAM.
			for (int p = 0, i = 0, o = offset; p < mask.length; p++, i += 3, o += 3) {
				float m = mask[p], n = 1 - m;
				out[o] = x[i] * m + base[i] * n;
				out[o + 1] = x[i + 1] * m + base[i + 1] * n;
				out[o + 2] = x[i + 2] * m + base[i + 2] * n;
			}
			return;
		}
		for (int p = 0, i = 0; p < mask.length; p++) {
			float m = mask[p];
			for (int k = 0; k < channels; k++, i++)
				out[offset + i] = x[i] * m + base[i] * (1 - m);
		}
	}

	/**
	 * Makes RISE masks of width x height: an s x s grid of 0/1 cells (1 with probability p),
	 * bilinearly upsampled to (s + 1) cells of ceil(size / s) pixels (pixel centres aligned, edges
	 * clamped where the authors' skimage call reflects), then cut at a random shift of 0 .. cell - 1
	 * pixels per axis.
	 */
	static final class MaskMaker {

		final int cells, width, height, cellWidth, cellHeight, upWidth, upHeight;
		final double keep;

		MaskMaker(int cells, double keep, int width, int height) {
			this.cells = cells;
			this.keep = keep;
			this.width = width;
			this.height = height;
			this.cellWidth = (width + cells - 1) / cells;
			this.cellHeight = (height + cells - 1) / cells;
			this.upWidth = (cells + 1) * cellWidth;
			this.upHeight = (cells + 1) * cellHeight;
		}

		/** The next mask from {@code random}: s * s cell draws, then the x and y shifts. */
		float[] next(SplittableRandom random) {
			float[] grid = new float[cells * cells];
			for (int i = 0; i < grid.length; i++)
				grid[i] = random.nextDouble() < keep ? 1f : 0f;
			int dx = random.nextInt(cellWidth), dy = random.nextInt(cellHeight);
			float[] up = Resample.resize(grid, cells, cells, 1, upWidth, upHeight);
			float[] mask = new float[width * height];
			for (int y = 0; y < height; y++)
				System.arraycopy(up, (y + dy) * upWidth + dx, mask, y * width, width);
			return mask;
		}
	}
}
