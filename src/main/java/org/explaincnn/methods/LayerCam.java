package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.List;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Param;
import org.explaincnn.core.FeatureMap;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.LayerMapMethod;
import org.explaincnn.core.PreparedImage;

/**
 * LayerCAM (Jiang et al. 2021): map = ReLU(sum_k ReLU(G_k) * A_k), position by position. With
 * {@code layers=a,b,...} the maps of several layers are fused: each upsampled to the input and
 * scaled to its maximum, then the element-wise maximum, so shallow layers add detail to deep ones.
 */
final class LayerCam implements AttributionMethod, LayerMapMethod {

	@Override
	public String id() {
		return "layercam";
	}

	@Override
	public String title() {
		return "LayerCAM";
	}

	@Override
	public boolean usesLayer() {
		return true;
	}

	@Override
	public boolean resolvesTopOne() {
		return true;
	}

	static final Param<String> LAYERS = Param.text("layers", "",
		"Layers to fuse (comma-separated; empty = the layer above)",
		"several layers fused: each map scaled to its maximum, then the element-wise maximum", null);

	@Override
	public List<Param<?>> parameters() {
		return List.of(LAYERS);
	}

	@Override
	public float[] layerMap(FeatureMap activation, FeatureMap gradient) {
		return cam(activation, gradient);
	}

	static float[] cam(FeatureMap a, FeatureMap g) {
		int p = a.positions(), c = a.channels;
		float[] out = new float[p];
		for (int i = 0; i < p; i++) {
			double s = 0;
			for (int k = 0; k < c; k++)
				s += Math.max(0f, g.data[i * c + k]) * a.data[i * c + k];
			out[i] = (float) Math.max(0, s);
		}
		return out;
	}

	@Override
	public List<ClassMap> explain(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options)
	{
		List<LayerInfo> layers = new ArrayList<>();
		String list = options.get(LAYERS).strip();
		if (list.isEmpty()) layers.add(LayerGradients.layerOf(model, options));
		else for (String name : list.split(","))
			layers.add(model.layer(name.strip()));
		float[][] fused = new float[classes.length][];
		ClassMap[] resolved = new ClassMap[classes.length];
		int[] cls = classes.clone();
		for (LayerInfo layer : layers) {
			LayerGradients lg = LayerGradients.compute(model, image, cls, options, layer);
			for (int i = 0; i < cls.length; i++)
				if (cls[i] == TOP_ONE) {
					// The first layer's pass chose the class; later layers explain that class.
					resolved[i] = lg.classMap(cls, i, null);
					cls[i] = resolved[i].resolvedClass();
				}
			for (int i = 0; i < classes.length; i++) {
				FeatureMap a = lg.activations.get(i);
				float[] map = CamMaps.toModel(cam(a, lg.gradients.get(i)), a, image);
				if (layers.size() == 1) {
					fused[i] = map;
					continue;
				}
				float max = 0;
				for (float v : map)
					max = Math.max(max, v);
				if (fused[i] == null) fused[i] = new float[map.length];
				for (int j = 0; j < map.length; j++)
					fused[i][j] = Math.max(fused[i][j], max > 0 ? map[j] / max : 0);
			}
		}
		List<ClassMap> out = new ArrayList<>();
		for (int i = 0; i < fused.length; i++)
			out.add(InputGradients.classMap(fused[i], resolved[i]));
		return out;
	}
}
