package org.explaincnn.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FeatureMaskTest {

	@Test
	void labelImageValuesBecomeFeaturesInOrderAndZeroIsBackground() {
		int[] labels = { 0, 7, 7, 3, 0, 3 };
		FeatureMask m = FeatureMask.fromLabels(labels, 3, 2);
		assertEquals(2, m.count);
		assertEquals("label 3", m.name(0));
		assertEquals("label 7", m.name(1));
		assertArrayEquals(new int[] { FeatureMask.NONE, 1, 1, 0, FeatureMask.NONE, 0 }, m.labels());
		assertArrayEquals(new int[] { 2, 2 }, m.pixelCounts());
		ExplainException e = assertThrows(ExplainException.class, () -> FeatureMask.fromLabels(
			new int[6], 3, 2));
		assertTrue(e.getMessage().contains("no labels"), e.getMessage());
	}

	@Test
	void gridCellsCoverTheImageWithSmallerLastCells() {
		FeatureMask m = FeatureMask.grid(5, 3, 2);
		assertEquals(6, m.count);
		assertArrayEquals(new int[] { 4, 4, 2, 2, 2, 1 }, m.pixelCounts());
		assertEquals(5, m.featureAt(4, 2));
	}

	@Test
	void modelPixelsTakeTheFeatureUnderTheirCentreInsideTheCrop() {
		// 8x4 original, model 2x2 centre-cropped: the crop is the middle 4x4 square.
		int w = 8, h = 4;
		int[] f = new int[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				f[y * w + x] = x; // feature = column
		String[] names = new String[w];
		for (int i = 0; i < w; i++)
			names[i] = "c" + i;
		FeatureMask m = FeatureMask.of(f, w, h, names);
		ImageGeometry g = ImageGeometry.of(w, h, 2, 2, ModelSpec.Resize.CENTER_CROP);
		assertEquals(2, g.cropX);
		// model pixel centres at crop x = 1 and 3 -> original columns 3 and 5.
		assertArrayEquals(new int[] { 3, 5, 3, 5 }, m.atModel(g));
		ImageGeometry other = ImageGeometry.of(9, 4, 2, 2, ModelSpec.Resize.CENTER_CROP);
		ExplainException e = assertThrows(ExplainException.class, () -> m.atModel(other));
		assertTrue(e.getMessage().contains("8x4") && e.getMessage().contains("9x4"), e.getMessage());
	}

	@Test
	void perturbReplacesOnlyTheFeaturesThatAreOff() {
		float[] input = { 1, 2, 3, 4, 5, 6 }; // 3 pixels x 2 channels
		float[] base = { -1, -2, -3, -4, -5, -6 };
		int[] labels = { 0, FeatureMask.NONE, 1 };
		float[] out = FeatureMask.perturb(input, base, 2, labels, new boolean[] { false, true });
		assertArrayEquals(new float[] { -1, -2, 3, 4, 5, 6 }, out);
		assertArrayEquals(new float[] { 1, 2, 3, 4, 5, 6 }, input);
		assertArrayEquals(new float[] { 0.5f, 0, -2 }, FeatureMask.paint(labels, new double[] { 0.5,
			-2 }));
	}
}
