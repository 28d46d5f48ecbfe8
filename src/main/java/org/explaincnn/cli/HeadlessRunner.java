package org.explaincnn.cli;

import ij.ImagePlus;

import java.io.File;
import java.io.PrintStream;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.Param;
import org.explaincnn.fiji.ExplainCommand;
import org.explaincnn.ij.input.ImageFileSource;
import org.scijava.Cancelable;
import org.scijava.Context;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.module.Module;
import org.scijava.module.ModuleInfo;
import org.scijava.module.ModuleItem;
import org.scijava.module.ModuleService;
import org.scijava.service.Service;

/**
 * Fiji's headless convention, {@code --headless --run "Grad-CAM" "image='a.png',model='dir'"}:
 * finds the SciJava command by its menu label, converts the key='value' arguments to the
 * parameter types (an image path is opened), runs it, and exits non-zero if it fails.
 */
final class HeadlessRunner {

	private HeadlessRunner() {}

	static int run(List<String> args, PrintStream out, PrintStream err) {
		int at = args.indexOf("--run");
		if (at < 0 || at + 1 >= args.size()) throw new ExplainException(
			"--headless needs --run \"COMMAND\" \"key='value',...\"; see ./explain --help.");
		String name = args.get(at + 1);
		Map<String, String> given = parseArguments(at + 2 < args.size() ? args.get(at + 2) : "");
		System.setProperty("java.awt.headless", "true");
		try (Context context = new Context()) {
			CommandService commands = context.service(CommandService.class);
			CommandInfo info = find(commands, name);
			// The module is made first and an Explain CNN command's declared inputs added, so the
			// values below are assigned to inputs of their declared types.
			Module module = context.service(ModuleService.class).createModule(info);
			if (module instanceof ExplainCommand) ((ExplainCommand) module).declareInputs();
			Map<String, Object> inputs = new LinkedHashMap<>();
			for (ModuleItem<?> item : module.getInfo().inputs()) {
				if (injected(item)) continue; // services and the context are filled in by SciJava
				String value = given.remove(item.getName());
				if (value == null) {
					Object declared = item.getDefaultValue();
					if (item.isRequired() && item.getType() != boolean.class && declared == null)
						throw new ExplainException("Command '" + info.getLabel() + "' needs " + item
							.getName() + "='...'; add it to the --run arguments.");
					// The declared default, not a value remembered from an earlier session, so a headless
					// run does the same every time; an optional folder stays empty (resolved, so SciJava
					// does not ask for it).
					inputs.put(item.getName(), declared);
					continue;
				}
				inputs.put(item.getName(), convert(module, item, value));
			}
			if (!given.isEmpty()) throw new ExplainException("Unknown parameter(s) " + given.keySet() +
				" for '" + info.getLabel() + "'; known: " + names(module.getInfo()) + ".");
			try {
				module = context.service(ModuleService.class).run(module, true, inputs).get();
			}
			catch (InterruptedException | ExecutionException e) {
				throw new ExplainException("Command '" + info.getLabel() + "' failed (" + e.getMessage() +
					").");
			}
			if (module instanceof Cancelable && ((Cancelable) module).isCanceled()) {
				err.println("explain: " + ((Cancelable) module).getCancelReason());
				return 2;
			}
			for (ModuleItem<?> o : module.getInfo().outputs()) {
				Object v = module.getOutput(o.getName());
				if (v instanceof ImagePlus) {
					ImagePlus imp = (ImagePlus) v;
					out.println(o.getName() + ": " + imp.getTitle() + " (" + imp.getWidth() + "x" + imp
						.getHeight() + "x" + imp.getStackSize() + ", " + imp.getBitDepth() + "-bit)");
				}
				else if (v != null) out.println(v);
			}
			if (inputs.get("output") == null && module.getInfo().getInput("output") != null) out
				.println("(no output='folder' given: nothing was saved)");
			return 0;
		}
	}

	private static boolean injected(ModuleItem<?> item) {
		return Service.class.isAssignableFrom(item.getType()) || Context.class.isAssignableFrom(item
			.getType());
	}

	private static String names(ModuleInfo info) {
		List<String> names = new ArrayList<>();
		for (ModuleItem<?> item : info.inputs())
			if (!injected(item)) names.add(item.getName());
		return String.join(", ", names);
	}

	private static CommandInfo find(CommandService commands, String name) {
		String key = name.replace("...", "").strip().toLowerCase(Locale.ROOT);
		List<String> ours = new ArrayList<>();
		for (CommandInfo info : commands.getCommands()) {
			String label = info.getLabel() == null ? "" : info.getLabel().replace("...", "").strip();
			String leaf = info.getMenuPath() == null || info.getMenuPath().getLeaf() == null ? ""
				: info.getMenuPath().getLeaf().getName().replace("...", "").strip();
			if (label.toLowerCase(Locale.ROOT).equals(key) || leaf.toLowerCase(Locale.ROOT).equals(key) ||
				info.getClassName().equalsIgnoreCase(name)) return info;
			if (info.getClassName().startsWith(OUR_PACKAGE)) ours.add("'" + label + "'");
		}
		throw new ExplainException("No command '" + name + "'; the Explain CNN commands are " + String
			.join(", ", ours) + ".");
	}

	private static final String OUR_PACKAGE = "org.explaincnn.";

	/**
	 * The typed value of one key='value': a declared parameter is parsed by its declaration (a bad
	 * value is one line naming it and what is allowed), an image path is opened.
	 */
	private static Object convert(Module module, ModuleItem<?> item, String value) {
		if (module instanceof ExplainCommand) for (Param<?> p : ((ExplainCommand) module)
			.declaredInputs())
			if (p.key.equals(item.getName())) return p.parse(value);
		Class<?> type = item.getType();
		if (type == ImagePlus.class) {
			if (!new File(value).exists()) throw new ExplainException("Image not found: " + value + ".");
			return ImageFileSource.open(Paths.get(value)); // names empty, truncated, not an image
		}
		if (type == File.class) return new File(value);
		if (type == boolean.class || type == Boolean.class) return Boolean.parseBoolean(value);
		try {
			if (type == double.class || type == Double.class) return Double.parseDouble(value);
			if (type == int.class || type == Integer.class) return Integer.parseInt(value);
			if (type == long.class || type == Long.class) return Long.parseLong(value);
		}
		catch (NumberFormatException e) {
			throw new ExplainException(item.getName() + "='" + value + "' is not a number.");
		}
		return value;
	}

	/** key='value',key2=value2 (single or double quotes; commas inside quotes kept). */
	static Map<String, String> parseArguments(String text) {
		Map<String, String> out = new LinkedHashMap<>();
		int i = 0, n = text.length();
		while (i < n) {
			while (i < n && (text.charAt(i) == ',' || Character.isWhitespace(text.charAt(i))))
				i++;
			if (i >= n) break;
			int eq = text.indexOf('=', i);
			if (eq < 0) throw new ExplainException("Argument '" + text.substring(i) +
				"' is not key=value.");
			String key = text.substring(i, eq).strip();
			i = eq + 1;
			String value;
			if (i < n && (text.charAt(i) == '\'' || text.charAt(i) == '"')) {
				char q = text.charAt(i);
				int end = text.indexOf(q, i + 1);
				if (end < 0) throw new ExplainException("Unclosed quote in '" + text + "'.");
				value = text.substring(i + 1, end);
				i = end + 1;
			}
			else {
				int end = text.indexOf(',', i);
				if (end < 0) end = n;
				value = text.substring(i, end).strip();
				i = end;
			}
			out.put(key, value);
		}
		return out;
	}
}
