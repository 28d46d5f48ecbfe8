package org.explaincnn.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

import org.explaincnn.SampleModel;
import org.explaincnn.TestData;
import org.explaincnn.TinyModels;
import org.explaincnn.core.Attribution;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explainer;
import org.explaincnn.core.Explanation;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.TargetSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TFloat32;

/**
 * Occlusion and RISE against their definitions on a linear TensorFlow model (scores w_c . input,
 * so a hidden region changes the score by exactly w_c . (x - b) over it), and on the sample
 * MobileNet: 'tabby' on the cat (lower half of both.png), a dog class on the dog (upper half).
 */
@ExtendWith(SampleModel.class)
class OcclusionRiseTest {

	/** A non-square input, so that rows and columns cannot be swapped unnoticed. */
	static final int H = 10, W = 12, C = 2, CLASSES = 2;
	static ExplainableModel linear;
	static float[][] w = new float[CLASSES][H * W * C];
	static float[] x;
	static PreparedImage image;

	@TempDir
	static Path tmp;

	@BeforeAll
	static void build() throws Exception {
		Random r = new Random(5);
		for (float[] row : w)
			for (int i = 0; i < row.length; i++)
				row[i] = (float) r.nextGaussian();
		linear = ExplainableModel.open(TinyModels.frozenBundle(tmp.resolve("linear"), linearGraph(),
			"{\"mean\": [0], \"std\": [1], \"logits\": \"logits\", \"activation\": \"none\"}"));
		x = new float[H * W * C];
		for (int i = 0; i < x.length; i++)
			x[i] = 40 + 200 * r.nextFloat();
		image = PreparedImage.of(x, W, H, C, linear.spec());
	}

	@AfterAll
	static void close() {
		linear.close();
	}

	/** input [-1, H, W, C] -> flatten -> matmul: logits [-1, CLASSES], no bias. */
	static GraphDef linearGraph() {
		try (Graph g = new Graph()) {
			Ops tf = Ops.create(g);
			var in = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, H,
				W, C)));
			float[][] cols = new float[H * W * C][CLASSES];
			for (int i = 0; i < cols.length; i++)
				for (int c = 0; c < CLASSES; c++)
					cols[i][c] = w[c][i];
			tf.withName("logits").linalg.matMul(tf.reshape(in, tf.constant(new int[] { -1, H * W * C })),
				tf.constant(cols));
			return g.toGraphDef();
		}
	}

	static List<ClassMap> explain(String method, ExplainOptions o) {
		return Methods.byName(method).explain(linear, image, new int[] { 0, 1 }, o);
	}

	/** w_c . (x - b) at pixel p, over its channels. */
	static double contribution(int c, int p, float[] b) {
		double s = 0;
		for (int k = 0; k < C; k++)
			s += w[c][p * C + k] * (x[p * C + k] - b[p * C + k]);
		return s;
	}

	static float[] constantPerChannel(float[] values) {
		float[] b = new float[H * W * C];
		for (int i = 0; i < b.length; i++)
			b[i] = values[i % C];
		return b;
	}

	/**
	 * The closed form, written from the definition: windows of side s at every multiple of the
	 * stride that fits; a window's drop is the sum of w . (x - b) over its pixels; a pixel's value
	 * is the mean drop over the windows that cover it, 0 if none does.
	 */
	static float[] occlusionClosedForm(int c, int side, int stride, float[] b) {
		double[] sum = new double[H * W];
		int[] n = new int[H * W];
		for (int y0 = 0; y0 + side <= H; y0 += stride)
			for (int x0 = 0; x0 + side <= W; x0 += stride) {
				double drop = 0;
				for (int y = y0; y < y0 + side; y++)
					for (int xx = x0; xx < x0 + side; xx++)
						drop += contribution(c, y * W + xx, b);
				for (int y = y0; y < y0 + side; y++)
					for (int xx = x0; xx < x0 + side; xx++) {
						sum[y * W + xx] += drop;
						n[y * W + xx]++;
					}
			}
		float[] out = new float[H * W];
		for (int p = 0; p < out.length; p++)
			out[p] = n[p] == 0 ? 0f : (float) (sum[p] / n[p]);
		return out;
	}

	static double maxAbs(float[] v) {
		double m = 0;
		for (float f : v)
			m = Math.max(m, Math.abs(f));
		return m;
	}

	@Test
	void occlusionOfALinearModelEqualsTheClosedForm() {
		// Stride 3 over 12 columns leaves columns 10 and 11 uncovered (0): Captum's rule.
		ExplainOptions o = ExplainOptions.DEFAULTS.withParam("window", "4").withParam("stride", "3");
		float[] black = new float[H * W * C];
		List<ClassMap> maps = explain("occlusion", o);
		for (int c = 0; c < CLASSES; c++) {
			float[] expected = occlusionClosedForm(c, 4, 3, black);
			assertArrayEquals(expected, maps.get(c).map, (float) (1e-5 * maxAbs(expected)), "class " + c);
			assertEquals(0f, maps.get(c).map[5 * W + 11]);
			assertEquals(9, maps.get(c).details.get("windows"));
		}
		// The mean baseline: per channel mean of the image; default stride = half the window.
		double[] mean = new double[C];
		for (int i = 0; i < x.length; i++)
			mean[i % C] += x[i] / (H * W);
		float[] meanBase = constantPerChannel(new float[] { (float) mean[0], (float) mean[1] });
		o = ExplainOptions.DEFAULTS.withParam("window", "4").withParam("baseline", "mean");
		maps = explain("occlusion", o);
		for (int c = 0; c < CLASSES; c++) {
			float[] expected = occlusionClosedForm(c, 4, 2, meanBase);
			assertArrayEquals(expected, maps.get(c).map, (float) (1e-5 * maxAbs(expected)), "mean " + c);
		}
	}

	/**
	 * The paper's masks drawn independently here (cells kept with probability p, bilinear
	 * interpolation between cell centres on a grid of (s + 1) cells, edges clamped, a uniform shift
	 * of up to a cell): the expectation of sum_i f_i M_i / (N p) by many draws, against RISE's map of
	 * 20000 masks through TensorFlow. For a linear model f(M) = f(b) + sum_q a_q M_q, so the map is
	 * (f(b) E[M_p] + sum_q a_q E[M_q M_p]) / p.
	 */
	@Test
	void riseOfALinearModelConvergesToItsExpectation() {
		int s = 3, n = 20_000;
		double keep = 0.5;
		ExplainOptions o = ExplainOptions.DEFAULTS.withParam("masks", String.valueOf(n)).withParam(
			"cells", String.valueOf(s)).withParam("baseline", "white").toBuilder().batchSize(64).build();
		List<ClassMap> maps = explain("rise", o);
		float[] white = constantPerChannel(new float[] { 255, 255 });
		int cw = (W + s - 1) / s, ch = (H + s - 1) / s;
		SplittableRandom r = new SplittableRandom(99);
		int draws = 100_000;
		double[][] expected = new double[CLASSES][H * W];
		double[] m = new double[H * W];
		double[] fb = new double[CLASSES];
		for (int c = 0; c < CLASSES; c++)
			for (int i = 0; i < x.length; i++)
				fb[c] += w[c][i] * white[i];
		for (int d = 0; d < draws; d++) {
			boolean[] cell = new boolean[s * s];
			for (int i = 0; i < cell.length; i++)
				cell[i] = r.nextDouble() < keep;
			int dx = r.nextInt(cw), dy = r.nextInt(ch);
			for (int y = 0; y < H; y++)
				for (int xx = 0; xx < W; xx++)
					m[y * W + xx] = bilinear(cell, s, (xx + dx + 0.5) * s / ((s + 1.0) * cw) - 0.5, (y +
						dy + 0.5) * s / ((s + 1.0) * ch) - 0.5);
			for (int c = 0; c < CLASSES; c++) {
				double f = fb[c];
				for (int p = 0; p < H * W; p++)
					f += contribution(c, p, white) * m[p];
				for (int p = 0; p < H * W; p++)
					expected[c][p] += f * m[p] / (draws * keep);
			}
		}
		for (int c = 0; c < CLASSES; c++) {
			float[] map = maps.get(c).map;
			double worst = 0, scale = 0;
			for (int p = 0; p < map.length; p++) {
				worst = Math.max(worst, Math.abs(map[p] - expected[c][p]));
				scale = Math.max(scale, Math.abs(expected[c][p]));
			}
			// The map's spatial variation, not only its level, must match: correlation.
			double corr = correlation(map, expected[c]);
			System.out.println("RISE linear class " + c + ": largest error " + worst + " of " + scale +
				", correlation " + corr);
			assertTrue(worst < 0.03 * scale, "class " + c + ": largest error " + worst + " of " + scale);
			assertTrue(corr > 0.95, "class " + c + ": correlation with the expectation " + corr);
		}
	}

	/** Bilinear interpolation of 0/1 cells at (u, v) in cell units, centres at integers, clamped. */
	static double bilinear(boolean[] cell, int s, double u, double v) {
		u = Math.max(0, Math.min(s - 1, u));
		v = Math.max(0, Math.min(s - 1, v));
		int u0 = (int) Math.floor(u), v0 = (int) Math.floor(v);
		int u1 = Math.min(s - 1, u0 + 1), v1 = Math.min(s - 1, v0 + 1);
		double fu = u - u0, fv = v - v0;
		double a = (cell[v0 * s + u0] ? 1 : 0) * (1 - fu) + (cell[v0 * s + u1] ? 1 : 0) * fu;
		double b = (cell[v1 * s + u0] ? 1 : 0) * (1 - fu) + (cell[v1 * s + u1] ? 1 : 0) * fu;
		return a * (1 - fv) + b * fv;
	}

	static double correlation(float[] a, double[] b) {
		double ma = 0, mb = 0;
		for (int i = 0; i < a.length; i++) {
			ma += a[i] / a.length;
			mb += b[i] / b.length;
		}
		double sab = 0, saa = 0, sbb = 0;
		for (int i = 0; i < a.length; i++) {
			sab += (a[i] - ma) * (b[i] - mb);
			saa += (a[i] - ma) * (a[i] - ma);
			sbb += (b[i] - mb) * (b[i] - mb);
		}
		return sab / Math.sqrt(saa * sbb);
	}

	@Test
	void riseRepeatsWithItsSeedAndChangesWithAnother() {
		ExplainOptions o = ExplainOptions.DEFAULTS.withParam("masks", "300").withParam("cells", "4");
		float[] first = explain("rise", o).get(0).map;
		float[] again = explain("rise", o).get(0).map;
		// Another batch size draws the same masks; TensorFlow rounds a batch of several rows
		// differently from rows one by one, hence the tolerance (MethodContractTest's).
		float[] rebatched = explain("rise", o.toBuilder().batchSize(7).build()).get(0).map;
		float[] other = explain("rise", o.toBuilder().seed(43).build()).get(0).map;
		assertArrayEquals(first, again, "same seed: the same bits");
		assertArrayEquals(first, rebatched, (float) (1e-5 * maxAbs(first)), "another batch size");
		assertFalse(Arrays.equals(first, other), "another seed draws other masks");
	}

	/** Mean of a map over rows [y0, y1) of its full width. */
	static double meanInRows(Attribution a, int y0, int y1) {
		double s = 0;
		for (int y = y0; y < y1; y++)
			for (int xx = 0; xx < a.width; xx++)
				s += a.map[y * a.width + xx];
		return s / ((y1 - y0) * a.width);
	}

	@Test
	void occlusionPutsTheCatClassOnTheCatAndTheDogClassOnTheDog() {
		Explanation e = Explainer.explain(SampleModel.model(), SampleModel.both(), Methods.byName(
			"occlusion"), TargetSpec.parse("tabby;bull mastiff"), ExplainOptions.DEFAULTS, System
				.nanoTime());
		double cat = e.attributions.get(0).massInRows(112, 224);
		double dog = e.attributions.get(1).massInRows(0, 112);
		System.out.println("Occlusion on both.png: tabby mass on the cat half " + cat +
			", bull mastiff mass on the dog half " + dog);
		assertTrue(cat > 0.5, "tabby drop mass on the cat half " + cat);
		assertTrue(dog > 0.5, "bull mastiff drop mass on the dog half " + dog);
	}

	/**
	 * RISE's maps carry a large constant level (the mean score of the masks, as the paper defines
	 * it), so the halves are compared by their mean value, not by mass.
	 */
	@Test
	void risePutsTheCatClassOnTheCatAndTheDogClassOnTheDog() {
		ExplainOptions o = ExplainOptions.DEFAULTS.withParam("masks", "1000");
		Explanation e = Explainer.explain(SampleModel.model(), SampleModel.both(), Methods.byName(
			"rise"), TargetSpec.parse("tabby;bull mastiff"), o, System.nanoTime());
		Attribution tabby = e.attributions.get(0), dog = e.attributions.get(1);
		double catHalf = meanInRows(tabby, 112, 224), dogHalf = meanInRows(tabby, 0, 112);
		System.out.println("RISE on both.png, tabby: cat half " + catHalf + ", dog half " + dogHalf);
		assertTrue(catHalf > dogHalf, "tabby: cat half " + catHalf + ", dog half " + dogHalf);
		catHalf = meanInRows(dog, 112, 224);
		dogHalf = meanInRows(dog, 0, 112);
		System.out.println("RISE on both.png, bull mastiff: dog half " + dogHalf + ", cat half " +
			catHalf);
		assertTrue(dogHalf > catHalf, "bull mastiff: dog half " + dogHalf + ", cat half " + catHalf);
	}

	/**
	 * RISE with 4000 masks on the command line in a 300 MB Java heap: holding the masks would take
	 * 4000 x 224 x 224 floats (800 MB), holding the masked inputs three times that.
	 */
	@Test
	void riseWith4000MasksRunsIn300MegabytesOfHeap() throws Exception {
		String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
		Path out = tmp.resolve("rise-out");
		ProcessBuilder pb = new ProcessBuilder(java, "-Xmx300m", "-Djava.awt.headless=true",
			"--add-opens=java.base/java.lang=ALL-UNNAMED", "-cp", System.getProperty(
				"java.class.path"), "org.explaincnn.cli.ExplainCli", TestData.sampleImage("both.png")
					.toString(), "--model", TestData.sampleModel().toString(), "--method", "rise",
			"--param", "masks=4000", "--out", out.toString());
		pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
		File log = tmp.resolve("rise-log.txt").toFile();
		pb.redirectErrorStream(true).redirectOutput(log);
		int code = pb.start().waitFor();
		String output = Files.readString(log.toPath());
		assertEquals(0, code, output);
		assertTrue(Files.size(out.resolve("both.rise.heatmap.tif")) > 224 * 224 * 4, output);
	}
}
