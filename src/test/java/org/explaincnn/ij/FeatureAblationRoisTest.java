package org.explaincnn.ij;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.PolygonRoi;
import ij.gui.Roi;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.explaincnn.HeadlessImageJ;
import org.explaincnn.SampleModel;
import org.explaincnn.TestData;
import org.explaincnn.cli.ExplainCli;
import org.explaincnn.core.Attribution;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explainer;
import org.explaincnn.core.Explanation;
import org.explaincnn.core.FeatureMask;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.TargetSpec;
import org.explaincnn.ij.io.FeatureTable;
import org.explaincnn.ij.render.ExplanationRenderer;
import org.explaincnn.ij.render.RenderOptions;
import org.explaincnn.methods.Methods;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feature ablation over two hand-drawn ROIs of both.png (bulldog above, tabby cat below, 224 x
 * 224), saved as a ROI Manager zip: the cat ROI carries the 'tabby' evidence, the dog ROI the top
 * dog class's; the per-feature CSV is written and reads back as the explanation's values.
 */
@ExtendWith(SampleModel.class)
class FeatureAblationRoisTest {

	static ExplainableModel model;
	static PreparedImage both;
	/** The best-scoring ImageNet dog class (1001-class labels: 152 Chihuahua .. 269 Mexican hairless). */
	static int dogClass;

	@TempDir
	static Path tmp;
	static Path zip;

	@BeforeAll
	static void load() throws Exception {
		HeadlessImageJ.initForCli();
		model = SampleModel.model();
		both = SampleModel.both();
		float[] logits = model.forward(both.modelInput, 1).logits;
		dogClass = 152;
		for (int c = 152; c <= 269; c++)
			if (logits[c] > logits[dogClass]) dogClass = c;
		// The dog: head and chest above the cat; the cat: its body along the floor and its head.
		Roi dog = new Roi(75, 5, 90, 110);
		dog.setName("dog");
		Roi cat = new PolygonRoi(new int[] { 40, 135, 140, 180, 185, 212, 216, 40 }, new int[] { 165,
			160, 118, 118, 160, 190, 224, 224 }, 8, Roi.POLYGON);
		cat.setName("cat");
		zip = FeatureMasksTest.roiZip(tmp.resolve("both-rois.zip"), dog, cat);
	}

	static Map<String, Double> byName(Attribution a) {
		Map<String, Double> out = new HashMap<>();
		for (Object o : (List<?>) a.details.get(FeatureMask.DETAIL)) {
			Map<?, ?> row = (Map<?, ?>) o;
			out.put((String) row.get("name"), ((Number) row.get("attribution")).doubleValue());
		}
		return out;
	}

	/** The fields of a CSV line (RFC 4180: commas inside quotes belong to the field). */
	static String[] fields(String line) {
		String[] f = line.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", -1);
		for (int i = 0; i < f.length; i++)
			if (f[i].startsWith("\"")) f[i] = f[i].substring(1, f[i].length() - 1).replace("\"\"", "\"");
		return f;
	}

	@Test
	void theCatRoiCarriesTheTabbyEvidenceAndTheDogRoiTheDogClass() throws Exception {
		FeatureMask mask = FeatureMasks.forImage(zip.toString(), 224, 224);
		assertEquals("dog", mask.name(0));
		assertEquals("cat", mask.name(1));
		Explanation e = Explainer.explain(model, both, Methods.byName("featureablation"), TargetSpec
			.parse("tabby;" + dogClass), ExplainOptions.builder().featureMask(mask).build(), System
				.nanoTime());
		Map<String, Double> tabby = byName(e.attributions.get(0));
		Map<String, Double> dog = byName(e.attributions.get(1));
		System.out.printf(Locale.ROOT, "feature ablation on both.png: tabby cat ROI %.3f, dog ROI %.3f;" +
			" %s cat ROI %.3f, dog ROI %.3f%n", tabby.get("cat"), tabby.get("dog"), e.attributions.get(1)
				.label, dog.get("cat"), dog.get("dog"));
		assertTrue(e.attributions.get(0).label.startsWith("tabby"), e.attributions.get(0).label);
		assertTrue(tabby.get("cat") > 0 && tabby.get("cat") > tabby.get("dog"),
			"tabby: cat ROI " + tabby.get("cat") + " vs dog ROI " + tabby.get("dog"));
		assertTrue(dog.get("dog") > 0 && dog.get("dog") > dog.get("cat"), e.attributions.get(1).label +
			": dog ROI " + dog.get("dog") + " vs cat ROI " + dog.get("cat"));
		// The map paints each ROI with its value: inside the cat, the cat's tabby value.
		Attribution a = e.attributions.get(0);
		assertEquals(tabby.get("cat"), a.map[200 * 224 + 100], 1e-3 * Math.abs(tabby.get("cat")));
		assertEquals(0, a.map[220 * 224 + 5], "outside every ROI");

		Path csv = FeatureTable.writeCsv(e, tmp.resolve("both.featureablation.features.csv"));
		List<String> lines = Files.readAllLines(csv);
		assertEquals(FeatureTable.HEADER, lines.get(0));
		assertEquals(5, lines.size(), "two classes x two ROIs");
		int[] pixels = mask.pixelCounts();
		String[] cat = fields(lines.get(2));
		assertEquals(e.attributions.get(0).label, cat[0]);
		assertEquals("cat", cat[2]);
		assertEquals("2", cat[1]);
		assertEquals(tabby.get("cat"), Double.parseDouble(cat[3]), 1e-6 * Math.abs(tabby.get("cat")));
		assertEquals(pixels[1], Integer.parseInt(cat[4]));
	}

	/** The command line end to end: --features with the ROI zip, the CSV and the JSON. */
	@Test
	void theCommandLineWritesTheFeatureTable() throws Exception {
		Path out = tmp.resolve("cli");
		ByteArrayOutputStream o = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
		int code = ExplainCli.execute(new String[] { TestData.sampleImage("both.png").toString(),
			"--method", "featureablation", "--features", zip.toString(), "--target", "tabby",
			"--param", "baseline=mean", "--json", "--out", out.toString() }, new PrintStream(o, true,
				StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
		assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
		List<String> lines = Files.readAllLines(out.resolve("both.featureablation.features.csv"));
		assertEquals(3, lines.size(), String.join("\n", lines));
		double dog = Double.parseDouble(fields(lines.get(1))[3]);
		double cat = Double.parseDouble(fields(lines.get(2))[3]);
		assertTrue(cat > dog, "tabby with the mean baseline: cat " + cat + " vs dog " + dog);
		String json = Files.readString(out.resolve("both.featureablation.json"));
		assertTrue(json.contains("\"features\": \"" + zip.toString().replace("\\", "\\\\") + "\""),
			"the option in effect");
		assertTrue(json.contains("\"name\": \"cat\""), "the per-feature values");

		// A ROI set that does not fit the image costs that image, with one line naming both.
		Path far = FeatureMasksTest.roiZip(tmp.resolve("far.zip"), FeatureMasksTest.named(new Roi(300,
			300, 20, 20), "far"));
		err.reset();
		code = ExplainCli.execute(new String[] { TestData.sampleImage("both.png").toString(),
			"--method", "featureablation", "--features", far.toString(), "--out", tmp.resolve("far")
				.toString() }, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(err,
					true, StandardCharsets.UTF_8));
		assertEquals(2, code);
		String line = err.toString(StandardCharsets.UTF_8).strip();
		assertTrue(line.contains("no pixels inside the 224x224 image") && !line.contains("\n\t"),
			line);
	}

	/**
	 * The signed map on a grid: with the default LUT, the heatmap's display range is centred on 0
	 * and the overlay colours the most positive cell red and the most negative one blue.
	 */
	@Test
	void cellsForAndAgainstTheClassAreDrawnInDifferentColours() {
		// The dog class: the cat's cells speak against it.
		Explanation e = Explainer.explain(model, both, Methods.byName("featureablation"), TargetSpec
			.parse(Integer.toString(dogClass)), ExplainOptions.DEFAULTS, System.nanoTime());
		Attribution a = e.attributions.get(0);
		int lo = 0, hi = 0;
		for (int i = 0; i < a.map.length; i++) {
			if (a.map[i] < a.map[lo]) lo = i;
			if (a.map[i] > a.map[hi]) hi = i;
		}
		System.out.printf(Locale.ROOT, "dog class grid: most negative cell %.3f, most positive %.3f%n",
			a.map[lo], a.map[hi]);
		assertTrue(a.map[lo] < -0.1 * a.map[hi], "a cell against the class, drawn above the overlay floor");
		ImagePlus input = IJ.openImage(TestData.sampleImage("both.png").toString());
		ExplainResult r = ExplanationRenderer.render(input, e, model, RenderOptions.of(Luts.DEFAULT,
			1.0, "0.5", false, false, true));
		double range = Math.max(-a.map[lo], a.map[hi]);
		assertEquals(-range, r.heatmap.getDisplayRangeMin(), 1e-4 * range);
		assertEquals(range, r.heatmap.getDisplayRangeMax(), 1e-4 * range);
		int[] rgb = (int[]) r.overlayPreview.getProcessor().getPixels();
		int positive = rgb[hi], negative = rgb[lo];
		assertTrue((positive >> 16 & 255) > (positive & 255) + 100, "for the class: red, " + Integer
			.toHexString(positive));
		assertTrue((negative & 255) > (negative >> 16 & 255) + 30, "against the class: blue, " + Integer
			.toHexString(negative));
	}

	/** The macro key features= reaches the method: the recorded form of the menu command. */
	@Test
	void aMacroTakesTheRoiSetAsFeatures() throws Exception {
		Path out = tmp.resolve("macro");
		Path macro = Files.writeString(tmp.resolve("ablate.ijm"), String.join("\n",
			"open(\"" + TestData.sampleImage("both.png") + "\");",
			"run(\"Feature Ablation\", \"model=[" + TestData.sampleModel() + "] target=tabby features=[" +
				zip + "] baseline=black output=[" + out + "]\");"));
		ByteArrayOutputStream o = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
		int code = ExplainCli.execute(new String[] { "--macro", macro.toString() }, new PrintStream(o,
			true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
		assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
		List<String> lines = Files.readAllLines(out.resolve("both.featureablation.features.csv"));
		assertEquals(List.of("dog", "cat"), List.of(fields(lines.get(1))[2], fields(lines.get(2))[2]));
		assertTrue(Double.parseDouble(fields(lines.get(2))[3]) > Double.parseDouble(fields(lines.get(
			1))[3]), String.join("\n", lines));
	}
}
