package org.explaincnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.explaincnn.HeadlessImageJ;
import org.explaincnn.TestData;
import org.explaincnn.ij.SanityReport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --sanity end to end on the sample MobileNet and both.png for 'tabby'. */
class SanityCliTest {

	@TempDir
	Path tmp;

	@BeforeAll
	static void start() {
		HeadlessImageJ.initForCli();
	}

	static final String BOTH = TestData.sampleImage("both.png").toString();

	@Test
	void sanityWritesTheStepsThePlotAndAVerdict() throws Exception {
		Path out = tmp.resolve("out");
		ExplainCliTest.Run r = ExplainCliTest.cli(BOTH, "--method", "saliency", "--target", "tabby",
			"--sanity", "--sanity-layers", "3", "--out", out.toString());
		assertEquals(0, r.code, r.err);
		Path csv = out.resolve("both.saliency.sanity.csv");
		assertEquals(SanityReport.CSV_HEADER, Files.readAllLines(csv).get(0));
		List<Map<String, String>> rows = EvaluateCliTest.rows(csv);
		assertEquals(3, rows.size());
		for (int i = 0; i < 3; i++)
			assertEquals(i + 1, Integer.parseInt(rows.get(i).get("depth")));
		assertEquals("MobilenetV1/Logits/Conv2d_1c_1x1/convolution", rows.get(0).get("layer"));
		// Saliency's map: 0.57, 0.49, 0.46 measured; it moves away from the original.
		double first = Double.parseDouble(rows.get(0).get("spearman_abs")), last = Double.parseDouble(
			rows.get(2).get("spearman_abs"));
		assertTrue(last < 0.6 && last < first + 0.05, first + " -> " + last);
		ImagePlus plot = IJ.openImage(out.resolve("both.saliency.sanity.png").toString());
		assertTrue(plot != null && plot.getWidth() > 100, "the plot is a picture");
		assertTrue(r.out.contains("saliency: the map changes when the model is destroyed - passes"),
			r.out);
		assertFalse(Files.exists(out.resolve("both.saliency.heatmap.tif")), "a run of its own");
	}

	@Test
	void aBadLayerCountIsOneLine() throws Exception {
		ExplainCliTest.Run r = ExplainCliTest.cli(BOTH, "--sanity", "--sanity-layers", "none", "--out",
			tmp.toString());
		assertEquals(2, r.code);
		assertEquals(1, r.err.strip().lines().count(), r.err);
		assertTrue(r.err.contains("--sanity-layers takes"), r.err);
	}
}
