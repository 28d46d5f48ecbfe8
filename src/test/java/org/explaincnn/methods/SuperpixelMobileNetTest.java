package org.explaincnn.methods;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.explaincnn.SampleModel;
import org.explaincnn.core.Attribution;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.Explainer;
import org.explaincnn.core.TargetSpec;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LIME and KernelSHAP on the sample MobileNet and both.png (dog in the upper half, cat in the lower
 * half): the positive superpixels for 'tabby' lie mostly on the cat, those for 'bull mastiff' on
 * the dog. 300 samples keep the test short (the default is 1000).
 */
@ExtendWith(SampleModel.class)
class SuperpixelMobileNetTest {

	static Attribution explain(String method, String target) {
		ExplainOptions o = ExplainOptions.DEFAULTS.withParam("samples", "300");
		return Explainer.explain(SampleModel.model(), SampleModel.both(), Methods.byName(method),
			TargetSpec.parse(target), o, System.nanoTime()).attributions.get(0);
	}

	@ParameterizedTest
	@ValueSource(strings = { "lime", "kernelshap" })
	void catSuperpixelsForTabbyAndDogSuperpixelsForTheDog(String method) {
		Attribution tabby = explain(method, "tabby"), dog = explain(method, "bull mastiff");
		double cat = tabby.massInRows(112, 224), dogMass = dog.massInRows(0, 112);
		assertTrue(cat > 0.5, method + ": tabby mass on the cat half " + cat);
		assertTrue(dogMass > 0.5, method + ": bull mastiff mass on the dog half " + dogMass);
		// The five most positive superpixels' pixels, counted without their values.
		int[] labels = Superpixels.modelFeatures(SampleModel.both(), ExplainOptions.DEFAULTS);
		List<Integer> top = method.equals("lime") ? positiveFeatures(tabby)
			: strongest(tabby.details.get("shapleyValues"));
		int onCat = 0, all = 0;
		for (int p = 0; p < labels.length; p++)
			if (top.contains(labels[p])) {
				all++;
				if (p / 224 >= 112) onCat++;
			}
		assertTrue(top.size() == 5 && onCat > 0.5 * all, method + ": the top superpixels " + top +
			" have " + onCat + " of " + all + " pixels on the cat");
	}

	@SuppressWarnings("unchecked")
	static List<Integer> positiveFeatures(Attribution a) {
		return (List<Integer>) a.details.get("positiveFeatures");
	}

	@SuppressWarnings("unchecked")
	static List<Integer> strongest(Object values) {
		double[] v = ((List<Double>) values).stream().mapToDouble(Double::doubleValue).toArray();
		return Arrays.stream(Lime.strongest(v, 5, 1)).boxed().toList();
	}
}
