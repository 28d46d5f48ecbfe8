package org.explaincnn.ij;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.Macro;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.explaincnn.HeadlessImageJ;
import org.explaincnn.TestData;
import org.explaincnn.core.Param;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sanity Check as a macro line headless (the plugins.config entry): one Results row per
 * randomised layer, the plot is the active image, the CSV and plot are saved, and the dialog's
 * labels record the keys the macro reads.
 */
class SanityCommandTest {

	@TempDir
	Path tmp;

	@BeforeAll
	static void start() {
		HeadlessImageJ.initForCli();
	}

	@Test
	void sanityCheckRunsFromAMacro() throws Exception {
		Path result = tmp.resolve("result.txt"), out = tmp.resolve("out");
		String macro = String.join("\n", //
			"run(\"Clear Results\");", // the rows of other tests in this JVM are not ours
			"open(\"" + TestData.sampleImage("both.png") + "\");", //
			"run(\"Sanity Check\", \"model=[" + TestData.sampleModel() + "] method=gradcam " +
				"target=tabby layers=2 output=[" + out + "]\");", //
			"File.saveString(getTitle() + \"\\n\" + nResults + \"\\n\" + getResultString(\"Layer\", 0) + " +
				"\"\\n\" + getResult(\"Depth\", 1) + \"\\n\" + getResult(\"Spearman abs\", 1), \"" + result +
				"\");", //
			"");
		Path file = tmp.resolve("sanity.ijm");
		Files.writeString(file, macro);
		String[] run = MenuAndMacroTest.cli("--macro", file.toString());
		assertEquals("0", run[0], run[1]);
		List<String> lines = Files.readAllLines(result);
		assertTrue(lines.get(0).contains("sanity"), "the plot is the active image: " + lines.get(0));
		assertEquals("2", lines.get(1), "one row per randomised layer");
		assertEquals("MobilenetV1/Logits/Conv2d_1c_1x1/convolution", lines.get(2), "the top first");
		assertEquals(2, Double.parseDouble(lines.get(3)));
		// Grad-CAM with the logits and the last conv randomised: -0.07 measured.
		assertTrue(Double.parseDouble(lines.get(4)) < 0.3, lines.get(4));
		assertEquals(3, Files.readAllLines(out.resolve("both.gradcam.sanity.csv")).size());
		assertTrue(Files.size(out.resolve("both.gradcam.sanity.png")) > 1000);
	}

	@Test
	void theDialogsLabelsRecordTheMacroKeys() {
		Set<String> keys = new HashSet<>();
		for (Param<?> p : SanityCommand.fields()) {
			assertEquals(p.key, Macro.trimKey(p.label), p.label);
			assertTrue(keys.add(p.key), p.key);
		}
	}
}
