package org.explaincnn.core.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.explaincnn.HeadGraphs;
import org.explaincnn.TestData;
import org.explaincnn.TinyModels;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explainer;
import org.explaincnn.core.Explanation;
import org.explaincnn.core.ModelSpec;
import org.explaincnn.core.Pass;
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.Score;
import org.explaincnn.core.TargetSpec;
import org.explaincnn.methods.Methods;

/**
 * Binary and multi-label heads: one sigmoid logit z is two classes with scores [-z, z] and
 * probabilities [1 - p, p]; several sigmoids are independent probabilities. Checked on the real
 * IBM mitosis model (one sigmoid logit) and on models built here, against closed forms: the
 * sigmoid itself, the chain rule through it (probability-score Grad-CAM = p(1 - p) x the logit
 * map), the negated logit (negative class = counterfactual of the positive one), and CAM's dense
 * weights.
 */
class OutputHeadsTest {

	@TempDir
	Path tmp;

	static final TinyModels.GapDense NET = new TinyModels.GapDense(17);
	static final String RAW = "{\"mean\": [0], \"std\": [1]}";

	static double sigmoid(double z) {
		return 1 / (1 + Math.exp(-z));
	}

	static float max(float[] v) {
		float m = 0;
		for (float x : v)
			m = Math.max(m, Math.abs(x));
		return m;
	}

	static float[] scaled(float[] v, double s) {
		float[] out = new float[v.length];
		for (int i = 0; i < v.length; i++)
			out[i] = (float) (v[i] * s);
		return out;
	}

	static float[] map(ExplainableModel m, String method, PreparedImage img, int cls,
		ExplainOptions o)
	{
		return Methods.byName(method).explain(m, img, new int[] { cls }, o).get(0).map;
	}

	static PreparedImage image(ExplainableModel m, long seed) {
		float[] x = GradientEngineTest.randomInput(6 * 6 * 2, seed);
		return GradientEngineTest.prepared(m, x);
	}

	private static final ExplainOptions PROBABILITY = ExplainOptions.builder().score(
		Score.PROBABILITY).build();
	private static final ExplainOptions COUNTERFACTUAL = ExplainOptions.builder().counterfactual(
		true).build();

	/**
	 * The relations a binary head must satisfy at one image: scores [-z, z], probabilities
	 * sigmoid, the probability map p(1 - p) times the logit map (non-zero), the negative class's
	 * map the positive class's counterfactual map, and CAM = positions x Grad-CAM for both classes.
	 */
	static void checkBinary(ExplainableModel m, PreparedImage img, int positions) {
		Pass f = m.forward(img.modelInput, 1);
		float z = f.logits[1];
		assertEquals(2, f.classes);
		assertEquals(-z, f.logits[0], 0f, "class 0 is the negated logit");
		double p = sigmoid(z);
		assertEquals(p, f.probabilities[1], 1e-6);
		assertEquals(1 - p, f.probabilities[0], 1e-6);

		float[] logitMap = map(m, "gradcam", img, 1, ExplainOptions.DEFAULTS);
		float[] probabilityMap = map(m, "gradcam", img, 1, PROBABILITY);
		assertTrue(max(probabilityMap) > 0, "the probability score gives a map");
		// Chain rule through the sigmoid: every gradient is scaled by p(1 - p) > 0, and the ReLU
		// of Grad-CAM commutes with a positive factor.
		assertArrayEquals(scaled(logitMap, p * (1 - p)), probabilityMap, 1e-4f * max(probabilityMap));

		float[] negative = map(m, "gradcam", img, 0, ExplainOptions.DEFAULTS);
		float[] counterfactual = map(m, "gradcam", img, 1, COUNTERFACTUAL);
		assertArrayEquals(counterfactual, negative, 1e-6f * Math.max(1e-6f, max(negative)));
		assertTrue(max(negative) > 0 || max(logitMap) > 0);

		for (int cls = 0; cls < 2; cls++) {
			float[] cam = map(m, "cam", img, cls, ExplainOptions.DEFAULTS);
			float[] gradCam = map(m, "gradcam", img, cls, ExplainOptions.DEFAULTS);
			assertArrayEquals(scaled(gradCam, positions), cam, 1e-4f * Math.max(1, max(cam)),
				"CAM = " + positions + " x Grad-CAM, class " + cls);
		}
	}

	@Test
	void oneUnitIsABinaryHeadOfTwoClasses() throws Exception {
		float[][] dense = HeadGraphs.dense(1, 5);
		Path dir = TinyModels.frozenBundle(tmp.resolve("binary"), HeadGraphs.gapDense(NET, dense,
			false), RAW);
		Files.writeString(dir.resolve("labels.txt"), "cell\n");
		try (ExplainableModel m = ExplainableModel.open(dir)) {
			ModelSpec s = m.spec();
			assertEquals(ModelSpec.Activation.SIGMOID, s.activation);
			assertTrue(s.binary);
			assertEquals(2, s.classes);
			assertEquals("logits", s.logits, "the model's own logit tensor");
			assertEquals(Arrays.asList("not cell", "cell"), s.labels.names());
			assertTrue(s.assumptions.contains("one output unit: a sigmoid logit (binary classifier); " +
				"set \"activation\" in explain-cnn.json if it is not"), s.assumptions.toString());
			for (long seed = 1; seed <= 3; seed++) {
				PreparedImage img = image(m, seed);
				// z = GAP(features) . w + 0.1, from the activations.
				float[] a = m.run(new PassRequest(img.modelInput, 1).activation(m.defaultLayer()))
					.activation(m.defaultLayer()).data;
				double z = 0.1;
				for (int pos = 0; pos < 36; pos++)
					for (int k = 0; k < 4; k++)
						z += a[pos * 4 + k] / 36.0 * dense[k][0];
				assertEquals(z, m.forward(img.modelInput, 1).logits[1], 1e-5);
				// CAM's weights for the negative class are the negated dense weights.
				float[] cam0 = map(m, "cam", img, 0, ExplainOptions.DEFAULTS);
				float[] cam1 = map(m, "cam", img, 1, ExplainOptions.DEFAULTS);
				for (int pos = 0; pos < 36; pos++) {
					double s1 = 0;
					for (int k = 0; k < 4; k++)
						s1 += dense[k][0] * a[pos * 4 + k];
					assertEquals(Math.max(0, s1), cam1[pos], 1e-5);
					assertEquals(Math.max(0, -s1), cam0[pos], 1e-5);
				}
				checkBinary(m, img, 36);
			}
			// Top-1 inside the graph picks the class with the larger score, as the explicit class does.
			PreparedImage img = image(m, 4);
			Explanation e = Explainer.explain(m, img, Methods.byName("gradcam"), TargetSpec.top1(),
				ExplainOptions.DEFAULTS, System.nanoTime());
			Pass f = m.forward(img.modelInput, 1);
			assertEquals(ExplainableModel.argmax(f.probabilities, 0, 2), e.attributions.get(0).classIndex);
		}
	}

	@Test
	void severalSigmoidsAreIndependentProbabilitiesRankedByTopK() throws Exception {
		float[][] dense = HeadGraphs.dense(3, 6);
		Path dir = TinyModels.frozenBundle(tmp.resolve("multilabel"), HeadGraphs.gapDense(NET, dense,
			true), RAW);
		try (ExplainableModel m = ExplainableModel.open(dir)) {
			ModelSpec s = m.spec();
			assertEquals(ModelSpec.Activation.SIGMOID, s.activation);
			assertFalse(s.binary);
			assertEquals(3, s.classes);
			assertEquals("logits", s.logits, "the sigmoid's input");
			for (long seed = 1; seed <= 4; seed++) {
				PreparedImage img = image(m, seed);
				Pass f = m.forward(img.modelInput, 1);
				double sum = 0;
				for (int c = 0; c < 3; c++) {
					assertEquals(sigmoid(f.logits[c]), f.probabilities[c], 1e-6, "class " + c);
					sum += f.probabilities[c];
				}
				assertTrue(Math.abs(sum - 1) > 1e-3, "independent probabilities do not sum to 1: " + sum);
				Explanation e = Explainer.explain(m, img, Methods.byName("gradcam"), TargetSpec.topK(2),
					ExplainOptions.DEFAULTS, System.nanoTime());
				Integer[] byProbability = { 0, 1, 2 };
				Arrays.sort(byProbability, (i, j) -> Float.compare(f.probabilities[j], f.probabilities[i]));
				assertEquals(2, e.attributions.size());
				assertEquals((int) byProbability[0], e.attributions.get(0).classIndex);
				assertEquals((int) byProbability[1], e.attributions.get(1).classIndex);
				assertEquals((int) byProbability[0], e.top[0]);
				assertEquals((int) byProbability[1], e.top[1]);
				assertEquals(f.probabilities[byProbability[1]], e.attributions.get(1).probability, 0f);
				// The probability score differentiates through each class's own sigmoid.
				for (int c = 0; c < 3; c++) {
					double p = f.probabilities[c];
					float[] logitMap = map(m, "gradcam", img, c, ExplainOptions.DEFAULTS);
					float[] probabilityMap = map(m, "gradcam", img, c, PROBABILITY);
					assertArrayEquals(scaled(logitMap, p * (1 - p)), probabilityMap, 1e-4f * Math.max(1e-6f,
						max(probabilityMap)));
				}
			}
		}
	}

	@Test
	void aSavedModelWhoseSignatureEndsInASigmoid() throws Exception {
		float[][] dense = HeadGraphs.dense(3, 6);
		Path dir = TinyModels.kerasStyleBundle(tmp.resolve("keras-multilabel"), HeadGraphs.gapDense(
			NET, dense, true), "input", "scores", RAW);
		try (ExplainableModel m = ExplainableModel.open(dir)) {
			assertEquals(ModelSpec.Activation.SIGMOID, m.spec().activation);
			assertEquals("StatefulPartitionedCall/logits", m.spec().logits, "the sigmoid's input");
			assertTrue(m.spec().assumptions.contains("probabilities from the serving signature, " +
				"logits 'StatefulPartitionedCall/logits' (the sigmoid input)"), m.spec().assumptions
					.toString());
			Pass f = m.forward(image(m, 1).modelInput, 1);
			for (int c = 0; c < 3; c++)
				assertEquals(sigmoid(f.logits[c]), f.probabilities[c], 1e-6);
		}
	}

	@Test
	void theDescriptorOverridesWhatTheGraphShows() throws Exception {
		// A 3-class net with a softmax, declared sigmoid: probabilities are per-class sigmoids.
		Path sig = TinyModels.frozenBundle(tmp.resolve("declared"), NET.graph(),
			"{\"mean\": [0], \"std\": [1], \"logits\": \"logits\", \"activation\": \"sigmoid\"}");
		try (ExplainableModel m = ExplainableModel.open(sig)) {
			assertEquals(ModelSpec.Activation.SIGMOID, m.spec().activation);
			Pass f = m.forward(image(m, 1).modelInput, 1);
			for (int c = 0; c < 3; c++)
				assertEquals(sigmoid(f.logits[c]), f.probabilities[c], 1e-6);
		}
		// One unit declared softmax stays one class (its probability is always 1), as before.
		Path soft = TinyModels.frozenBundle(tmp.resolve("one-softmax"), HeadGraphs.gapDense(NET,
			HeadGraphs.dense(1, 2), false), "{\"mean\": [0], \"std\": [1], \"activation\": \"softmax\"}");
		try (ExplainableModel m = ExplainableModel.open(soft)) {
			assertFalse(m.spec().binary);
			assertEquals(1, m.spec().classes);
			assertEquals(1f, m.forward(image(m, 1).modelInput, 1).probabilities[0], 0f);
		}
	}

	@Test
	void softmaxModelsKeepTheirOwnSoftmax() throws Exception {
		Path dir = TinyModels.frozenBundle(tmp.resolve("softmax"), NET.graph(), RAW);
		try (ExplainableModel m = ExplainableModel.open(dir)) {
			assertEquals(ModelSpec.Activation.SOFTMAX, m.spec().activation);
			assertEquals("probabilities", m.spec().probabilities, "the model's own softmax");
			assertEquals("logits", m.spec().logits);
			Pass f = m.forward(image(m, 2).modelInput, 1);
			double sum = 0;
			for (float p : f.probabilities)
				sum += p;
			assertEquals(1, sum, 1e-6);
		}
	}

	// ---- the IBM MAX mitosis detector: one sigmoid logit, AveragePooling2D + 1x1 Conv2D head ----

	static final String MITOSIS = "models/ibm_max_mitosis_deep_histopath";

	static PreparedImage patch(ExplainableModel m, String name) throws Exception {
		int[] size = new int[2];
		float[] rgb = TestData.rgb(TestData.realData(MITOSIS + "/" + name), size);
		return PreparedImage.of(rgb, size[0], size[1], 3, m.spec());
	}

	@Test
	void mitosisModelNamesBothClassesWithSigmoidProbabilities() throws Exception {
		try (ExplainableModel m = ExplainableModel.open(TestData.realData(MITOSIS + "/bundle"))) {
			ModelSpec s = m.spec();
			assertTrue(s.binary);
			assertEquals(Arrays.asList("not mitosis", "mitosis"), s.labels.names());

			PreparedImage mitotic = patch(m, "true.png");
			Pass t = m.forward(mitotic.modelInput, 1);
			assertEquals(4.4489, t.logits[1], 1e-3, "upstream's logit (PROVENANCE.txt)");
			assertEquals(1, ExplainableModel.argmax(t.probabilities, 0, 2));
			assertEquals("mitosis", s.labels.name(1));
			assertEquals(0.98844, t.probabilities[1], 1e-4);

			PreparedImage plain = patch(m, "false.png");
			Pass f = m.forward(plain.modelInput, 1);
			assertEquals(-9.8858, f.logits[1], 1e-3, "upstream's logit (PROVENANCE.txt)");
			assertEquals(0, ExplainableModel.argmax(f.probabilities, 0, 2));
			assertEquals("not mitosis", s.labels.name(0));
			assertTrue(f.probabilities[0] > 0.99, "p(not mitosis) " + f.probabilities[0]);

			// The 8x8 last feature map, AveragePooling2D + 1x1 Conv2D: CAM = 64 x Grad-CAM.
			assertEquals(64, m.defaultLayer().spatial[0] * m.defaultLayer().spatial[1]);
			checkBinary(m, mitotic, 64);
			checkBinary(m, plain, 64);
		}
	}
}
