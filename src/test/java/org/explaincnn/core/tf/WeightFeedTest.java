package org.explaincnn.core.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.explaincnn.TinyModels;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.Pass;
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.ReweightedModel;
import org.explaincnn.core.WeightLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weight overrides on the tiny GAP + dense net (conv 3x3 + bias + relu, spatial mean, dense +
 * bias): the engine finds both weight layers, top first, reads their stored values, and a run
 * with other weights fed gives exactly the logits computed here by hand with those weights, for a
 * frozen graph (weights are Const ops) and for a Keras-style SavedModel (variables); the model's
 * own runs are unchanged by it and no op is added to the graph.
 */
class WeightFeedTest {

	static final String RAW = "{\"mean\": [0], \"std\": [1], \"logits\": \"logits\"}";
	static final TinyModels.GapDense NET = new TinyModels.GapDense(21);
	/** Other weights of the same shapes: what is fed. */
	static final TinyModels.GapDense OTHER = new TinyModels.GapDense(22);

	@TempDir
	static Path tmp;

	@Test
	void aFrozenGraphRunsWithFedConstantsAsComputedByHand() throws Exception {
		try (TensorFlowModel m = TensorFlowModel.open(TinyModels.frozenBundle(tmp.resolve("frozen"),
			NET.graph(), RAW)))
		{
			assertTrue(m.capabilities().weightFeed);
			List<WeightLayer> layers = m.layersWithWeights();
			assertEquals(List.of("dense", "conv"), layers.stream().map(WeightLayer::name).toList(),
				"top first");
			WeightLayer dense = layers.get(0), conv = layers.get(1);
			assertEquals(List.of("kernel", "bias"), dense.tensors().stream().map(WeightLayer.Tensor::role)
				.toList());
			assertArrayEquals(new long[] { 4, 3 }, dense.tensors().get(0).shape());
			assertArrayEquals(new long[] { 3, 3, 2, 4 }, conv.tensors().get(0).shape());
			assertArrayEquals(flat(NET.kernel), m.weights(conv.tensors().get(0)));
			assertArrayEquals(NET.bias, m.weights(conv.tensors().get(1)));
			assertArrayEquals(flat(NET.dense), m.weights(dense.tensors().get(0)));
			assertArrayEquals(NET.denseBias, m.weights(dense.tensors().get(1)));
			int ops = m.graphSize();
			checkOverrides(m, layers);
			assertEquals(ops, m.graphSize(), "feeding weights adds nothing to the graph");
		}
	}

	@Test
	void aKerasSavedModelRunsWithFedVariablesAsComputedByHand() throws Exception {
		Path dir = TinyModels.kerasStyleBundle(tmp.resolve("keras"), NET.graph(), "input",
			"probabilities", "{\"mean\": [0], \"std\": [1]}");
		try (ExplainableModel m = ExplainableModel.open(dir)) {
			List<WeightLayer> layers = m.layersWithWeights();
			assertEquals(2, layers.size(), layers.toString());
			assertArrayEquals(flat(NET.kernel), m.weights(layers.get(1).tensors().get(0)));
			checkOverrides(m, layers);
		}
	}

	/** Forward passes with the trained weights, the other weights fed, and the trained again. */
	private static void checkOverrides(ExplainableModel m, List<WeightLayer> layers) {
		WeightLayer dense = layers.get(0), conv = layers.get(1);
		float[] x = input(5);
		Pass before = m.run(new PassRequest(x, 2));
		assertArrayEquals(logits(NET, x, 2), before.logits, 1e-4f, "the hand computation");
		Map<String, float[]> fed = Map.of(conv.tensors().get(0).name(), flat(OTHER.kernel), conv
			.tensors().get(1).name(), OTHER.bias, dense.tensors().get(0).name(), flat(OTHER.dense), dense
				.tensors().get(1).name(), OTHER.denseBias);
		ReweightedModel view = new ReweightedModel(m, fed);
		float[] expected = logits(OTHER, x, 2);
		Pass other = view.run(new PassRequest(x, 2));
		assertArrayEquals(expected, other.logits, 1e-4f);
		for (int i = 0; i < expected.length; i++)
			assertTrue(Math.abs(expected[i] - before.logits[i]) > 1e-3, "the weights changed logit " +
				i);
		// Only the top layer replaced: the trained conv, the other dense layer.
		TinyModels.GapDense mixed = new TinyModels.GapDense(21);
		copy(OTHER.dense, mixed.dense);
		System.arraycopy(OTHER.denseBias, 0, mixed.denseBias, 0, 3);
		ReweightedModel top = new ReweightedModel(m, Map.of(dense.tensors().get(0).name(), flat(
			OTHER.dense), dense.tensors().get(1).name(), OTHER.denseBias));
		assertArrayEquals(logits(mixed, x, 2), top.run(new PassRequest(x, 2)).logits, 1e-4f);
		// CAM reads the head it runs with.
		LayerInfo features = m.layer("features");
		float[][] head = view.denseHeadWeights(features);
		for (int k = 0; k < 4; k++)
			assertArrayEquals(OTHER.dense[k], head[k], 0f);
		assertArrayEquals(NET.dense[1], m.denseHeadWeights(features)[1], 0f);
		// The model itself is untouched: bit for bit the same as before.
		assertArrayEquals(before.logits, m.run(new PassRequest(x, 2)).logits, 0f);
		assertThrows(IllegalArgumentException.class, () -> new ReweightedModel(m, Map.of(dense
			.tensors().get(0).name(), new float[5])), "a wrong size is refused");
		assertThrows(IllegalArgumentException.class, () -> new ReweightedModel(m, Map.of("features:0",
			new float[1])), "only weight tensors can be replaced");
	}

	/** The net by hand: conv 3x3 SAME + bias, relu, spatial mean, dense + bias. */
	static float[] logits(TinyModels.GapDense n, float[] x, int batch) {
		float[] out = new float[batch * n.classes];
		for (int b = 0; b < batch; b++) {
			double[] pooled = new double[n.cout];
			for (int y = 0; y < n.h; y++)
				for (int xx = 0; xx < n.w; xx++)
					for (int co = 0; co < n.cout; co++) {
						double s = n.bias[co];
						for (int ky = 0; ky < 3; ky++)
							for (int kx = 0; kx < 3; kx++) {
								int iy = y + ky - 1, ix = xx + kx - 1;
								if (iy < 0 || ix < 0 || iy >= n.h || ix >= n.w) continue;
								for (int ci = 0; ci < n.cin; ci++)
									s += n.kernel[ky][kx][ci][co] * x[((b * n.h + iy) * n.w + ix) * n.cin + ci];
							}
						pooled[co] += Math.max(0, s) / (n.h * n.w);
					}
			for (int c = 0; c < n.classes; c++) {
				double s = n.denseBias[c];
				for (int k = 0; k < n.cout; k++)
					s += pooled[k] * n.dense[k][c];
				out[b * n.classes + c] = (float) s;
			}
		}
		return out;
	}

	private static float[] input(long seed) {
		Random r = new Random(seed);
		float[] x = new float[2 * NET.h * NET.w * NET.cin];
		for (int i = 0; i < x.length; i++)
			x[i] = (float) r.nextGaussian();
		return x;
	}

	private static void copy(float[][] from, float[][] to) {
		for (int i = 0; i < from.length; i++)
			System.arraycopy(from[i], 0, to[i], 0, from[i].length);
	}

	static float[] flat(float[][] a) {
		float[] out = new float[a.length * a[0].length];
		for (int i = 0; i < a.length; i++)
			System.arraycopy(a[i], 0, out, i * a[0].length, a[0].length);
		return out;
	}

	static float[] flat(float[][][][] a) {
		int n = 0;
		float[] out = new float[a.length * a[0].length * a[0][0].length * a[0][0][0].length];
		for (float[][][] p : a)
			for (float[][] q : p)
				for (float[] r : q)
					for (float v : r)
						out[n++] = v;
		return out;
	}
}
