package org.explaincnn.fiji;

import org.scijava.command.Command;
import org.scijava.plugin.Plugin;

/** Grad-CAM as a SciJava command; its inputs come from the declarations (see ExplainCommand). */
@Plugin(type = Command.class, label = "Grad-CAM", headless = true)
public class GradCamCommand extends ExplainCommand {

	public GradCamCommand() {
		super("gradcam");
	}
}
