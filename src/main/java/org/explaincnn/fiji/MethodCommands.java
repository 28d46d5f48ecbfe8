package org.explaincnn.fiji;

import org.explaincnn.ij.ExplainJob;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/**
 * The menu commands of the attribution methods beyond Grad-CAM: each names its method and adds
 * the method's own parameters (same keys as in macros and --param on the command line).
 */
public final class MethodCommands {

	private MethodCommands() {}

	/** Plugins > Explain CNN > Grad-CAM++... */
	@Plugin(type = Command.class, menuPath = "Plugins>Explain CNN>Grad-CAM++...", label = "Grad-CAM++",
		headless = true)
	public static class GradCamPlusPlusCommand extends ExplainCommand {

		@Override
		protected String methodId() {
			return "gradcam++";
		}
	}

	/** Plugins > Explain CNN > XGrad-CAM... */
	@Plugin(type = Command.class, menuPath = "Plugins>Explain CNN>XGrad-CAM...", label = "XGrad-CAM",
		headless = true)
	public static class XGradCamCommand extends ExplainCommand {

		@Override
		protected String methodId() {
			return "xgradcam";
		}
	}

	/** Plugins > Explain CNN > LayerCAM... */
	@Plugin(type = Command.class, menuPath = "Plugins>Explain CNN>LayerCAM...", label = "LayerCAM",
		headless = true)
	public static class LayerCamCommand extends ExplainCommand {

		@Parameter(persist = false, label = "Layers to fuse (comma-separated; empty = the layer above)", required = false)
		private String layers = "";
		@Override
		protected String methodId() {
			return "layercam";
		}

		@Override
		protected void addParameters(ExplainJob job) {
			job.params.put("layers", String.valueOf(layers));
		}
	}

	/** Plugins > Explain CNN > HiResCAM... */
	@Plugin(type = Command.class, menuPath = "Plugins>Explain CNN>HiResCAM...", label = "HiResCAM",
		headless = true)
	public static class HiResCamCommand extends ExplainCommand {

		@Override
		protected String methodId() {
			return "hirescam";
		}
	}

	/** Plugins > Explain CNN > EigenCAM... */
	@Plugin(type = Command.class, menuPath = "Plugins>Explain CNN>EigenCAM...", label = "EigenCAM",
		headless = true)
	public static class EigenCamCommand extends ExplainCommand {

		@Override
		protected String methodId() {
			return "eigencam";
		}
	}

	/** Plugins > Explain CNN > EigenGrad-CAM... */
	@Plugin(type = Command.class, menuPath = "Plugins>Explain CNN>EigenGrad-CAM...", label = "EigenGrad-CAM",
		headless = true)
	public static class EigenGradCamCommand extends ExplainCommand {

		@Override
		protected String methodId() {
			return "eigengradcam";
		}
	}

	/** Plugins > Explain CNN > CAM... */
	@Plugin(type = Command.class, menuPath = "Plugins>Explain CNN>CAM...", label = "CAM",
		headless = true)
	public static class CamCommand extends ExplainCommand {

		@Override
		protected String methodId() {
			return "cam";
		}
	}

	/** Plugins > Explain CNN > Saliency... */
	@Plugin(type = Command.class, menuPath = "Plugins>Explain CNN>Saliency...", label = "Saliency",
		headless = true)
	public static class SaliencyCommand extends ExplainCommand {

		@Parameter(persist = false, label = "Signed gradient (not absolute)", required = false)
		private boolean signed = false;
		@Override
		protected String methodId() {
			return "saliency";
		}

		@Override
		protected void addParameters(ExplainJob job) {
			job.params.put("signed", String.valueOf(signed));
		}
	}

	/** Plugins > Explain CNN > Input x Gradient... */
	@Plugin(type = Command.class, menuPath = "Plugins>Explain CNN>Input x Gradient...", label = "Input x Gradient",
		headless = true)
	public static class InputXGradientCommand extends ExplainCommand {

		@Override
		protected String methodId() {
			return "inputxgradient";
		}
	}

	/** Plugins > Explain CNN > Guided Backprop... */
	@Plugin(type = Command.class, menuPath = "Plugins>Explain CNN>Guided Backprop...", label = "Guided Backprop",
		headless = true)
	public static class GuidedBackpropCommand extends ExplainCommand {

		@Override
		protected String methodId() {
			return "guidedbackprop";
		}
	}

	/** Plugins > Explain CNN > Deconvnet... */
	@Plugin(type = Command.class, menuPath = "Plugins>Explain CNN>Deconvnet...", label = "Deconvnet",
		headless = true)
	public static class DeconvnetCommand extends ExplainCommand {

		@Override
		protected String methodId() {
			return "deconvnet";
		}
	}

	/** Plugins > Explain CNN > Guided Grad-CAM... */
	@Plugin(type = Command.class, menuPath = "Plugins>Explain CNN>Guided Grad-CAM...", label = "Guided Grad-CAM",
		headless = true)
	public static class GuidedGradCamCommand extends ExplainCommand {

		@Override
		protected String methodId() {
			return "guidedgradcam";
		}
	}

	/** Plugins > Explain CNN > Integrated Gradients... */
	@Plugin(type = Command.class, menuPath = "Plugins>Explain CNN>Integrated Gradients...", label = "Integrated Gradients",
		headless = true)
	public static class IntegratedGradientsCommand extends ExplainCommand {

		@Parameter(persist = false, label = "Steps (path integral)", required = false, min = "1")
		private int steps = 50;

		@Parameter(persist = false, label = "Baseline (black, white, blur, noise, an image file or folder)", required = false)
		private String baseline = "black";
		@Override
		protected String methodId() {
			return "integratedgradients";
		}

		@Override
		protected void addParameters(ExplainJob job) {
			job.params.put("steps", String.valueOf(steps));
			job.params.put("baseline", String.valueOf(baseline));
		}
	}

	/** Plugins > Explain CNN > SmoothGrad... */
	@Plugin(type = Command.class, menuPath = "Plugins>Explain CNN>SmoothGrad...", label = "SmoothGrad",
		headless = true)
	public static class SmoothGradCommand extends ExplainCommand {

		@Parameter(persist = false, label = "Samples", required = false, min = "1")
		private int samples = 25;

		@Parameter(persist = false, label = "Noise (fraction of the input range)", required = false)
		private double noise = 0.15;

		@Parameter(persist = false, label = "Base method (saliency, inputxgradient, guidedbackprop, deconvnet)", required = false)
		private String base = "saliency";
		@Override
		protected String methodId() {
			return "smoothgrad";
		}

		@Override
		protected void addParameters(ExplainJob job) {
			job.params.put("samples", String.valueOf(samples));
			job.params.put("noise", String.valueOf(noise));
			job.params.put("base", String.valueOf(base));
		}
	}

	/** Plugins > Explain CNN > SmoothGrad-squared... */
	@Plugin(type = Command.class, menuPath = "Plugins>Explain CNN>SmoothGrad-squared...", label = "SmoothGrad-squared",
		headless = true)
	public static class SmoothGradSquaredCommand extends ExplainCommand {

		@Parameter(persist = false, label = "Samples", required = false, min = "1")
		private int samples = 25;

		@Parameter(persist = false, label = "Noise (fraction of the input range)", required = false)
		private double noise = 0.15;

		@Parameter(persist = false, label = "Base method (saliency, inputxgradient, guidedbackprop, deconvnet)", required = false)
		private String base = "saliency";
		@Override
		protected String methodId() {
			return "smoothgrad-sq";
		}

		@Override
		protected void addParameters(ExplainJob job) {
			job.params.put("samples", String.valueOf(samples));
			job.params.put("noise", String.valueOf(noise));
			job.params.put("base", String.valueOf(base));
		}
	}

	/** Plugins > Explain CNN > VarGrad... */
	@Plugin(type = Command.class, menuPath = "Plugins>Explain CNN>VarGrad...", label = "VarGrad",
		headless = true)
	public static class VarGradCommand extends ExplainCommand {

		@Parameter(persist = false, label = "Samples", required = false, min = "1")
		private int samples = 25;

		@Parameter(persist = false, label = "Noise (fraction of the input range)", required = false)
		private double noise = 0.15;

		@Parameter(persist = false, label = "Base method (saliency, inputxgradient, guidedbackprop, deconvnet)", required = false)
		private String base = "saliency";
		@Override
		protected String methodId() {
			return "vargrad";
		}

		@Override
		protected void addParameters(ExplainJob job) {
			job.params.put("samples", String.valueOf(samples));
			job.params.put("noise", String.valueOf(noise));
			job.params.put("base", String.valueOf(base));
		}
	}

	/** Plugins > Explain CNN > GradientSHAP... */
	@Plugin(type = Command.class, menuPath = "Plugins>Explain CNN>GradientSHAP...", label = "GradientSHAP",
		headless = true)
	public static class GradientShapCommand extends ExplainCommand {

		@Parameter(persist = false, label = "Samples", required = false, min = "1")
		private int samples = 25;

		@Parameter(persist = false, label = "Baseline (black, white, blur, noise, an image file or folder)", required = false)
		private String baseline = "noise";

		@Parameter(persist = false, label = "Noise (fraction of the input range)", required = false)
		private double noise = 0.0;
		@Override
		protected String methodId() {
			return "gradientshap";
		}

		@Override
		protected void addParameters(ExplainJob job) {
			job.params.put("samples", String.valueOf(samples));
			job.params.put("baseline", String.valueOf(baseline));
			job.params.put("noise", String.valueOf(noise));
		}
	}
}
