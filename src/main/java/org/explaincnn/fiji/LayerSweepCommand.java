package org.explaincnn.fiji;

import org.explaincnn.ij.ExplainJob;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/**
 * Plugins > Explain CNN > Layer Sweep...: one CAM method at several layers, as one stack with the
 * layer name per slice (shallow: fine, class-agnostic; deep: coarse, class-specific).
 */
@Plugin(type = Command.class, menuPath = "Plugins>Explain CNN>Layer Sweep...",
	label = "Layer Sweep", headless = true)
public class LayerSweepCommand extends ExplainCommand {

	@Parameter(persist = false, label = "Method", choices = { "gradcam", "layercam", "gradcam++",
		"xgradcam", "hirescam", "eigencam", "eigengradcam" })
	private String method = "layercam";

	@Parameter(persist = false, label = "Layers", description = "all, or names separated by commas")
	private String layers = "all";

	@Override
	protected String methodId() {
		return method;
	}

	@Override
	protected void addParameters(ExplainJob job) {
		job.sweep = layers;
	}
}
