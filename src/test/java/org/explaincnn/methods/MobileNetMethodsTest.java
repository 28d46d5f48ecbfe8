package org.explaincnn.methods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.explaincnn.SampleModel;
import org.explaincnn.core.Attribution;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explainer;
import org.explaincnn.core.Explanation;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.TargetSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every class-discriminative method on MobileNet and both.png: 'tabby' on the cat, dogs on the dog. */
@ExtendWith(SampleModel.class)
class MobileNetMethodsTest {

	static ExplainableModel model;
	static PreparedImage both;

	@BeforeAll
	static void load() {
		model = SampleModel.model();
		both = SampleModel.both();
	}

	static Attribution explain(String method, String target, ExplainOptions o) {
		Explanation e = Explainer.explain(model, both, Methods.byName(method), TargetSpec.parse(
			target), o, System.nanoTime());
		return e.attributions.get(0);
	}

	@ParameterizedTest
	@ValueSource(strings = { "gradcam", "gradcam++", "xgradcam", "layercam", "hirescam", "cam",
		"eigengradcam", "guidedgradcam", "integratedgradients" })
	void catClassOnTheCatAndDogClassOnTheDog(String method) {
		ExplainOptions o = ExplainOptions.DEFAULTS;
		// A blurred baseline: with a black one, (x - x') favours the bright, sunlit floor under the
		// cat and the dog classes land at 0.47 of the mass (see the closing note of the issue).
		if (method.equals("integratedgradients")) o = o.withParam("steps", "16").withParam("baseline",
			"blur");
		double cat = explain(method, "tabby", o).massInRows(112, 224);
		double dog = explain(method, "bull mastiff", o).massInRows(0, 112);
		assertTrue(cat > 0.5, method + ": tabby mass on the cat half " + cat);
		assertTrue(dog > 0.5, method + ": bull mastiff mass on the dog half " + dog);
	}

	/**
	 * MobileNet's ReLU6 units make the path gradient piecewise constant with thousands of jumps, so
	 * the trapezoid rule converges slowly and erratically on it (gap -5% at 64 steps, +1% at 256 for
	 * this image): completeness is checked where the rule has converged. Smooth nets reach 1e-4 at
	 * 64 steps (MethodFormulasTest).
	 */
	@Test
	void integratedGradientsCompletenessOnMobileNet() {
		ExplainOptions o = ExplainOptions.DEFAULTS;
		o = o.withParam("steps", "1024");
		o = o.toBuilder().batchSize(32).build();
		Attribution a = explain("integratedgradients", "tabby", o);
		double gap = Math.abs((Double) a.details.get("relativeGap"));
		assertTrue(gap < 0.01, "completeness gap " + a.details);
		// The map's total equals the attribution sum: channels summed, nothing lost on the way.
		double mapSum = 0;
		for (float v : a.map)
			mapSum += v;
		assertEquals((Double) a.details.get("attributionSum"), mapSum, 0.02 * Math.abs(mapSum) + 1e-3);
	}

	@Test
	void topOneIsExplainedInOnePassAndMatchesTheExplicitClass() {
		for (String method : new String[] { "gradcam", "saliency", "layercam", "cam", "guidedbackprop",
			"guidedgradcam" }) {
			Attribution top = explain(method, "top1", ExplainOptions.DEFAULTS);
			Attribution explicit = explain(method, Integer.toString(top.classIndex),
				ExplainOptions.DEFAULTS);
			assertEquals("tiger cat", top.label);
			assertEquals(explicit.probability, top.probability, 1e-6);
			for (int i = 0; i < top.map.length; i++)
				assertEquals(explicit.map[i], top.map[i], 1e-4 * (1 + Math.abs(explicit.map[i])), method);
		}
	}

	@Test
	void layerSweepInOnePassEqualsLayerByLayerAndDeepLayersAreClassSpecific() {
		java.util.List<org.explaincnn.core.LayerInfo> layers = Explainer.sweepLayers(model,
			"MobilenetV1/MobilenetV1/Conv2d_3_pointwise/Relu6,MobilenetV1/MobilenetV1/Conv2d_13_pointwise/Relu6");
		Explanation tabby = Explainer.sweep(model, both, Methods.byName("layercam"), TargetSpec.parse(
			"tabby"), layers, ExplainOptions.DEFAULTS);
		Explanation boxer = Explainer.sweep(model, both, Methods.byName("layercam"), TargetSpec.parse(
			"boxer"), layers, ExplainOptions.DEFAULTS);
		assertEquals(2, tabby.attributions.size());
		for (int i = 0; i < layers.size(); i++) {
			ExplainOptions o = ExplainOptions.DEFAULTS;
			o = o.withLayer(layers.get(i).name);
			float[] single = explain("layercam", "tabby", o).map;
			float[] swept = tabby.attributions.get(i).map;
			assertEquals(layers.get(i).name, tabby.attributions.get(i).layer);
			for (int p = 0; p < single.length; p++)
				assertEquals(single[p], swept[p], 1e-4 * (1 + Math.abs(single[p])));
		}
		// How far the map moves between the cat (lower half) and the dog when the class changes.
		double shallow = tabby.attributions.get(0).massInRows(112, 224) - boxer.attributions.get(0)
			.massInRows(112, 224);
		double deep = tabby.attributions.get(1).massInRows(112, 224) - boxer.attributions.get(1)
			.massInRows(112, 224);
		assertTrue(deep > 0.1 && deep > 2 * Math.abs(shallow), "class shift of the map: shallow " +
			shallow + ", deep " + deep);
	}

	@Test
	void imagesExplainedTogetherEqualImagesExplainedOneByOne() {
		java.util.List<PreparedImage> images = new java.util.ArrayList<>();
		for (String name : new String[] { "both.png", "chelsea.png", "coffee.png" })
			images.add(SampleModel.image(name));
		for (String target : new String[] { "top1", "tabby" }) {
			ExplainOptions o = ExplainOptions.DEFAULTS;
			o = o.toBuilder().batchSize(2).build(); // two chunks
			java.util.List<Explanation> together = Explainer.explainBatch(model, images, Methods.byName(
				"gradcam"), TargetSpec.parse(target), o);
			assertEquals(3, together.size());
			for (int i = 0; i < 3; i++) {
				Attribution alone = Explainer.explain(model, images.get(i), Methods.byName("gradcam"),
					TargetSpec.parse(target), ExplainOptions.DEFAULTS, System.nanoTime()).attributions.get(0);
				Attribution batched = together.get(i).attributions.get(0);
				assertEquals(alone.classIndex, batched.classIndex, target + " image " + i);
				assertEquals(alone.probability, batched.probability, 1e-5);
				assertEquals(alone.width, batched.width);
				for (int p = 0; p < alone.map.length; p++)
					assertEquals(alone.map[p], batched.map[p], 1e-4 * (1 + Math.abs(alone.map[p])));
			}
		}
	}
}
