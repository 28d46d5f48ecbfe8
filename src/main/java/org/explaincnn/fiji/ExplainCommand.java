package org.explaincnn.fiji;

import ij.ImagePlus;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.Param;
import org.explaincnn.ij.CommonParams;
import org.explaincnn.ij.ExplainJob;
import org.explaincnn.ij.ExplainPresenter;
import org.explaincnn.ij.ExplainResult;
import org.explaincnn.ij.ModelCache;
import org.explaincnn.methods.Methods;
import org.scijava.ItemIO;
import org.scijava.command.DynamicCommand;
import org.scijava.command.DynamicCommandInfo;
import org.scijava.log.LogService;
import org.scijava.module.MutableModuleItem;
import org.scijava.plugin.Parameter;
import org.scijava.prefs.PrefService;

/**
 * The SciJava command of one attribution method, for scripts, the command finder and
 * {@code ./explain --headless --run}. A method's command only names its method; its inputs are
 * made at run time from the declarations: the common options ({@link CommonParams}) and the
 * method's own parameters, with the names of the macro keys. The commands have no menu path: the
 * menu entries are the ImageJ 1.x ones of plugins.config (see the README, "Fiji").
 */
public abstract class ExplainCommand extends DynamicCommand {

	@Parameter(label = "Image")
	protected ImagePlus image;

	@Parameter(label = "Model folder", style = "directory", persist = false,
		callback = "modelChanged",
		description = "Folder with saved_model.pb or a frozen .pb graph, and explain-cnn.json")
	protected File model;

	@Parameter(persist = false, label = "Output folder (optional)", style = "directory",
		required = false, description = "writes heatmap TIFF, overlay PNG, ROI zip and JSON here")
	protected File output;

	@Parameter(type = ItemIO.OUTPUT)
	protected ImagePlus heatmap;

	@Parameter
	protected LogService log;

	@Parameter
	private PrefService prefs;

	private final String methodId;
	private boolean declaredInputsAdded;

	/** @param methodId the registered method this command runs, e.g. "gradcam" */
	protected ExplainCommand(String methodId) {
		this.methodId = methodId;
	}

	/** The method this command runs, e.g. "gradcam". */
	protected String methodId() {
		return methodId;
	}

	/** The method's own parameters; the layer sweep has its own instead. */
	protected List<Param<?>> methodInputs() {
		return Methods.byName(methodId).parameters();
	}

	/** Every declared input of this command, in dialog order. */
	public final List<Param<?>> declaredInputs() {
		List<Param<?>> out = new ArrayList<>();
		for (Param<?> p : CommonParams.ALL)
			if (p != CommonParams.MODEL && p != CommonParams.OUTPUT) out.add(p);
		if (methodId != null) out.addAll(CommonParams.extraFor(Methods.byName(methodId)));
		out.addAll(methodInputs());
		return out;
	}

	/**
	 * Adds one input per declared parameter (once). SciJava calls this through
	 * {@link #initialize()}, after it has assigned the values a caller passed: a value that does not
	 * fit the declared type (noise="abc") is then still here as given, and refused by {@link #run()}
	 * with the same line as on every other front end. A caller that wants typed conversion and no
	 * "unmatched input" warnings (the headless runner) calls this before passing values.
	 */
	public final void declareInputs() {
		if (declaredInputsAdded) return;
		declaredInputsAdded = true;
		DynamicCommandInfo info = getInfo();
		for (Param<?> p : declaredInputs())
			info.addInput(ParamItems.input(info, p));
	}

	/**
	 * The initializer: the declared inputs; where nothing was given, the model, LUT and threshold of
	 * the last run that succeeded (in any Explain CNN command) and the defaults of the rest; and the
	 * model's layers as the layer field's choices when the model folder is known.
	 */
	@Override
	public void initialize() {
		declareInputs();
		if (model == null && !isInputResolved(MODEL)) {
			String remembered = remembered(CommonParams.MODEL);
			if (remembered != null) model = new File(remembered);
		}
		for (Param<?> p : declaredInputs()) {
			if (isInputResolved(p.key) || getInput(p.key) != null) continue;
			String remembered = CommonParams.REMEMBERED.contains(p) ? remembered(p) : null;
			setInput(p.key, remembered != null ? remembered : p.defaultValue);
		}
		offerLayersOf(model);
	}

	private static final String MODEL = "model";

	private String remembered(Param<?> p) {
		String v = prefs == null ? null : prefs.get(CommonParams.rememberKey(p));
		return v == null || v.isBlank() ? null : v;
	}

	/** After a run that succeeded: its model, LUT and threshold serve every command next time. */
	private void remember(ExplainJob job) {
		if (prefs == null) return;
		for (Param<?> p : CommonParams.REMEMBERED)
			prefs.put(CommonParams.rememberKey(p), String.valueOf(job.get(p)));
	}

	/** Callback of the model field: the layer choices follow the chosen model. */
	protected void modelChanged() {
		offerLayersOf(model);
	}

	private void offerLayersOf(File folder) {
		if (folder == null || !folder.isDirectory()) return;
		List<String> choices = new ArrayList<>();
		choices.add(CommonParams.LAYER.defaultValue);
		try (ModelCache.Lease lease = ModelCache.acquire(folder.toPath())) {
			for (LayerInfo l : lease.model().layers())
				choices.add(l.name);
		}
		catch (ExplainException e) {
			return; // not a model (yet): the layer stays a free text field
		}
		MutableModuleItem<String> layer = getInfo().getMutableInput(CommonParams.LAYER.key,
			String.class);
		layer.setChoices(choices);
	}

	/** Sets one declared input on the job; the layer sweep reads its own. */
	protected void apply(ExplainJob job, Param<?> p, String text) {
		if (CommonParams.byKey(p.key) == p) job.set(p.key, text);
		else job.params.put(p.key, text);
	}

	/** The job as the inputs say, checked: a bad value is one line naming it. */
	ExplainJob job() {
		ExplainJob job = new ExplainJob();
		job.method = methodId();
		for (Param<?> p : declaredInputs()) {
			Object value = getInput(p.key);
			apply(job, p, value == null ? p.defaultText() : p.format(value));
		}
		job.model = model == null ? null : model.toPath();
		job.output = output == null ? null : output.toPath();
		job.validate();
		return job;
	}

	@Override
	public void run() {
		try {
			ExplainJob job = job();
			job.startEngine();
			// Held until the result is shown and saved: the model is not closed under the run.
			try (ModelCache.Lease lease = ModelCache.acquire(job.model)) {
				job.validate(lease.model().spec());
				ExplainResult r = ExplainPresenter.runInteractive(image, job, log::info,
					this::isCanceled);
				heatmap = r.heatmap;
			}
			remember(job);
		}
		catch (ExplainOptions.CancelledException e) {
			cancel("Cancelled.");
		}
		catch (ExplainException e) {
			log.error("Explain CNN: " + e.getMessage());
			cancel(e.getMessage());
		}
	}
}
