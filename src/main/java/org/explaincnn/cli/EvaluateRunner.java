package org.explaincnn.cli;

import ij.ImagePlus;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.explaincnn.core.Attribution;
import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.Explanation;
import org.explaincnn.ij.Annotations;
import org.explaincnn.ij.EvaluationReport;
import org.explaincnn.ij.ExplainResult;
import org.explaincnn.ij.ImageExplainer;
import org.explaincnn.ij.Luts;
import org.explaincnn.ij.MethodEvaluation;
import org.explaincnn.ij.ModelCache;
import org.explaincnn.ij.input.Frame;
import org.explaincnn.ij.input.ImageFileSource;
import org.explaincnn.ij.io.ResultCsv;
import org.explaincnn.ij.io.ResultFiles;
import org.explaincnn.ij.io.ResultNames;
import org.explaincnn.ij.render.ExplanationRenderer;
import org.explaincnn.ij.render.RenderOptions;
import org.explaincnn.metrics.Evaluation;
import org.explaincnn.metrics.Evaluation.ClassResult;
import org.explaincnn.metrics.PerturbationCurve;
import org.explaincnn.methods.Methods;

/**
 * {@code --evaluate}: the usual results, made from the maps that are measured (each map is made
 * once), and the metrics (deletion and insertion curves and AUCs, average drop / increase in
 * confidence, and with {@code --annotations} the pointing game and the mass inside): per image {@code <stem>.<method>.metrics.csv} (the
 * curves) and {@code <stem>.<method>.curves.png} (the plot), and one row per image and class in
 * {@code evaluation.csv}. {@code --compare m1,m2,...} runs the methods and a seeded random map on
 * each image, writes {@code <stem>.compare.png} (the maps side by side) and {@code compare.csv}
 * (the methods ranked over the images). A file that fails costs only its own figures (exit 2).
 */
final class EvaluateRunner {

	private EvaluateRunner() {}

	static boolean wanted(List<String> args) {
		return args.contains("--evaluate") || args.contains("--compare");
	}

	static int run(List<String> args, PrintStream out, PrintStream err) {
		List<String> rest = new ArrayList<>(args);
		boolean evaluate = rest.remove("--evaluate");
		String compare = take(rest, "--compare");
		String annotationsText = take(rest, "--annotations");
		if (evaluate && compare != null) throw new ExplainException("--evaluate and --compare are " +
			"two runs; give one of them (--compare also evaluates each method).");
		Path annotations = annotationsText == null ? null : Path.of(annotationsText);
		if (annotations != null && !Files.exists(annotations)) throw new ExplainException(
			"Annotations not found: " + annotations + "; give a mask image, a .roi/.zip file or a " +
				"folder of them named like the images.");
		List<AttributionMethod> methods = compare == null ? null : MethodEvaluation.methods(compare);
		ExplainCli.Options o = ExplainCli.parse(rest.toArray(new String[0]));
		ExplainCli.confirmManyMaps(o);
		o.job.startEngine();
		if (o.job.model == null) o.job.model = ExplainCli.home().resolve(
			"sample-models/mobilenet_v1_0.50_224");
		if (o.job.sweep != null) throw new ExplainException("--sweep-layers cannot be evaluated; " +
			"evaluate one layer (--layer NAME) at a time.");
		Map<String, String> params = new LinkedHashMap<>(o.job.params);
		if (methods != null) {
			// Each method gets the parameters it declares; one that no chosen method takes is a typo.
			for (String key : params.keySet())
				if (methods.stream().noneMatch(m -> m.parameter(key) != null)) throw new ExplainException(
					"Unknown parameter '" + key + "': none of " + compare + " takes it; see " +
						"./explain --list-methods.");
			o.job.method = methods.get(0).id();
			o.job.params.clear();
		}
		o.job.validate();
		int code = 0;
		List<Path> images = ImageRunner.inputs(o.images.isEmpty() ? ExplainCli.sampleImages()
			: o.images);
		try {
			Files.createDirectories(o.out);
		}
		catch (IOException e) {
			throw EvaluationReport.cannotWrite(o.out, e);
		}
		Map<Path, String> names = ResultNames.of(images);
		ResultCsv csv = null;
		if (evaluate) try {
			csv = new ResultCsv(o.out); // the usual run's table: --evaluate writes the usual results
		}
		catch (IOException e) {
			throw EvaluationReport.cannotWrite(o.out, e);
		}
		List<MethodEvaluation.Comparison> comparisons = new ArrayList<>();
		try (ModelCache.Lease lease = ImageExplainer.acquireModel(o.job)) {
			ExplainableModel model = lease.model();
			o.job.params.putAll(params); // checked above: each method takes its own
			Path outDir = o.out.toAbsolutePath().normalize();
			for (Path p : images) {
				ImagePlus imp = null;
				try {
					// Results never replace an input: an input in the output folder named like this
					// image's results costs only this image.
					String prefix = names.get(p) + "." + (methods == null ? o.job.method : "compare") + ".";
					for (Path q : images) {
						Path input = q.toAbsolutePath().normalize();
						if (outDir.equals(input.getParent()) && input.getFileName().toString().startsWith(
							prefix)) throw new ExplainException("Results of " + p.getFileName() +
								" would overwrite the input " + q + "; choose another --out folder.");
					}
					imp = ImageFileSource.open(p);
					Frame f = Frame.of(imp, p, o.job.currentSlice, model.spec(), line -> {});
					boolean[] mask = annotations == null ? null : Annotations.forImage(annotations, p, imp
						.getWidth(), imp.getHeight());
					if (annotations != null && mask == null) err.println("explain: " + p.getFileName() +
						": no annotation named like it in " + annotations + "; pointing left out.");
					if (methods == null) evaluateOne(o, model, f, names.get(p), mask, csv, out, err);
					// Memory stays flat over a folder: only the figures are kept for the ranking.
					else comparisons.add(compareOne(o, model, f, names.get(p), methods, mask, out)
						.withoutMaps());
				}
				catch (ExplainException e) {
					if (e instanceof ExplainOptions.CancelledException) throw e;
					err.println("explain: " + p + ": " + e.getMessage());
					if (csv != null) try {
						csv.failed(p.toString(), e.getMessage());
					}
					catch (IOException x) {
						throw EvaluationReport.cannotWrite(o.out, x);
					}
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
		if (methods != null && !comparisons.isEmpty()) {
			List<MethodEvaluation.Ranking> ranking = MethodEvaluation.rank(comparisons);
			try {
				MethodEvaluation.writeRanking(o.out.resolve("compare.csv"), ranking);
			}
			catch (IOException e) {
				throw EvaluationReport.cannotWrite(o.out, e);
			}
			MethodEvaluation.describe(ranking).forEach(out::println);
			out.println("Ranking in " + o.out.resolve("compare.csv").toAbsolutePath());
		}
		return code;
	}

	private static void evaluateOne(ExplainCli.Options o, ExplainableModel model, Frame f,
		String name, boolean[] mask, ResultCsv csv, PrintStream out, PrintStream err)
		throws IOException
	{
		String method = Methods.byName(o.job.method).id();
		Evaluation.Evaluated evaluated = MethodEvaluation.evaluate(model, f.prepared, o.job, mask,
			ExplainOptions.ProgressListener.NONE, () -> false);
		// The usual results, from the maps just measured: each map is made once.
		Explanation e = evaluated.explanation();
		boolean overlay = o.outputs.contains(ResultFiles.Output.OVERLAY) || o.panel;
		RenderOptions render = RenderOptions.of(o.job.lut, o.job.opacity, o.job.threshold, o.job
			.addRois && (overlay || o.outputs.contains(ResultFiles.Output.ROIS)), false, overlay);
		ImageExplainer.logDetails(e, line -> err.println("  " + line));
		ExplainResult result = ExplanationRenderer.render(f.image, e, model, render);
		ImageExplainer.save(result, o.job, o.out, name, o.json, f.file.toAbsolutePath().toString(),
			o.outputs);
		if (o.panel) ResultFiles.writePng(ExplanationRenderer.panel(f.image, result, render.lut), o.out
			.resolve(name + "." + e.method + ".panel.png"));
		int best = e.top[0];
		for (Attribution a : e.attributions)
			csv.ok(f.file.toString(), model.spec().labels.shortName(best), e.probabilities[best], model
				.spec().labels.shortName(a.classIndex), a.layer == null ? "" : a.layer, e.method, e.totalMs);
		List<ClassResult> results = evaluated.results();
		EvaluationReport.writeCurves(o.out.resolve(name + "." + method + ".metrics.csv"), results);
		for (ClassResult r : results) {
			String suffix = results.size() == 1 ? "" : "-" + r.classIndex();
			ResultFiles.writePng(EvaluationReport.curvePlot(name + " " + method + " " + r.label(), r), o.out
				.resolve(name + "." + method + suffix + ".curves.png"));
			out.println(line(f.file.getFileName() + " " + method, r));
		}
		EvaluationReport.appendSummary(o.out, f.file.toString(), method, results);
	}

	private static MethodEvaluation.Comparison compareOne(ExplainCli.Options o,
		ExplainableModel model, Frame f, String name, List<AttributionMethod> methods, boolean[] mask,
		PrintStream out) throws IOException
	{
		MethodEvaluation.Comparison c = MethodEvaluation.compare(model, f.prepared, f.file
			.getFileName().toString(), o.job, methods, mask, ExplainOptions.ProgressListener.NONE,
			() -> false);
		ResultFiles.writePng(MethodEvaluation.panel(f.image, c, Luts.byName(o.job.lut)), o.out.resolve(
			name + ".compare.png"));
		for (Map.Entry<String, ClassResult> e : c.byMethod().entrySet()) {
			EvaluationReport.appendSummary(o.out, f.file.toString(), e.getKey(), List.of(e.getValue()));
			out.println(line(f.file.getFileName() + " " + e.getKey(), e.getValue()));
		}
		return c;
	}

	private static String line(String what, ClassResult r) {
		PerturbationCurve d = r.curves().deletion(), in = r.curves().insertion();
		return String.format(Locale.ROOT, "%-32s '%s': deletion AUC %.4f, insertion AUC %.4f, drop %.3f%s",
			what, r.label(), d.auc, in.auc, r.confidence().drop(), Double.isNaN(r.pointing()) ? ""
				: String.format(Locale.ROOT, ", pointing %s, mass inside %.3f", r.pointing() > 0 ? "hit"
					: "miss", r.massInside()));
	}

	/** Removes OPTION VALUE from the arguments and returns the value (null if absent). */
	private static String take(List<String> args, String option) {
		int at = args.indexOf(option);
		if (at < 0) return null;
		if (at + 1 >= args.size()) throw new ExplainException("Option " + option +
			" needs a value; see ./explain --help.");
		args.remove(at);
		return args.remove(at);
	}
}
