package org.explaincnn.ij;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.explaincnn.HeadlessImageJ;
import org.explaincnn.TestData;
import org.explaincnn.cli.ExplainCli;
import org.explaincnn.core.AttributionMethod;
import org.explaincnn.fiji.ExplainCommand;
import org.explaincnn.methods.Methods;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.scijava.Context;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.module.ModuleService;

/**
 * Every bad value of issue 7 is refused before anything runs, with the same one line naming the
 * parameter, the value and what is allowed, on every front end: command-line options, IJ1 macro
 * keys, SciJava command fields and {@code --headless --run}.
 */
class FrontEndValidationTest {

	enum FrontEnd {
		CLI, MACRO, SCIJAVA, HEADLESS_RUN
	}

	static Context context;

	@TempDir
	static Path tmp;

	@BeforeAll
	static void start() {
		HeadlessImageJ.init();
		System.setProperty("explaincnn.home", TestData.repo().toString());
		context = new Context(CommandService.class);
	}

	@AfterAll
	static void stop() {
		context.dispose();
	}

	/**
	 * method id, key, value as text, the value as a SciJava field holds it, and the one line. top-k
	 * is --top-k on the command line and target=topK elsewhere.
	 */
	static Stream<Arguments> cases() {
		Object[][] c = { //
			{ "integratedgradients", "steps", "0", 0,
				"Parameter steps=0 is not allowed; steps takes a whole number from 1 to 100000." },
			{ "smoothgrad", "samples", "-1", -1,
				"Parameter samples=-1 is not allowed; samples takes a whole number from 1 to 100000." },
			{ "smoothgrad", "noise", "abc", "abc",
				"Parameter noise=abc is not allowed; noise takes a number from 0 to 10." },
			{ "gradcam", "threshold", "2", "2",
				"Threshold 2 is not allowed; threshold takes a fraction of the map's maximum (more than 0, less than 1) or otsu." },
			{ "gradcam", "opacity", "5", 5.0,
				"Parameter opacity=5 is not allowed; opacity takes a number from 0 to 1." },
			{ "gradcam", "batch", "0", 0,
				"Parameter batch=0 is not allowed; batch takes a whole number from 1 to 4096." },
			{ "gradcam", "threads", "0", 0,
				"Parameter threads=0 is not allowed; threads takes a whole number from 1 to 256." },
			{ "gradcam", "top-k", "0", "top0",
				"Parameter top-k=0 is not allowed; top-k takes a whole number from 1 to 100000." },
			{ "gradcam", "opacity", "NaN", Double.NaN,
				"Parameter opacity=NaN is not allowed; opacity takes a number from 0 to 1." } };
		List<Arguments> out = new ArrayList<>();
		for (FrontEnd f : FrontEnd.values())
			for (Object[] row : c)
				out.add(Arguments.of(f, row[0], row[1], row[2], row[3], row[4]));
		return out.stream();
	}

	@ParameterizedTest(name = "{0}: {2}={3}")
	@MethodSource("cases")
	void badValueIsOneLineNamingParameterValueAndRange(FrontEnd frontEnd, String method, String key,
		String text, Object fieldValue, String expected) throws Exception
	{
		AttributionMethod m = Methods.byName(method);
		String image = TestData.sampleImage("both.png").toString();
		String model = TestData.sampleModel().toString();
		boolean declaredByMethod = m.parameter(key) != null;
		String macroKey = key.equals("top-k") ? "target" : key;
		String macroValue = key.equals("top-k") ? "top" + text : text;
		switch (frontEnd) {
			case CLI: {
				List<String> args = new ArrayList<>(List.of(image, "--model", model, "--method", method,
					"--out", tmp.resolve("cli").toString()));
				if (declaredByMethod) args.addAll(List.of("--param", key + "=" + text));
				else args.addAll(List.of("--" + key, text));
				assertOneLine(cli(args.toArray(new String[0])), expected);
				break;
			}
			case MACRO: {
				Path macro = tmp.resolve("bad-" + key + ".ijm");
				Files.writeString(macro, "open(\"" + image + "\");\nrun(\"" + m.title() + "\", \"model=[" +
					model + "] " + macroKey + "=" + macroValue + " rois\");\n");
				assertOneLine(cli("--macro", macro.toString()), expected);
				break;
			}
			case SCIJAVA: {
				ImagePlus imp = IJ.openImage(image);
				ExplainCommand c = (ExplainCommand) context.service(ModuleService.class).run(command(m),
					true, "image", imp, "model", TestData.sampleModel().toFile(), macroKey, fieldValue)
					.get();
				assertTrue(c.isCanceled(), frontEnd + " " + key + "=" + text + " was not refused");
				assertEquals(expected, c.getCancelReason());
				assertEquals(null, imp.getOverlay(), "nothing ran");
				break;
			}
			case HEADLESS_RUN:
				assertOneLine(cli("--headless", "--run", m.title(), "image='" + image + "',model='" +
					model + "'," + macroKey + "='" + macroValue + "'"), expected);
				break;
		}
	}

	static CommandInfo command(AttributionMethod m) throws Exception {
		for (CommandInfo info : context.service(CommandService.class).getCommands())
			if (m.title().equals(info.getLabel()) && ExplainCommand.class.isAssignableFrom(info
				.loadClass())) return info;
		throw new AssertionError("no command for " + m.title());
	}

	static String[] cli(String... args) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
		int code = ExplainCli.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
			new PrintStream(err, true, StandardCharsets.UTF_8));
		return new String[] { Integer.toString(code), err.toString(StandardCharsets.UTF_8) };
	}

	static void assertOneLine(String[] run, String expected) {
		assertEquals("2", run[0], "exit code; stderr: " + run[1]);
		assertEquals("explain: " + expected + "\n", run[1].replace("\r\n", "\n"));
	}
}
