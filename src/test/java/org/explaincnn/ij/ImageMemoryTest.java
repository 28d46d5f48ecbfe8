package org.explaincnn.ij;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ByteProcessor;
import ij.process.ImageProcessor;

import java.lang.management.ManagementFactory;
import java.util.List;

import org.explaincnn.TestData;
import org.explaincnn.core.ExplainException;
import org.junit.jupiter.api.Test;

/**
 * Huge images are refused up front, in one line naming the size and the ways out, before their
 * raster is made; ordinary large images still run.
 */
class ImageMemoryTest {

	static final long GB = 1L << 30;

	@Test
	void twelveThousandSquaredRgbDoesNotFitAFourGigabyteHeap() {
		long need = ImagePlusInput.bytesNeeded(12000, 12000, 3, 1, false);
		// The float raster alone is 1.7 GB; with the map, the heatmap and the overlay, more than 4.
		assertTrue(need > 12000L * 12000 * 3 * 4, "at least the raster as float");
		assertTrue(need > 4 * GB - 200_000_000L, "more than a 4 GB heap's free memory: " + need);
		ExplainException e = assertThrows(ExplainException.class, () -> ImagePlusInput.checkFits(
			"huge.tif", 12000, 12000, 3, 1, false, 4 * GB - 200_000_000L, 4 * GB));
		String m = e.getMessage();
		assertFalse(m.contains("\n"), "one line: " + m);
		for (String part : List.of("huge.tif", "12000x12000", "4.3 GB", "Scale", "Crop", "-Xmx",
			"EXPLAIN_JAVA_OPTS", "Memory"))
			assertTrue(m.contains(part), "names " + part + ": " + m);
		// More maps need more memory; a 2000x2000 image fits that heap easily.
		assertTrue(ImagePlusInput.bytesNeeded(12000, 12000, 3, 5, false) > need);
		assertDoesNotThrow(() -> ImagePlusInput.checkFits("big.tif", 2000, 2000, 3, 1, false, 4 * GB -
			200_000_000L, 4 * GB));
	}

	@Test
	void aHugeOpenImageIsRefusedBeforeItsRasterIsMade() {
		// 144 MB of 8-bit pixels: its float raster alone would be 576 MB, the whole run over 4 GB,
		// more than this JVM's heap (-Xmx4g) can ever give.
		assertTrue(ImagePlusInput.bytesNeeded(12000, 12000, 1, 1, false) > Runtime.getRuntime()
			.maxMemory());
		ImagePlus huge = new ImagePlus("huge", new ByteProcessor(12000, 12000));
		com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)
			ManagementFactory.getThreadMXBean();
		long before = threads.getCurrentThreadAllocatedBytes();
		ExplainException e = assertThrows(ExplainException.class, () -> ImagePlusInput.read(huge,
			false, line -> {}));
		long allocated = threads.getCurrentThreadAllocatedBytes() - before;
		assertTrue(allocated < 50_000_000L, "refused without making the raster: " + allocated +
			" bytes allocated");
		assertTrue(e.getMessage().contains("12000x12000"), e.getMessage());
	}

	@Test
	void aTwoThousandSquaredImageStillRuns() {
		ImagePlus small = IJ.openImage(TestData.sampleImage("both.png").toString());
		ImageProcessor big = small.getProcessor().resize(2000, 2000);
		ImagePlus imp = new ImagePlus("both-2000", big);
		ExplainJob job = new ExplainJob();
		job.model = TestData.sampleModel();
		job.target = "tabby";
		ExplainResult r = ImageExplainer.explain(imp, job, line -> {}, (d, t) -> {}, () -> false);
		assertEquals(2000, r.heatmap.getWidth());
		assertEquals(2000, r.heatmap.getHeight());
		assertTrue(r.heatmap.getStatistics().max > 0, "a map with evidence");
	}
}
