package org.explaincnn.ij;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

import java.io.File;
import java.nio.file.Paths;
import java.util.List;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.Param;
import org.explaincnn.core.Score;
import org.explaincnn.methods.Methods;

/**
 * ImageJ 1.x entry point, registered in plugins.config, so that {@code run("Grad-CAM", "model=[...]
 * target=tabby ...")} works in plain ImageJ and headless macros with the same keys as the SciJava
 * commands. The argument is the method id, or "info" for Model Info.
 */
public class ExplainPlugin implements PlugIn {

	/** Preferences keys remember the last model between sessions. */
	private static final String PREF_MODEL = "explaincnn.model";

	@Override
	public void run(String arg) {
		ImagePlus imp = WindowManager.getCurrentImage();
		try {
			if ("info".equals(arg)) {
				info(imp);
				return;
			}
			ExplainJob job = new ExplainJob();
			job.method = arg == null || arg.isEmpty() ? "gradcam" : arg;
			String options = Macro.getOptions();
			if ("sweep".equals(arg)) {
				if (options == null) throw new ExplainException("Layer Sweep from ImageJ 1.x takes macro " +
					"options: method=layercam layers=all model=[...]; in Fiji use the menu command.");
				job.method = Macro.getValue(options, "method", "layercam");
				job.sweep = Macro.getValue(options, "layers", "all");
			}
			if (options != null) fromMacro(job, options);
			else if (!fromDialog(job)) return;
			if (imp == null) throw new ExplainException("No image is open; open an image first.");
			ExplainResult r = ExplainPresenter.runInteractive(imp, job, IJ::log, () -> false);
			r.heatmap.show();
			IJ.setProperty(PREF_MODEL, job.model.toString());
		}
		catch (ExplainOptions.CancelledException e) {
			IJ.showStatus("Explain CNN: cancelled");
		}
		catch (ExplainException e) {
			fail(e.getMessage());
		}
	}

	/** The last failure of a macro call, for headless runners that report it as the exit status. */
	private static volatile String lastError;

	public static String takeLastError() {
		String e = lastError;
		lastError = null;
		return e;
	}

	private static void fail(String message) {
		if (IJ.isMacro() || java.awt.GraphicsEnvironment.isHeadless()) {
			lastError = message;
			IJ.log("Explain CNN: " + message);
			// Aborts the macro with the message (and a non-zero exit headless).
			Macro.abort();
			throw new RuntimeException(Macro.MACRO_CANCELED + " Explain CNN: " + message);
		}
		IJ.error("Explain CNN", message);
	}

	/** Reads the same keys as the SciJava commands; absent booleans are false, as IJ1 records them. */
	static void fromMacro(ExplainJob job, String options) {
		String model = Macro.getValue(options, "model", null);
		if (model == null) throw new ExplainException("No model= given; add model=[/path/to/model " +
			"folder] to the run(...) options.");
		job.model = Paths.get(model);
		job.target = Macro.getValue(options, "target", job.target);
		job.layer = Macro.getValue(options, "layer", "auto");
		job.score = Score.parse(Macro.getValue(options, "score", "logit"));
		job.counterfactual = hasKey(options, "counterfactual");
		job.opacity = number(Macro.getValue(options, "opacity", "0.5"), "opacity");
		job.lut = Macro.getValue(options, "lut", job.lut);
		job.threshold = Macro.getValue(options, "threshold", job.threshold);
		job.addRois = hasKey(options, "rois");
		job.currentSlice = hasKey(options, "current");
		String seed = Macro.getValue(options, "seed", null);
		if (seed != null) job.seed = (long) number(seed, "seed");
		for (Param<?> p : Methods.byName(job.method).parameters()) {
			String v = Macro.getValue(options, p.key, null);
			// A recorded checkbox is the bare key.
			if (v == null && p.kind == Param.Kind.BOOLEAN && hasKey(options, p.key)) v = "true";
			if (v != null) job.params.put(p.key, v);
		}
		String out = Macro.getValue(options, "output", null);
		job.output = out == null ? null : Paths.get(out);
	}

	private static boolean hasKey(String options, String key) {
		return (" " + options + " ").matches("(?s).*\\s" + key + "(\\s|=).*");
	}

	private static double number(String v, String key) {
		try {
			return Double.parseDouble(v);
		}
		catch (NumberFormatException e) {
			throw new ExplainException(key + "=" + v + " is not a number.");
		}
	}

	/** False if the user cancelled the dialog. */
	private static boolean fromDialog(ExplainJob job) {
		GenericDialog gd = new GenericDialog("Explain CNN: " + org.explaincnn.methods.Methods.byName(
			job.method).title());
		gd.addDirectoryField("model", IJ.getProperty(PREF_MODEL) == null ? "" : String.valueOf(IJ
			.getProperty(PREF_MODEL)), 40);
		gd.addStringField("target", "top1", 20);
		gd.addStringField("layer", "auto", 40);
		gd.addChoice("score", new String[] { "logit", "probability" }, "logit");
		gd.addCheckbox("counterfactual", false);
		gd.addNumericField("opacity", 0.5, 2);
		gd.addStringField("lut", Luts.DEFAULT, 20);
		gd.addStringField("threshold", "0.5", 8);
		gd.addCheckbox("rois", true);
		gd.addCheckbox("current", false);
		gd.addDirectoryField("output", "", 40);
		List<Param<?>> methodParams = Methods.byName(job.method).parameters();
		for (Param<?> p : methodParams) {
			if (p.kind == Param.Kind.BOOLEAN) gd.addCheckbox(p.key, (Boolean) p.defaultValue);
			else if (p.kind == Param.Kind.CHOICE) gd.addChoice(p.key, p.choices.toArray(new String[0]),
				p.defaultText());
			else gd.addStringField(p.key, p.defaultText(), 20);
		}
		gd.showDialog();
		if (gd.wasCanceled()) return false;
		job.model = Paths.get(gd.getNextString());
		job.target = gd.getNextString();
		job.layer = gd.getNextString();
		job.score = Score.parse(gd.getNextChoice());
		job.counterfactual = gd.getNextBoolean();
		job.opacity = gd.getNextNumber();
		job.lut = gd.getNextString();
		job.threshold = gd.getNextString();
		job.addRois = gd.getNextBoolean();
		job.currentSlice = gd.getNextBoolean();
		String out = gd.getNextString();
		job.output = out.isBlank() ? null : Paths.get(out);
		for (Param<?> p : methodParams)
			job.params.put(p.key, p.kind == Param.Kind.BOOLEAN ? String.valueOf(gd.getNextBoolean())
				: p.kind == Param.Kind.CHOICE ? gd.getNextChoice() : gd.getNextString());
		return true;
	}

	private static void info(ImagePlus imp) {
		String options = Macro.getOptions();
		String model = options != null ? Macro.getValue(options, "model", null) : IJ.getDirectory(
			"Choose a model folder");
		if (model == null) return;
		boolean current = options != null && hasKey(options, "current");
		IJ.log(ModelInfo.describe(ModelCache.get(new File(model).toPath()), imp, current));
	}
}
