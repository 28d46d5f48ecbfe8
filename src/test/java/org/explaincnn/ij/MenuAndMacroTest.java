package org.explaincnn.ij;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.Macro;
import ij.Prefs;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.explaincnn.HeadlessImageJ;
import org.explaincnn.TestData;
import org.explaincnn.cli.ExplainCli;
import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.Param;
import org.explaincnn.methods.Methods;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scijava.Context;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;

/**
 * One menu entry per method (the plugins.config line; SciJava commands have no menu path), the
 * IJ1 dialog's keys are the macro keys, and a line in the form the macro recorder writes replays
 * headless with the heatmap as the active image.
 */
class MenuAndMacroTest {

	/** The keys that macros have used since the first release: they must keep working. */
	static final List<String> RELEASED_KEYS = List.of("model", "target", "layer", "score",
		"counterfactual", "opacity", "lut", "threshold", "rois", "current", "output", "seed");

	static final Pattern CONFIG_LINE = Pattern.compile(
		"^Plugins>Explain CNN, \"([^\"]+)\", org\\.explaincnn\\.ij\\.ExplainPlugin\\(\"([^\"]+)\"\\)$");

	@TempDir
	Path tmp;

	@BeforeAll
	static void start() {
		HeadlessImageJ.initForCli();
	}

	/** label -> plugin argument, in file order; fails on a duplicate label or a malformed line. */
	static Map<String, String> pluginsConfig() throws Exception {
		Map<String, String> out = new LinkedHashMap<>();
		for (String line : Files.readAllLines(TestData.repo().resolve("plugins.config"))) {
			if (line.isBlank() || line.startsWith("#")) continue;
			Matcher m = CONFIG_LINE.matcher(line.strip());
			assertTrue(m.matches(), "malformed plugins.config line: " + line);
			assertTrue(out.put(m.group(1), m.group(2)) == null, "duplicate label " + m.group(1));
		}
		return out;
	}

	@Test
	void noSciJavaCommandHasAMenuPath() throws Exception {
		try (Context context = new Context(CommandService.class)) {
			int ours = 0;
			for (CommandInfo info : context.service(CommandService.class).getCommands()) {
				if (!info.getClassName().startsWith("org.explaincnn.")) continue;
				ours++;
				assertTrue(info.getMenuPath() == null || info.getMenuPath().isEmpty(), info
					.getClassName() + " has a menu path " + info.getMenuPath() +
					": imagej-legacy would show it beside the plugins.config entry");
			}
			assertEquals(Methods.all().size() + 2, ours, "a command per method, Layer Sweep, Model Info");
		}
	}

	@Test
	void everyMethodHasExactlyOnePluginsConfigLineLabelledWithItsTitle() throws Exception {
		Map<String, String> config = pluginsConfig();
		Map<String, String> expected = new LinkedHashMap<>();
		for (AttributionMethod m : Methods.all())
			expected.put(m.title(), m.id());
		expected.put("Layer Sweep", "sweep");
		expected.put("Model Info", "info");
		expected.put("Evaluate Explanation", "evaluate"); // commands that run methods, not methods
		expected.put("Compare Methods", "compare");
		expected.put("Sanity Check", "sanity");
		expected.put("Live Explain...", "live");
		assertEquals(expected, config);
	}

	@Test
	void dialogKeysAreTheMacroKeys() {
		List<String> args = new ArrayList<>();
		for (AttributionMethod m : Methods.all())
			args.add(m.id());
		args.add("sweep");
		for (String arg : args) {
			List<Param<?>> fields = ExplainPlugin.fields(arg);
			Set<String> keys = new HashSet<>();
			for (Param<?> p : fields) {
				// ImageJ's recorder writes the label's first word as the key.
				assertEquals(p.key, Macro.trimKey(p.label), arg + ": the label '" + p.label +
					"' records another key");
				assertTrue(keys.add(p.key), arg + ": key " + p.key + " twice");
			}
			assertTrue(keys.containsAll(RELEASED_KEYS), arg + " lost a released key: " + keys);
			if (!arg.equals("sweep")) for (Param<?> p : Methods.byName(arg).parameters())
				assertTrue(keys.contains(p.key), arg + " lacks its parameter " + p.key);
			else assertTrue(keys.containsAll(List.of("method", "layers")), keys.toString());
		}
	}

	/** A value other than the default for each field, as a user could type it. */
	static String otherValue(Param<?> p, Path folder) {
		if (p == CommonParams.MODEL) return TestData.sampleModel().toString();
		if (p == CommonParams.OUTPUT) return folder.toString();
		if (p == CommonParams.THRESHOLD) return "otsu";
		if (p == CommonParams.LUT) return "Grays";
		if (p == CommonParams.TARGET) return "tiger cat";
		if (p == CommonParams.Z || p == CommonParams.T) return "1-2,4";
		if (p == CommonParams.LAYER) return "MobilenetV1/MobilenetV1/Conv2d_12_pointwise/Relu6";
		if (p == CommonParams.FEATURES) return "grid";
		switch (p.kind) {
			case BOOLEAN:
				return String.valueOf(!(Boolean) p.defaultValue);
			case INTEGER:
				return Long.toString((long) p.min + 1);
			case NUMBER:
				return p.format((p.min + p.max) / 4 + 0.25);
			case CHOICE:
			case CHOICE_OR_PATH:
				for (String c : p.choices)
					if (!c.equals(p.defaultValue)) return c;
				throw new AssertionError();
			default:
				return "a,b";
		}
	}

	@Test
	void aRecordedLineWithEveryFieldChangedReplaysToThoseValues() throws Exception {
		Path folder = tmp.resolve("with space");
		for (AttributionMethod m : Methods.all()) {
			StringBuilder line = new StringBuilder();
			Map<String, String> typed = new LinkedHashMap<>();
			for (Param<?> p : ExplainPlugin.fields(m.id())) {
				String v = otherValue(p, folder);
				typed.put(p.key, v);
				// As ImageJ's recorder writes them: a ticked box is its bare key, an unticked one is
				// left out, a value with spaces is bracketed.
				if (p.kind == Param.Kind.BOOLEAN) {
					if (Boolean.parseBoolean(v)) line.append(p.key).append(' ');
				}
				else line.append(p.key).append('=').append(v.contains(" ") ? "[" + v + "]" : v).append(' ');
			}
			ExplainJob job = new ExplainJob();
			ExplainPlugin.fromMacro(job, m.id(), line.toString().strip());
			assertEquals(m.id(), job.method);
			for (Param<?> p : ExplainPlugin.fields(m.id())) {
				Object expected = p.parse(typed.get(p.key));
				Object actual = CommonParams.byKey(p.key) == p ? job.get(p) : p.parse(job.params.get(
					p.key));
				if (p == CommonParams.SEED) actual = ((Long) actual).intValue();
				if (p == CommonParams.SCORE) expected = expected.toString();
				assertEquals(expected, actual, m.id() + ": " + p.key + " from '" + line + "'");
			}
		}
	}

	static String[] cli(String... args) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
		int code = ExplainCli.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
			new PrintStream(err, true, StandardCharsets.UTF_8));
		return new String[] { Integer.toString(code), err.toString(StandardCharsets.UTF_8) };
	}

	@Test
	void recordedLinesReplayHeadlessAndLeaveTheHeatmapActive() throws Exception {
		Path result = tmp.resolve("result.txt");
		String model = TestData.sampleModel().toString();
		String macro = String.join("\n", //
			"open(\"" + TestData.sampleImage("both.png") + "\");", //
			"input = getImageID();", //
			// The form the recorder writes from the dialog: every field, ticked boxes as bare keys.
			"run(\"Saliency\", \"model=[" + model + "] target=tabby layer=auto score=logit " +
				"opacity=0.50 lut=Fire threshold=0.5 rois seed=42 batch=16 threads=2 signed\");", //
			"signedId = getImageID(); signedTitle = getTitle();", //
			"signedMethod = Property.get(\"ExplainCNN.method\"); signedLabel = Property.get(\"ExplainCNN.label\");", //
			"getStatistics(area, mean, signedMin, max);", //
			"selectImage(input);", //
			"run(\"Saliency\", \"model=[" + model + "] target=tabby layer=auto score=logit " +
				"opacity=0.50 lut=Fire threshold=0.5 rois seed=42 batch=16 threads=2\");", //
			"getStatistics(area, mean, plainMin, max);", //
			"selectImage(signedId);", //
			"File.saveString(signedTitle + \"\\n\" + signedMethod + \"\\n\" + signedLabel + \"\\n\" + " +
				"(signedId != input) + \"\\n\" + (signedMin < 0) + \"\\n\" + (plainMin >= 0) + \"\\n\" + " +
				"getTitle(), \"" + result + "\");", //
			"");
		Path file = tmp.resolve("recorded.ijm");
		Files.writeString(file, macro);
		String[] run = cli("--macro", file.toString());
		assertEquals("0", run[0], run[1]);
		List<String> lines = Files.readAllLines(result);
		assertTrue(lines.get(0).startsWith("Saliency tabby"), "the active image after run() is the heatmap: " + lines.get(0));
		assertEquals("saliency", lines.get(1));
		assertEquals("tabby, tabby cat", lines.get(2));
		assertEquals("1", lines.get(3), "a new image, not the input");
		assertEquals("1", lines.get(4), "the bare key 'signed' keeps negative values");
		assertEquals("1", lines.get(5), "without it the map is an absolute value");
		assertEquals(lines.get(0), lines.get(6), "selectImage on the heatmap works");
		// A successful run remembers the model, LUT and threshold for every command and restarts.
		assertEquals(model, Prefs.get(CommonParams.rememberKey(CommonParams.MODEL), null));
		assertEquals(model, ExplainPlugin.initialText(CommonParams.MODEL));
		assertEquals("Fire", ExplainPlugin.initialText(CommonParams.LUT));
	}

	@Test
	void theManifestListsEveryDeclaredParameterWithItsValueInEffect() {
		ExplainJob job = new ExplainJob();
		job.method = "integratedgradients";
		job.params.put("steps", "4");
		Map<String, Object> d = job.describe();
		Set<String> expected = new HashSet<>();
		for (Param<?> p : CommonParams.ALL)
			if (p != CommonParams.MODEL && p != CommonParams.OUTPUT) expected.add(p.key);
		for (Param<?> p : Methods.byName("integratedgradients").parameters())
			expected.add(p.key);
		assertEquals(expected, d.keySet());
		assertEquals(4, d.get("steps"));
		Map<String, Object> defaults = new HashMap<>();
		for (Param<?> p : Methods.byName("integratedgradients").parameters())
			defaults.put(p.key, p.defaultValue);
		assertEquals(defaults.get("baseline"), d.get("baseline"));
		assertEquals(defaults.get("sigma"), d.get("sigma"));
		assertEquals(CommonParams.BATCH.defaultValue, d.get("batch"));
		assertEquals(CommonParams.OPACITY.defaultValue, d.get("opacity"));
		assertNotNull(d.get("threads"));
	}
}
