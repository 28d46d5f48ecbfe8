package org.explaincnn.ij;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.gui.GenericDialog;
import ij.measure.ResultsTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.Param;
import org.explaincnn.ij.input.Frame;
import org.explaincnn.ij.io.ResultFiles;
import org.explaincnn.metrics.SanityCheck;
import org.explaincnn.methods.Methods;

/**
 * The menu command Sanity Check (plugins.config: ExplainPlugin with "sanity"): the cascading
 * randomisation test of a method on the active image. The steps go to ImageJ's Results table (one
 * row per randomised layer), the plot of the correlations becomes the active image, the verdict
 * goes to the Log, and the CSV and plot are saved when an output folder is given. It is not a
 * method: it runs one.
 */
public final class SanityCommand {

	public static final String ARG = "sanity";

	static final Param<Integer> LAYERS = Param.integer("layers", 0, 0, 100_000,
		"Layers to randomise", "How many weight layers, from the top, are randomised in turn (one " +
			"explanation each); 0: all of them");

	private SanityCommand() {}

	/** The fields, in dialog order; each key is its macro key. */
	static List<Param<?>> fields() {
		return List.of(CommonParams.MODEL, EvaluateCommands.METHOD, CommonParams.TARGET,
			CommonParams.LAYER, CommonParams.SCORE, CommonParams.SEED, CommonParams.BATCH, LAYERS,
			CommonParams.OUTPUT);
	}

	static void run(ImagePlus imp) {
		Map<Param<?>, String> values = new LinkedHashMap<>();
		String options = Macro.getOptions();
		if (options != null) {
			for (Param<?> p : fields()) {
				String v = Macro.getValue(options, p.key, null);
				if (v != null) values.put(p, v);
			}
			if (!values.containsKey(CommonParams.MODEL)) throw new ExplainException("No model= given; " +
				"add model=[/path/to/model folder] to the run(...) options.");
		}
		else if (!dialog(values)) return;
		if (imp == null) throw new ExplainException("No image is open; open an image first.");
		ExplainJob job = new ExplainJob();
		int layers = LAYERS.defaultValue;
		for (Map.Entry<Param<?>, String> e : values.entrySet()) {
			Param<?> p = e.getKey();
			if (p == EvaluateCommands.METHOD) job.method = Methods.byName(EvaluateCommands.METHOD.parse(e
				.getValue())).id();
			else if (p == LAYERS) layers = LAYERS.parse(e.getValue());
			else job.set(p.key, e.getValue());
		}
		if (options != null) // the method's own parameters, by their keys
			for (Param<?> p : Methods.byName(job.method).parameters()) {
				String v = Macro.getValue(options, p.key, null);
				if (v != null) job.params.put(p.key, p.parse(v).toString());
			}
		job.validate();
		job.startEngine();
		SanityCheck.Result r;
		try (ModelCache.Lease lease = ImageExplainer.acquireModel(job)) {
			Frame f = Frame.of(imp, null, job.currentSlice, lease.model().spec(), IJ::log);
			ExplainOptions.ProgressListener progress = (done, total) -> IJ.showProgress(done, total);
			r = SanityReport.check(lease.model(), f.prepared, job, layers, progress,
				IJ::escapePressed);
		}
		finally {
			IJ.showProgress(1.0);
		}
		ResultsTable t = ResultsTable.getResultsTable();
		SanityReport.addRows(t, imp.getTitle(), r);
		t.show(EvaluateCommands.TABLE);
		IJ.log(imp.getTitle() + " '" + r.label() + "': " + r.verdict());
		ImagePlus plot = SanityReport.plot(imp.getTitle() + " " + job.method + " sanity", r);
		plot.show();
		if (job.output != null) try {
			Path dir = Files.createDirectories(job.output);
			String stem = stem(imp) + "." + job.method + ".sanity";
			SanityReport.writeCsv(dir.resolve(stem + ".csv"), r);
			ResultFiles.writePng(plot, dir.resolve(stem + ".png"));
		}
		catch (IOException e) {
			throw EvaluationReport.cannotWrite(job.output, e);
		}
		ExplainPlugin.remember(job);
	}

	private static String stem(ImagePlus imp) {
		String t = imp.getTitle();
		int dot = t.lastIndexOf('.');
		return dot > 0 ? t.substring(0, dot) : t;
	}

	private static boolean dialog(Map<Param<?>, String> values) {
		GenericDialog gd = new GenericDialog("Explain CNN: Sanity Check");
		List<Param<?>> fields = fields();
		for (Param<?> p : fields) {
			String initial = p == LAYERS ? String.valueOf(LAYERS.defaultValue) : ExplainPlugin
				.initialText(p);
			if (p == CommonParams.MODEL || p == CommonParams.OUTPUT) gd.addDirectoryField(p.label, initial,
				40);
			else if (p.kind == Param.Kind.CHOICE) gd.addChoice(p.label, p.choices.toArray(new String[0]),
				initial);
			else gd.addStringField(p.label, initial, 20);
		}
		StringBuilder help = new StringBuilder("<html><dl>");
		for (Param<?> p : fields)
			help.append("<dt>").append(p.label).append("</dt><dd>").append(p == LAYERS ? p.help
				: CommonParams.describe(p)).append("</dd>");
		gd.addHelp(help.append("</dl></html>").toString());
		gd.showDialog();
		if (gd.wasCanceled()) return false;
		for (Param<?> p : fields)
			values.put(p, p == CommonParams.MODEL || p == CommonParams.OUTPUT || p.kind != Param.Kind.CHOICE
				? gd.getNextString() : gd.getNextChoice());
		return true;
	}
}
