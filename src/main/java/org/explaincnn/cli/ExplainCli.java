package org.explaincnn.cli;

import ij.Macro;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import net.imagej.patcher.LegacyInjector;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ImageFiles;
import org.explaincnn.core.Param;
import org.explaincnn.ij.CommonParams;
import org.explaincnn.ij.ExplainJob;
import org.explaincnn.ij.io.ResultFiles;
import org.explaincnn.methods.Methods;

/**
 * {@code ./explain}: explains images from the command line, runs IJ1 macros headless, and runs
 * SciJava commands in Fiji's {@code --headless --run} style. Exit codes: 0 done, 1 internal error,
 * 2 usage or input problem (one line on stderr).
 */
public final class ExplainCli {

	private static final String SYNOPSIS = String.join("\n",
		"Usage: ./explain [IMAGE|FOLDER...] [options]   explain images (default: sample-images/ with the sample model)",
		"       ./explain --watch DIR [options]       explain images as they appear in DIR",
		"       ./explain --list-layers [--model DIR]",
		"       ./explain --list-methods             every method with its parameters",
		"       ./explain --list-classes [--model DIR]",
		"       ./explain --benchmark [--model DIR] [IMAGE] [--soak N] [--whole]   speed and memory vs raw passes (--whole: the whole-process lines only)",
		"       ./explain --macro FILE.ijm [\"key=[value] ...\"]   run an ImageJ macro headless",
		"       ./explain --headless --run \"Grad-CAM\" \"image='a.png',model='dir',...\"");

	/** The options that set a declared common option: option -> (metavar, declaration). */
	private static final Map<String, Param<?>> DECLARED = new LinkedHashMap<>();
	private static final Map<String, String> METAVAR = new LinkedHashMap<>();

	static {
		declared("--target", "T", CommonParams.TARGET);
		declared("--top-k", "K", CommonParams.TOP_K);
		declared("--layer", "NAME", CommonParams.LAYER);
		declared("--score", "S", CommonParams.SCORE);
		declared("--counterfactual", null, CommonParams.COUNTERFACTUAL);
		declared("--threshold", "F", CommonParams.THRESHOLD);
		declared("--lut", "NAME", CommonParams.LUT);
		declared("--opacity", "F", CommonParams.OPACITY);
		declared("--current-slice", null, CommonParams.CURRENT);
		declared("--stack", null, CommonParams.STACK);
		declared("--z", "RANGE", CommonParams.Z);
		declared("--t", "RANGE", CommonParams.T);
		declared("--seed", "N", CommonParams.SEED);
		declared("--batch", "N", CommonParams.BATCH);
		declared("--threads", "N", CommonParams.THREADS);
		declared("--features", "F", CommonParams.FEATURES);
	}

	private static void declared(String option, String metavar, Param<?> p) {
		DECLARED.put(option, p);
		METAVAR.put(option, metavar);
	}

	/** Options that take a value, besides the declared ones. */
	private static final Set<String> VALUED = Set.of("--model", "--method", "--param", "--out",
		"--sweep-layers", "--outputs", "--watch");

	/** --help: the synopsis, then every option with its default and what is allowed. */
	static String usage() {
		StringBuilder sb = new StringBuilder(SYNOPSIS).append("\nOptions:\n");
		option(sb, "--model DIR", "model bundle folder (default: sample-models/mobilenet_v1_0.50_224)");
		option(sb, "--method NAME", "attribution method (default gradcam; see --list-methods)");
		for (Map.Entry<String, Param<?>> e : DECLARED.entrySet()) {
			String metavar = METAVAR.get(e.getKey());
			Param<?> p = e.getValue();
			option(sb, e.getKey() + (metavar == null ? "" : " " + metavar), p.kind == Param.Kind.BOOLEAN
				? p.help : CommonParams.describe(p));
		}
		option(sb, "--sweep-layers L", "one map per layer (all | name,name,...): shallow vs deep, as a stack");
		option(sb, "--param KEY=VALUE", "a parameter of the method (e.g. steps=64; see --list-methods), repeatable");
		option(sb, "--out DIR", "output folder (default ./explain-out)");
		option(sb, "--outputs LIST", "the files written per image: heatmap, overlay, rois, comma-separated (default all three); what is not asked for is not drawn");
		option(sb, "--watch DIR", "explain each new image in DIR once it is complete, until Ctrl-C");
		option(sb, "--panel", "also write <stem>.<method>.panel.png: input | heatmap | overlay");
		option(sb, "--json", "also write <stem>.<method>.json (model sha256, parameters, timings, versions)");
		option(sb, "--overwrite", "replace results already in --out (default: keep them, skip the image)");
		option(sb, "--yes", "confirm a --top-k above " + CONFIRM_TOP_K + " (one map per class is slow and large)");
		option(sb, "--evaluate", "also measure the maps: deletion/insertion curves and AUCs, drop/increase in confidence (<stem>.<method>.metrics.csv, .curves.png, evaluation.csv)");
		option(sb, "--annotations P", "a mask/label image, .roi or ROI-set .zip (or a folder of them named like the images): pointing game and mass inside");
		option(sb, "--compare M1,M2", "run these methods and a random map on the images, rank them (compare.csv, <stem>.compare.png)");
		option(sb, "--sanity", "sanity check: randomise the model's weights layer by layer from the top (in memory) and compare each map with the original (<stem>.<method>.sanity.csv, .sanity.png)");
		option(sb, "--sanity-layers N", "randomise only the top N weight layers (default: all)");
		option(sb, "--help", "this text");
		return sb.toString();
	}

	private static void option(StringBuilder sb, String option, String help) {
		sb.append(String.format(Locale.ROOT, "  %-20s %s%n", option, help));
	}

	/** --list-methods: every method, its id and title, and each parameter's default, range and help. */
	static String methodList() {
		StringBuilder sb = new StringBuilder();
		for (AttributionMethod m : Methods.all()) {
			sb.append(String.format(Locale.ROOT, "%-20s %s%s%n", m.id(), m.title(), m.usesLayer()
				? " (reads a layer)" : ""));
			for (Param<?> p : m.parameters())
				sb.append(String.format(Locale.ROOT, "    --param %-24s %s%n", p.key + "=" + p
					.defaultText(), CommonParams.describe(p)));
		}
		return sb.toString();
	}

	private ExplainCli() {}

	public static void main(String[] args) {
		int code = execute(args, System.out, System.err);
		System.out.flush();
		// TensorFlow's thread pools are not daemon threads.
		System.exit(code);
	}

	/** Everything but System.exit: returns the exit code; problems become one line on err. */
	public static int execute(String[] args, PrintStream out, PrintStream err) {
		try {
			return run(args, out, err);
		}
		catch (ExplainException e) {
			err.println("explain: " + e.getMessage());
			return 2;
		}
		catch (RuntimeException e) {
			// A macro aborted by Explain CNN carries its one-line message.
			if (e.getMessage() != null && e.getMessage().startsWith(Macro.MACRO_CANCELED)) {
				err.println("explain: " + e.getMessage().substring(Macro.MACRO_CANCELED.length())
					.strip());
				return 2;
			}
			err.println("explain: internal error: " + e);
			e.printStackTrace(err);
			return 1;
		}
	}

	static int run(String[] args, PrintStream out, PrintStream err) {
		List<String> a = List.of(args);
		// ImageJ 1.x must be patched for headless macros before any ij class loads; explaining
		// files does not need it (the patch costs seconds of bytecode rewriting at start).
		if (a.contains("--macro") || a.contains("--headless") || a.contains("--run"))
			LegacyInjector.preinit();
		if (a.contains("--help") || a.contains("-h")) {
			out.print(usage());
			return 0;
		}
		if (!a.isEmpty() && a.get(0).equals("--macro")) return MacroRunner.run(a.subList(1, a
			.size()), out, err);
		if (a.contains("--headless") || a.contains("--run")) return HeadlessRunner.run(a, out, err);
		if (a.contains("--benchmark")) {
			List<String> rest = new ArrayList<>(a);
			rest.remove("--benchmark");
			int soak = 2000;
			int at = rest.indexOf("--soak");
			if (at >= 0 && at + 1 < rest.size()) {
				soak = positive(rest.get(at + 1), "--soak");
				rest.remove(at);
				rest.remove(at);
			}
			// The whole-process lines alone (new processes timed from start to exit), a few minutes.
			boolean wholeOnly = rest.remove("--whole");
			try {
				Options o = parse(rest.toArray(new String[0]));
				o.job.startEngine();
				return Benchmark.run(o, 30, soak, wholeOnly, out);
			}
			catch (IOException e) {
				throw new ExplainException("Benchmark could not read its image (" + e.getMessage() + ").");
			}
		}
		if (EvaluateRunner.wanted(a)) return EvaluateRunner.run(a, out, err);
		if (SanityRunner.wanted(a)) return SanityRunner.run(a, out, err);
		Options o = parse(args);
		if (o.listMethods) {
			out.print(methodList());
			return 0;
		}
		confirmManyMaps(o);
		// Every run from here on uses TensorFlow: it loads while the job is checked and files listed.
		o.job.startEngineInBackground();
		if (o.job.model == null) o.job.model = home().resolve("sample-models/mobilenet_v1_0.50_224");
		if (!o.listClasses && !o.listLayers) o.job.validate();
		if (o.watch != null) return WatchRunner.run(o, o.watch, out, err);
		if (!o.listClasses && !o.listLayers && VideoRunner.handles(o)) return VideoRunner.run(o, out,
			err);
		return ImageRunner.run(o, out, err);
	}

	static Options parse(String[] args) {
		Options o = new Options();
		for (int i = 0; i < args.length; i++) {
			String arg = args[i];
			if (!arg.startsWith("--")) {
				o.images.add(Paths.get(arg));
				continue;
			}
			Param<?> declared = DECLARED.get(arg);
			if (declared != null && declared.kind == Param.Kind.BOOLEAN) {
				o.job.set(declared.key, "true");
				continue;
			}
			switch (arg) {
				case "--json":
					o.json = true;
					continue;
				case "--list-layers":
					o.listLayers = true;
					continue;
				case "--list-methods":
					o.listMethods = true;
					continue;
				case "--panel":
					o.panel = true;
					continue;
				case "--list-classes":
					o.listClasses = true;
					continue;
				case "--overwrite":
					o.overwrite = true;
					continue;
				case "--yes":
					o.yes = true;
					continue;
				default:
					break;
			}
			if (declared == null && !VALUED.contains(arg)) throw new ExplainException("Unknown option " +
				arg + "; see ./explain --help.");
			if (i + 1 >= args.length) throw new ExplainException("Option " + arg +
				" needs a value; see ./explain --help.");
			String v = args[++i];
			if (declared == CommonParams.TOP_K) o.job.target = "top" + CommonParams.TOP_K.parse(v);
			else if (declared != null) o.job.set(declared.key, v);
			else switch (arg) {
				case "--model":
					o.job.model = Paths.get(v);
					break;
				case "--method":
					o.job.method = v;
					break;
				case "--param":
					int eq = v.indexOf('=');
					if (eq < 1) throw new ExplainException("--param takes KEY=VALUE, got '" + v + "'.");
					o.job.params.put(v.substring(0, eq).strip(), v.substring(eq + 1).strip());
					break;
				case "--out":
					o.out = Paths.get(v);
					break;
				case "--sweep-layers":
					o.job.sweep = v;
					break;
				case "--outputs":
					o.outputs = ResultFiles.Output.parse(v);
					break;
				case "--watch":
					o.watch = Paths.get(v);
					break;
				default:
					throw new ExplainException("Unknown option " + arg + "; see ./explain --help.");
			}
		}
		return o;
	}

	/** More maps per image than this asks for --yes (each map is a full pass and a TIFF slice). */
	static final int CONFIRM_TOP_K = 50;

	/** A top-k above {@link #CONFIRM_TOP_K} runs only with --yes: it is easy to ask by mistake. */
	static void confirmManyMaps(Options o) {
		Matcher m = Pattern.compile("top-?(\\d{1,9})").matcher(o.job.target == null ? "" : o.job.target
			.strip().toLowerCase(Locale.ROOT));
		if (!o.yes && m.matches() && Integer.parseInt(m.group(1)) > CONFIRM_TOP_K)
			throw new ExplainException("top-k " + m.group(1) + " makes " + m.group(1) +
				" maps per image (minutes per image and large files); add --yes to confirm, or ask " +
				"for at most " + CONFIRM_TOP_K + ".");
	}

	private static int positive(String v, String option) {
		double d;
		try {
			d = Double.parseDouble(v);
		}
		catch (NumberFormatException e) {
			d = Double.NaN;
		}
		if (!(d >= 1) || d != Math.rint(d) || d > Integer.MAX_VALUE) throw new ExplainException(option +
			" takes a whole number of at least 1, got '" + v + "'.");
		return (int) d;
	}

	/** The repository (or install) folder: samples are found relative to it. */
	static Path home() {
		String h = System.getProperty("explaincnn.home");
		return h != null ? Paths.get(h) : Paths.get("").toAbsolutePath();
	}

	static List<Path> sampleImages() {
		Path dir = home().resolve("sample-images");
		try (Stream<Path> s = Files.list(dir)) {
			List<Path> images = new ArrayList<>();
			s.filter(ImageFiles::hasImageName).sorted().forEach(images::add);
			return images;
		}
		catch (IOException e) {
			throw new ExplainException("No sample images in " + dir + "; pass image files.");
		}
	}

	static final class Options {

		final ExplainJob job = new ExplainJob();
		final List<Path> images = new ArrayList<>();
		Path out = Paths.get("explain-out");
		/** The result files written per image. */
		Set<ResultFiles.Output> outputs = EnumSet.allOf(ResultFiles.Output.class);
		boolean json, panel, listLayers, listMethods, listClasses, overwrite, yes;
		/** --watch DIR: explain images as they appear there. */
		Path watch;
	}
}
