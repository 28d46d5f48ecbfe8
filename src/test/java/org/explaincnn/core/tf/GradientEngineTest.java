package org.explaincnn.core.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.explaincnn.core.Attribution;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.FeatureMap;
import org.explaincnn.core.Explainer;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.Pass;
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.Score;
import org.explaincnn.core.TargetSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.explaincnn.TestData;
import org.explaincnn.TinyModels;
import org.explaincnn.methods.Methods;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Gradients against finite differences and closed forms, on models built in the tests. */
class GradientEngineTest {

	@TempDir
	Path tmp;

	static final String RAW = "{\"mean\": [0], \"std\": [1], \"logits\": \"logits\"}";

	static float[] randomInput(int n, long seed) {
		Random r = new Random(seed);
		float[] x = new float[n];
		for (int i = 0; i < n; i++)
			x[i] = (float) r.nextGaussian();
		return x;
	}

	static double dot(float[] a, float[] b) {
		double s = 0;
		for (int i = 0; i < a.length; i++)
			s += (double) a[i] * b[i];
		return s;
	}

	static float[] axpy(float[] x, float a, float[] v) {
		float[] out = new float[x.length];
		for (int i = 0; i < x.length; i++)
			out[i] = x[i] + a * v[i];
		return out;
	}

	@Test
	void inputGradientMatchesFiniteDifferences() throws Exception {
		Path dir = TinyModels.frozenBundle(tmp.resolve("deep"), TinyModels.deepGraph(3), RAW);
		try (ExplainableModel m = ExplainableModel.open(dir)) {
			float[] x = randomInput(8 * 8 * 3, 1);
			for (int cls = 0; cls < 4; cls++) {
				float[] seed = new float[4];
				seed[cls] = 1;
				Pass p = m.run(new PassRequest(x, 1).seed(seed).inputGradient());
				float[] g = p.inputGradient.data;
				for (long dirSeed = 10; dirSeed < 13; dirSeed++) {
					float[] v = randomInput(x.length, dirSeed);
					float eps = 1e-2f;
					double fd = (m.forward(axpy(x, eps, v), 1).logits[cls] - m.forward(axpy(x, -eps, v),
						1).logits[cls]) / (2 * eps);
					double analytic = dot(g, v);
					assertEquals(fd, analytic, 0.01 * Math.abs(fd) + 1e-3, "class " + cls);
				}
			}
		}
	}

	@Test
	void layerGradientMatchesFiniteDifferences() throws Exception {
		Path dir = TinyModels.frozenBundle(tmp.resolve("deep"), TinyModels.deepGraph(4), RAW);
		try (TensorFlowModel m = TensorFlowModel.open(dir)) {
			LayerInfo block1 = m.layer("block1");
			assertArrayEquals(new int[] { 8, 8 }, block1.spatial);
			float[] x = randomInput(8 * 8 * 3, 2);
			float[] seed = { 0, 0, 1, 0 };
			Pass p = m.run(new PassRequest(x, 1).seed(seed).activation(block1).layerGradient(block1));
			float[] a = p.activation(block1).data;
			float[] g = p.gradient(block1).data;
			float[] v = randomInput(a.length, 5);
			float eps = 1e-3f; // small enough not to switch max-pool winners
			double fd = (logitWithLayerFed(m, x, block1, axpy(a, eps, v), 2) - logitWithLayerFed(m, x,
				block1, axpy(a, -eps, v), 2)) / (2 * eps);
			assertEquals(fd, dot(g, v), 0.01 * Math.abs(fd) + 1e-3);
		}
	}

	/** Score when the layer's output is replaced by {@code value} (a layer feed). */
	private static float logitWithLayerFed(TensorFlowModel m, float[] x, LayerInfo layer,
		float[] value, int cls)
	{
		return m.run(new PassRequest(x, 1).feed(layer, new FeatureMap(1, layer.spatial,
			layer.channels, value))).logits[cls];
	}

	@Test
	void gradCamEqualsItsClosedFormOnGapDense() throws Exception {
		TinyModels.GapDense net = new TinyModels.GapDense(11);
		Path dir = TinyModels.frozenBundle(tmp.resolve("gap"), net.graph(),
			"{\"mean\": [0], \"std\": [1], \"logits\": \"logits\", \"probabilities\": \"probabilities\"}");
		try (ExplainableModel m = ExplainableModel.open(dir)) {
			assertEquals("features", m.defaultLayer().name);
			float[] x = randomInput(6 * 6 * 2, 3);
			Pass p = m.run(new PassRequest(x, 1).activation(m.defaultLayer()));
			float[] act = p.activation(m.defaultLayer()).data;
			PreparedImage img = prepared(m, x);
			for (int cls = 0; cls < 3; cls++) {
				float[] expected = new float[36];
				for (int pos = 0; pos < 36; pos++) {
					double s = 0;
					for (int k = 0; k < 4; k++)
						s += net.dense[k][cls] / 36.0 * act[pos * 4 + k];
					expected[pos] = (float) Math.max(0, s);
				}
				ExplainOptions o = ExplainOptions.DEFAULTS;
				float[] cam = Methods.byName("gradcam").explain(m, img, new int[] { cls }, o).get(0).map;
				assertArrayEquals(expected, cam, 1e-5f, "class " + cls);
				o = o.toBuilder().counterfactual(true).build();
				float[] counter = Methods.byName("gradcam").explain(m, img, new int[] { cls }, o).get(
					0).map;
				for (int pos = 0; pos < 36; pos++) {
					double s = 0;
					for (int k = 0; k < 4; k++)
						s -= net.dense[k][cls] / 36.0 * act[pos * 4 + k];
					assertEquals(Math.max(0, s), counter[pos], 1e-5);
				}
			}
		}
	}

	/** A PreparedImage whose model input is exactly x (identity preprocessing, model size). */
	static PreparedImage prepared(ExplainableModel m, float[] x) {
		PreparedImage img = PreparedImage.of(x, m.spec().width, m.spec().height, m.spec().channels, m.spec());
		assertArrayEquals(x, img.modelInput, 1e-6f);
		return img;
	}

	@Test
	void kerasStyleFunctionModelExplainsLikeThePlainGraph() throws Exception {
		TinyModels.GapDense net = new TinyModels.GapDense(21);
		String desc = "{\"mean\": [0], \"std\": [1]}";
		Path plain = TinyModels.frozenBundle(tmp.resolve("plain"), net.graph(), desc);
		Path keras = TinyModels.kerasStyleBundle(tmp.resolve("keras"), net.graph(), "input",
			"probabilities", desc);
		try (ExplainableModel a = ExplainableModel.open(plain);
			ExplainableModel b = ExplainableModel.open(keras))
		{
			List<LayerInfo> layers = b.layers();
			assertTrue(layers.stream().anyMatch(l -> l.name.equals("StatefulPartitionedCall/features")),
				"inlined layers: " + layers);
			assertEquals("StatefulPartitionedCall/features", b.defaultLayer().name);
			float[] x = randomInput(72, 9);
			for (int cls = 0; cls < 3; cls++) {
				float[] ma = Methods.byName("gradcam").explain(a, prepared(a, x), new int[] { cls },
					ExplainOptions.DEFAULTS).get(0).map;
				float[] mb = Methods.byName("gradcam").explain(b, prepared(b, x), new int[] { cls },
					ExplainOptions.DEFAULTS).get(0).map;
				assertArrayEquals(ma, mb, 1e-5f);
				float[] seed = new float[3];
				seed[cls] = 1;
				assertArrayEquals(a.run(new PassRequest(x, 1).seed(seed).inputGradient()).inputGradient.data,
					b.run(new PassRequest(x, 1).seed(seed).inputGradient()).inputGradient.data, 1e-5f);
			}
		}
	}

	@Test
	void realKerasExportGivesFiniteDifferenceInputGradients() {
		Path dir = TestData.realData("models/kotlindl_mnist_tf2");
		try (ExplainableModel m = ExplainableModel.open(dir)) {
			assertEquals(10, m.spec().classes);
			assertEquals(3, m.spec().inputRank);
			assertTrue(m.layers().isEmpty(), "an MLP has no spatial layers");
			float[] x = new float[28 * 28];
			for (int y = 4; y < 24; y++) // a rough vertical stroke: a "1"
				for (int c = 12; c < 16; c++)
					x[y * 28 + c] = 1f;
			Pass fwd = m.forward(x, 1);
			assertEquals(1, ExplainableModel.argmax(fwd.probabilities, 0, 10));
			for (int cls : new int[] { 1, 7 }) {
				float[] seed = new float[10];
				seed[cls] = 1;
				float[] g = m.run(new PassRequest(x, 1).seed(seed).inputGradient()).inputGradient.data;
				float[] v = randomInput(x.length, cls);
				float eps = 1e-3f;
				double fd = (m.forward(axpy(x, eps, v), 1).logits[cls] - m.forward(axpy(x, -eps, v), 1)
					.logits[cls]) / (2 * eps);
				assertEquals(fd, dot(g, v), 0.01 * Math.abs(fd) + 1e-3, "class " + cls);
			}
		}
	}

	@Test
	void centerCropMapsComeBackOntoTheOriginalPixels() throws Exception {
		TinyModels.GapDense net = new TinyModels.GapDense(31);
		Path dir = TinyModels.frozenBundle(tmp.resolve("crop"), net.graph(),
			"{\"mean\": [0], \"std\": [1], \"logits\": \"logits\", \"resize\": \"center-crop\"}");
		try (ExplainableModel m = ExplainableModel.open(dir)) {
			// 18 x 6 image: the model (6 x 6) sees the centred 6 x 6 window, columns 6..11.
			float[] wide = randomInput(18 * 6 * 2, 4);
			float[] window = new float[6 * 6 * 2];
			for (int y = 0; y < 6; y++)
				System.arraycopy(wide, (y * 18 + 6) * 2, window, y * 6 * 2, 12);
			PreparedImage img = PreparedImage.of(wide, 18, 6, 2, m.spec());
			assertArrayEquals(window, img.modelInput, 1e-6f);
			Attribution a = Explainer.explain(m, img, Methods.byName("gradcam"), TargetSpec.parse("1"),
				ExplainOptions.DEFAULTS, System.nanoTime()).attributions.get(0);
			assertEquals(18, a.width);
			assertEquals(6, a.height);
			float[] inside = Methods.byName("gradcam").explain(m, prepared(m, window), new int[] { 1 },
				ExplainOptions.DEFAULTS).get(0).map;
			for (int y = 0; y < 6; y++)
				for (int x = 0; x < 18; x++) {
					float v = a.map[y * 18 + x];
					if (x < 6 || x >= 12) assertEquals(0f, v, "outside the crop at " + x + "," + y);
					else assertEquals(inside[y * 6 + x - 6], v, 1e-6f);
				}
		}
	}
}
