package org.explaincnn.ij.render;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.gui.Roi;

import java.awt.Point;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The regions are ranked by the positive mass inside their traced outline (holes included) and
 * specks are dropped by the outline's pixel count: the same as Roi.getContainedPoints() gives,
 * which is what the regions were computed with before it was read from the mask directly.
 */
class ThresholdRoisTest {

	/** Blobs of different strength, one with a hole, plus specks and noise. */
	private static float[] map(int w, int h, long seed) {
		Random r = new Random(seed);
		float[] m = new float[w * h];
		for (int i = 0; i < m.length; i++)
			m[i] = r.nextFloat() * 0.2f;
		int blobs = 3 + r.nextInt(5);
		for (int k = 0; k < blobs; k++) {
			int cx = r.nextInt(w), cy = r.nextInt(h), rad = 3 + r.nextInt(Math.max(4, w / 6));
			float peak = 0.5f + r.nextFloat();
			for (int y = Math.max(0, cy - rad); y < Math.min(h, cy + rad); y++)
				for (int x = Math.max(0, cx - rad); x < Math.min(w, cx + rad); x++) {
					double d = Math.hypot(x - cx, y - cy) / rad;
					if (d < 1) m[y * w + x] = Math.max(m[y * w + x], (float) (peak * (1 - d * d)));
					if (k == 0 && d < 0.3) m[y * w + x] = 0; // a hole in the first blob
				}
		}
		return m;
	}

	/** Positive mass and pixel count inside a ROI through getContainedPoints. */
	private static double[] reference(Roi roi, float[] map, int w, int h) {
		double sum = 0;
		Point[] inside = roi.getContainedPoints();
		for (Point p : inside)
			if (p.x >= 0 && p.y >= 0 && p.x < w && p.y < h) sum += Math.max(0, map[p.y * w + p.x]);
		return new double[] { sum, inside.length };
	}

	@Test
	void regionsAreRankedByTheMassInsideTheirOutline() {
		for (long seed = 1; seed <= 25; seed++) {
			int w = 40 + (int) (seed * 7 % 90), h = 30 + (int) (seed * 11 % 70);
			float[] m = map(w, h, seed);
			List<Roi> rois = ThresholdRois.regions(m, w, h, "0.3", "c");
			double last = Double.POSITIVE_INFINITY;
			List<String> names = new ArrayList<>();
			for (Roi roi : rois) {
				double[] ref = reference(roi, m, w, h);
				assertTrue(ref[0] <= last + 1e-9, "seed " + seed + ": ranked by mass");
				assertTrue(ref[1] >= ThresholdRois.MIN_AREA_FRACTION * w * h, "no specks");
				last = ref[0];
				names.add(roi.getName());
			}
			for (int i = 0; i < names.size(); i++)
				assertEquals("c #" + (i + 1), names.get(i));
		}
	}

	@Test
	void theMassOfAnOutlineIncludesItsHole() {
		// A ring (144 pixels at 1, its 16x16 hole at 0.45, under the threshold) and a solid 13x13
		// square at 1 (169): with its hole the ring weighs 259 and comes first; a count that
		// skipped holes would put the square first.
		int w = 60, h = 30;
		float[] m = new float[w * h];
		for (int y = 5; y < 25; y++)
			for (int x = 5; x < 25; x++)
				m[y * w + x] = x >= 7 && x < 23 && y >= 7 && y < 23 ? 0.45f : 1f;
		for (int y = 8; y < 21; y++)
			for (int x = 40; x < 53; x++)
				m[y * w + x] = 1f;
		List<Roi> rois = ThresholdRois.regions(m, w, h, "0.5", "r");
		assertEquals(2, rois.size());
		assertEquals("r #1", rois.get(0).getName());
		assertEquals(new java.awt.Rectangle(5, 5, 20, 20), rois.get(0).getBounds(), "the ring first");
		assertArrayEquals(new double[] { 144 + 256 * 0.45, 400 }, reference(rois.get(0), m, w, h),
			1e-3);
	}
}
