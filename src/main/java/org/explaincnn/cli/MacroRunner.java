package org.explaincnn.cli;

import ij.IJ;
import ij.Macro;
import ij.Menus;
import ij.macro.Interpreter;
import ij.plugin.Macro_Runner;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Hashtable;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.explaincnn.core.ExplainException;
import org.explaincnn.ij.ExplainPlugin;
import org.explaincnn.ij.input.ImageJText;

/** Runs an ImageJ 1.x macro headless, with the Explain CNN commands registered. */
final class MacroRunner {

	private MacroRunner() {}

	static int run(List<String> args, PrintStream out, PrintStream err) {
		if (args.isEmpty()) throw new ExplainException(
			"--macro needs a macro file: ./explain --macro macros/batch_explain.ijm \"key=[value] ...\"");
		Path file = Paths.get(args.get(0));
		if (!Files.isRegularFile(file)) throw new ExplainException("Macro not found: " + file + ".");
		String macroArgs = args.size() > 1 ? String.join(" ", args.subList(1, args.size())) : "";
		String code;
		try {
			code = Files.readString(file, StandardCharsets.UTF_8);
		}
		catch (IOException e) {
			throw new ExplainException("Cannot read macro " + file + " (" + e.getMessage() + ").");
		}
		registerCommands();
		ExplainPlugin.takeLastError();
		MacroStatus.takeFailure();
		// The interpreter is run here, not through IJ.runMacroFile, so that its error (an unknown
		// command, a syntax error) is seen: ImageJ prints it and returns as if the macro had ended.
		Macro_Runner.setFilePath(file.toAbsolutePath().toString());
		Interpreter interpreter = new Interpreter();
		String result;
		// What ImageJ prints while our reader checks a file is quoted in the reader's message; the
		// macro's own output stays on stdout.
		PrintStream stdout = System.out;
		System.setOut(ImageJText.router(stdout));
		try {
			result = interpreter.run(code, macroArgs);
		}
		catch (RuntimeException e) {
			if (e.getMessage() == null || !e.getMessage().startsWith(Macro.MACRO_CANCELED)) throw e;
			result = "[aborted]";
		}
		finally {
			System.setOut(stdout);
		}
		String error = ExplainPlugin.takeLastError();
		if (error != null) {
			err.println("explain: " + error);
			return 2;
		}
		String failure = MacroStatus.takeFailure();
		if (failure != null) {
			err.println("explain: " + failure);
			return 2;
		}
		if (interpreter.wasError()) {
			String message = interpreter.getErrorMessage();
			err.println("explain: macro error in " + file.getFileName() + (message == null ? ""
				: ": " + message.strip().replaceAll("\\s+", " ")) + "; fix the macro.");
			return 2;
		}
		if ("[aborted]".equals(result)) {
			err.println("explain: the macro was aborted (see the log lines above).");
			return 2;
		}
		return 0;
	}

	/**
	 * Reads plugins.config from the class path, as Fiji does from the jar, and adds its commands
	 * to ImageJ's command table so that run("Grad-CAM", ...) resolves headless.
	 */
	/** A plugins.config line: {@code Menu>Sub, "Label", Class("arg")}; comments start with #. */
	static final Pattern CONFIG_LINE = Pattern.compile("^[^#].*?,\\s*\"([^\"]+)\",\\s*(\\S.*)$");

	static void registerCommands() {
		if (Menus.getCommands() == null) {
			// IJ.init() is what IJ.run does on first use in batch mode (no window); call it now so the
			// command table exists before our entries go in.
			try {
				Method init = IJ.class.getDeclaredMethod("init");
				init.setAccessible(true);
				init.invoke(null);
			}
			catch (ReflectiveOperationException e) {
				throw new ExplainException("ImageJ could not initialise headless (" + e + ").");
			}
		}
		Hashtable<String, String> commands = Menus.getCommands();
		try (InputStream in = MacroRunner.class.getResourceAsStream("/plugins.config")) {
			if (in == null) throw new ExplainException("plugins.config is missing from the class path.");
			for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8)
				.split("\n"))
			{
				Matcher m = CONFIG_LINE.matcher(line.strip());
				if (m.matches()) commands.put(m.group(1), m.group(2).strip());
			}
		}
		catch (IOException e) {
			throw new ExplainException("Cannot read plugins.config (" + e.getMessage() + ").");
		}
	}
}
