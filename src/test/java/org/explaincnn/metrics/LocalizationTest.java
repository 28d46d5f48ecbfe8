package org.explaincnn.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.explaincnn.core.ExplainException;
import org.junit.jupiter.api.Test;

/** The pointing game's hit, miss and tolerance, and the mass fractions by hand. */
class LocalizationTest {

	static final int W = 80, H = 60;

	/** A rectangle x 10..19, y 20..29. */
	static boolean[] box() {
		boolean[] mask = new boolean[W * H];
		for (int y = 20; y < 30; y++)
			for (int x = 10; x < 20; x++)
				mask[y * W + x] = true;
		return mask;
	}

	/** A weak ramp with its maximum at (x, y). */
	static float[] peakAt(int x, int y) {
		float[] map = new float[W * H];
		for (int i = 0; i < map.length; i++)
			map[i] = (i % 7) * 0.01f;
		map[y * W + x] = 1;
		return map;
	}

	@Test
	void theMaximumInsideIsAHitBeyondTheToleranceAMissWithinItAHit() {
		boolean[] box = box();
		assertTrue(Localization.pointingHit(peakAt(15, 25), box, W, H, Localization.TOLERANCE));
		// TorchRay counts a hit when the distance is below the tolerance: 15 px right of the box's
		// last column (19) is a miss, 14 px a hit.
		assertFalse(Localization.pointingHit(peakAt(35, 25), box, W, H, 15));
		assertFalse(Localization.pointingHit(peakAt(34, 25), box, W, H, 15));
		assertTrue(Localization.pointingHit(peakAt(33, 25), box, W, H, 15));
		// Diagonal: 11 px right and 11 px below the corner (19, 29) is 15.6 px away (Euclidean).
		assertFalse(Localization.pointingHit(peakAt(30, 40), box, W, H, 15));
		assertTrue(Localization.pointingHit(peakAt(29, 39), box, W, H, 15)); // 14.1 px
		// Tolerance 1: only the box itself counts (its neighbour is 1 px away, not below 1).
		assertTrue(Localization.pointingHit(peakAt(19, 25), box, W, H, 1));
		assertFalse(Localization.pointingHit(peakAt(20, 25), box, W, H, 1));
	}

	@Test
	void pixelsTheModelNeverSawCannotHoldTheMaximumNorCountInTheMass() {
		boolean[] box = box();
		// The map's real peak is in the box; NaN (outside the model's crop) must not win, as a 0 pad
		// would when the seen values are all negative.
		float[] map = new float[W * H];
		Arrays.fill(map, Float.NaN);
		for (int y = 0; y < H; y++)
			for (int x = 0; x < 40; x++)
				map[y * W + x] = -1;
		map[25 * W + 15] = -0.5f;
		assertTrue(Localization.pointingHit(map, box, W, H, 15));
		float[] padded = map.clone();
		for (int i = 0; i < padded.length; i++)
			if (Float.isNaN(padded[i])) padded[i] = 0;
		assertFalse(Localization.pointingHit(padded, box, W, H, 15), "a 0 pad takes the maximum");
		for (int i = 0; i < map.length; i++)
			if (!Float.isNaN(map[i])) map[i] = 0;
		map[25 * W + 15] = 2;
		map[0] = 2;
		assertEquals(0.5, Localization.positiveMassInside(map, box, W, H), 1e-12);
		assertEquals(0.5, Localization.energyInside(map, box, W, H), 1e-12);
	}

	@Test
	void massAndEnergyFractionsAreTheHandComputedRatios() {
		// 3 x 2 map; the mask holds the first column.
		float[] map = { 2, -1, 3, 1, 4, -2 };
		boolean[] mask = { true, false, false, true, false, false };
		// positive mass: (2 + 1) / (2 + 3 + 1 + 4); energy: (4 + 1) / (4 + 1 + 9 + 1 + 16 + 4)
		assertEquals(3.0 / 10, Localization.positiveMassInside(map, mask, 3, 2), 1e-12);
		assertEquals(5.0 / 35, Localization.energyInside(map, mask, 3, 2), 1e-12);
		assertTrue(Double.isNaN(Localization.positiveMassInside(new float[] { -1, 0, -2, 0, 0, 0 },
			mask, 3, 2)), "no positive mass: undefined, not 0");
	}

	@Test
	void anEmptyOrMisSizedAnnotationIsRefusedInOneLine() {
		assertThrows(ExplainException.class, () -> Localization.pointingHit(new float[6],
			new boolean[6], 3, 2, 15));
		ExplainException e = assertThrows(ExplainException.class, () -> Localization.energyInside(
			new float[6], new boolean[4], 3, 2));
		assertTrue(e.getMessage().contains("image's size"), e.getMessage());
	}
}
