package org.explaincnn.fiji;

import org.scijava.command.Command;
import org.scijava.plugin.Plugin;

/** RISE as a SciJava command; its inputs come from the declarations (see ExplainCommand). */
@Plugin(type = Command.class, label = "RISE", headless = true)
public class RiseCommand extends ExplainCommand {

	public RiseCommand() {
		super("rise");
	}
}
