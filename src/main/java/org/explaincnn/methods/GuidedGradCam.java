package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.List;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.BackpropRule;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.PreparedImage;

/** Guided Grad-CAM (Selvaraju et al. 2017): guided backpropagation x upsampled Grad-CAM. */
final class GuidedGradCam implements AttributionMethod {

	private final GradCam gradCam = new GradCam();

	@Override
	public String id() {
		return "guidedgradcam";
	}

	@Override
	public String title() {
		return "Guided Grad-CAM";
	}

	@Override
	public boolean usesLayer() {
		return true;
	}

	@Override
	public boolean resolvesTopOne() {
		return true;
	}

	@Override
	public int passes(ExplainOptions options) {
		return 2;
	}

	@Override
	public List<ClassMap> explain(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options)
	{
		List<ClassMap> cams = gradCam.explain(model, image, classes, options);
		int[] cls = classes.clone();
		for (int i = 0; i < cls.length; i++)
			if (cls[i] == TOP_ONE) cls[i] = cams.get(i).resolvedClass();
		List<float[]> guided = InputGradients.perClass(model, image, cls, options,
			BackpropRule.GUIDED, null);
		List<ClassMap> out = new ArrayList<>();
		for (int i = 0; i < classes.length; i++) {
			float[] g = InputGradients.maxAbs(guided.get(i), image.channels);
			float[] cam = cams.get(i).map;
			float[] map = new float[g.length];
			for (int p = 0; p < map.length; p++)
				map[p] = g[p] * cam[p];
			out.add(InputGradients.classMap(map, classes[i] == TOP_ONE ? cams.get(i) : null));
		}
		return out;
	}
}
