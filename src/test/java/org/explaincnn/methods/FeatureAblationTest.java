package org.explaincnn.methods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.explaincnn.TinyModels;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.FeatureMask;
import org.explaincnn.core.PreparedImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feature ablation of a linear TensorFlow model (input 2x2x2 -> dot w, as in MethodFormulasTest):
 * removing a group changes the score by exactly w . (x - b) over the group's pixels and channels,
 * computed here independently of the method.
 */
class FeatureAblationTest {

	static ExplainableModel linear;
	static final float[] w = MethodFormulasTest.w;
	/** Pixels 0..255 (the raw descriptor: model units = pixels), channels last. */
	static final float[] x = { 12, 200, 31, 77, 250, 5, 90, 140 };
	static PreparedImage image;

	@TempDir
	static Path tmp;

	@BeforeAll
	static void build() throws Exception {
		linear = ExplainableModel.open(TinyModels.frozenBundle(tmp.resolve("linear"),
			MethodFormulasTest.headOn(false), MethodFormulasTest.ONE_SCORE));
		image = PreparedImage.of(x, 2, 2, 2, linear.spec());
	}

	@AfterAll
	static void close() {
		linear.close();
	}

	/** sum over the group's pixels p and channels c of w[p, c] * (x[p, c] - b[p, c]). */
	static double expected(int[] featureOfPixel, int feature, float[] base) {
		double s = 0;
		for (int p = 0; p < 4; p++)
			if (featureOfPixel[p] == feature) for (int c = 0; c < 2; c++)
				s += (double) w[p * 2 + c] * (x[p * 2 + c] - base[p * 2 + c]);
		return s;
	}

	static ClassMap ablate(FeatureMask mask, String baseline, boolean counterfactual) {
		ExplainOptions o = ExplainOptions.builder().featureMask(mask).counterfactual(counterfactual)
			.param("baseline", baseline).batchSize(2).build();
		return Methods.byName("featureablation").explain(linear, image, new int[] { 0 }, o).get(0);
	}

	@Test
	void eachGroupGetsWeightsTimesInputMinusBaselineSummedOverTheGroup() {
		int[] groups = { 0, 1, 1, FeatureMask.NONE };
		FeatureMask mask = FeatureMask.of(groups, 2, 2, new String[] { "first", "middle two" });
		float[] black = new float[8];
		float[] mean = new float[8];
		for (int p = 0; p < 4; p++)
			for (int c = 0; c < 2; c++)
				mean[p * 2 + c] = (x[c] + x[2 + c] + x[4 + c] + x[6 + c]) / 4f;
		for (String baseline : List.of("black", "mean")) {
			float[] base = baseline.equals("black") ? black : mean;
			ClassMap m = ablate(mask, baseline, false);
			double first = expected(groups, 0, base), middle = expected(groups, 1, base);
			assertTrue(Math.abs(first) > 1 && Math.abs(middle) > 1, "a test that can fail");
			// The map paints each pixel with its group's value; the pixel of no group is 0.
			assertEquals(first, m.map[0], 1e-3, baseline + ": first group");
			assertEquals(middle, m.map[1], 1e-3, baseline + ": second group");
			assertEquals(middle, m.map[2], 1e-3, baseline + ": second group, second pixel");
			assertEquals(0, m.map[3], baseline + ": no group");
			// The table: id, name, attribution and pixel count per feature.
			@SuppressWarnings("unchecked")
			List<Map<String, Object>> rows = (List<Map<String, Object>>) m.details.get(
				FeatureMask.DETAIL);
			assertEquals(2, rows.size());
			assertEquals(1, rows.get(0).get("id"));
			assertEquals("first", rows.get(0).get("name"));
			assertEquals(first, (double) rows.get(0).get("attribution"), 1e-3);
			assertEquals(1, rows.get(0).get("pixels"));
			assertEquals("middle two", rows.get(1).get("name"));
			assertEquals(middle, (double) rows.get(1).get("attribution"), 1e-3);
			assertEquals(2, rows.get(1).get("pixels"));
			assertEquals(Boolean.TRUE, m.details.get(ClassMap.SIGNED));
		}
		// Counterfactual: the evidence against the class is the negated value.
		assertEquals(-expected(groups, 1, black), ablate(mask, "black", true).map[1], 1e-3);
	}

	@Test
	void withoutAMaskEveryGridCellIsOneFeature() {
		// cell=1 on a 2x2 model input: one feature per pixel, each w . x over its channels.
		ClassMap m = Methods.byName("featureablation").explain(linear, image, new int[] { 0 },
			ExplainOptions.DEFAULTS.withParam("cell", "2")).get(0);
		int[] one = { 0, 0, 0, 0 };
		assertEquals(expected(one, 0, new float[8]), m.map[0], 1e-3, "2x2 cell: the whole image");
		assertEquals(m.map[0], m.map[3]);
		FeatureMask perPixel = FeatureMask.grid(2, 2, 1);
		ClassMap p = ablate(perPixel, "black", false);
		for (int i = 0; i < 4; i++)
			assertEquals(expected(perPixel.labels(), i, new float[8]), p.map[i], 1e-3, "pixel " + i);
	}

	/**
	 * An unknown baseline's error lists what the parameter itself accepts: occlusion, RISE and
	 * feature ablation take mean but not noise; LIME's and KernelSHAP's take noise too.
	 */
	@Test
	void unknownBaselineErrorListsTheParametersChoices() {
		String missing = tmp.resolve("no-such-baseline.png").toString();
		String hidden = assertThrows(ExplainException.class, () -> Baselines.of(Baselines.HIDDEN,
			missing, linear, image, null, 1)).getMessage();
		assertTrue(hidden.contains("mean") && !hidden.contains("noise"), hidden);
		String superpixel = assertThrows(ExplainException.class, () -> Baselines.of(
			Superpixels.BASELINE, missing, linear, image, null, 1)).getMessage();
		assertTrue(superpixel.contains("mean") && superpixel.contains("noise"), superpixel);
		assertFalse(superpixel.contains("\n"), superpixel);
	}
}
