package org.explaincnn.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.explaincnn.core.ExplainException;

/**
 * {@code ./explain}: explains images from the command line, runs IJ1 macros headless, and runs
 * SciJava commands in Fiji's {@code --headless --run} style. Exit codes: 0 done, 1 internal error,
 * 2 usage or input problem (one line on stderr).
 */
public final class ExplainCli {

	static final String USAGE = String.join("\n",
		"Usage: ./explain [IMAGE...] [options]       explain images (default: sample-images/ with the sample model)",
		"       ./explain --list-layers [--model DIR]",
		"       ./explain --list-methods",
		"       ./explain --list-classes [--model DIR]",
		"       ./explain --benchmark [--model DIR] [IMAGE] [--soak N]   speed and memory vs raw passes",
		"       ./explain --macro FILE.ijm [\"key=[value] ...\"]   run an ImageJ macro headless",
		"       ./explain --headless --run \"Grad-CAM\" \"image='a.png',model='dir',...\"",
		"Options:",
		"  --model DIR          model bundle folder (default: sample-models/mobilenet_v1_0.50_224)",
		"  --method NAME        attribution method (default gradcam; see --list-methods)",
		"  --target T           top1 | INDEX | LABEL | several joined by ';' (default top1)",
		"  --top-k K            explain the K best classes (one map per class)",
		"  --layer NAME         feature-map layer (default: the model's suggestion or the last one)",
		"  --score S            logit (default) | probability",
		"  --counterfactual     map the evidence against the class",
		"  --threshold F        ROI threshold: fraction of the map's maximum (default 0.5) or otsu",
		"  --lut NAME           colour map for overlays (default Fire; any ImageJ LUT)",
		"  --opacity F          overlay opacity 0..1 (default 0.5)",
		"  --current-slice      explain the current plane of a stack",
		"  --sweep-layers L     one map per layer (all | name,name,...): shallow vs deep, as a stack",
		"  --param KEY=VALUE    method parameter (e.g. steps=64), repeatable",
		"  --seed N             seed of randomised methods (default 42)",
		"  --batch N            largest batch per TensorFlow run (default 16)",
		"  --threads N          TensorFlow intra- and inter-op threads (default: all cores)",
		"  --out DIR            output folder (default ./explain-out)",
		"  --panel              also write <stem>.<method>.panel.png: input | heatmap | overlay",
		"  --json               also write <stem>.<method>.json (model sha256, parameters, timings, versions)",
		"  --help");

	private static final java.util.Set<String> VALUED = java.util.Set.of("--model", "--method",
		"--target", "--top-k", "--layer", "--score", "--threshold", "--lut", "--opacity", "--seed",
		"--batch", "--param", "--out", "--sweep-layers", "--threads");

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
			if (e.getMessage() != null && e.getMessage().startsWith(ij.Macro.MACRO_CANCELED)) {
				err.println("explain: " + e.getMessage().substring(ij.Macro.MACRO_CANCELED.length())
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
			net.imagej.patcher.LegacyInjector.preinit();
		if (a.contains("--help") || a.contains("-h")) {
			out.println(USAGE);
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
			try {
				return Benchmark.run(parse(rest.toArray(new String[0])), 30, soak, out);
			}
			catch (java.io.IOException e) {
				throw new ExplainException("Benchmark could not read its image (" + e.getMessage() + ").");
			}
		}
		return ImageRunner.run(parse(args), out, err);
	}

	static Options parse(String[] args) {
		Options o = new Options();
		for (int i = 0; i < args.length; i++) {
			String arg = args[i];
			if (!arg.startsWith("--")) {
				o.images.add(Paths.get(arg));
				continue;
			}
			switch (arg) {
				case "--json":
					o.json = true;
					break;
				case "--counterfactual":
					o.job.counterfactual = true;
					break;
				case "--current-slice":
					o.job.currentSlice = true;
					break;
				case "--list-layers":
					o.listLayers = true;
					break;
				case "--list-methods":
					o.listMethods = true;
					break;
				case "--panel":
					o.panel = true;
					break;
				case "--list-classes":
					o.listClasses = true;
					break;
				default:
					if (!VALUED.contains(arg)) throw new ExplainException("Unknown option " + arg +
						"; see ./explain --help.");
					if (i + 1 >= args.length) throw new ExplainException("Option " + arg +
						" needs a value; see ./explain --help.");
					String v = args[++i];
					switch (arg) {
						case "--model":
							o.job.model = Paths.get(v);
							break;
						case "--method":
							o.job.method = v;
							break;
						case "--target":
							o.job.target = v;
							break;
						case "--top-k":
							o.job.target = "top" + positive(v, arg);
							break;
						case "--layer":
							o.job.layer = v;
							break;
						case "--score":
							o.job.score = org.explaincnn.core.Score.parse(v);
							break;
						case "--threshold":
							o.job.threshold = v;
							break;
						case "--lut":
							o.job.lut = v;
							break;
						case "--opacity":
							o.job.opacity = number(v, arg);
							break;
						case "--seed":
							o.job.seed = (long) number(v, arg);
							break;
						case "--batch":
							o.job.batchSize = positive(v, arg);
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
						case "--threads":
							int threads = positive(v, arg);
							// Before any model loads: TensorFlow reads thread counts once.
							org.explaincnn.core.tf.TensorFlowRuntime.start(threads, threads);
							break;
						default:
							throw new ExplainException("Unknown option " + arg + "; see ./explain --help.");
					}
			}
		}
		return o;
	}

	private static double number(String v, String option) {
		try {
			return Double.parseDouble(v);
		}
		catch (NumberFormatException e) {
			throw new ExplainException(option + " takes a number, got '" + v + "'.");
		}
	}

	private static int positive(String v, String option) {
		double d = number(v, option);
		if (d < 1 || d != Math.rint(d)) throw new ExplainException(option +
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
			s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).matches(
				".*\\.(png|jpe?g|tiff?|gif|bmp)")).sorted().forEach(images::add);
			return images;
		}
		catch (java.io.IOException e) {
			throw new ExplainException("No sample images in " + dir + "; pass image files.");
		}
	}

	static final class Options {

		final org.explaincnn.ij.ExplainJob job = new org.explaincnn.ij.ExplainJob();
		final List<Path> images = new ArrayList<>();
		Path out = Paths.get("explain-out");
		boolean json, panel, listLayers, listMethods, listClasses;
	}
}
