package org.explaincnn.fiji;

import org.scijava.command.Command;
import org.scijava.plugin.Plugin;

/**
 * The SciJava commands of the superpixel methods (LIME, KernelSHAP); inputs from the declarations,
 * see {@link ExplainCommand}.
 */
public final class SuperpixelCommands {

	private SuperpixelCommands() {}

	@Plugin(type = Command.class, label = "LIME", headless = true)
	public static class LimeCommand extends ExplainCommand {

		public LimeCommand() {
			super("lime");
		}
	}

	@Plugin(type = Command.class, label = "KernelSHAP", headless = true)
	public static class KernelShapCommand extends ExplainCommand {

		public KernelShapCommand() {
			super("kernelshap");
		}
	}
}
