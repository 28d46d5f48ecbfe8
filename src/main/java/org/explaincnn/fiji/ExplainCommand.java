package org.explaincnn.fiji;

import ij.ImagePlus;

import java.io.File;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.Score;
import org.explaincnn.ij.ExplainJob;
import org.explaincnn.ij.ExplainPresenter;
import org.explaincnn.ij.ExplainResult;
import org.scijava.ItemIO;
import org.scijava.command.ContextCommand;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;

/**
 * The parameters every attribution command shares. A method's command is a subclass naming its
 * method id (and adding its own parameters, if any). Parameter names are the macro keys, the same
 * as those of the ImageJ 1.x bridge, so recorded macros replay in Fiji and in plain ImageJ.
 */
public abstract class ExplainCommand extends ContextCommand {

	@Parameter(label = "Image")
	protected ImagePlus image;

	@Parameter(label = "Model folder", style = "directory",
		description = "Folder with saved_model.pb or a frozen .pb graph, and explain-cnn.json")
	protected File model;

	@Parameter(persist = false, label = "Target", description = "top1, top3, a class index or a label (e.g. tabby)")
	protected String target = "top1";

	@Parameter(persist = false, label = "Layer", description = "auto, or a layer name from Model Info",
		required = false)
	protected String layer = "auto";

	@Parameter(persist = false, label = "Score", choices = { "logit", "probability" })
	protected String score = "logit";

	@Parameter(persist = false, label = "Counterfactual (negative evidence)")
	protected boolean counterfactual = false;

	@Parameter(persist = false, label = "Overlay opacity", min = "0", max = "1", stepSize = "0.05")
	protected double opacity = 0.5;

	@Parameter(persist = false, label = "Colour map (LUT)")
	protected String lut = "Fire";

	@Parameter(persist = false, label = "ROI threshold", description = "fraction of the maximum (0.5) or otsu")
	protected String threshold = "0.5";

	@Parameter(persist = false, label = "Add ROIs")
	protected boolean rois = true;

	@Parameter(persist = false, label = "Current slice only (stacks)")
	protected boolean current = false;

	@Parameter(persist = false, label = "Save to folder", style = "directory", required = false,
		description = "optional: writes heatmap TIFF, overlay PNG, ROI zip and JSON here")
	protected File output;

	@Parameter(type = ItemIO.OUTPUT)
	protected ImagePlus heatmap;

	@Parameter
	protected LogService log;

	/** The method this command runs, e.g. "gradcam". */
	protected abstract String methodId();

	/** Method-specific parameters; the default has none. */
	protected void addParameters(ExplainJob job) {}

	@Override
	public void run() {
		try {
			ExplainJob job = new ExplainJob();
			job.model = model == null ? null : model.toPath();
			job.method = methodId();
			job.target = target;
			job.layer = layer;
			job.score = Score.parse(score);
			job.counterfactual = counterfactual;
			job.opacity = opacity;
			job.lut = lut;
			job.threshold = threshold;
			job.addRois = rois;
			job.currentSlice = current;
			job.output = output == null ? null : output.toPath();
			addParameters(job);
			ExplainResult r = ExplainPresenter.runInteractive(image, job, log::info, this::isCanceled);
			heatmap = r.heatmap;
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
