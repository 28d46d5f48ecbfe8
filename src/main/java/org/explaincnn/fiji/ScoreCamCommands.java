package org.explaincnn.fiji;

import org.scijava.command.Command;
import org.scijava.plugin.Plugin;

/**
 * The SciJava commands of the CAM variants weighted by extra passes (Score-CAM, SS-CAM, IS-CAM,
 * AblationCAM, Smooth Grad-CAM++); inputs come from the methods' declarations, see
 * {@link ExplainCommand}. The label is the method's title (a test keeps them equal).
 */
public final class ScoreCamCommands {

	private ScoreCamCommands() {}

	@Plugin(type = Command.class, label = "Score-CAM", headless = true)
	public static class ScoreCamCommand extends ExplainCommand {

		public ScoreCamCommand() {
			super("scorecam");
		}
	}

	@Plugin(type = Command.class, label = "SS-CAM", headless = true)
	public static class SsCamCommand extends ExplainCommand {

		public SsCamCommand() {
			super("sscam");
		}
	}

	@Plugin(type = Command.class, label = "IS-CAM", headless = true)
	public static class IsCamCommand extends ExplainCommand {

		public IsCamCommand() {
			super("iscam");
		}
	}

	@Plugin(type = Command.class, label = "AblationCAM", headless = true)
	public static class AblationCamCommand extends ExplainCommand {

		public AblationCamCommand() {
			super("ablationcam");
		}
	}

	@Plugin(type = Command.class, label = "Smooth Grad-CAM++", headless = true)
	public static class SmoothGradCamPlusPlusCommand extends ExplainCommand {

		public SmoothGradCamPlusPlusCommand() {
			super("smoothgradcam++");
		}
	}
}
