package org.explaincnn.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The precomputed-tap resample against a straightforward per-pixel one (written here as the
 * definition): they must agree bit for bit, since both sum the same taps in the same order in
 * double.
 */
class ResampleTest {

	/** The definition: per output pixel, the triangle filter's weights over the clamped source. */
	static float[] reference(float[] src, int sw, int sh, int c, int dw, int dh) {
		float[] tmp = new float[dw * sh * c];
		for (int y = 0; y < sh; y++)
			for (int x = 0; x < dw; x++)
				for (int k = 0; k < c; k++) {
					final int yy = y, kk = k;
					tmp[(y * dw + x) * c + k] = filter(sw, dw, x, s -> src[(yy * sw + s) * c + kk]);
				}
		float[] out = new float[dw * dh * c];
		for (int y = 0; y < dh; y++)
			for (int x = 0; x < dw; x++)
				for (int k = 0; k < c; k++) {
					final int xx = x, kk = k;
					out[(y * dw + x) * c + k] = filter(sh, dh, y, s -> tmp[(s * dw + xx) * c + kk]);
				}
		return out;
	}

	interface Line {
		float at(int s);
	}

	private static float filter(int srcLen, int dstLen, int d, Line line) {
		double scale = (double) srcLen / dstLen;
		double support = Math.max(1.0, scale);
		double centre = (d + 0.5) * scale - 0.5;
		double acc = 0, total = 0;
		for (int s = (int) Math.floor(centre - support); s <= (int) Math.ceil(centre + support); s++) {
			double w = 1 - Math.abs(s - centre) / support;
			if (w <= 0) continue;
			acc += w * line.at(Math.min(srcLen - 1, Math.max(0, s)));
			total += w;
		}
		return (float) (acc / total);
	}

	@Test
	void equalsThePerPixelDefinitionBitForBit() {
		int[][] sizes = { // sw, sh, dw, dh
			{ 7, 7, 224, 224 }, { 100, 80, 17, 13 }, { 33, 21, 64, 9 }, { 1, 1, 5, 3 },
			{ 1, 9, 4, 1 }, { 9, 1, 1, 6 }, { 13, 13, 13, 5 }, { 5, 17, 5, 17 }, { 224, 224, 7, 7 },
			{ 31, 47, 29, 53 }, { 10, 10, 3, 30 } };
		Random r = new Random(42);
		for (int[] s : sizes)
			for (int c : new int[] { 1, 3 }) {
				float[] src = new float[s[0] * s[1] * c];
				for (int i = 0; i < src.length; i++)
					src[i] = (float) (r.nextGaussian() * 100);
				float[] want = reference(src, s[0], s[1], c, s[2], s[3]);
				float[] got = Resample.resize(src, s[0], s[1], c, s[2], s[3]);
				assertEquals(want.length, got.length);
				String what = s[0] + "x" + s[1] + "x" + c + " -> " + s[2] + "x" + s[3];
				for (int i = 0; i < want.length; i++)
					assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), what +
						" at " + i + ": " + want[i] + " vs " + got[i]);
			}
	}

	@Test
	void theSameSizeIsTheSourceItself() {
		float[] src = { 1, 2, 3, 4 };
		assertSame(src, Resample.resize(src, 2, 2, 1, 2, 2));
	}
}
