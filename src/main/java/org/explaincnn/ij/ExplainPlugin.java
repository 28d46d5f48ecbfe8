package org.explaincnn.ij;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.Prefs;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

import java.awt.GraphicsEnvironment;
import java.awt.TextField;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Vector;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.Param;
import org.explaincnn.methods.Methods;

/**
 * The menu entries and macro commands of Explain CNN, registered for ImageJ 1.x in plugins.config:
 * {@code run("Grad-CAM", "model=[...] target=tabby ...")} works the same in Fiji, in plain ImageJ
 * and headless, and afterwards the heatmap is the active image. The argument is the method id,
 * "sweep" for Layer Sweep, "info" for Model Info, "evaluate" / "compare" for the metrics
 * commands ({@link EvaluateCommands}), or "sanity" for the Sanity Check ({@link SanityCommand}).
 * The dialog fields and the macro keys are both made from the declarations ({@link CommonParams}, {@link AttributionMethod#parameters()}), so the
 * macro recorder writes lines that this class reads back.
 */
public class ExplainPlugin implements PlugIn {

	private static final String SWEEP = "sweep", INFO = "info", LIVE = "live";

	@Override
	public void run(String arg) {
		ImagePlus imp = WindowManager.getCurrentImage();
		try {
			if (INFO.equals(arg)) {
				info(imp);
				return;
			}
			if (EvaluateCommands.EVALUATE.equals(arg) || EvaluateCommands.COMPARE.equals(arg)) {
				EvaluateCommands.run(arg, imp);
				return;
			}
			if (SanityCommand.ARG.equals(arg)) {
				SanityCommand.run(imp);
				return;
			}
			// Live Explain: Grad-CAM's fields, then the image is followed until Stop.
			boolean live = LIVE.equals(arg);
			String methodArg = arg == null || arg.isEmpty() || live ? "gradcam" : arg;
			ExplainJob job = new ExplainJob();
			String options = Macro.getOptions();
			if (options != null) fromMacro(job, methodArg, options);
			else if (!fromDialog(job, methodArg)) return;
			if (imp == null) throw new ExplainException("No image is open; open an image first.");
			if (live) {
				LivePanel.open(imp, job);
				return;
			}
			job.validate();
			job.startEngine();
			// Held until the result is shown and saved: the model is not closed under the run.
			try (ModelCache.Lease lease = ModelCache.acquire(job.model)) {
				job.validate(lease.model().spec());
				ExplainResult r = ExplainPresenter.runInteractive(imp, job, IJ::log, () -> false);
				r.heatmap.show();
			}
			remember(job);
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
		if (IJ.isMacro() || GraphicsEnvironment.isHeadless()) {
			lastError = message;
			IJ.log("Explain CNN: " + message);
			// Aborts the macro with the message (and a non-zero exit headless).
			Macro.abort();
			throw new RuntimeException(Macro.MACRO_CANCELED + " Explain CNN: " + message);
		}
		IJ.error("Explain CNN", message);
	}

	/**
	 * The dialog fields, in order, for a plugins.config argument (a method id or "sweep"): the common
	 * options, the sweep's method and layers or the method's own parameters, the output folder
	 * last. Each field's key is its macro key.
	 */
	static List<Param<?>> fields(String methodArg) {
		List<Param<?>> out = new ArrayList<>();
		for (Param<?> p : CommonParams.ALL) {
			if (p == CommonParams.OUTPUT) continue;
			out.add(p);
			if (p == CommonParams.MODEL && SWEEP.equals(methodArg)) {
				out.add(CommonParams.SWEEP_METHOD);
				out.add(CommonParams.SWEEP_LAYERS);
			}
		}
		if (!SWEEP.equals(methodArg)) {
			out.addAll(CommonParams.extraFor(Methods.byName(methodArg)));
			out.addAll(Methods.byName(methodArg).parameters());
		}
		out.add(CommonParams.OUTPUT);
		return out;
	}

	/**
	 * Reads a job from macro options with the dialog's keys. A checkbox is on when its key is
	 * present (bare, as ImageJ records it, or key=true) and off when absent; any other key that is
	 * absent keeps its declared default, so a recorded line replays the same anywhere.
	 */
	static void fromMacro(ExplainJob job, String methodArg, String options) {
		start(job, methodArg);
		for (Param<?> p : fields(methodArg)) {
			String v = Macro.getValue(options, p.key, null);
			if (p.kind == Param.Kind.BOOLEAN && v == null) v = String.valueOf(hasKey(options, p.key));
			if (v != null) set(job, p, v);
		}
		if (job.model == null) throw new ExplainException("No model= given; add model=[/path/to/model " +
			"folder] to the run(...) options.");
	}

	/** The method, and for a sweep its default method and layers. */
	private static void start(ExplainJob job, String methodArg) {
		boolean sweep = SWEEP.equals(methodArg);
		job.method = sweep ? CommonParams.SWEEP_METHOD.defaultValue : methodArg;
		job.sweep = sweep ? CommonParams.SWEEP_LAYERS.defaultValue : null;
	}

	/** Sets one field's value from text: the sweep's own fields, a common option or a parameter. */
	private static void set(ExplainJob job, Param<?> p, String text) {
		if (p == CommonParams.SWEEP_METHOD) job.method = CommonParams.SWEEP_METHOD.parse(text);
		else if (p == CommonParams.SWEEP_LAYERS) job.sweep = text.isBlank() ? "all" : text.strip();
		else if (CommonParams.byKey(p.key) == p) job.set(p.key, text);
		else {
			p.parse(text); // a bad value is refused before anything runs
			job.params.put(p.key, text.strip());
		}
	}

	private static boolean hasKey(String options, String key) {
		return (" " + options + " ").matches("(?s).*\\s" + key + "(\\s|=).*");
	}

	/** What a field shows first: the remembered value (model, LUT, threshold) or the default. */
	static String initialText(Param<?> p) {
		if (CommonParams.REMEMBERED.contains(p)) return Prefs.get(CommonParams.rememberKey(p), p
			.defaultText());
		return p.defaultText();
	}

	/** Remembers the model, LUT and threshold across commands and restarts (IJ_Prefs.txt). */
	static void remember(ExplainJob job) {
		for (Param<?> p : CommonParams.REMEMBERED)
			Prefs.set(CommonParams.rememberKey(p), String.valueOf(job.get(p)));
	}

	/**
	 * The layer field's choices: "auto" and the remembered model's layers, or null (a free text
	 * field) if that model cannot be opened.
	 */
	static String[] layerChoices(String modelFolder) {
		if (modelFolder == null || modelFolder.isBlank() || !new File(modelFolder).isDirectory())
			return null;
		try (ModelCache.Lease lease = ModelCache.acquire(new File(modelFolder).toPath())) {
			List<String> names = new ArrayList<>();
			names.add(CommonParams.LAYER.defaultValue);
			for (LayerInfo l : lease.model().layers())
				names.add(l.name);
			return names.toArray(new String[0]);
		}
		catch (ExplainException e) {
			return null;
		}
	}

	/** Fills the job from a dialog made of the fields; false if the user cancelled. */
	private static boolean fromDialog(ExplainJob job, String methodArg) {
		List<Param<?>> fields = fields(methodArg);
		String title = SWEEP.equals(methodArg) ? "Layer Sweep" : Methods.byName(methodArg).title();
		GenericDialog gd = new GenericDialog("Explain CNN: " + title);
		String[] layers = layerChoices(initialText(CommonParams.MODEL));
		StringBuilder help = new StringBuilder("<html><b>" + title + "</b><dl>");
		for (Param<?> p : fields) {
			String initial = initialText(p);
			help.append("<dt>").append(p.label).append("</dt><dd>").append(CommonParams.describe(p))
				.append("</dd>");
			if (p == CommonParams.MODEL || p == CommonParams.OUTPUT) gd.addDirectoryField(p.label,
				initial, 40);
			else if (p == CommonParams.LAYER && layers != null) gd.addChoice(p.label, layers, initial);
			else switch (p.kind) {
				case BOOLEAN:
					gd.addCheckbox(p.label, Boolean.parseBoolean(initial));
					break;
				case INTEGER:
					gd.addNumericField(p.label, Double.parseDouble(initial), 0);
					break;
				case NUMBER:
					gd.addNumericField(p.label, Double.parseDouble(initial), 2);
					break;
				case CHOICE:
					gd.addChoice(p.label, p.choices.toArray(new String[0]), initial);
					break;
				default:
					gd.addStringField(p.label, initial, p == CommonParams.LAYER ? 40 : 20);
			}
		}
		gd.addHelp(help.append("</dl></html>").toString());
		gd.showDialog();
		if (gd.wasCanceled()) return false;
		start(job, methodArg);
		@SuppressWarnings("unchecked")
		Vector<TextField> numbers = gd.getNumericFields();
		int number = 0;
		for (Param<?> p : fields) {
			String text;
			if (p == CommonParams.MODEL || p == CommonParams.OUTPUT) text = gd.getNextString();
			else if (p == CommonParams.LAYER && layers != null) text = gd.getNextChoice();
			else switch (p.kind) {
				case BOOLEAN:
					text = String.valueOf(gd.getNextBoolean());
					break;
				case INTEGER:
				case NUMBER: {
					// getNextNumber records the value for the macro recorder; a bad entry is reported
					// as typed.
					double v = gd.getNextNumber();
					String typed = numbers.get(number++).getText();
					text = Double.isNaN(v) ? typed : p.kind == Param.Kind.INTEGER && v == Math.rint(v)
						? Long.toString((long) v) : Double.toString(v);
					break;
				}
				case CHOICE:
					text = gd.getNextChoice();
					break;
				default:
					text = gd.getNextString();
			}
			set(job, p, text);
		}
		return true;
	}

	private static void info(ImagePlus imp) {
		String options = Macro.getOptions();
		String model;
		boolean current;
		if (options != null) {
			model = Macro.getValue(options, CommonParams.MODEL.key, null);
			if (model == null) throw new ExplainException("No model= given; add model=[/path/to/model " +
				"folder] to the run(...) options.");
			current = hasKey(options, CommonParams.CURRENT.key);
		}
		else {
			GenericDialog gd = new GenericDialog("Explain CNN: Model Info");
			gd.addDirectoryField(CommonParams.MODEL.label, initialText(CommonParams.MODEL), 40);
			gd.addCheckbox(CommonParams.CURRENT.label, false);
			gd.showDialog();
			if (gd.wasCanceled()) return;
			model = gd.getNextString();
			current = gd.getNextBoolean();
		}
		try (ModelCache.Lease lease = ModelCache.acquire(new File(model).toPath())) {
			IJ.log(ModelInfo.describe(lease.model(), imp, current));
		}
		Prefs.set(CommonParams.rememberKey(CommonParams.MODEL), model);
	}
}
