package org.explaincnn.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.explaincnn.TinyModels;
import org.explaincnn.methods.Methods;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A map that is all zero says why; a map with NaN or infinity is never handed out. */
class SilentNonsenseTest {

	@TempDir
	Path tmp;

	private static final float[] IMAGE = new float[6 * 6 * 2];

	static {
		for (int i = 0; i < IMAGE.length; i++)
			IMAGE[i] = (i * 37 % 255);
	}

	private Path gap(String name, String std) throws Exception {
		return TinyModels.frozenBundle(tmp.resolve(name), new TinyModels.GapDense(3).graph(),
			"{\"mean\": [0], \"std\": [" + std + "], \"logits\": \"logits\"}");
	}

	private static Attribution gradCam(ExplainableModel m, Score score) {
		ExplainOptions o = ExplainOptions.builder().score(score).build();
		return Explainer.explain(m, PreparedImage.of(IMAGE, 6, 6, 2, m.spec()), Methods.byName(
			"gradcam"), TargetSpec.top1(), o, System.nanoTime()).attributions.get(0);
	}

	@Test
	void aSaturatedProbabilityGivesAZeroMapWithAWarning() throws Exception {
		// Inputs scaled by 10^4: the logits differ by thousands and the softmax is exactly 1.
		try (ExplainableModel m = ExplainableModel.open(gap("saturated", "0.0001"))) {
			Attribution p = gradCam(m, Score.PROBABILITY);
			for (float v : p.map)
				assertTrue(v == 0, "the probability's gradient vanishes");
			String warning = (String) p.details.get(Explainer.WARNING);
			assertTrue(warning != null && warning.contains("saturated") && warning.contains(
				"--score logit") && !warning.contains("\n"), "warning: " + warning);
			Attribution logit = gradCam(m, Score.LOGIT);
			assertFalse(logit.details.containsKey(Explainer.WARNING), "the logit map is not zero");
		}
	}

	@Test
	void nonFiniteMapsAreRefused() throws Exception {
		// 255 / 1e-37 overflows float: the scores become infinite or NaN.
		try (ExplainableModel m = ExplainableModel.open(gap("overflow", "1e-37"))) {
			ExplainException e = assertThrows(ExplainException.class, () -> gradCam(m,
				Score.LOGIT));
			assertTrue(e.getMessage().contains("NaN or infinite") && e.getMessage().contains(
				"mean/std") && !e.getMessage().contains("\n"), e.getMessage());
		}
	}
}
