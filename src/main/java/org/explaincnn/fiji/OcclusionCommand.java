package org.explaincnn.fiji;

import org.scijava.command.Command;
import org.scijava.plugin.Plugin;

/** Occlusion as a SciJava command; its inputs come from the declarations (see ExplainCommand). */
@Plugin(type = Command.class, label = "Occlusion", headless = true)
public class OcclusionCommand extends ExplainCommand {

	public OcclusionCommand() {
		super("occlusion");
	}
}
