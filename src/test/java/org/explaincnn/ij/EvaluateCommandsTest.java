package org.explaincnn.ij;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.explaincnn.HeadlessImageJ;
import org.explaincnn.TestData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evaluate Explanation and Compare Methods as macro lines headless (the plugins.config entries):
 * the figures land in a Results table, the plot or panel is the active image, and a selection on
 * the image is the annotation of the pointing game.
 */
class EvaluateCommandsTest {

	@TempDir
	Path tmp;

	@BeforeAll
	static void start() {
		HeadlessImageJ.initForCli();
	}

	@Test
	void evaluateAndCompareRunFromMacrosWithTheSelectionAsAnnotation() throws Exception {
		Path result = tmp.resolve("result.txt"), out = tmp.resolve("out");
		String model = TestData.sampleModel().toString();
		String macro = String.join("\n", //
			"open(\"" + TestData.sampleImage("both.png") + "\");", //
			"makeRectangle(30, 125, 190, 99);", // the cat
			"run(\"Evaluate Explanation\", \"model=[" + model + "] method=gradcam target=tabby " +
				"output=[" + out + "]\");", //
			"plot = getTitle();", //
			"del = getResult(\"Deletion AUC\", 0);", //
			"ins = getResult(\"Insertion AUC\", 0);", //
			"hit = getResult(\"Pointing\", 0);", //
			"mass = getResult(\"Mass inside\", 0);", //
			"selectImage(\"both.png\");", //
			"run(\"Compare Methods\", \"model=[" + model + "] methods=gradcam,saliency target=tabby\");", //
			"panel = getTitle();", //
			"rows = nResults;", //
			"File.saveString(plot + \"\\n\" + del + \"\\n\" + ins + \"\\n\" + hit + \"\\n\" + mass + " +
				"\"\\n\" + panel + \"\\n\" + rows, \"" + result + "\");", //
			"");
		Path file = tmp.resolve("evaluate.ijm");
		Files.writeString(file, macro);
		String[] run = MenuAndMacroTest.cli("--macro", file.toString());
		assertEquals("0", run[0], run[1]);
		List<String> lines = Files.readAllLines(result);
		assertTrue(lines.get(0).contains("gradcam"), "the plot is the active image: " + lines.get(0));
		double deletion = Double.parseDouble(lines.get(1)), insertion = Double.parseDouble(lines.get(
			2));
		assertTrue(deletion > 0 && deletion < insertion, deletion + " vs " + insertion);
		assertEquals(1, Double.parseDouble(lines.get(3)), "the tabby map's maximum is on the cat");
		assertTrue(Double.parseDouble(lines.get(4)) > 0.5, "mass inside " + lines.get(4));
		assertTrue(lines.get(5).startsWith("both.png"), "the panel is the active image: " + lines.get(5));
		assertEquals("3", lines.get(6), "two methods and the random reference");
		assertTrue(Files.exists(out.resolve("both.gradcam.metrics.csv")));
		assertTrue(Files.exists(out.resolve("both.gradcam.curves.png")));
	}

	@Test
	void aStackIsEvaluatedAtItsCurrentPlane()
		throws Exception
	{
		Path result = tmp.resolve("result.txt");
		String model = TestData.sampleModel().toString();
		String macro = String.join("\n", //
			"open(\"" + TestData.sampleImage("both.png") + "\");", //
			"rename(\"stack.png\");", // another test selects both.png by its title
			"run(\"Clear Results\");", //
			"run(\"Add Slice\");", //
			"run(\"Evaluate Explanation\", \"model=[" + model + "] method=gradcam target=tabby " +
				"current\");", //
			"File.saveString(\"\" + nResults, \"" + result + "\");", //
			"close(\"*\");", //
			"run(\"Clear Results\");", // the other test reads its rows from 0
			"");
		Path file = tmp.resolve("stack.ijm");
		Files.writeString(file, macro);
		String[] run = MenuAndMacroTest.cli("--macro", file.toString());
		assertEquals("0", run[0], run[1]);
		List<String> lines = Files.readAllLines(result);
		assertEquals("1", lines.get(0), "the stack's current plane evaluated");
	}
}
