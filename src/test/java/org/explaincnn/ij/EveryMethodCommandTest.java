package org.explaincnn.ij;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.explaincnn.TestData;
import org.explaincnn.core.AttributionMethod;
import org.explaincnn.fiji.ExplainCommand;
import org.explaincnn.methods.Methods;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.scijava.Context;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.module.ModuleService;

/**
 * Every method has a SciJava command (labelled with its title, no menu path: the menu entry is the
 * plugins.config line with the same title), and runs.
 */
class EveryMethodCommandTest {

	static Context context;
	static CommandService commands;
	static ModuleService modules;

	@BeforeAll
	static void start() {
		context = new Context(CommandService.class);
		commands = context.service(CommandService.class);
		modules = context.service(ModuleService.class);
	}

	/** The attribution commands: subclasses of ExplainCommand. */
	static List<CommandInfo> explainCommands() throws Exception {
		List<CommandInfo> out = new ArrayList<>();
		for (CommandInfo info : commands.getCommands())
			if (ExplainCommand.class.isAssignableFrom(info.loadClass())) out.add(info);
		return out;
	}

	@AfterAll
	static void stop() {
		context.dispose();
	}

	@Test
	void everyMethodIsInTheMenuAndInPluginsConfig() throws Exception {
		Map<String, CommandInfo> byLabel = new HashMap<>();
		for (CommandInfo info : explainCommands())
			byLabel.put(info.getLabel(), info);
		String config = Files.readString(TestData.repo().resolve("plugins.config"));
		for (AttributionMethod m : Methods.all()) {
			CommandInfo info = byLabel.get(m.title());
			assertNotNull(info, "no command for " + m.title());
			// One menu entry per method in a real Fiji: the plugins.config one (issue 7).
			assertTrue(info.getMenuPath() == null || info.getMenuPath().isEmpty(), m.title() +
				" has a SciJava menu path " + info.getMenuPath());
			assertTrue(config.contains("\"" + m.title() + "\", org.explaincnn.ij.ExplainPlugin(\"" + m
				.id() + "\")"), "plugins.config line for " + m.title());
			ExplainCommand cmd = (ExplainCommand) info.createInstance();
			java.lang.reflect.Method id = ExplainCommand.class.getDeclaredMethod("methodId");
			id.setAccessible(true);
			assertEquals(m.id(), id.invoke(cmd), m.title() + " runs the right method");
		}
	}

	@Test
	void everyMethodRunsFromItsCommand() throws Exception {
		ImagePlus imp = IJ.openImage(TestData.sampleImage("both.png").toString());
		List<String> failures = new ArrayList<>();
		for (CommandInfo info : explainCommands()) {
			List<Object> args = new ArrayList<>(List.of("image", imp, "model", TestData.sampleModel()
				.toFile(), "target", "tabby", "layer", "auto", "score", "logit", "counterfactual", false,
				"opacity", 0.5, "lut", "Fire", "threshold", "0.5", "rois", true, "current", false));
			// The method's inputs are declared at run time: ask the command, not the static info.
			List<String> keys = new ArrayList<>();
			((ExplainCommand) info.createInstance()).declaredInputs().forEach(p -> keys.add(p.key));
			if (keys.contains("steps")) args.addAll(List.of("steps", 4));
			if (keys.contains("samples")) args.addAll(List.of("samples", 3));
			if (keys.contains("channels")) args.addAll(List.of("channels", 16));
			if (keys.contains("layers") && info.getLabel().equals("Layer Sweep")) args.addAll(
				List.of("layers", "MobilenetV1/MobilenetV1/Conv2d_12_pointwise/Relu6," +
					"MobilenetV1/MobilenetV1/Conv2d_13_pointwise/Relu6"));
			ExplainCommand m = (ExplainCommand) modules.run(info, true, args.toArray()).get();
			if (m.isCanceled()) {
				failures.add(info.getLabel() + ": " + m.getCancelReason());
				continue;
			}
			ImagePlus heat = (ImagePlus) m.getOutput("heatmap");
			assertEquals(224, heat.getWidth(), info.getLabel());
			assertEquals(32, heat.getBitDepth(), info.getLabel());
			int expectedSlices = info.getLabel().equals("Layer Sweep") ? 2 : 1;
			assertEquals(expectedSlices, heat.getStackSize(), info.getLabel());
			float max = 0;
			for (float v : (float[]) heat.getProcessor().getPixels())
				max = Math.max(max, Math.abs(v));
			assertTrue(max > 0, info.getLabel() + " gave an empty map");
		}
		assertTrue(failures.isEmpty(), String.join("\n", failures));
		assertFalse(explainCommands().isEmpty());
	}
}
