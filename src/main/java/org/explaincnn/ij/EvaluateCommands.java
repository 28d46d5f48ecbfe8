package org.explaincnn.ij;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.gui.GenericDialog;
import ij.gui.Roi;
import ij.measure.ResultsTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.Param;
import org.explaincnn.ij.input.Frame;
import org.explaincnn.ij.io.ResultFiles;
import org.explaincnn.ij.io.ResultNames;
import org.explaincnn.metrics.Evaluation.ClassResult;
import org.explaincnn.methods.Methods;

/**
 * The menu commands Evaluate Explanation and Compare Methods (plugins.config: ExplainPlugin with
 * "evaluate" / "compare"): the active image's maps measured, shown as the deletion/insertion plot
 * (or the maps side by side) and in ImageJ's Results table (Evaluate appends a row per image and
 * class; Compare replaces it with its ranking), and saved when an output folder is given. They
 * are not methods: they run methods. Annotations for the pointing game come from a file or folder
 * given, else from the image's area selection, else from the ROI Manager.
 */
public final class EvaluateCommands {

	public static final String EVALUATE = "evaluate", COMPARE = "compare";
	/** ImageJ's Results table: macros read it with getResult(column, row), also headless. */
	public static final String TABLE = "Results";

	static final Param<String> METHOD = Param.choice("method", "gradcam", Methods.all().stream().map(
		AttributionMethod::id).toList(), "Method", "The method whose maps are measured");
	static final Param<String> METHODS = Param.text("methods", "gradcam,saliency,integratedgradients",
		"Methods", "Methods to compare, comma-separated ids (see --list-methods)", list -> {
			try {
				MethodEvaluation.methods(list);
				return null;
			}
			catch (ExplainException e) {
				return "names an unknown method";
			}
		});
	static final Param<String> ANNOTATIONS = Param.text("annotations", "", "Annotations (optional)",
		"A mask or label image, .roi or ROI-set .zip, or a folder of them named like the image; " +
			"empty: the image's selection or the ROI Manager", null);

	private EvaluateCommands() {}

	/** The fields of a command, in dialog order; each key is its macro key. */
	static List<Param<?>> fields(String arg) {
		return List.of(CommonParams.MODEL, COMPARE.equals(arg) ? METHODS : METHOD, CommonParams.TARGET,
			CommonParams.LAYER, CommonParams.SCORE, CommonParams.COUNTERFACTUAL, CommonParams.SEED,
			CommonParams.BATCH, CommonParams.CURRENT, ANNOTATIONS, CommonParams.OUTPUT);
	}

	static void run(String arg, ImagePlus imp) {
		Map<Param<?>, String> values = new LinkedHashMap<>();
		String options = Macro.getOptions();
		if (options != null) {
			for (Param<?> p : fields(arg)) {
				String v = Macro.getValue(options, p.key, null);
				if (p.kind == Param.Kind.BOOLEAN) v = String.valueOf(v != null || (" " + options + " ")
					.matches("(?s).*\\s" + p.key + "(\\s|=).*"));
				if (v != null) values.put(p, v);
			}
			if (!values.containsKey(CommonParams.MODEL)) throw new ExplainException("No model= given; " +
				"add model=[/path/to/model folder] to the run(...) options.");
		}
		else if (!dialog(arg, values)) return;
		if (imp == null) throw new ExplainException("No image is open; open an image first.");
		ExplainJob job = new ExplainJob();
		List<AttributionMethod> methods = null;
		String annotations = "", output = "";
		for (Map.Entry<Param<?>, String> e : values.entrySet()) {
			Param<?> p = e.getKey();
			if (p == METHOD) job.method = Methods.byName(METHOD.parse(e.getValue())).id();
			else if (p == METHODS) methods = MethodEvaluation.methods(METHODS.parse(e.getValue()));
			else if (p == ANNOTATIONS) annotations = e.getValue().strip();
			else job.set(p.key, e.getValue());
		}
		if (methods != null) job.method = methods.get(0).id();
		else if (options != null) { // the method's own parameters, by their keys
			AttributionMethod method = Methods.byName(job.method);
			for (Param<?> p : method.parameters()) {
				String v = Macro.getValue(options, p.key, null);
				if (v != null) job.params.put(p.key, p.parse(v).toString());
			}
			String features = Macro.getValue(options, CommonParams.FEATURES.key, null);
			if (features != null && method.usesFeatureMask()) job.set(CommonParams.FEATURES.key,
				features);
		}
		job.validate();
		job.startEngine();
		output = job.output == null ? "" : job.output.toString();
		boolean[] mask = annotation(annotations, imp);
		try (ModelCache.Lease lease = ImageExplainer.acquireModel(job)) {
			Frame f = Frame.of(imp, null, job.currentSlice, lease.model().spec(), IJ::log);
			ExplainOptions.ProgressListener progress = (done, total) -> IJ.showProgress(done, total);
			IJ.resetEscape(); // an Esc pressed before this run must not cancel it
			if (methods == null) {
				List<ClassResult> results = MethodEvaluation.evaluate(lease.model(), f.prepared, job, mask,
					progress, IJ::escapePressed).results();
				show(imp.getTitle(), job.method, results);
				for (ClassResult r : results)
					EvaluationReport.curvePlot(imp.getTitle() + " " + job.method + " " + r.label(), r).show();
				if (!output.isEmpty()) save(Path.of(output), imp, job.method, results);
			}
			else {
				MethodEvaluation.Comparison c = MethodEvaluation.compare(lease.model(), f.prepared, imp
					.getTitle(), job, methods, mask, progress, IJ::escapePressed);
				List<MethodEvaluation.Ranking> ranking = MethodEvaluation.rank(List.of(c));
				ResultsTable t = ResultsTable.getResultsTable();
				t.reset(); // a ranking is a whole table
				for (MethodEvaluation.Ranking r : ranking) {
					t.incrementCounter();
					t.addValue("Method", r.method());
					t.addValue("Deletion AUC", r.deletionAuc());
					t.addValue("Insertion AUC", r.insertionAuc());
					t.addValue("Pointing", r.pointing());
					t.addValue("Drop", r.drop());
					t.addValue("Increase", r.increase());
					t.addValue("Mean rank", r.meanRank());
				}
				t.show(TABLE);
				ImagePlus panel = MethodEvaluation.panel(imp, c, Luts.byName(job.lut));
				panel.show();
				if (!output.isEmpty()) try {
					Path dir = Files.createDirectories(Path.of(output));
					MethodEvaluation.writeRanking(dir.resolve("compare.csv"), ranking);
					ResultFiles.writePng(panel, dir.resolve(ResultNames.stem(Path.of(imp.getTitle())) +
						".compare.png"));
				}
				catch (IOException e) {
					throw EvaluationReport.cannotWrite(Path.of(output), e);
				}
			}
		}
		finally {
			IJ.showProgress(1.0);
		}
		ExplainPlugin.remember(job);
	}

	/** Appends the rows to the Results table (images evaluated in turn add up) and shows it. */
	private static void show(String image, String method, List<ClassResult> rs) {
		ResultsTable t = ResultsTable.getResultsTable();
		EvaluationReport.addRows(t, image, method, rs);
		t.show(TABLE);
	}

	private static void save(Path dir, ImagePlus imp, String method, List<ClassResult> results) {
		try {
			Files.createDirectories(dir);
			String stem = ResultNames.stem(Path.of(imp.getTitle()));
			EvaluationReport.writeCurves(dir.resolve(stem + "." + method + ".metrics.csv"), results);
			for (ClassResult r : results)
				ResultFiles.writePng(EvaluationReport.curvePlot(stem + " " + method, r), dir.resolve(stem +
					"." + method + (results.size() == 1 ? "" : "-" + r.classIndex()) + ".curves.png"));
			EvaluationReport.appendSummary(dir, imp.getTitle(), method, results);
		}
		catch (IOException e) {
			throw EvaluationReport.cannotWrite(dir, e);
		}
	}

	/**
	 * The mask from the field, else the image's area selection, else the user's ROIs in the ROI
	 * Manager (not those Explain added), else none.
	 */
	static boolean[] annotation(String given, ImagePlus imp) {
		int w = imp.getWidth(), h = imp.getHeight();
		if (!given.isEmpty()) {
			boolean[] m = Annotations.forImage(Path.of(given), Path.of(imp.getTitle()), w, h);
			if (m == null) throw new ExplainException("No annotation named like " + imp.getTitle() +
				" in " + given + "; name the mask like the image (e.g. cell.tif for cell.png).");
			return m;
		}
		Roi roi = imp.getRoi();
		if (roi != null && roi.isArea()) return Annotations.ofRois(List.of(roi), w, h);
		// Not the ROIs Explain added from its maps: a map would be scored against itself.
		List<Roi> rois = FeatureMasks.userRois();
		return rois.isEmpty() ? null : Annotations.ofRois(rois, w, h);
	}

	private static boolean dialog(String arg, Map<Param<?>, String> values) {
		GenericDialog gd = new GenericDialog("Explain CNN: " + (COMPARE.equals(arg) ? "Compare Methods"
			: "Evaluate Explanation"));
		List<Param<?>> fields = fields(arg);
		for (Param<?> p : fields) {
			String initial = ExplainPlugin.initialText(p);
			if (p == CommonParams.MODEL || p == CommonParams.OUTPUT) gd.addDirectoryField(p.label, initial,
				40);
			else if (p.kind == Param.Kind.BOOLEAN) gd.addCheckbox(p.label, Boolean.parseBoolean(initial));
			else if (p.kind == Param.Kind.CHOICE) gd.addChoice(p.label, p.choices.toArray(new String[0]),
				initial);
			else gd.addStringField(p.label, initial, p == METHODS || p == ANNOTATIONS ? 40 : 20);
		}
		StringBuilder help = new StringBuilder("<html><dl>");
		for (Param<?> p : fields)
			help.append("<dt>").append(p.label).append("</dt><dd>").append(CommonParams.describe(p))
				.append("</dd>");
		gd.addHelp(help.append("</dl></html>").toString());
		gd.showDialog();
		if (gd.wasCanceled()) return false;
		for (Param<?> p : fields) {
			String text;
			if (p == CommonParams.MODEL || p == CommonParams.OUTPUT) text = gd.getNextString();
			else if (p.kind == Param.Kind.BOOLEAN) text = String.valueOf(gd.getNextBoolean());
			else if (p.kind == Param.Kind.CHOICE) text = gd.getNextChoice();
			else text = gd.getNextString();
			values.put(p, text);
		}
		return true;
	}
}
