package org.explaincnn.fiji;

import org.scijava.command.Command;
import org.scijava.plugin.Plugin;

/** Plugins > Explain CNN > Grad-CAM... */
@Plugin(type = Command.class, menuPath = "Plugins>Explain CNN>Grad-CAM...", label = "Grad-CAM",
	headless = true)
public class GradCamCommand extends ExplainCommand {

	@Override
	protected String methodId() {
		return "gradcam";
	}
}
