package org.explaincnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Roi;
import ij.process.ByteProcessor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.explaincnn.HeadlessImageJ;
import org.explaincnn.TestData;
import org.explaincnn.ij.io.ResultCsv;
import org.explaincnn.ij.io.ResultFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --evaluate and --compare end to end on the sample MobileNet and both.png (224 x 224: the dog in
 * the upper part, the cat lying across the lower part).
 */
class EvaluateCliTest {

	@TempDir
	Path tmp;

	@BeforeAll
	static void start() {
		HeadlessImageJ.initForCli();
	}

	static final String BOTH = TestData.sampleImage("both.png").toString();

	/** The cat's region and the dog's head and chest. */
	static final Roi CAT = new Roi(30, 125, 190, 99), DOG = new Roi(75, 5, 90, 95);

	/** CSV rows as maps from the header's names (no quoted commas in the fields read here). */
	static List<Map<String, String>> rows(Path csv) throws Exception {
		List<String> lines = Files.readAllLines(csv);
		String[] header = lines.get(0).split(",");
		return lines.stream().skip(1).map(l -> {
			// Labels are quoted ("tabby, tabby cat"): drop the comma inside quotes before splitting.
			String[] f = l.replaceAll("\"[^\"]*\"", "label").split(",", -1);
			Map<String, String> m = new HashMap<>();
			for (int i = 0; i < header.length; i++)
				m.put(header[i], f[i]);
			return m;
		}).toList();
	}

	@Test
	void evaluateWritesCurvesPlotAndSummaryAndTheTabbyMapPointsAtTheCat() throws Exception {
		Path masks = Files.createDirectories(tmp.resolve("masks"));
		ByteProcessor mask = new ByteProcessor(224, 224);
		mask.setValue(1); // a label image: any non-zero label counts
		mask.fill(CAT);
		ResultFiles.writePng(new ImagePlus("mask", mask), masks.resolve("both.png"));
		Path out = tmp.resolve("out");
		ExplainCliTest.Run r = ExplainCliTest.cli(BOTH, "--target", "tabby", "--evaluate",
			"--annotations", masks.toString(), "--out", out.toString());
		assertEquals(0, r.code, r.err);
		assertTrue(Files.exists(out.resolve("both.gradcam.heatmap.tif")), "the usual results too");
		assertEquals(2, Files.readAllLines(out.resolve(ResultCsv.FILE_NAME)).size(),
			"the usual table too, one row for the one image");

		List<Map<String, String>> curve = rows(out.resolve("both.gradcam.metrics.csv"));
		assertEquals(51, curve.size(), "50 steps and the start");
		assertEquals(0, Double.parseDouble(curve.get(0).get("fraction")));
		assertEquals(1, Double.parseDouble(curve.get(50).get("fraction")));
		Map<String, String> summary = rows(out.resolve("evaluation.csv")).get(0);
		assertEquals("282", summary.get("target"));
		double p = Double.parseDouble(summary.get("probability"));
		assertEquals(p, Double.parseDouble(curve.get(0).get("deletion")), 1e-5,
			"deletion starts at the input's probability");
		assertEquals(p, Double.parseDouble(curve.get(50).get("insertion")), 1e-5,
			"insertion ends at it");
		assertTrue(Double.parseDouble(curve.get(50).get("deletion")) < 0.05 * p,
			"a black image is no tabby");
		double deletion = Double.parseDouble(summary.get("deletion_auc")), insertion = Double
			.parseDouble(summary.get("insertion_auc"));
		assertTrue(deletion < insertion, deletion + " vs " + insertion);
		assertEquals("1", summary.get("pointing"), "Grad-CAM's maximum for tabby is on the cat");
		assertTrue(Double.parseDouble(summary.get("mass_inside")) > 0.5, summary.toString());

		ImagePlus plot = IJ.openImage(out.resolve("both.gradcam.curves.png").toString());
		assertTrue(plot.getWidth() > 300 && plot.getHeight() > 200, "an ImageJ plot");
		assertTrue(r.out.contains("deletion AUC") && r.out.contains("pointing hit"), r.out);
	}

	@Test
	void aRoiSetOnTheDogIsAMissForTheTabbyMap() throws Exception {
		Path zip = tmp.resolve("dog.zip");
		ResultFiles.writeRoiZip(List.of(DOG), zip);
		Path out = tmp.resolve("out");
		ExplainCliTest.Run r = ExplainCliTest.cli(BOTH, "--target", "tabby", "--evaluate",
			"--annotations", zip.toString(), "--out", out.toString());
		assertEquals(0, r.code, r.err);
		Map<String, String> summary = rows(out.resolve("evaluation.csv")).get(0);
		assertEquals("0", summary.get("pointing"));
		assertTrue(Double.parseDouble(summary.get("mass_inside")) < 0.3, summary.toString());
	}

	@Test
	void compareRanksEveryMethodWithFiniteAreasAndGradCamDeletesFasterThanRandom() throws Exception {
		Path out = tmp.resolve("out");
		ExplainCliTest.Run r = ExplainCliTest.cli(BOTH, "--target", "tabby", "--compare",
			"gradcam,saliency,integratedgradients", "--param", "steps=16", "--out", out.toString());
		assertEquals(0, r.code, r.err);
		Map<String, Map<String, String>> byMethod = new HashMap<>();
		for (Map<String, String> row : rows(out.resolve("compare.csv")))
			byMethod.put(row.get("method"), row);
		assertEquals(List.of("gradcam", "integratedgradients", "random", "saliency"), byMethod.keySet()
			.stream().sorted().toList());
		for (Map<String, String> row : byMethod.values())
			for (String column : List.of("deletion_auc", "insertion_auc")) {
				double v = Double.parseDouble(row.get(column));
				assertTrue(Double.isFinite(v) && v >= 0 && v <= 1, row.toString());
			}
		assertTrue(Double.parseDouble(byMethod.get("gradcam").get("deletion_auc")) < Double
			.parseDouble(byMethod.get("random").get("deletion_auc")), byMethod.toString());
		ImagePlus panel = IJ.openImage(out.resolve("both.compare.png").toString());
		assertEquals(5 * 224 + 4 * 4, panel.getWidth(), "the input and four maps side by side");
		assertTrue(r.out.contains("rank"), r.out);
	}

	@Test
	void badMethodsAndMissingAnnotationsAreOneLineExitTwo() {
		ExplainCliTest.Run r = ExplainCliTest.cli(BOTH, "--compare", "gradcam,nosuch", "--out", tmp
			.toString());
		assertEquals(2, r.code);
		assertTrue(r.err.contains("nosuch") && r.err.strip().lines().count() == 1, r.err);
		r = ExplainCliTest.cli(BOTH, "--evaluate", "--annotations", tmp.resolve("none.zip").toString(),
			"--out", tmp.toString());
		assertEquals(2, r.code);
		assertTrue(r.err.contains("none.zip") && r.err.strip().lines().count() == 1, r.err);
		assertFalse(Files.exists(tmp.resolve("evaluation.csv")), "nothing ran");
	}

	/** An input named like a result in the output folder is never replaced. */
	@Test
	void resultsNeverReplaceAnInput() throws Exception {
		Path input = tmp.resolve("both.gradcam.overlay.png");
		Files.copy(Paths.get(BOTH), tmp.resolve("both.png"));
		Files.copy(Paths.get(BOTH), input);
		byte[] before = Files.readAllBytes(input);
		ExplainCliTest.Run r = ExplainCliTest.cli(tmp.resolve("both.png").toString(), input
			.toString(), "--evaluate", "--out", tmp.toString());
		assertEquals(2, r.code, r.err);
		assertTrue(r.err.contains("would overwrite the input"), r.err);
		assertArrayEquals(before, Files.readAllBytes(input));
	}
}
