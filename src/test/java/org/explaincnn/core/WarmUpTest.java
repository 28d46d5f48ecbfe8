package org.explaincnn.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.explaincnn.SampleModel;
import org.explaincnn.TestData;
import org.explaincnn.methods.Methods;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link Explainer#warmUp}: a folder run pays TensorFlow's first run of its batch while images are
 * still being read. It must change nothing but the time, and never fail a run itself.
 */
@ExtendWith(SampleModel.class)
class WarmUpTest {

	@Test
	void aWarmedUpModelGivesTheSameBitsAsOneThatWasNot() {
		List<PreparedImage> images = new ArrayList<>();
		for (String name : new String[] { "both.png", "chelsea.png", "coffee.png" })
			images.add(SampleModel.image(name));
		AttributionMethod gradcam = Methods.byName("gradcam");
		ExplainOptions o = ExplainOptions.DEFAULTS.toBuilder().batchSize(3).build();
		for (String target : new String[] { "top1", "tabby" }) {
			List<Explanation> cold = Explainer.explainBatch(SampleModel.model(), images, gradcam,
				TargetSpec.parse(target), o);
			List<Explanation> warmed;
			// A model of its own: the shared one has run this batch already.
			try (ExplainableModel fresh = ExplainableModel.open(TestData.sampleModel())) {
				Explainer.warmUp(fresh, gradcam, TargetSpec.parse(target), o);
				warmed = Explainer.explainBatch(fresh, images, gradcam, TargetSpec.parse(target), o);
			}
			for (int i = 0; i < images.size(); i++) {
				Attribution a = cold.get(i).attributions.get(0), b = warmed.get(i).attributions.get(0);
				assertEquals(a.classIndex, b.classIndex, target + " image " + i);
				assertEquals(a.map.length, b.map.length);
				for (int p = 0; p < a.map.length; p++)
					assertEquals(Float.floatToIntBits(a.map[p]), Float.floatToIntBits(b.map[p]), target +
						" image " + i + " pixel " + p);
			}
		}
	}

	@Test
	void aJobTheRunWillRefuseIsLeftToTheRunToReport() {
		ExplainOptions badLayer = ExplainOptions.DEFAULTS.toBuilder().layer("no/such/layer").build();
		AttributionMethod gradcam = Methods.byName("gradcam");
		// Quiet here: the run itself names the problem, with the image it belongs to.
		Explainer.warmUp(SampleModel.model(), gradcam, TargetSpec.top1(), badLayer);
		ExplainException e = assertThrows(ExplainException.class, () -> Explainer.explainBatch(
			SampleModel.model(), List.of(SampleModel.both(), SampleModel.image("coffee.png")), gradcam,
			TargetSpec.top1(), badLayer));
		assertTrue(e.getMessage().contains("no/such/layer"), e.getMessage());
	}
}
