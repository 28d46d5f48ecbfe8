package org.explaincnn.fiji;

import org.scijava.command.Command;
import org.scijava.plugin.Plugin;

/** Deep Feature Factorization as a SciJava command; inputs from the declarations (ExplainCommand). */
@Plugin(type = Command.class, label = "Deep Feature Factorization", headless = true)
public class DeepFeatureFactorizationCommand extends ExplainCommand {

	public DeepFeatureFactorizationCommand() {
		super("dff");
	}
}
