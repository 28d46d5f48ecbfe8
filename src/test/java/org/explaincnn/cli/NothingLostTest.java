package org.explaincnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ByteProcessor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;

import org.explaincnn.HeadlessImageJ;
import org.explaincnn.TestData;
import org.explaincnn.core.ExplainException;
import org.explaincnn.ij.input.ImageFileSource;
import org.explaincnn.ij.io.AtomicFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 8, "nothing lost", exit codes and messages: inputs made here, the CLI run in-process. */
class NothingLostTest {

	@TempDir
	Path tmp;

	@BeforeAll
	static void start() {
		HeadlessImageJ.initForCli();
	}

	static ExplainCliTest.Run cli(String... args) {
		return ExplainCliTest.cli(args);
	}

	/** A folder with two good images, an empty PNG, a cut PNG and a text file named .png. */
	private Path mixedFolder() throws IOException {
		Path in = tmp.resolve("in");
		Files.createDirectories(in);
		Files.copy(TestData.sampleImage("both.png"), in.resolve("a-both.png"));
		Files.write(in.resolve("b-empty.png"), new byte[0]);
		byte[] png = Files.readAllBytes(TestData.sampleImage("coffee.png"));
		Files.write(in.resolve("c-cut.png"), java.util.Arrays.copyOf(png, png.length / 3));
		Files.writeString(in.resolve("d-text.png"), "not an image\n");
		Files.copy(TestData.sampleImage("chelsea.png"), in.resolve("e-chelsea.png"));
		return in;
	}

	@Test
	void aFolderWithBadFilesExplainsTheGoodOnesReportsEachBadOneAndExits2() throws Exception {
		Path in = mixedFolder(), out = tmp.resolve("out");
		// ImageJ prints its reader errors on System.out: catch what reaches the real stdout.
		PrintStream stdout = System.out;
		ByteArrayOutputStream systemOut = new ByteArrayOutputStream();
		System.setOut(new PrintStream(systemOut, true, StandardCharsets.UTF_8));
		ExplainCliTest.Run r;
		try {
			r = cli(in.toString(), "--out", out.toString(), "--batch", "2");
		}
		finally {
			System.setOut(stdout);
		}
		assertEquals(2, r.code, r.err);
		String imagejOnStdout = systemOut.toString(StandardCharsets.UTF_8);
		assertFalse(imagejOnStdout.contains("Unsupported format") || imagejOnStdout.contains(
			"IIOException"), "ImageJ's own text is not on stdout: " + imagejOnStdout);
		for (String stem : List.of("a-both", "e-chelsea"))
			for (String ext : List.of("heatmap.tif", "overlay.png", "rois.zip"))
				assertTrue(Files.isRegularFile(out.resolve(stem + ".gradcam." + ext)), stem + ext);
		for (String stem : List.of("b-empty", "c-cut", "d-text"))
			assertFalse(Files.exists(out.resolve(stem + ".gradcam.heatmap.tif")), stem);
		List<String> errors = r.err.lines().filter(l -> l.startsWith("explain: ")).toList();
		assertEquals(3, errors.size(), r.err);
		assertTrue(errors.get(0).contains("b-empty.png") && errors.get(0).contains("empty file"), r.err);
		assertTrue(errors.get(1).contains("c-cut.png") && errors.get(1).contains(
			"truncated or damaged PNG"), r.err);
		assertTrue(errors.get(2).contains("d-text.png") && errors.get(2).contains("not an image"),
			r.err);
		assertTrue(r.out.contains("a-both.png") && r.out.contains("e-chelsea.png"), r.out);
		List<String> csv = Files.readAllLines(out.resolve("explain.csv"));
		assertEquals("file,status,reason,predicted,probability,target,layer,method,ms", csv.get(0));
		assertEquals(6, csv.size(), String.join("\n", csv));
		for (String bad : List.of("b-empty", "c-cut", "d-text"))
			assertTrue(csv.stream().anyMatch(l -> l.contains(bad + ".png,failed,") || l.contains(bad +
				".png,\"")), bad + "\n" + csv);
		assertEquals(2, csv.stream().filter(l -> l.contains(",ok,,")).count(), String.join("\n", csv));
		assertTrue(csv.stream().anyMatch(l -> l.contains("e-chelsea.png,ok,,Egyptian cat,")), csv
			.toString());
	}

	@Test
	void sameStemInputsKeepTheirOwnResultsAndARerunKeepsThemUnlessOverwrite() throws Exception {
		Path in = tmp.resolve("in"), out = tmp.resolve("out");
		Files.createDirectories(in);
		Files.copy(TestData.sampleImage("both.png"), in.resolve("cell.png"));
		// Another picture under the same stem: its results must differ from cell.png's.
		IJ.saveAsTiff(IJ.openImage(TestData.sampleImage("coffee.png").toString()), in.resolve(
			"cell.tif").toString());
		Files.copy(TestData.sampleImage("chelsea.png"), in.resolve("alone.png"));
		ExplainCliTest.Run r = cli(in.toString(), "--out", out.toString());
		assertEquals(0, r.code, r.err);
		Path png = out.resolve("cell.png.gradcam.heatmap.tif"), tif = out.resolve(
			"cell.tif.gradcam.heatmap.tif");
		assertTrue(Files.isRegularFile(png) && Files.isRegularFile(tif), r.out);
		assertTrue(Files.isRegularFile(out.resolve("alone.gradcam.heatmap.tif")),
			"a stem of its own keeps the plain name");
		assertFalse(Files.readString(out.resolve("explain.csv")).contains("failed"));
		float[] a = (float[]) IJ.openImage(png.toString()).getProcessor().getPixels();
		float[] b = (float[]) IJ.openImage(tif.toString()).getProcessor().getPixels();
		assertFalse(java.util.Arrays.equals(a, b), "each input's own map");

		FileTime written = Files.getLastModifiedTime(png);
		Files.setLastModifiedTime(png, FileTime.fromMillis(written.toMillis() - 60_000));
		FileTime before = Files.getLastModifiedTime(png);
		ExplainCliTest.Run again = cli(in.toString(), "--out", out.toString());
		assertEquals(0, again.code, again.err);
		assertEquals(before, Files.getLastModifiedTime(png), "an earlier result is kept");
		assertEquals(3, again.err.lines().filter(l -> l.contains("--overwrite")).count(), again.err);
		ExplainCliTest.Run replace = cli(in.toString(), "--out", out.toString(), "--overwrite");
		assertEquals(0, replace.code, replace.err);
		assertTrue(Files.getLastModifiedTime(png).compareTo(before) > 0, "--overwrite replaces");
	}

	@Test
	void keptResultsDoNotHideABadJob() throws Exception {
		Path in = tmp.resolve("in"), out = tmp.resolve("out");
		Files.createDirectories(in);
		Files.copy(TestData.sampleImage("both.png"), in.resolve("cell.png"));
		assertEquals(0, cli(in.toString(), "--out", out.toString()).code);
		String csv = Files.readString(out.resolve("explain.csv"));
		// Everything would be kept, but the job is wrong: that is the answer, exit 2, one line.
		String[][] bad = { { "--model", tmp.resolve("no-model").toString() }, { "--target",
			"unicornfish" }, { "--layer", "conv99" }, { "--target", "5000" } };
		String[] says = { "Model folder not found", "Unknown class 'unicornfish'",
			"Unknown layer 'conv99'", "5000" };
		for (int i = 0; i < bad.length; i++) {
			List<String> args = new java.util.ArrayList<>(List.of(in.toString(), "--out", out
				.toString()));
			args.addAll(List.of(bad[i]));
			ExplainCliTest.Run r = cli(args.toArray(new String[0]));
			assertEquals(2, r.code, r.err);
			assertTrue(r.err.contains(says[i]) && !r.err.contains("kept") && r.err.strip().lines()
				.count() == 1, r.err);
		}
		assertEquals(csv, Files.readString(out.resolve("explain.csv")), "no row for a job that " +
			"did not run");
	}

	@Test
	void resultsWrittenIntoTheInputFolderNeverBecomeInputsNorReplaceThem() throws Exception {
		Path in = tmp.resolve("in");
		Files.createDirectories(in);
		Files.copy(TestData.sampleImage("both.png"), in.resolve("x.png"));
		// An input named like a result of another input: it must not be written over.
		Files.copy(TestData.sampleImage("chelsea.png"), in.resolve("y.gradcam.overlay.png"));
		byte[] original = Files.readAllBytes(in.resolve("y.gradcam.overlay.png"));
		Files.copy(TestData.sampleImage("coffee.png"), in.resolve("y.png"));
		ExplainCliTest.Run r = cli(in.resolve("x.png").toString(), in.resolve("y.png").toString(),
			in.resolve("y.gradcam.overlay.png").toString(), "--out", in.toString());
		assertEquals(2, r.code, r.err);
		assertTrue(r.err.contains("would overwrite the input"), r.err);
		assertArrayEquals(original, Files.readAllBytes(in.resolve("y.gradcam.overlay.png")));
		assertTrue(Files.isRegularFile(in.resolve("x.gradcam.heatmap.tif")));
		// The folder again: x's results are not explained as images, x itself is kept (skipped).
		ExplainCliTest.Run folder = cli(in.toString(), "--out", in.toString());
		assertFalse(folder.out.contains("x.gradcam"), folder.out);
		assertFalse(folder.err.contains("x.gradcam.overlay.png"), folder.err);
	}

	@Test
	void withoutADescriptorTheLineShowsTheAssumedScaling() throws Exception {
		Path bundle = tmp.resolve("bare-model");
		Files.createDirectories(bundle);
		for (String f : List.of("quantized_graph.pb", "labels.txt"))
			Files.copy(TestData.sampleModel().resolve(f), bundle.resolve(f));
		String image = TestData.sampleImage("both.png").toString();
		ExplainCliTest.Run bare = cli(image, "--model", bundle.toString(), "--out", tmp.resolve("b")
			.toString());
		assertEquals(0, bare.code, bare.err);
		assertTrue(bare.out.lines().anyMatch(l -> l.startsWith("both.png") && l.contains(
			"pixels/255 assumed")), bare.out);
		ExplainCliTest.Run described = cli(image, "--out", tmp.resolve("d").toString());
		assertEquals(0, described.code, described.err);
		assertFalse(described.out.contains("assumed"), "a descriptor's scaling is not an assumption");
	}

	@Test
	void anInterruptedWriteLeavesNoPartialFileAndKeepsItsReason() throws Exception {
		Path target = tmp.resolve("map.tif");
		Files.writeString(target, "earlier result");
		IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
			out.write(new byte[100_000]); // part of the content reached the disk
			throw new IOException("No space left on device");
		}));
		assertEquals("No space left on device", AtomicFiles.reason(e));
		assertEquals("earlier result", Files.readString(target), "the earlier file is intact");
		Path fresh = tmp.resolve("new.png");
		assertThrows(IOException.class, () -> AtomicFiles.write(fresh, out -> {
			out.write(1);
			throw new IOException("No space left on device");
		}));
		assertFalse(Files.exists(fresh), "no truncated file that looks like a result");
		try (Stream<Path> s = Files.list(tmp)) {
			assertEquals(List.of("map.tif"), s.map(p -> p.getFileName().toString()).toList(),
				"no temporaries left");
		}
		AtomicFiles.write(fresh, out -> out.write(new byte[] { 1, 2, 3 }));
		assertArrayEquals(new byte[] { 1, 2, 3 }, Files.readAllBytes(fresh));
	}

	@Test
	void anUnwritableOutputIsOneLineAndExit2() throws Exception {
		Path notAFolder = tmp.resolve("file");
		Files.writeString(notAFolder, "x");
		ExplainCliTest.Run r = cli(TestData.sampleImage("both.png").toString(), "--out", notAFolder
			.toString());
		assertEquals(2, r.code, r.err);
		assertEquals(1, r.err.strip().lines().count(), r.err);
		assertTrue(r.err.startsWith("explain: Cannot write results to "), r.err);
	}

	@Test
	void aTruncatedMultiPlaneTiffIsReportedNotExplainedAsOnePlane() throws Exception {
		ImageStack stack = new ImageStack(64, 64);
		for (int k = 0; k < 3; k++) {
			ByteProcessor bp = new ByteProcessor(64, 64);
			bp.setValue(40 * (k + 1));
			bp.fill();
			stack.addSlice("plane " + k, bp);
		}
		Path whole = tmp.resolve("whole.tif"), cut = tmp.resolve("cut.tif");
		IJ.saveAsTiff(new ImagePlus("s", stack), whole.toString());
		ImagePlus ok = ImageFileSource.open(whole);
		assertEquals(3, ok.getStackSize());
		Files.copy(whole, cut);
		try (RandomAccessFile f = new RandomAccessFile(cut.toFile(), "rw")) {
			f.setLength(f.length() - 64 * 64 - 100); // the last plane and a bit are gone
		}
		ExplainException e = assertThrows(ExplainException.class, () -> ImageFileSource.open(cut));
		assertTrue(e.getMessage().contains("cut.tif") && e.getMessage().contains(
			"truncated or damaged TIFF"), e.getMessage());
	}

	@Test
	void aCutJpegIsReported() throws Exception {
		Path whole = tmp.resolve("whole.jpg"), cut = tmp.resolve("cut.jpg");
		IJ.saveAs(IJ.openImage(TestData.sampleImage("both.png").toString()), "jpeg", whole.toString());
		assertEquals(224, ImageFileSource.open(whole).getWidth());
		byte[] jpeg = Files.readAllBytes(whole);
		Files.write(cut, java.util.Arrays.copyOf(jpeg, jpeg.length * 2 / 3));
		ExplainException e = assertThrows(ExplainException.class, () -> ImageFileSource.open(cut));
		assertTrue(e.getMessage().contains("cut.jpg") && e.getMessage().contains(
			"truncated or damaged JPEG"), e.getMessage());
	}

	@Test
	void badInputIsExit2Everywhere() throws Exception {
		String image = TestData.sampleImage("both.png").toString();
		String out = tmp.resolve("o").toString();
		ExplainCliTest.Run many = cli(image, "--top-k", "60", "--out", out);
		assertEquals(2, many.code, many.err);
		assertTrue(many.err.contains("--yes"), many.err);
		assertFalse(Files.exists(tmp.resolve("o")), "nothing ran");
		assertEquals(2, cli(image, "--opacity", "NaN", "--out", out).code);
		ExplainCliTest.Run target = cli(image, "--target", "5000", "--out", out);
		assertEquals(2, target.code, target.err);
		assertTrue(target.err.contains("out of range"), target.err);
		ExplainCliTest.Run missing = cli(tmp.resolve("nope").toString(), "--out", out);
		assertEquals(2, missing.code);

		Path macro = tmp.resolve("unknown.ijm");
		Files.writeString(macro, "run(\"No Such Command\");\nprint(\"after\");\n");
		ExplainCliTest.Run unknown = cli("--macro", macro.toString());
		assertEquals(2, unknown.code, unknown.err + unknown.out);
		assertTrue(unknown.err.contains("No Such Command"), unknown.err);

		String batch = TestData.repo().resolve("macros/batch_explain.ijm").toString();
		ExplainCliTest.Run noFolder = cli("--macro", batch, "input=[" + tmp.resolve("absent") +
			"] output=[" + out + "] model=[" + TestData.sampleModel() + "]");
		assertEquals(2, noFolder.code, noFolder.err + noFolder.out);
		assertTrue(noFolder.err.contains("input folder not found"), noFolder.err);
	}

	@Test
	void theBatchMacroSkipsFilesThatAreNotImagesWithAFailedRow() throws Exception {
		Path in = mixedFolder(), out = tmp.resolve("macro-out");
		// Same stem as a-both.png, another picture: neither may replace the other's results.
		IJ.saveAsTiff(IJ.openImage(TestData.sampleImage("coffee.png").toString()), in.resolve(
			"a-both.tif").toString());
		ExplainCliTest.Run r = cli("--macro", TestData.repo().resolve("macros/batch_explain.ijm")
			.toString(), "input=[" + in + "] output=[" + out + "] model=[" + TestData.sampleModel() +
				"]");
		assertEquals(2, r.code, r.err + r.out);
		List<String> csv = Files.readAllLines(out.resolve("explain.csv"), StandardCharsets.UTF_8);
		assertEquals(7, csv.size(), String.join("\n", csv));
		assertEquals(3, csv.stream().filter(l -> l.endsWith(",ok,")).count(), String.join("\n", csv));
		assertTrue(Files.readString(out.resolve("a-both.gradcam.json")).contains("a-both.png\""));
		assertTrue(Files.readString(out.resolve("a-both.tif.gradcam.json")).contains("a-both.tif\""),
			"the second input of a stem keeps its extension instead of replacing the first's results");
		for (String bad : List.of("b-empty.png", "c-cut.png", "d-text.png"))
			assertTrue(csv.stream().anyMatch(l -> l.startsWith(bad + ",") && l.contains(",failed,")),
				bad);
		assertTrue(Files.isRegularFile(out.resolve("e-chelsea.gradcam.heatmap.tif")));
	}
}
