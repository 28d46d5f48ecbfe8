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
import org.scijava.command.CommandModule;
import org.scijava.command.CommandService;

/** Every method has a menu command and a plugins.config line with the same title, and runs. */
class EveryMethodCommandTest {

	static Context context;
	static CommandService commands;

	@BeforeAll
	static void start() {
		context = new Context(CommandService.class);
		commands = context.service(CommandService.class);
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
			assertNotNull(info, "no menu command for " + m.title());
			List<String> path = new ArrayList<>();
			info.getMenuPath().forEach(entry -> path.add(entry.getName()));
			assertEquals(List.of("Plugins", "Explain CNN", m.title() + "..."), path);
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
			if (info.getInput("steps") != null) args.addAll(List.of("steps", 4));
			if (info.getInput("samples") != null) args.addAll(List.of("samples", 3));
			if (info.getInput("layers") != null && info.getLabel().equals("Layer Sweep")) args.addAll(
				List.of("layers", "MobilenetV1/MobilenetV1/Conv2d_12_pointwise/Relu6," +
					"MobilenetV1/MobilenetV1/Conv2d_13_pointwise/Relu6"));
			CommandModule m = commands.run(info, true, args.toArray()).get();
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
