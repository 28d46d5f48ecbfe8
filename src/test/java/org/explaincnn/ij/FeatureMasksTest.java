package org.explaincnn.ij;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Line;
import ij.gui.OvalRoi;
import ij.gui.Roi;
import ij.io.RoiEncoder;
import ij.process.ByteProcessor;
import ij.process.ImageProcessor;
import ij.process.ShortProcessor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.FeatureMask;
import org.explaincnn.ij.render.ThresholdRois;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The features option made into feature masks: label images, ROI sets, and what is refused. */
class FeatureMasksTest {

	@TempDir
	Path tmp;

	/** A ROI Manager style zip of the ROIs, written with ImageJ's RoiEncoder. */
	static Path roiZip(Path zip, Roi... rois) throws IOException {
		try (OutputStream file = Files.newOutputStream(zip); ZipOutputStream out =
			new ZipOutputStream(file))
		{
			for (Roi r : rois) {
				out.putNextEntry(new ZipEntry(r.getName() + ".roi"));
				out.write(RoiEncoder.saveAsByteArray(r));
				out.closeEntry();
			}
		}
		return zip;
	}

	static Roi named(Roi r, String name) {
		r.setName(name);
		return r;
	}

	/** A 6x4 label image: label 3 (4 px), label 9 (2 px), the rest background. */
	static short[] labels() {
		short[] v = new short[24];
		v[0] = v[1] = v[6] = v[7] = 3;
		v[22] = v[23] = 9;
		return v;
	}

	@Test
	void labelImageFilesBecomeOneFeaturePerValueWithBackgroundLeftOut() throws Exception {
		Path tif = tmp.resolve("labels.tif");
		IJ.saveAsTiff(new ImagePlus("labels", new ShortProcessor(6, 4, labels(), null)), tif
			.toString());
		byte[] bytes = new byte[24];
		short[] s = labels();
		for (int i = 0; i < 24; i++)
			bytes[i] = (byte) s[i];
		Path png = tmp.resolve("labels.png");
		IJ.saveAs(new ImagePlus("labels", new ByteProcessor(6, 4, bytes)), "png", png.toString());
		for (Path file : new Path[] { tif, png }) {
			assertNull(FeatureMasks.problem(file.toString()), file + " is accepted");
			FeatureMask m = FeatureMasks.forImage(file.toString(), 6, 4);
			assertEquals(2, m.count, file.toString());
			assertEquals("label 3", m.name(0));
			assertEquals("label 9", m.name(1));
			assertArrayEquals(new int[] { 4, 2 }, m.pixelCounts());
			assertEquals(0, m.featureAt(1, 1));
			assertEquals(1, m.featureAt(5, 3));
			assertEquals(FeatureMask.NONE, m.featureAt(3, 2), "0 is background");
		}
	}

	@Test
	void roiSetsKeepNamesAndTheLaterRoiTakesOverlappingPixels() throws Exception {
		Path zip = roiZip(tmp.resolve("rois.zip"), named(new Roi(0, 0, 4, 4), "nucleus A"), named(
			new Roi(2, 2, 4, 2), "nucleus B"), named(new OvalRoi(10, 0, 6, 6), "round"));
		FeatureMask m = FeatureMasks.forImage(zip.toString(), 20, 8);
		assertEquals(3, m.count);
		assertEquals("nucleus A", m.name(0));
		assertEquals("nucleus B", m.name(1));
		assertEquals("round", m.name(2));
		// A: 16 px minus the 2x2 B took; B: 8 px; the oval: ImageJ's own mask.
		ImageProcessor ovalMask = new OvalRoi(10, 0, 6, 6).getMask();
		int ovalPixels = 0;
		for (int i = 0; i < ovalMask.getPixelCount(); i++)
			if (ovalMask.get(i) != 0) ovalPixels++;
		assertTrue(ovalPixels > 0 && ovalPixels < 36, "an oval, not its bounds");
		assertArrayEquals(new int[] { 12, 8, ovalPixels }, m.pixelCounts());
		assertEquals(1, m.featureAt(3, 3), "the later ROI wins");
		assertEquals(0, m.featureAt(1, 1));
		assertEquals(FeatureMask.NONE, m.featureAt(8, 7));
		assertEquals(FeatureMask.NONE, m.featureAt(10, 0), "outside the oval's mask");
		// A single .roi file, named by its ROI.
		Path roi = tmp.resolve("one.roi");
		Files.write(roi, RoiEncoder.saveAsByteArray(named(new Roi(1, 1, 2, 3), "cell")));
		FeatureMask one = FeatureMasks.forImage(roi.toString(), 20, 8);
		assertEquals("cell", one.name(0));
		assertArrayEquals(new int[] { 6 }, one.pixelCounts());
	}

	@Test
	void gridAndAnEmptyAutoLeaveTheMethodItsGrid() {
		assertNull(FeatureMasks.forImage("grid", 10, 10));
		assertNull(FeatureMasks.forImage("auto", 10, 10), "no ROI Manager: the grid");
		ExplainException e = assertThrows(ExplainException.class, () -> FeatureMasks.forImage(
			"roimanager", 10, 10));
		assertTrue(e.getMessage().contains("ROI Manager holds no ROIs"), e.getMessage());
	}

	@Test
	void badFeaturesAreRefusedInOneLine() throws Exception {
		Path tif = tmp.resolve("labels.tif");
		IJ.saveAsTiff(new ImagePlus("labels", new ShortProcessor(6, 4, labels(), null)), tif
			.toString());
		String size = message(() -> FeatureMasks.forImage(tif.toString(), 224, 224));
		assertTrue(size.contains("6x4") && size.contains("224x224") && size.contains(
			"make the labels on this image"), size);
		Path empty = tmp.resolve("empty.tif");
		IJ.saveAsTiff(new ImagePlus("empty", new ShortProcessor(6, 4)), empty.toString());
		String none = message(() -> FeatureMasks.forImage(empty.toString(), 6, 4));
		assertTrue(none.contains("no labels"), none);
		// A missing file is refused when the option is set, by every front end (ExplainJob.set).
		String missing = message(() -> new ExplainJob().set("features", tmp.resolve("gone.zip")
			.toString()));
		assertTrue(missing.startsWith("Parameter features=") && missing.contains("names no file"),
			missing);
		Path txt = Files.writeString(tmp.resolve("notes.txt"), "x");
		String kind = message(() -> new ExplainJob().set("features", txt.toString()));
		assertTrue(kind.contains("neither a label image"), kind);
		Path outside = roiZip(tmp.resolve("far.zip"), named(new Roi(500, 500, 10, 10), "far"));
		String far = message(() -> FeatureMasks.forImage(outside.toString(), 224, 224));
		assertTrue(far.contains("'far'") && far.contains("no pixels inside the 224x224 image"), far);
		Path line = roiZip(tmp.resolve("line.zip"), named(new Line(0, 0, 5, 5), "cut"));
		String notArea = message(() -> FeatureMasks.forImage(line.toString(), 10, 10));
		assertTrue(notArea.contains("line or point"), notArea);
	}

	static String message(Runnable r) {
		String m = assertThrows(ExplainException.class, r::run).getMessage();
		assertFalse(m.contains("\n"), "one line: " + m);
		return m;
	}

	@Test
	void theRegionsExplainAddsToTheRoiManagerAreNeverTakenAsTheUsersRois() {
		// A map with one hot square: its threshold region is what Explain puts in the ROI Manager.
		int w = 40, h = 30;
		float[] map = new float[w * h];
		for (int y = 10; y < 20; y++)
			for (int x = 5; x < 15; x++)
				map[y * w + x] = 1;
		List<Roi> regions = ThresholdRois.regions(map, w, h, "0.5", "Grad-CAM");
		assertEquals(1, regions.size());
		Roi result = (Roi) regions.get(0).clone(); // the ROI Manager holds clones
		assertTrue(ThresholdRois.isResult(result), "the mark travels with the clone");
		Roi mine = new OvalRoi(20, 5, 10, 10);
		// What the fallbacks (features=auto, Evaluate without annotation) take from the ROI Manager.
		assertEquals(List.of(mine), FeatureMasks.userRois(List.of(result, mine)));
		assertEquals(List.of(), FeatureMasks.userRois(List.of(result)), "only results: none of yours");
	}
}
