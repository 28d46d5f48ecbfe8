package org.explaincnn.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.explaincnn.HeadlessImageJ;
import org.explaincnn.TestData;
import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.Param;
import org.explaincnn.ij.CommonParams;
import org.explaincnn.methods.Methods;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end: files, JSON, macros headless, Fiji-style --run, error exits. */
class ExplainCliTest {

	@TempDir
	Path tmp;

	@BeforeAll
	static void start() {
		HeadlessImageJ.initForCli();
	}

	static final class Run {

		int code;
		String out, err;
	}

	/**
	 * A zip's entries, name and bytes, in order: two ROI sets written seconds apart differ in their
	 * entries' times.
	 */
	static List<String> zipEntries(Path zip) throws IOException {
		List<String> entries = new ArrayList<>();
		try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
			for (ZipEntry e; (e = in.getNextEntry()) != null;)
				entries.add(e.getName() + " " + Base64.getEncoder().encodeToString(in.readAllBytes()));
		}
		assertFalse(entries.isEmpty(), zip + " holds no ROI");
		return entries;
	}

	static Run cli(String... args) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
		Run r = new Run();
		r.code = ExplainCli.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
			new PrintStream(err, true, StandardCharsets.UTF_8));
		r.out = out.toString(StandardCharsets.UTF_8);
		r.err = err.toString(StandardCharsets.UTF_8);
		return r;
	}

	@Test
	void explainsImagesIntoFiles() throws Exception {
		Run r = cli(TestData.sampleImage("both.png").toString(), "--target", "tabby", "--top-k",
			"2", "--out", tmp.toString(), "--json");
		assertEquals(0, r.code, r.err);
		// --top-k after --target wins: the two best classes, one map each (a stack of two).
		ImagePlus heat = IJ.openImage(tmp.resolve("both.gradcam.heatmap.tif").toString());
		assertEquals(2, heat.getStackSize());
		assertEquals(32, heat.getBitDepth());
		assertTrue(heat.getStack().getSliceLabel(1).startsWith("tiger cat"));
		ImagePlus png = IJ.openImage(tmp.resolve("both.gradcam.overlay.png").toString());
		assertEquals(2 * 224, png.getWidth(), "one overlay panel per class");
		assertTrue(Files.size(tmp.resolve("both.gradcam.rois.zip")) > 0);
		String json = Files.readString(tmp.resolve("both.gradcam.json"));
		assertTrue(json.contains("\"sha256\": \"42eed25cc25407e8"), "sha256 of the model file");
		assertTrue(r.out.contains("both.png") && r.out.contains("top: tiger cat"), r.out);
	}

	@Test
	void noArgumentsExplainsTheSamples() throws Exception {
		Path cwd = tmp.resolve("run");
		Files.createDirectories(cwd);
		Run r = cli("--out", cwd.toString());
		assertEquals(0, r.code, r.err);
		for (String stem : List.of("both", "chelsea", "coffee"))
			for (String ext : List.of("heatmap.tif", "overlay.png", "rois.zip"))
				assertTrue(Files.isRegularFile(cwd.resolve(stem + ".gradcam." + ext)), stem + " " + ext);
		assertEquals(4, r.out.lines().count(), "one line per image and the folder: " + r.out);
	}

	@Test
	void outputsWritesOnlyTheChosenFiles() throws Exception {
		String both = TestData.sampleImage("both.png").toString();
		Run r = cli(both, "--outputs", "heatmap", "--out", tmp.toString());
		assertEquals(0, r.code, r.err);
		try (Stream<Path> files = Files.list(tmp)) {
			assertEquals(List.of("both.gradcam.heatmap.tif", "explain.csv"), files.map(f -> f
				.getFileName().toString()).sorted().toList());
		}
		assertEquals(32, IJ.openImage(tmp.resolve("both.gradcam.heatmap.tif").toString())
			.getBitDepth());
		// A second run asking for more keeps nothing it would not have written: the ROI zip is new,
		// and its regions are the ones a full run traces.
		Path full = tmp.resolve("full");
		assertEquals(0, cli(both, "--out", full.toString()).code);
		Run rois = cli(both, "--outputs", "rois,heatmap", "--out", tmp.toString(), "--overwrite");
		assertEquals(0, rois.code, rois.err);
		assertEquals(zipEntries(full.resolve("both.gradcam.rois.zip")), zipEntries(tmp.resolve(
			"both.gradcam.rois.zip")));
		assertFalse(Files.exists(tmp.resolve("both.gradcam.overlay.png")));
		Run bad = cli(both, "--outputs", "heatmap,movie", "--out", tmp.toString());
		assertEquals(2, bad.code);
		assertTrue(bad.err.startsWith("explain: Unknown output 'movie' in --outputs"), bad.err);
	}

	@Test
	void errorsExitWithCodeTwoAndOneLine() {
		String both = TestData.sampleImage("both.png").toString();
		String[][] cases = { { "--bogus" }, { "missing.png" }, { both, "--model", "/no/model" },
			{ both, "--target", "unicornfish" }, { both, "--layer", "conv99" }, { both, "--method",
				"magic" }, { TestData.sampleImage("PROVENANCE.txt").toString() }, { both,
					"--threshold", "2" } };
		String[] expected = { "Unknown option --bogus", "Image not found", "Model folder not found",
			"Unknown class 'unicornfish'", "Unknown layer 'conv99'", "Unknown method 'magic'",
			"Cannot read image", "Threshold 2" };
		for (int i = 0; i < cases.length; i++) {
			Run r = cli(cases[i]);
			assertEquals(2, r.code, String.join(" ", cases[i]) + ": " + r.err);
			assertEquals(1, r.err.strip().lines().count(), "one line: " + r.err);
			assertTrue(r.err.startsWith("explain: " + expected[i]), r.err);
		}
	}

	@Test
	void batchMacroRunsHeadlessOverAFolder() throws Exception {
		Path in = tmp.resolve("in"), out = tmp.resolve("out");
		Files.createDirectories(in);
		for (String name : List.of("both.png", "chelsea.png", "coffee.png"))
			Files.copy(TestData.sampleImage(name), in.resolve(name));
		Run r = cli("--macro", TestData.repo().resolve("macros/batch_explain.ijm").toString(),
			"input=[" + in + "] output=[" + out + "] model=[" + TestData.sampleModel() + "]");
		assertEquals(0, r.code, r.err + r.out);
		List<String> csv = Files.readAllLines(out.resolve("explain.csv"));
		assertEquals(4, csv.size(), String.join("\n", csv));
		assertTrue(csv.get(1).startsWith("both.png,\"tiger cat\","), csv.get(1));
		assertTrue(csv.get(3).startsWith("coffee.png,\"espresso\","), csv.get(3));
		for (String stem : List.of("both", "chelsea", "coffee"))
			for (String ext : List.of("heatmap.tif", "overlay.png", "rois.zip", "json"))
				assertTrue(Files.isRegularFile(out.resolve(stem + ".gradcam." + ext)), stem + " " + ext);
	}

	@Test
	void macroErrorsAbortWithTheMessage() throws Exception {
		Path macro = tmp.resolve("bad.ijm");
		Files.writeString(macro, "open(\"" + TestData.sampleImage("both.png") +
			"\");\nrun(\"Grad-CAM\", \"model=[/no/model] rois\");\n");
		Run r = cli("--macro", macro.toString());
		assertEquals(2, r.code, r.err + r.out);
		assertTrue(r.err.contains("Model folder not found"), r.err);
	}

	@Test
	void fijiStyleHeadlessRun() throws Exception {
		Run r = cli("--headless", "--run", "Grad-CAM", "image='" + TestData.sampleImage("both.png") +
			"',model='" + TestData.sampleModel() + "',target='boxer',output='" + tmp + "'");
		assertEquals(0, r.code, r.err);
		assertTrue(r.out.contains("heatmap: Grad-CAM boxer"), r.out);
		assertTrue(Files.isRegularFile(tmp.resolve("both.gradcam.heatmap.tif")));
		Run bad = cli("--headless", "--run", "Grad-CAM", "image='" + TestData.sampleImage(
			"both.png") + "',model='/no/model'");
		assertEquals(2, bad.code);
		assertTrue(bad.err.contains("Model folder not found"), bad.err);
		Run unknown = cli("--headless", "--run", "Grad-CAM", "image='x.png',colour='red'");
		assertEquals(2, unknown.code);
	}

	@Test
	void helpAndMethodListAreWrittenFromTheDeclarations() {
		Run help = cli("--help");
		assertEquals(0, help.code);
		for (Param<?> p : List.of(CommonParams.TARGET, CommonParams.TOP_K, CommonParams.LAYER,
			CommonParams.SCORE, CommonParams.THRESHOLD, CommonParams.LUT, CommonParams.OPACITY,
			CommonParams.SEED, CommonParams.BATCH, CommonParams.THREADS))
			assertTrue(help.out.contains(CommonParams.describe(p)) && help.out.contains("--" + p.key +
				" "), "--help lacks " + p.key + " with its default and range:\n" + help.out);
		Run list = cli("--list-methods");
		assertEquals(0, list.code, list.err);
		for (AttributionMethod m : Methods.all()) {
			assertTrue(list.out.contains(m.id()) && list.out.contains(m.title()), m.id());
			for (Param<?> p : m.parameters()) {
				String line = p.key + "=" + p.defaultText();
				assertTrue(list.out.lines().anyMatch(l -> l.contains("--param " + line) && l.contains(p
					.help) && (p.kind == Param.Kind.TEXT || l.contains(p.allowed()))), m.id() + " " + line + " with help and range");
			}
		}
	}

	@Test
	void unknownParameterAndUnknownCommandNameWhatExists() {
		Run r = cli(TestData.sampleImage("both.png").toString(), "--method", "integratedgradients",
			"--param", "stpes=4", "--out", tmp.toString());
		assertEquals(2, r.code);
		assertEquals("explain: Unknown parameter 'stpes' for Integrated Gradients; it takes steps, " +
			"baseline, sigma.\n", r.err);
		Run run = cli("--headless", "--run", "Grad-KAM", "");
		assertEquals(2, run.code);
		for (AttributionMethod m : Methods.all())
			assertTrue(run.err.contains("'" + m.title() + "'"), run.err);
		assertTrue(run.err.contains("'Layer Sweep'") && run.err.contains("'Model Info'"), run.err);
		assertEquals(1, run.err.strip().lines().count(), run.err);
	}
}
