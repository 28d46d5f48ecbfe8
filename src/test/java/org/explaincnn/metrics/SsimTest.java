package org.explaincnn.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** SSIM and the rank correlation on maps whose answers are known. */
class SsimTest {

	static final int W = 40, H = 30;

	@Test
	void ssimIsOneForTheSameStructureAndLowForNoise() {
		float[] a = smooth(1), noise = new float[W * H], scaled = new float[W * H];
		Random r = new Random(3);
		for (int i = 0; i < a.length; i++) {
			noise[i] = r.nextFloat();
			scaled[i] = 5 * a[i] - 2; // the same map in other units
		}
		assertEquals(1, Ssim.of(a, a, W, H), 1e-12);
		assertEquals(1, Ssim.of(a, scaled, W, H), 1e-6);
		double n = Ssim.of(a, noise, W, H);
		assertTrue(Math.abs(n) < 0.1, "noise " + n);
		float[] inverted = new float[W * H];
		for (int i = 0; i < a.length; i++)
			inverted[i] = -a[i];
		assertTrue(Ssim.of(a, inverted, W, H) < 0, "an inverted map's structure is anti-correlated");
		assertEquals(Ssim.of(a, noise, W, H), Ssim.of(noise, a, W, H), 1e-12, "symmetric");
	}

	@Test
	void spearmanSeesOnlyTheOrder() {
		float[] a = smooth(2), cubed = new float[a.length], reversed = new float[a.length];
		for (int i = 0; i < a.length; i++) {
			cubed[i] = a[i] * a[i] * a[i];
			reversed[i] = -a[i];
		}
		assertEquals(1, SanityCheck.spearman(a, cubed), 1e-12);
		assertEquals(-1, SanityCheck.spearman(a, reversed), 1e-12);
		assertEquals(0, SanityCheck.spearman(a, new float[a.length]), 0, "a constant map has no order");
		assertEquals(1, SanityCheck.spearman(new float[4], new float[4]), 0);
	}

	private static float[] smooth(long seed) {
		Random r = new Random(seed);
		double fx = 0.1 + r.nextDouble() * 0.2, fy = 0.1 + r.nextDouble() * 0.2;
		float[] m = new float[W * H];
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++)
				m[y * W + x] = (float) (Math.sin(fx * x) * Math.cos(fy * y) + 0.01 * x);
		return m;
	}
}
