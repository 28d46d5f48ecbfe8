package org.explaincnn.core.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.explaincnn.HeadGraphs;
import org.explaincnn.TestData;
import org.explaincnn.TinyModels;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.methods.Methods;

/**
 * CAM's head finder on the heads Keras exports have (a keep_dims mean, a Reshape whose target comes
 * from a Shape op, dropout, a bias-add feeding both the logits and a softmax), against the closed
 * form ReLU(sum_k W[k, c] A_k) and CAM = positions x Grad-CAM, and its refusal of heads that are
 * not global average pooling + one dense layer.
 */
class GapDenseHeadTest {

	@TempDir
	Path tmp;

	static final TinyModels.GapDense NET = new TinyModels.GapDense(29);
	static final float[][] DENSE = HeadGraphs.dense(3, 7);
	static final String RAW = "{\"mean\": [0], \"std\": [1]}";

	static float[][][][] mix() {
		Random r = new Random(8);
		float[][][][] w = new float[1][1][4][4];
		for (float[] row : w[0][0])
			for (int i = 0; i < 4; i++)
				row[i] = (float) r.nextGaussian();
		return w;
	}

	static float[] map(ExplainableModel m, String method, PreparedImage img, int cls) {
		return Methods.byName(method).explain(m, img, new int[] { cls }, ExplainOptions.DEFAULTS)
			.get(0).map;
	}

	static float max(float[] v) {
		float m = 0;
		for (float x : v)
			m = Math.max(m, Math.abs(x));
		return m;
	}

	/** CAM equals ReLU(sum_k W[k, c] A_k) at the default layer and 36 x Grad-CAM, every class. */
	static void checkClosedForm(ExplainableModel m) {
		LayerInfo layer = m.defaultLayer();
		assertTrue(layer.name.endsWith("re_lu_1/Relu"), layer.name);
		for (long seed = 1; seed <= 2; seed++) {
			PreparedImage img = GradientEngineTest.prepared(m, GradientEngineTest.randomInput(72, seed));
			float[] a = m.run(new PassRequest(img.modelInput, 1).activation(layer)).activation(layer)
				.data;
			for (int cls = 0; cls < 3; cls++) {
				float[] cam = map(m, "cam", img, cls);
				for (int pos = 0; pos < 36; pos++) {
					double s = 0;
					for (int k = 0; k < 4; k++)
						s += DENSE[k][cls] * a[pos * 4 + k];
					assertEquals(Math.max(0, s), cam[pos], 1e-5, "class " + cls + " at " + pos);
				}
				float[] gradCam = map(m, "gradcam", img, cls);
				for (int pos = 0; pos < 36; pos++)
					assertEquals(36 * gradCam[pos], cam[pos], 1e-4 * (1 + cam[pos]));
			}
		}
	}

	@Test
	void kerasStyleExportWithADynamicReshapeAndDropout() throws Exception {
		// The function's output is the softmax: the logits are its input, the bias-add.
		Path dir = TinyModels.kerasStyleBundle(tmp.resolve("keras"), HeadGraphs.kerasLike(NET, mix(),
			DENSE), "input", "model/dense/Softmax", RAW);
		try (ExplainableModel m = ExplainableModel.open(dir)) {
			assertEquals("StatefulPartitionedCall/model/dense/BiasAdd", m.spec().logits);
			checkClosedForm(m);
		}
	}

	@Test
	void aBiasAddFeedingBothTheLogitsAndASoftmax() throws Exception {
		Path dir = TinyModels.frozenBundle(tmp.resolve("two-consumers"), HeadGraphs.kerasLike(NET,
			mix(), DENSE), "{\"mean\": [0], \"std\": [1], \"logits\": \"model/logits/Identity\"}");
		try (ExplainableModel m = ExplainableModel.open(dir)) {
			checkClosedForm(m);
		}
	}

	@Test
	void headsThatAreNotGapPlusDenseAreRefused() throws Exception {
		String refusal = "Model has no global-average-pooling + dense head after layer '%s', which " +
			"CAM needs; use Grad-CAM (equal to CAM on such models) or pick the last conv layer.";
		try (ExplainableModel m = ExplainableModel.open(TinyModels.frozenBundle(tmp.resolve("mlp"),
			HeadGraphs.mlpHead(NET), RAW)))
		{
			ExplainException e = assertThrows(ExplainException.class, () -> m.denseHeadWeights(m.layer(
				"features")));
			assertEquals(String.format(refusal, "features"), e.getMessage());
		}
		// A mean over a spatial axis and the channels, whose width happens to be the channel count.
		try (ExplainableModel m = ExplainableModel.open(TinyModels.frozenBundle(tmp.resolve("axes"),
			HeadGraphs.meanOverOtherAxes(NET), RAW)))
		{
			LayerInfo transposed = m.layer("transposed");
			assertEquals(6, transposed.channels);
			ExplainException e = assertThrows(ExplainException.class, () -> m.denseHeadWeights(
				transposed));
			assertEquals(String.format(refusal, "transposed"), e.getMessage());
		}
	}

	@Test
	void kerasMobileNetExportRunsCamProportionalToGradCam() throws Exception {
		Path dir = LayerLookupTest.KERAS_MOBILENET;
		assumeTrue(Files.isDirectory(dir), "Keras MobileNet export missing: " + dir);
		try (ExplainableModel m = ExplainableModel.open(dir)) {
			int[] size = new int[2];
			float[] rgb = TestData.rgb(TestData.sampleImage("both.png"), size);
			PreparedImage img = PreparedImage.of(rgb, size[0], size[1], 3, m.spec());
			LayerInfo layer = m.defaultLayer();
			int positions = layer.spatial[0] * layer.spatial[1];
			assertEquals(49, positions);
			int top = ExplainableModel.argmax(m.forward(img.modelInput, 1).logits, 0, m.spec().classes);
			for (int cls : new int[] { top, 243 }) { // the top class and 'bull mastiff'
				float[] cam = map(m, "cam", img, cls);
				float[] gradCam = map(m, "gradcam", img, cls);
				assertTrue(max(cam) > 0, "class " + cls);
				float[] expected = new float[gradCam.length];
				for (int i = 0; i < expected.length; i++)
					expected[i] = positions * gradCam[i];
				assertArrayEquals(expected, cam, 1e-4f * max(cam), "CAM = 49 x Grad-CAM, class " + cls);
			}
		}
	}
}
