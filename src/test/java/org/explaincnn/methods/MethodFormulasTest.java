package org.explaincnn.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;

import org.explaincnn.TinyModels;
import org.explaincnn.core.BackpropRule;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explainer;
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.TargetSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TFloat32;

/**
 * Each method against its formula, computed independently here, on small models built in the
 * test (the GAP + dense net has a 6x6 feature map at input resolution, so no resampling blurs the
 * comparison), and the axioms the methods promise.
 */
class MethodFormulasTest {

	static final String RAW = "{\"mean\": [0], \"std\": [1], \"logits\": \"logits\"}";
	/** The one-unit nets below keep their single score (one unit is otherwise a binary head). */
	static final String ONE_SCORE = "{\"mean\": [0], \"std\": [1], \"logits\": \"logits\", " +
		"\"activation\": \"none\"}";
	static TinyModels.GapDense net = new TinyModels.GapDense(5);
	static ExplainableModel gap, deep, linear, reluNet;
	static float[] x;
	static PreparedImage image;
	static float[] act;

	@TempDir
	static Path tmp;

	static float[] w = { 0.7f, -1.2f, 0.4f, 2.0f, -0.3f, 0.0f, 1.1f, -0.8f };

	@BeforeAll
	static void build() throws Exception {
		gap = ExplainableModel.open(TinyModels.frozenBundle(tmp.resolve("gap"), net.graph(), RAW));
		deep = ExplainableModel.open(TinyModels.frozenBundle(tmp.resolve("deep"), TinyModels
			.deepGraph(7), RAW));
		linear = ExplainableModel.open(TinyModels.frozenBundle(tmp.resolve("linear"), headOn(false),
			ONE_SCORE));
		reluNet = ExplainableModel.open(TinyModels.frozenBundle(tmp.resolve("relu"), headOn(true),
			ONE_SCORE));
		x = random(72, 3);
		image = PreparedImage.of(x, 6, 6, 2, gap.spec());
		act = gap.run(new PassRequest(x, 1).activation(gap.defaultLayer())).activation(gap
			.defaultLayer()).data;
	}

	@AfterAll
	static void close() {
		for (ExplainableModel m : new ExplainableModel[] { gap, deep, linear, reluNet })
			m.close();
	}

	/** input [-1,2,2,2] -> [relu] -> flatten -> dot w: logits [-1,1]. */
	static GraphDef headOn(boolean relu) {
		try (Graph g = new Graph()) {
			Ops tf = Ops.create(g);
			Operand<TFloat32> in = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(
				Shape.of(-1, 2, 2, 2)));
			Operand<TFloat32> h = relu ? tf.withName("act").nn.relu(in) : in;
			float[][] col = new float[8][1];
			for (int i = 0; i < 8; i++)
				col[i][0] = w[i];
			tf.withName("logits").linalg.matMul(tf.reshape(h, tf.constant(new int[] { -1, 8 })), tf
				.constant(col));
			return g.toGraphDef();
		}
	}

	static float[] random(int n, long seed) {
		Random r = new Random(seed);
		float[] v = new float[n];
		for (int i = 0; i < n; i++)
			v[i] = (float) r.nextGaussian();
		return v;
	}

	static float[] map(String method, int cls, ExplainOptions o) {
		return Methods.byName(method).explain(gap, image, new int[] { cls }, o).get(0).map;
	}

	/** d logit_c / d A[p, k] of the GAP + dense head: W[k][c] / 36 at every position. */
	static double grad(int k, int c) {
		return net.dense[k][c] / 36.0;
	}

	static float[] relu(double[] v) {
		float[] out = new float[v.length];
		for (int i = 0; i < v.length; i++)
			out[i] = (float) Math.max(0, v[i]);
		return out;
	}

	@Test
	void camVariantsEqualTheirFormulas() {
		int p = 36, c = 4;
		for (int cls = 0; cls < 3; cls++) {
			double[] sumA = new double[c];
			for (int i = 0; i < p; i++)
				for (int k = 0; k < c; k++)
					sumA[k] += act[i * c + k];
			double[] plusW = new double[c], xW = new double[c];
			double[] hires = new double[p], layer = new double[p], gradcam = new double[p];
			for (int k = 0; k < c; k++) {
				double g = grad(k, cls);
				// Grad-CAM++: alpha = g^2 / (2 g^2 + sum A * g^3), weight = sum alpha * relu(g)
				double alpha = g == 0 ? 0 : g * g / (2 * g * g + sumA[k] * g * g * g + 1e-7);
				plusW[k] = p * alpha * Math.max(g, 0);
				// XGrad-CAM: sum over positions of g * A / sum A
				for (int i = 0; i < p; i++)
					xW[k] += g * act[i * c + k] / (sumA[k] + 1e-7);
			}
			double[] plus = new double[p], xgrad = new double[p];
			for (int i = 0; i < p; i++)
				for (int k = 0; k < c; k++) {
					double a = act[i * c + k], g = grad(k, cls);
					plus[i] += plusW[k] * a;
					xgrad[i] += xW[k] * a;
					hires[i] += g * a;
					layer[i] += Math.max(g, 0) * a;
					gradcam[i] += g * a; // mean gradient = g: the gradient is spatially constant
				}
			ExplainOptions o = ExplainOptions.DEFAULTS;
			assertArrayEquals(relu(plus), map("gradcam++", cls, o), 1e-5f, "Grad-CAM++ " + cls);
			assertArrayEquals(relu(xgrad), map("xgradcam", cls, o), 1e-5f, "XGrad-CAM " + cls);
			assertArrayEquals(relu(layer), map("layercam", cls, o), 1e-5f, "LayerCAM " + cls);
			// HiResCAM equals Grad-CAM when the gradient is spatially constant.
			assertArrayEquals(relu(hires), map("hirescam", cls, o), 1e-5f, "HiResCAM " + cls);
			assertArrayEquals(map("gradcam", cls, o), map("hirescam", cls, o), 1e-6f);
			assertArrayEquals(relu(gradcam), map("gradcam", cls, o), 1e-5f);
		}
	}

	@Test
	void camIsGradCamTimesThePositionCountOnAGapDenseModel() {
		for (int cls = 0; cls < 3; cls++) {
			float[] cam = map("cam", cls, ExplainOptions.DEFAULTS);
			float[] gradcam = map("gradcam", cls, ExplainOptions.DEFAULTS);
			for (int i = 0; i < cam.length; i++)
				assertEquals(36 * gradcam[i], cam[i], 1e-4 * (1 + cam[i]));
		}
	}

	@Test
	void camRefusesModelsWithoutAGapDenseHead() {
		org.explaincnn.core.ExplainException e = org.junit.jupiter.api.Assertions.assertThrows(
			org.explaincnn.core.ExplainException.class, () -> Methods.byName("cam").explain(deep,
				PreparedImage.of(random(192, 1), 8, 8, 3, deep.spec()), new int[] { 0 },
				ExplainOptions.DEFAULTS));
		assertTrue(e.getMessage().contains("no global-average-pooling + dense head"), e.getMessage());
	}

	@Test
	void eigenCamIsTheFirstPrincipalComponentWithAConsistentSign() {
		float[] map = map("eigencam", 0, ExplainOptions.DEFAULTS);
		// Power iteration on the centred covariance, independently of the SVD used by the method.
		int p = 36, c = 4;
		double[] mean = new double[c];
		for (int i = 0; i < p; i++)
			for (int k = 0; k < c; k++)
				mean[k] += act[i * c + k] / p;
		double[][] cov = new double[c][c];
		for (int i = 0; i < p; i++)
			for (int a = 0; a < c; a++)
				for (int b = 0; b < c; b++)
					cov[a][b] += (act[i * c + a] - mean[a]) * (act[i * c + b] - mean[b]);
		double[] v = { 1, 1, 1, 1 };
		for (int it = 0; it < 500; it++) {
			double[] nv = new double[c];
			double norm = 0;
			for (int a = 0; a < c; a++) {
				for (int b = 0; b < c; b++)
					nv[a] += cov[a][b] * v[b];
				norm += nv[a] * nv[a];
			}
			for (int a = 0; a < c; a++)
				v[a] = nv[a] / Math.sqrt(norm);
		}
		double[] proj = new double[p];
		double agreement = 0;
		for (int i = 0; i < p; i++) {
			double total = 0;
			for (int k = 0; k < c; k++) {
				proj[i] += (act[i * c + k] - mean[k]) * v[k];
				total += act[i * c + k];
			}
			agreement += proj[i] * total;
		}
		if (agreement < 0) for (int i = 0; i < p; i++)
			proj[i] = -proj[i];
		assertArrayEquals(relu(proj), map, 1e-4f);
	}

	@Test
	void saliencyAndInputTimesGradientMatchFiniteDifferences() {
		float[] in = random(8 * 8 * 3, 4);
		PreparedImage img = PreparedImage.of(in, 8, 8, 3, deep.spec());
		int cls = 1;
		float[] sal = Methods.byName("saliency").explain(deep, img, new int[] { cls },
			ExplainOptions.DEFAULTS).get(0).map;
		float[] ixg = Methods.byName("inputxgradient").explain(deep, img, new int[] { cls },
			ExplainOptions.DEFAULTS).get(0).map;
		for (int pixel : new int[] { 0, 9, 27, 45, 63 }) {
			double maxAbs = 0, sum = 0;
			for (int k = 0; k < 3; k++) {
				int i = pixel * 3 + k;
				float eps = 1e-3f;
				float[] plus = in.clone(), minus = in.clone();
				plus[i] += eps;
				minus[i] -= eps;
				double fd = (deep.forward(plus, 1).logits[cls] - deep.forward(minus, 1).logits[cls]) /
					(2 * eps);
				maxAbs = Math.max(maxAbs, Math.abs(fd));
				sum += in[i] * fd;
			}
			assertEquals(maxAbs, sal[pixel], 0.02 * maxAbs + 1e-4, "saliency at " + pixel);
			assertEquals(sum, ixg[pixel], 0.02 * Math.abs(sum) + 1e-4, "input x gradient at " + pixel);
		}
	}

	@Test
	void guidedBackpropAndDeconvnetApplyTheirRuleAndLeavePlainGradientsAlone() {
		float[] in = { 0.5f, -0.2f, 1.0f, 0.3f, -0.7f, 0.9f, -0.1f, 0.4f };
		float[] seed = { 1 };
		float[] plainBefore = reluNet.run(new PassRequest(in, 1).seed(seed).inputGradient())
			.inputGradient.data;
		float[] guided = reluNet.run(new PassRequest(in, 1).seed(seed).inputGradient(
			BackpropRule.GUIDED)).inputGradient.data;
		float[] deconv = reluNet.run(new PassRequest(in, 1).seed(seed).inputGradient(
			BackpropRule.DECONVNET)).inputGradient.data;
		float[] plainAfter = reluNet.run(new PassRequest(in, 1).seed(seed).inputGradient())
			.inputGradient.data;
		for (int i = 0; i < 8; i++) {
			float active = in[i] > 0 ? 1 : 0;
			assertEquals(w[i] * active, plainBefore[i], 1e-6, "plain " + i);
			assertEquals(Math.max(w[i], 0) * active, guided[i], 1e-6, "guided " + i);
			assertEquals(Math.max(w[i], 0), deconv[i], 1e-6, "deconvnet " + i);
		}
		assertArrayEquals(plainBefore, plainAfter, 0f, "plain gradients unchanged after guided runs");
		// The model's own scores are untouched too.
		assertEquals(reluNet.forward(in, 1).logits[0], reluNet.run(new PassRequest(in, 1).seed(seed)
			.inputGradient(BackpropRule.GUIDED)).logits[0], 0f);
	}

	@Test
	void integratedGradientsOfALinearModelAreInputTimesWeight() {
		float[] in = random(8, 6);
		PreparedImage img = PreparedImage.of(in, 2, 2, 2, linear.spec());
		for (String baseline : new String[] { "black", "white" }) {
			ExplainOptions o = ExplainOptions.DEFAULTS;
			o = o.withParam("steps", "3");
			o = o.withParam("baseline", baseline);
			ClassMap m = Methods.byName("integratedgradients").explain(linear, img, new int[] { 0 }, o)
				.get(0);
			float b = baseline.equals("black") ? 0f : 255f; // model units = pixels here
			for (int p = 0; p < 4; p++) {
				double expected = (in[p * 2] - b) * w[p * 2] + (in[p * 2 + 1] - b) * w[p * 2 + 1];
				assertEquals(expected, m.map[p], 1e-3 * (1 + Math.abs(expected)), baseline + " " + p);
			}
			assertEquals(0, (Double) m.details.get("completenessGap"), 1e-2);
		}
	}

	@Test
	void integratedGradientsConvergeQuadraticallyOnASmoothNet() {
		PreparedImage img = PreparedImage.of(random(192, 8), 8, 8, 3, deep.spec());
		double[] gaps = new double[3];
		int[] steps = { 8, 16, 64 };
		for (int i = 0; i < 3; i++) {
			ExplainOptions o = ExplainOptions.DEFAULTS;
			o = o.withParam("steps", Integer.toString(steps[i]));
			gaps[i] = Math.abs((Double) Methods.byName("integratedgradients").explain(deep, img,
				new int[] { 2 }, o).get(0).details.get("relativeGap"));
		}
		assertTrue(gaps[2] < 1e-3, "gap at 64 steps " + gaps[2]);
		assertTrue(gaps[1] < gaps[0] / 2.5, "trapezoid rule: halving the step quarters the error " +
			java.util.Arrays.toString(gaps));
	}

	@Test
	void smoothGradIsReproducibleAndWithoutNoiseEqualsItsBase() {
		PreparedImage img = PreparedImage.of(random(192, 9), 8, 8, 3, deep.spec());
		ExplainOptions o = ExplainOptions.DEFAULTS;
		o = o.withParam("samples", "6");
		o = o.toBuilder().batchSize(4).build(); // two chunks
		for (String method : new String[] { "smoothgrad", "smoothgrad-sq", "vargrad" }) {
			float[] a = Methods.byName(method).explain(deep, img, new int[] { 1 }, o).get(0).map;
			float[] b = Methods.byName(method).explain(deep, img, new int[] { 1 }, o).get(0).map;
			assertArrayEquals(a, b, 0f, method + " with the same seed");
		}
		o = o.toBuilder().seed(43).build();
		float[] otherSeed = Methods.byName("smoothgrad").explain(deep, img, new int[] { 1 }, o).get(0)
			.map;
		o = o.toBuilder().seed(42).build();
		assertTrue(!java.util.Arrays.equals(otherSeed, Methods.byName("smoothgrad").explain(deep,
			img, new int[] { 1 }, o).get(0).map), "another seed, other noise");
		o = o.withParam("noise", "0");
		for (String base : new String[] { "saliency", "inputxgradient", "guidedbackprop" }) {
			o = o.withParam("base", base);
			float[] smooth = Methods.byName("smoothgrad").explain(deep, img, new int[] { 1 }, o).get(0)
				.map;
			float[] plain = Methods.byName(base).explain(deep, img, new int[] { 1 },
				ExplainOptions.DEFAULTS).get(0).map;
			assertArrayEquals(plain, smooth, 1e-6f, "noise 0 over " + base);
			float[] variance = Methods.byName("vargrad").explain(deep, img, new int[] { 1 }, o).get(0)
				.map;
			for (float v : variance)
				assertEquals(0, v, 1e-9, "no noise, no variance");
		}
	}

	@Test
	void gradientShapIsReproducibleAndApproachesIntegratedGradientsOnALinearModel() {
		float[] in = random(8, 10);
		PreparedImage img = PreparedImage.of(in, 2, 2, 2, linear.spec());
		ExplainOptions o = ExplainOptions.DEFAULTS;
		o = o.withParam("baseline", "black");
		o = o.withParam("samples", "5");
		float[] a = Methods.byName("gradientshap").explain(linear, img, new int[] { 0 }, o).get(0).map;
		float[] b = Methods.byName("gradientshap").explain(linear, img, new int[] { 0 }, o).get(0).map;
		assertArrayEquals(a, b, 0f);
		// For a linear model the gradient is w everywhere: (x - 0) * w whatever alpha is.
		for (int p = 0; p < 4; p++)
			assertEquals(in[p * 2] * w[p * 2] + in[p * 2 + 1] * w[p * 2 + 1], a[p], 1e-4);
	}

	@Test
	void topKGivesOneMapPerClassInScoreOrder() {
		org.explaincnn.core.Explanation e = Explainer.explain(gap, image, Methods.byName("gradcam"),
			TargetSpec.topK(3), ExplainOptions.DEFAULTS, System.nanoTime());
		assertEquals(3, e.attributions.size());
		assertTrue(e.attributions.get(0).logit >= e.attributions.get(1).logit && e.attributions.get(
			1).logit >= e.attributions.get(2).logit);
		for (int i = 0; i < 3; i++)
			assertArrayEquals(map("gradcam", e.attributions.get(i).classIndex, ExplainOptions.DEFAULTS), e
				.attributions.get(i).map, 1e-6f);
	}
}
