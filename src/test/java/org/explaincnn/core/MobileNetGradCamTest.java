package org.explaincnn.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.explaincnn.SampleModel;
import org.explaincnn.methods.Methods;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Known answers on the real MobileNet v1 with both.png (bulldog top, tabby cat bottom). */
@ExtendWith(SampleModel.class)
class MobileNetGradCamTest {

	static ExplainableModel model;
	static PreparedImage both;

	@BeforeAll
	static void load() {
		model = SampleModel.model();
		both = SampleModel.both();
	}

	private static Attribution gradcam(String target) {
		Explanation e = Explainer.explain(model, both, Methods.byName("gradcam"), TargetSpec.parse(
			target), ExplainOptions.DEFAULTS, System.nanoTime());
		return e.attributions.get(0);
	}

	@Test
	void tabbyMapLiesOnTheCat() {
		Attribution a = gradcam("tabby");
		assertEquals("tabby, tabby cat", a.label);
		double lower = a.massInRows(112, 224);
		assertTrue(lower > 0.7, "tabby mass in the lower (cat) half: " + lower);
		// The core's ImgLib2 view of the map: the original image's size, the same values.
		net.imglib2.img.array.ArrayImg<net.imglib2.type.numeric.real.FloatType, ?> img = a.image();
		assertEquals(224, img.dimension(0));
		assertEquals(224, img.dimension(1));
		net.imglib2.RandomAccess<net.imglib2.type.numeric.real.FloatType> ra = img.randomAccess();
		ra.setPosition(new long[] { 100, 180 });
		assertEquals(a.map[180 * 224 + 100], ra.get().get(), 0f);
	}

	@Test
	void dogClassesLieOnTheDog() {
		for (String dog : new String[] { "boxer", "bull mastiff" }) {
			double upper = gradcam(dog).massInRows(0, 112);
			assertTrue(upper > 0.6, dog + " mass in the upper (dog) half: " + upper);
		}
	}

	@Test
	void predictionsMatchTheProvenanceRecord() {
		Explanation e = Explainer.explain(model, both, Methods.byName("gradcam"), TargetSpec.top1(),
			ExplainOptions.DEFAULTS, System.nanoTime());
		// PROVENANCE.txt: both.png -> tiger cat .36 / tabby .23 / bull mastiff .12
		assertEquals("tiger cat", model.spec().labels.name(e.top[0]));
		assertEquals(0.36, e.probabilities[e.top[0]], 0.03);
		assertEquals(e.top[0], e.attributions.get(0).classIndex);
		assertEquals(1001, model.spec().classes);
		assertTrue(model.spec().maxBatch > 1, "frozen graph's batch dimension should be relaxed");
	}
}
