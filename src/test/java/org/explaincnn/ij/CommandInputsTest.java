package org.explaincnn.ij;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.explaincnn.HeadlessImageJ;
import org.explaincnn.TestData;
import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.Param;
import org.explaincnn.fiji.ExplainCommand;
import org.explaincnn.fiji.LayerSweepCommand;
import org.explaincnn.methods.Methods;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.scijava.Context;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.module.ModuleItem;
import org.scijava.module.ModuleService;

/** The SciJava commands' inputs are made from the declarations, with data-driven choices. */
class CommandInputsTest {

	static Context context;

	@BeforeAll
	static void start() {
		HeadlessImageJ.init();
		context = new Context(CommandService.class);
	}

	@AfterAll
	static void stop() {
		context.dispose();
	}

	/** A command's module after its initializer, with the sample model given. */
	static ExplainCommand initialised(CommandInfo info) throws Exception {
		ExplainCommand c = (ExplainCommand) context.service(ModuleService.class).createModule(info);
		c.setInput("model", TestData.sampleModel().toFile());
		c.resolveInput("model");
		c.initialize();
		return c;
	}

	static List<CommandInfo> explainCommands() throws Exception {
		List<CommandInfo> out = new ArrayList<>();
		for (CommandInfo info : context.service(CommandService.class).getCommands())
			if (ExplainCommand.class.isAssignableFrom(info.loadClass())) out.add(info);
		return out;
	}

	@Test
	void everyInputComesFromADeclaration() throws Exception {
		List<String> layers = new ArrayList<>(List.of("auto"));
		try (ModelCache.Lease lease = ModelCache.acquire(TestData.sampleModel())) {
			for (LayerInfo l : lease.model().layers())
				layers.add(l.name);
		}
		int seen = 0;
		for (CommandInfo info : explainCommands()) {
			ExplainCommand c = initialised(info);
			List<Param<?>> declared = c.declaredInputs();
			if (!info.getLabel().equals("Layer Sweep")) {
				AttributionMethod m = Methods.byName(info.getLabel());
				List<Param<?>> own = declared.subList(declared.size() - m.parameters().size(), declared
					.size());
				assertEquals(m.parameters(), own, info.getLabel() + ": the method's own parameters");
				seen++;
			}
			for (Param<?> p : declared) {
				ModuleItem<?> item = c.getInfo().getInput(p.key);
				String what = info.getLabel() + " " + p.key;
				assertEquals(p.label, item.getLabel(), what);
				assertEquals(p.defaultValue instanceof String || p.kind == Param.Kind.TEXT ? p
					.defaultText() : p.defaultValue, item.getDefaultValue(), what);
				assertEquals(p.defaultValue.getClass(), item.getType(), what);
				assertFalse(item.isPersisted(), what + ": SciJava would save a bad value before the run");
				if (p.kind == Param.Kind.INTEGER) {
					assertEquals((int) p.min, item.getMinimumValue(), what);
					assertEquals((int) p.max, item.getMaximumValue(), what);
				}
				if (p.kind == Param.Kind.NUMBER) {
					assertEquals(p.min, item.getMinimumValue(), what);
					assertEquals(p.max, item.getMaximumValue(), what);
				}
				if (p.kind == Param.Kind.CHOICE) assertEquals(p.choices, item.getChoices(), what);
				// Without anything given, the input holds the default.
				if (!CommonParams.REMEMBERED.contains(p)) assertEquals(item.getDefaultValue(), c
					.getInput(p.key), what);
			}
			assertEquals(layers, c.getInfo().getInput("layer").getChoices(), info.getLabel() +
				": the layer field offers the model's layers");
		}
		assertEquals(Methods.all().size(), seen);
	}

	@Test
	void theSweepOffersTheRegisteredMethodsThatReadALayer() throws Exception {
		ExplainCommand sweep = initialised(context.service(CommandService.class).getCommand(
			LayerSweepCommand.class));
		List<String> expected = new ArrayList<>();
		for (AttributionMethod m : Methods.all())
			if (m.usesLayer()) expected.add(m.id());
		assertEquals(expected, sweep.getInfo().getInput("method").getChoices());
		assertTrue(expected.contains("gradcam") && !expected.contains("saliency"));
	}

	@Test
	void theNoiseTunnelBaseOffersItsDeclaredInputGradientMethods() throws Exception {
		for (String title : List.of("SmoothGrad", "SmoothGrad-squared", "VarGrad")) {
			CommandInfo info = null;
			for (CommandInfo i : explainCommands())
				if (i.getLabel().equals(title)) info = i;
			List<?> choices = initialised(info).getInfo().getInput("base").getChoices();
			assertEquals(Methods.byName(title).parameter("base").choices, choices);
			for (Object id : choices)
				assertFalse(Methods.byName(id.toString()).usesLayer(), id + " is an input-gradient method");
		}
	}
}
