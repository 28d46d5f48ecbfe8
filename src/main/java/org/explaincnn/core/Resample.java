package org.explaincnn.core;

/**
 * Separable resizing of channels-last float rasters with a triangle (linear) filter: plain
 * bilinear interpolation when enlarging, and the filter widened to the scale when shrinking so that
 * a large image is averaged, not aliased (as Pillow's antialiased bilinear does). Pixel centres
 * are at +0.5 (align_corners=False).
 */
public final class Resample {

	private Resample() {}

	/** The source itself when the size does not change (callers never write into results). */
	public static float[] resize(float[] src, int sw, int sh, int c, int dw, int dh) {
		if (sw == dw && sh == dh) return src;
		float[] tmp = new float[dw * sh * c];
		pass(src, tmp, sw, dw, sh, c, true);
		float[] out = new float[dw * dh * c];
		pass(tmp, out, sh, dh, dw, c, false);
		return out;
	}

	/** Resamples along x (horizontal) or y, for every line and channel. */
	private static void pass(float[] in, float[] out, int srcLen, int dstLen, int lines, int c,
		boolean horizontal)
	{
		double scale = (double) srcLen / dstLen;
		double support = Math.max(1.0, scale);
		for (int d = 0; d < dstLen; d++) {
			double centre = (d + 0.5) * scale - 0.5;
			int from = (int) Math.floor(centre - support);
			int to = (int) Math.ceil(centre + support);
			double[] weights = new double[to - from + 1];
			double total = 0;
			for (int s = from; s <= to; s++) {
				double w = 1 - Math.abs(s - centre) / support;
				if (w <= 0) continue;
				weights[s - from] = w;
				total += w;
			}
			for (int line = 0; line < lines; line++) {
				for (int k = 0; k < c; k++) {
					double acc = 0;
					for (int s = from; s <= to; s++) {
						double w = weights[s - from];
						if (w == 0) continue;
						int sc = Math.min(srcLen - 1, Math.max(0, s)); // clamp at the border
						int idx = horizontal ? (line * srcLen + sc) * c + k : (sc * lines + line) * c + k;
						acc += w * in[idx];
					}
					int o = horizontal ? (line * dstLen + d) * c + k : (d * lines + line) * c + k;
					out[o] = (float) (acc / total);
				}
			}
		}
	}
}
