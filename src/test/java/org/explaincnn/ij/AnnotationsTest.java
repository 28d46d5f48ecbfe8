package org.explaincnn.ij;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.gui.Line;
import ij.gui.OvalRoi;
import ij.gui.PolygonRoi;
import ij.gui.Roi;

import java.awt.Point;
import java.nio.file.Path;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.FeatureMask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ROI annotations are read and rasterised as the features option reads ROIs: the annotation is
 * exactly the pixels that have a feature; lines count by their pixels; a ROI off the image is one
 * line naming it.
 */
class AnnotationsTest {

	static final int W = 60, H = 40;

	@TempDir
	Path tmp;

	@Test
	void aRoiSetAnnotatesExactlyThePixelsWithAFeature() throws Exception {
		Roi oval = new OvalRoi(3, 4, 17, 11), triangle = new PolygonRoi(new int[] { 30, 55, 40 },
			new int[] { 5, 8, 33 }, 3, Roi.POLYGON);
		oval.setName("oval");
		triangle.setName("triangle");
		Path zip = FeatureMasksTest.roiZip(tmp.resolve("a.zip"), oval, triangle);
		boolean[] annotation = Annotations.read(zip, W, H);
		FeatureMask features = FeatureMasks.forImage(zip.toString(), W, H);
		int n = 0;
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++) {
				assertEquals(features.featureAt(x, y) != FeatureMask.NONE, annotation[y * W + x], x + "," + y);
				n += annotation[y * W + x] ? 1 : 0;
			}
		assertTrue(n > 200, n + " pixels");
	}

	@Test
	void aLineAnnotatesItsPixelsAndARoiOffTheImageIsRefusedByName() throws Exception {
		Line line = new Line(10, 20, 30, 20);
		line.setName("line");
		boolean[] a = Annotations.read(FeatureMasksTest.roiZip(tmp.resolve("l.zip"), line), W, H);
		boolean[] expected = new boolean[W * H];
		for (Point p : line.getContainedPoints())
			expected[p.y * W + p.x] = true;
		assertArrayEquals(expected, a);
		Roi off = new Roi(100, 100, 5, 5);
		off.setName("far");
		Roi corner = new Roi(0, 0, 5, 5);
		corner.setName("corner");
		Path zip = FeatureMasksTest.roiZip(tmp.resolve("off.zip"), corner, off);
		ExplainException e = assertThrows(ExplainException.class, () -> Annotations.read(zip, W, H));
		assertTrue(e.getMessage().contains("'far'") && e.getMessage().contains("this image"), e
			.getMessage());
	}
}
