package org.explaincnn.fiji;

import org.scijava.command.Command;
import org.scijava.plugin.Plugin;

/**
 * The SciJava commands of the attribution methods beyond Grad-CAM. Each names its method; the
 * inputs (common options and the method's own parameters) come from the declarations, see
 * {@link ExplainCommand}. The label is the method's title (a test keeps them equal).
 */
public final class MethodCommands {

	private MethodCommands() {}

	@Plugin(type = Command.class, label = "Grad-CAM++", headless = true)
	public static class GradCamPlusPlusCommand extends ExplainCommand {

		public GradCamPlusPlusCommand() {
			super("gradcam++");
		}
	}

	@Plugin(type = Command.class, label = "XGrad-CAM", headless = true)
	public static class XGradCamCommand extends ExplainCommand {

		public XGradCamCommand() {
			super("xgradcam");
		}
	}

	@Plugin(type = Command.class, label = "LayerCAM", headless = true)
	public static class LayerCamCommand extends ExplainCommand {

		public LayerCamCommand() {
			super("layercam");
		}
	}

	@Plugin(type = Command.class, label = "HiResCAM", headless = true)
	public static class HiResCamCommand extends ExplainCommand {

		public HiResCamCommand() {
			super("hirescam");
		}
	}

	@Plugin(type = Command.class, label = "EigenCAM", headless = true)
	public static class EigenCamCommand extends ExplainCommand {

		public EigenCamCommand() {
			super("eigencam");
		}
	}

	@Plugin(type = Command.class, label = "EigenGrad-CAM", headless = true)
	public static class EigenGradCamCommand extends ExplainCommand {

		public EigenGradCamCommand() {
			super("eigengradcam");
		}
	}

	@Plugin(type = Command.class, label = "CAM", headless = true)
	public static class CamCommand extends ExplainCommand {

		public CamCommand() {
			super("cam");
		}
	}

	@Plugin(type = Command.class, label = "Saliency", headless = true)
	public static class SaliencyCommand extends ExplainCommand {

		public SaliencyCommand() {
			super("saliency");
		}
	}

	@Plugin(type = Command.class, label = "Input x Gradient", headless = true)
	public static class InputXGradientCommand extends ExplainCommand {

		public InputXGradientCommand() {
			super("inputxgradient");
		}
	}

	@Plugin(type = Command.class, label = "Guided Backprop", headless = true)
	public static class GuidedBackpropCommand extends ExplainCommand {

		public GuidedBackpropCommand() {
			super("guidedbackprop");
		}
	}

	@Plugin(type = Command.class, label = "Deconvnet", headless = true)
	public static class DeconvnetCommand extends ExplainCommand {

		public DeconvnetCommand() {
			super("deconvnet");
		}
	}

	@Plugin(type = Command.class, label = "Guided Grad-CAM", headless = true)
	public static class GuidedGradCamCommand extends ExplainCommand {

		public GuidedGradCamCommand() {
			super("guidedgradcam");
		}
	}

	@Plugin(type = Command.class, label = "Integrated Gradients", headless = true)
	public static class IntegratedGradientsCommand extends ExplainCommand {

		public IntegratedGradientsCommand() {
			super("integratedgradients");
		}
	}

	@Plugin(type = Command.class, label = "SmoothGrad", headless = true)
	public static class SmoothGradCommand extends ExplainCommand {

		public SmoothGradCommand() {
			super("smoothgrad");
		}
	}

	@Plugin(type = Command.class, label = "SmoothGrad-squared", headless = true)
	public static class SmoothGradSquaredCommand extends ExplainCommand {

		public SmoothGradSquaredCommand() {
			super("smoothgrad-sq");
		}
	}

	@Plugin(type = Command.class, label = "VarGrad", headless = true)
	public static class VarGradCommand extends ExplainCommand {

		public VarGradCommand() {
			super("vargrad");
		}
	}

	@Plugin(type = Command.class, label = "GradientSHAP", headless = true)
	public static class GradientShapCommand extends ExplainCommand {

		public GradientShapCommand() {
			super("gradientshap");
		}
	}

	@Plugin(type = Command.class, label = "Feature Ablation", headless = true)
	public static class FeatureAblationCommand extends ExplainCommand {

		public FeatureAblationCommand() {
			super("featureablation");
		}
	}
}
