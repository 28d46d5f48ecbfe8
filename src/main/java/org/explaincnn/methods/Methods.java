package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ExplainException;

/** The registry of attribution methods: one line per method. */
public final class Methods {

	private static final Map<String, AttributionMethod> ALL = new LinkedHashMap<>();

	static {
		register(new GradCam());
		register(new CamFamily.GradCamPlusPlus());
		register(new CamFamily.XGradCam());
		register(new LayerCam());
		register(new CamFamily.HiResCam());
		register(new CamFamily.EigenCam());
		register(new CamFamily.EigenGradCam());
		register(new Cam());
		register(new InputGradientMethod.Saliency());
		register(new InputGradientMethod.InputXGradient());
		register(new InputGradientMethod.GuidedBackprop());
		register(new InputGradientMethod.Deconvnet());
		register(new GuidedGradCam());
		register(new IntegratedGradients());
		register(new NoiseTunnel(NoiseTunnel.Mode.SMOOTHGRAD));
		register(new NoiseTunnel(NoiseTunnel.Mode.SQUARED));
		register(new NoiseTunnel(NoiseTunnel.Mode.VARGRAD));
		register(new GradientShap());
		register(new FeatureAblation());
		register(new ScoreCam());
		register(new ScoreCam.Smoothed());
		register(new ScoreCam.Integrated());
		register(new AblationCam());
		register(new SmoothGradCamPlusPlus());
		register(new Lime());
		register(new KernelShap());
		register(new Occlusion());
		register(new Rise());
		register(new DeepFeatureFactorization());
	}

	private Methods() {}

	private static void register(AttributionMethod m) {
		ALL.put(m.id(), m);
	}

	public static List<AttributionMethod> all() {
		return Collections.unmodifiableList(new ArrayList<>(ALL.values()));
	}

	/** By id ("gradcam") or title ("Grad-CAM"), case- and punctuation-insensitive. */
	public static AttributionMethod byName(String name) {
		String key = normalise(name);
		for (AttributionMethod m : ALL.values())
			if (normalise(m.id()).equals(key) || normalise(m.title()).equals(key)) return m;
		throw new ExplainException("Unknown method '" + name + "'; available: " + String.join(", ",
			ALL.keySet()) + ".");
	}

	private static String normalise(String s) {
		return s.toLowerCase(Locale.ROOT).replace("squared", "sq").replaceAll("[^a-z0-9+]", "");
	}
}
