package org.explaincnn.core;

import java.util.Arrays;

/**
 * Separable resizing of channels-last float rasters with a triangle (linear) filter: plain
 * bilinear interpolation when enlarging, and the filter widened to the scale when shrinking so that
 * a large image is averaged, not aliased (as Pillow's antialiased bilinear does). Pixel centres
 * are at +0.5 (align_corners=False).
 * <p>
 * The taps of each output position are computed once per axis (not per pixel), and the vertical
 * pass adds whole source rows into a row accumulator, so both passes read memory in order. Sums are
 * taken in double in the same tap order as a per-pixel loop would, so results are bit-identical to
 * it.
 */
public final class Resample {

	private Resample() {}

	/** The source itself when the size does not change (callers never write into results). */
	public static float[] resize(float[] src, int sw, int sh, int c, int dw, int dh) {
		if (sw == dw && sh == dh) return src;
		float[] tmp = sw == dw ? src : horizontal(src, sw, dw, sh, c, Taps.of(sw, dw));
		return sh == dh ? tmp : vertical(tmp, sh, dh, dw * c, Taps.of(sh, dh));
	}

	/**
	 * The source positions (clamped at the border) and triangle weights of every output position
	 * along one axis; weights are divided by their total at the end of each sum.
	 */
	static final class Taps {

		/** Taps of output d are entries start[d] .. start[d + 1] - 1. */
		final int[] start;
		final int[] index;
		final double[] weight;
		final double[] total;

		private Taps(int[] start, int[] index, double[] weight, double[] total) {
			this.start = start;
			this.index = index;
			this.weight = weight;
			this.total = total;
		}

		static Taps of(int srcLen, int dstLen) {
			double scale = (double) srcLen / dstLen;
			double support = Math.max(1.0, scale);
			int span = (int) Math.ceil(2 * support) + 3; // most taps one output can have
			int[] start = new int[dstLen + 1];
			int[] index = new int[dstLen * span];
			double[] weight = new double[dstLen * span];
			double[] total = new double[dstLen];
			int n = 0;
			for (int d = 0; d < dstLen; d++) {
				start[d] = n;
				double centre = (d + 0.5) * scale - 0.5;
				int from = (int) Math.floor(centre - support);
				int to = (int) Math.ceil(centre + support);
				double sum = 0;
				for (int s = from; s <= to; s++) {
					double w = 1 - Math.abs(s - centre) / support;
					if (w <= 0) continue;
					index[n] = Math.min(srcLen - 1, Math.max(0, s));
					weight[n++] = w;
					sum += w;
				}
				total[d] = sum;
			}
			start[dstLen] = n;
			return new Taps(start, index, weight, total);
		}
	}

	/** Resamples each of {@code lines} rows of {@code srcLen} pixels x c channels to dstLen. */
	private static float[] horizontal(float[] in, int srcLen, int dstLen, int lines, int c,
		Taps t)
	{
		float[] out = new float[dstLen * lines * c];
		if (c == 3) return horizontal3(in, srcLen, dstLen, lines, t, out);
		int o = 0;
		for (int line = 0; line < lines; line++) {
			int row = line * srcLen * c;
			for (int d = 0; d < dstLen; d++) {
				int a = t.start[d], b = t.start[d + 1];
				double total = t.total[d];
				for (int k = 0; k < c; k++) {
					double acc = 0;
					for (int j = a; j < b; j++)
						acc += t.weight[j] * in[row + t.index[j] * c + k];
					out[o++] = (float) (acc / total);
				}
			}
		}
		return out;
	}

	/**
	 * {@link #horizontal} for three channels (RGB, most images), the channels summed side by side
	 * in the same order (the same bits), reading each tap's pixel once.
	 */
	private static float[] horizontal3(float[] in, int srcLen, int dstLen, int lines, Taps t,
		float[] out)
	{
		int[] start = t.start, index = t.index;
		double[] weight = t.weight, total = t.total;
		int o = 0;
		for (int line = 0; line < lines; line++) {
			int row = line * srcLen * 3;
			for (int d = 0; d < dstLen; d++) {
				double r = 0, g = 0, b = 0;
				for (int j = start[d], end = start[d + 1]; j < end; j++) {
					double w = weight[j];
					int p = row + index[j] * 3;
					r += w * in[p];
					g += w * in[p + 1];
					b += w * in[p + 2];
				}
				double sum = total[d];
				out[o++] = (float) (r / sum);
				out[o++] = (float) (g / sum);
				out[o++] = (float) (b / sum);
			}
		}
		return out;
	}

	/** Resamples columns: each output row is a weighted sum of whole source rows of rowLen values. */
	private static float[] vertical(float[] in, int srcLen, int dstLen, int rowLen, Taps t) {
		float[] out = new float[dstLen * rowLen];
		double[] acc = new double[rowLen];
		for (int d = 0; d < dstLen; d++) {
			Arrays.fill(acc, 0);
			for (int j = t.start[d]; j < t.start[d + 1]; j++) {
				double w = t.weight[j];
				int row = t.index[j] * rowLen;
				for (int i = 0; i < rowLen; i++)
					acc[i] += w * in[row + i];
			}
			double total = t.total[d];
			int o = d * rowLen;
			for (int i = 0; i < rowLen; i++)
				out[o + i] = (float) (acc[i] / total);
		}
		return out;
	}
}
