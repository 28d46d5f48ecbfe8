package org.explaincnn.cli;

import ij.ImagePlus;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.ij.EvaluationReport;
import org.explaincnn.ij.ImageExplainer;
import org.explaincnn.ij.ModelCache;
import org.explaincnn.ij.SanityReport;
import org.explaincnn.ij.input.Frame;
import org.explaincnn.ij.input.ImageFileSource;
import org.explaincnn.ij.io.ResultFiles;
import org.explaincnn.ij.io.ResultNames;
import org.explaincnn.metrics.SanityCheck;
import org.explaincnn.methods.Methods;

/**
 * {@code --sanity [--sanity-layers N]}: the cascading model-parameter randomisation test of the
 * method on each image, for the target's first class: {@code <stem>.<method>.sanity.csv} (one row
 * per randomised layer), {@code <stem>.<method>.sanity.png} (the plot) and a verdict line. The
 * model is randomised in memory only. A file that fails costs only its own results (exit 2).
 */
final class SanityRunner {

	static final String SANITY = "--sanity", LAYERS = "--sanity-layers";

	private SanityRunner() {}

	static boolean wanted(List<String> args) {
		return args.contains(SANITY);
	}

	static int run(List<String> args, PrintStream out, PrintStream err) {
		List<String> rest = new ArrayList<>(args);
		rest.remove(SANITY);
		int layers = 0;
		int at = rest.indexOf(LAYERS);
		if (at >= 0) {
			String v = at + 1 < rest.size() ? rest.get(at + 1) : "";
			if (!v.matches("\\d{1,9}") || Integer.parseInt(v) < 1) throw new ExplainException(LAYERS +
				" takes the number of top weight layers to randomise (1 or more), got '" + v + "'.");
			layers = Integer.parseInt(v);
			rest.remove(at);
			rest.remove(at);
		}
		if (rest.contains("--evaluate") || rest.contains("--compare")) throw new ExplainException(
			"--sanity is a run of its own; give it without --evaluate / --compare.");
		ExplainCli.Options o = ExplainCli.parse(rest.toArray(new String[0]));
		o.job.startEngine();
		if (o.job.model == null) o.job.model = ExplainCli.home().resolve(
			"sample-models/mobilenet_v1_0.50_224");
		if (o.job.sweep != null) throw new ExplainException("--sweep-layers cannot be sanity-" +
			"checked; check one layer (--layer NAME) at a time.");
		o.job.validate();
		String method = Methods.byName(o.job.method).id();
		List<Path> images = ImageRunner.inputs(o.images.isEmpty() ? ExplainCli.sampleImages()
			: o.images);
		try {
			Files.createDirectories(o.out);
		}
		catch (IOException e) {
			throw EvaluationReport.cannotWrite(o.out, e);
		}
		Map<Path, String> names = ResultNames.of(images);
		int code = 0;
		try (ModelCache.Lease lease = ImageExplainer.acquireModel(o.job)) {
			ExplainableModel model = lease.model();
			for (Path p : images) {
				ImagePlus imp = null;
				try {
					imp = ImageFileSource.open(p);
					Frame f = Frame.of(imp, p, o.job.currentSlice, model.spec(), line -> {});
					long start = System.nanoTime();
					SanityCheck.Result r = SanityReport.check(model, f.prepared, o.job, layers,
						ExplainOptions.ProgressListener.NONE, () -> false);
					String stem = names.get(p) + "." + method + ".sanity";
					SanityReport.writeCsv(o.out.resolve(stem + ".csv"), r);
					ResultFiles.writePng(SanityReport.plot(p.getFileName() + " " + method + " '" + r
						.label() + "'", r), o.out.resolve(stem + ".png"));
					out.printf("%s '%s' (%d layers, %.1f s): %s%n", p.getFileName(), r.label(), r.steps()
						.size(), (System.nanoTime() - start) / 1e9, r.verdict());
				}
				catch (ExplainException e) {
					if (e instanceof ExplainOptions.CancelledException) throw e;
					err.println("explain: " + p + ": " + e.getMessage());
					code = 2;
				}
				catch (IOException e) {
					throw EvaluationReport.cannotWrite(o.out, e);
				}
				finally {
					if (imp != null) imp.close();
				}
			}
		}
		return code;
	}
}
