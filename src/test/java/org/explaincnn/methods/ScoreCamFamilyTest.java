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
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.explaincnn.SampleModel;
import org.explaincnn.TestData;
import org.explaincnn.TinyModels;
import org.explaincnn.core.Attribution;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explainer;
import org.explaincnn.core.FeatureMap;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.Pass;
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.TargetSpec;
import org.explaincnn.methods.CamFamily.CamContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CAM variants weighted by extra passes against their definitions, computed independently
 * here on the GAP + dense net of {@link TinyModels} (its 6x6 feature map has the input's
 * resolution, so a mask is the normalised channel itself, no resampling in between), and on the
 * sample MobileNet: 'tabby' on the cat (lower half of both.png), a dog class on the dog.
 */
@ExtendWith(SampleModel.class)
class ScoreCamFamilyTest {

	static final String RAW = "{\"mean\": [0], \"std\": [1], \"logits\": \"logits\"}";
	static TinyModels.GapDense net = new TinyModels.GapDense(5);
	static ExplainableModel gap;
	/** A smooth net whose layer gradient depends on the input (GAP + dense has a constant one). */
	static ExplainableModel deep;
	static PreparedImage image, deepImage;
	static LayerInfo layer;
	static Pass pass;
	static FeatureMap act;

	@TempDir
	static Path tmp;

	@BeforeAll
	static void build() throws Exception {
		gap = ExplainableModel.open(TinyModels.frozenBundle(tmp.resolve("gap"), net.graph(), RAW));
		float[] x = MethodFormulasTest.random(72, 3);
		image = PreparedImage.of(x, 6, 6, 2, gap.spec());
		layer = gap.defaultLayer();
		pass = gap.run(new PassRequest(image.modelInput, 1).activation(layer));
		act = pass.activation(layer);
		assertEquals(6, act.height());
		assertEquals(6, act.width());
		assertEquals(4, act.channels);
		deep = ExplainableModel.open(TinyModels.frozenBundle(tmp.resolve("deep"), TinyModels
			.deepGraph(7), RAW));
		deepImage = PreparedImage.of(MethodFormulasTest.random(192, 11), 8, 8, 3, deep.spec());
	}

	@AfterAll
	static void close() {
		gap.close();
		deep.close();
	}

	static CamContext context(FeatureMap a, int cls, ExplainOptions o) {
		return new CamContext(gap, image, layer, a, null, cls, pass, 0, o, 0, 1);
	}

	/** The test's own mask: channel k min-max normalised (6x6 = the input: no resampling). */
	static float[] mask(FeatureMap a, int k) {
		int p = a.positions(), c = a.channels;
		float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
		for (int i = 0; i < p; i++) {
			min = Math.min(min, a.data[i * c + k]);
			max = Math.max(max, a.data[i * c + k]);
		}
		if (max == min) return null;
		float[] m = new float[p];
		for (int i = 0; i < p; i++)
			m[i] = (a.data[i * c + k] - min) / (max - min);
		return m;
	}

	/** The model's scores at x multiplied by the mask (one value per pixel, two channels). */
	static Pass scoresMaskedBy(float[] m) {
		float[] x = image.modelInput, in = new float[x.length];
		for (int i = 0; i < x.length; i++)
			in[i] = m == null ? 0 : x[i] * m[i / 2];
		return gap.forward(in, 1);
	}

	@Test
	void scoreCamWeightsAreTheScoresOfTheMaskedInputs() {
		ScoreCam method = new ScoreCam();
		for (int cls = 0; cls < 3; cls++) {
			double baseline = scoresMaskedBy(null).probabilities[cls];
			double[] paper = new double[4], logits = new double[4];
			for (int k = 0; k < 4; k++) {
				Pass p = scoresMaskedBy(mask(act, k));
				paper[k] = p.probabilities[cls] - baseline;
				logits[k] = p.logits[cls];
			}
			assertArrayEquals(paper, method.channelWeights(context(act, cls, ExplainOptions.DEFAULTS)),
				1e-6, "paper: p(x * M_k) - p(x_b), class " + cls);
			// library: softmax over the channels of the masked inputs' logits
			double max = Arrays.stream(logits).max().getAsDouble(), sum = 0;
			double[] soft = new double[4];
			for (int k = 0; k < 4; k++)
				sum += soft[k] = Math.exp(logits[k] - max);
			for (int k = 0; k < 4; k++)
				soft[k] /= sum;
			assertArrayEquals(soft, method.channelWeights(context(act, cls, ExplainOptions.DEFAULTS
				.withParam("variant", "library"))), 1e-6, "library, class " + cls);
			// and the map is ReLU(sum_k w_k A_k) at the input's resolution
			float[] expected = new float[36];
			for (int i = 0; i < 36; i++) {
				double v = 0;
				for (int k = 0; k < 4; k++)
					v += paper[k] * act.data[i * 4 + k];
				expected[i] = (float) Math.max(0, v);
			}
			assertArrayEquals(expected, method.explain(gap, image, new int[] { cls },
				ExplainOptions.DEFAULTS).get(0).map, 1e-5f, "Score-CAM map, class " + cls);
		}
	}

	@Test
	void constantChannelsWeighNothingAndGiveNoNaN() {
		float[] data = act.data.clone();
		for (int i = 0; i < 36; i++)
			data[i * 4 + 2] = 0.7f; // channel 2 constant
		FeatureMap a = new FeatureMap(1, act.spatial, 4, data);
		for (String variant : new String[] { "paper", "library" }) {
			for (ScoreCam m : new ScoreCam[] { new ScoreCam(), new ScoreCam.Smoothed(),
				new ScoreCam.Integrated() }) {
				ExplainOptions o = ExplainOptions.DEFAULTS.withParam("variant", variant).withParam(
					"samples", "3").withParam("steps", "3");
				double[] w = m.channelWeights(context(a, 1, o));
				assertEquals(0, w[2], 0, m.id() + " " + variant + ": constant channel's weight");
				for (double v : w)
					assertTrue(Double.isFinite(v), m.id() + " " + variant + ": " + Arrays.toString(w));
				assertTrue(w[0] != 0 && w[1] != 0 && w[3] != 0, m.id() + " " + variant + ": " + Arrays
					.toString(w));
			}
			// Every channel constant: no channel scored, weights all 0, not NaN.
			FeatureMap flat = new FeatureMap(1, act.spatial, 4, new float[144]);
			double[] w = new ScoreCam().channelWeights(context(flat, 1, ExplainOptions.DEFAULTS
				.withParam("variant", variant)));
			assertArrayEquals(new double[4], w, 0, variant);
		}
		// The paper's variant on the constant channel alone matches the test's own score.
		double[] w = new ScoreCam().channelWeights(context(a, 0, ExplainOptions.DEFAULTS));
		double expected = scoresMaskedBy(mask(a, 0)).probabilities[0] - scoresMaskedBy(null)
			.probabilities[0];
		assertEquals(expected, w[0], 1e-6);
	}

	@Test
	void channelLimitKeepsTheChannelsOfLargestVariance() {
		double[] variance = new double[4];
		for (int k = 0; k < 4; k++) {
			double s = 0, s2 = 0;
			for (int i = 0; i < 36; i++) {
				s += act.data[i * 4 + k];
				s2 += (double) act.data[i * 4 + k] * act.data[i * 4 + k];
			}
			variance[k] = s2 / 36 - (s / 36) * (s / 36);
		}
		int best = 0;
		for (int k = 1; k < 4; k++)
			if (variance[k] > variance[best]) best = k;
		double[] all = new ScoreCam().channelWeights(context(act, 1, ExplainOptions.DEFAULTS));
		double[] one = new ScoreCam().channelWeights(context(act, 1, ExplainOptions.DEFAULTS
			.withParam("channels", "1")));
		for (int k = 0; k < 4; k++)
			assertEquals(k == best ? all[k] : 0, one[k], 1e-7, "channel " + k);
	}

	/**
	 * IS-CAM's masks scale from 1/N to N/N of the mask (never beyond the image) and SS-CAM's noise
	 * is seeded; both average the scores of every sample.
	 */
	@Test
	void integratedAndSmoothedAverageTheirMasksScores() {
		int cls = 2, steps = 4;
		double baseline = scoresMaskedBy(null).probabilities[cls];
		double[] expected = new double[4];
		for (int k = 0; k < 4; k++) {
			float[] m = mask(act, k);
			for (int i = 1; i <= steps; i++) {
				float[] scaled = new float[36];
				for (int p = 0; p < 36; p++)
					scaled[p] = m[p] * ((float) i / steps);
				expected[k] += scoresMaskedBy(scaled).probabilities[cls] / steps;
			}
			expected[k] -= baseline;
		}
		assertArrayEquals(expected, new ScoreCam.Integrated().channelWeights(context(act, cls,
			ExplainOptions.DEFAULTS.withParam("steps", "" + steps))), 1e-6, "IS-CAM");
		ExplainOptions o = ExplainOptions.DEFAULTS.withParam("samples", "3").withParam("noise", "0");
		assertArrayEquals(new ScoreCam().channelWeights(context(act, cls, o)), new ScoreCam.Smoothed()
			.channelWeights(context(act, cls, o)), 1e-7, "SS-CAM without noise is Score-CAM");
	}

	@ParameterizedTest
	@ValueSource(strings = { "sscam", "smoothgradcam++" })
	void seedsRepeatBitForBitAndAnotherSeedDiffers(String id) {
		ExplainOptions o = ExplainOptions.DEFAULTS.withParam("samples", "3").withParam("noise", id
			.equals("sscam") ? "0.5" : "0.3");
		var m = Methods.byName(id);
		ExplainableModel model = id.equals("sscam") ? gap : deep;
		PreparedImage in = id.equals("sscam") ? image : deepImage;
		if (model == deep) o = o.withLayer("block1");
		float[] first = m.explain(model, in, new int[] { 1 }, o).get(0).map;
		float[] again = m.explain(model, in, new int[] { 1 }, o).get(0).map;
		float[] other = m.explain(model, in, new int[] { 1 }, o.toBuilder().seed(7).build()).get(0)
			.map;
		assertArrayEquals(first, again, id + ": the same seed");
		assertFalse(Arrays.equals(first, other), id + ": another seed");
		float[] batchOne = m.explain(model, in, new int[] { 1 }, o.toBuilder().batchSize(1).build())
			.get(0).map;
		assertArrayEquals(first, batchOne, 1e-5f, id + ": the draws do not depend on the batch");
	}

	/**
	 * The GAP + dense head makes the ablation exact: zeroing channel k lowers logit c by
	 * W[k][c] mean(A_k), so w_k = W[k][c] mean(A_k) / |y|. Checked on classes of both signs of y:
	 * dividing by the signed y would flip the weights of a negative logit.
	 */
	@Test
	void ablationWeightsAreTheRelativeDropsWhenAChannelIsZeroed() {
		AblationCam method = new AblationCam();
		boolean negativeSeen = false, positiveSeen = false;
		float[] logits = pass.logits;
		for (int cls = 0; cls < 3; cls++) {
			double y = logits[cls];
			negativeSeen |= y < 0;
			positiveSeen |= y > 0;
			double[] expected = new double[4], fed = new double[4];
			for (int k = 0; k < 4; k++) {
				double mean = 0;
				for (int i = 0; i < 36; i++)
					mean += act.data[i * 4 + k] / 36.0;
				expected[k] = net.dense[k][cls] * mean / Math.abs(y);
				// and by feeding the zeroed channel here
				float[] z = act.data.clone();
				for (int i = 0; i < 36; i++)
					z[i * 4 + k] = 0;
				Pass p = gap.run(new PassRequest(image.modelInput, 1).feed(layer, new FeatureMap(1,
					act.spatial, 4, z)));
				fed[k] = (y - p.logits[cls]) / Math.abs(y);
			}
			double[] w = method.channelWeights(context(act, cls, ExplainOptions.DEFAULTS));
			assertArrayEquals(expected, w, 1e-4 * Arrays.stream(expected).map(Math::abs).max()
				.getAsDouble(), "closed form, class " + cls + " (y = " + y + ")");
			assertArrayEquals(fed, w, 1e-6, "fed, class " + cls);
		}
		assertTrue(negativeSeen && positiveSeen, "classes of both signs: " + Arrays.toString(logits));
	}

	/**
	 * Counterfactual = evidence against the class: the forward-only variants negate their channel
	 * weights before the ReLU, so the map is ReLU(-sum_k w_k A_k) (the 6x6 layer is the input's
	 * resolution: no resampling). Without the negation the counterfactual map would equal the
	 * ordinary one; some class must give a non-zero counterfactual map (evidence against it).
	 */
	@ParameterizedTest
	@ValueSource(strings = { "scorecam", "sscam", "iscam", "ablationcam" })
	void counterfactualIsTheReluOfTheNegatedWeightedSum(String id) {
		CamFamily method = (CamFamily) Methods.byName(id);
		ExplainOptions o = ExplainOptions.DEFAULTS.withParam(id.equals("sscam") ? "samples"
			: "steps", "3");
		if (id.equals("scorecam") || id.equals("ablationcam")) o = ExplainOptions.DEFAULTS;
		ExplainOptions against = o.toBuilder().counterfactual(true).build();
		boolean againstSeen = false;
		for (int cls = 0; cls < 3; cls++) {
			float[] sum = CamMaps.weightedSum(act, method.channelWeights(context(act, cls, o)));
			float[] map = method.explain(gap, image, new int[] { cls }, o).get(0).map;
			float[] counter = method.explain(gap, image, new int[] { cls }, against).get(0).map;
			for (int i = 0; i < sum.length; i++) {
				againstSeen |= sum[i] < 0;
				assertEquals(Math.max(sum[i], 0), map[i], 1e-6 * Math.abs(sum[i]) + 1e-9, id + " " + i);
				assertEquals(Math.max(-sum[i], 0), counter[i], 1e-6 * Math.abs(sum[i]) + 1e-9, id +
					" counterfactual " + i);
			}
		}
		assertTrue(againstSeen, id + ": no class with evidence against it");
	}

	/**
	 * With the model the pass count follows its layer (4 channels here), not the assumed 1024 of
	 * the sample MobileNet: Score-CAM 1 + baseline + 4, SS-CAM 1 + 1 + 4 x samples, AblationCAM
	 * 1 + 4; the channel limit caps at the layer's channels.
	 */
	@Test
	void passesOnAModelCountItsLayersChannels() {
		ExplainOptions o = ExplainOptions.DEFAULTS;
		assertEquals(6, Methods.byName("scorecam").passes(gap, o));
		assertEquals(5, Methods.byName("scorecam").passes(gap, o.withParam("variant", "library")));
		assertEquals(2 + 4 * 35, Methods.byName("sscam").passes(gap, o));
		assertEquals(5, Methods.byName("ablationcam").passes(gap, o));
		assertEquals(3, Methods.byName("ablationcam").passes(gap, o.withParam("channels", "2")));
		assertEquals(5, Methods.byName("ablationcam").passes(gap, o.withParam("channels", "50")));
		assertEquals(1 + 1024 + 1, Methods.byName("scorecam").passes(o));
	}

	@Test
	void smoothGradCamPlusPlusWithoutNoiseIsGradCamPlusPlus() {
		ExplainOptions o = ExplainOptions.DEFAULTS.withParam("samples", "3").withParam("noise", "0");
		for (int cls = 0; cls < 3; cls++) {
			float[] plus = Methods.byName("gradcam++").explain(gap, image, new int[] { cls },
				ExplainOptions.DEFAULTS).get(0).map;
			float[] smooth = Methods.byName("smoothgradcam++").explain(gap, image, new int[] { cls }, o)
				.get(0).map;
			float scale = 0;
			for (float v : plus)
				scale = Math.max(scale, Math.abs(v));
			assertTrue(scale > 0, "class " + cls);
			assertArrayEquals(plus, smooth, 1e-5f * scale, "class " + cls);
		}
	}

	/**
	 * With noise, the weights use the mean gradient powers over every sample (the test draws the
	 * same seeded noise and takes each sample's gradient itself): a version keeping only the last
	 * sample's gradients (torch-cam) fails this.
	 */
	@Test
	void smoothGradCamPlusPlusAveragesEverySample() {
		int n = 3, cls = 2;
		double level = 0.3;
		ExplainOptions o = ExplainOptions.DEFAULTS.withParam("samples", "" + n).withParam("noise", ""
			+ level);
		LayerInfo block = deep.layer("block1");
		float[] x = deepImage.modelInput;
		Pass clean = deep.run(new PassRequest(x, 1).activation(block));
		FeatureMap a = clean.activation(block);
		int size = a.data.length, c = a.channels;
		double[] d1 = new double[size], d2 = new double[size], d3 = new double[size];
		double[] last = null;
		for (int s = 0; s < n; s++) {
			SplittableRandom r = GaussianNoise.random(o.seed, cls, 0, s);
			float[] noisy = new float[x.length];
			for (int i = 0; i < x.length; i++)
				noisy[i] = (float) (x[i] + level * 255.0 * r.nextGaussian()); // std 1: range 255
			float[] seed = new float[4];
			seed[cls] = 1;
			float[] g = deep.run(new PassRequest(noisy, 1).seed(seed).layerGradient(block)).gradient(
				block).data;
			last = new double[size];
			for (int j = 0; j < size; j++) {
				d1[j] += g[j] / (double) n;
				d2[j] += (double) g[j] * g[j] / n;
				d3[j] += (double) g[j] * g[j] * g[j] / n;
				last[j] = g[j];
			}
		}
		double[] sumA = CamMaps.channelSums(a);
		double[] expected = new double[c], lastOnly = new double[c];
		for (int j = 0; j < size; j++) {
			expected[j % c] += CamFamily.GradCamPlusPlus.term(sumA[j % c], d1[j], d2[j], d3[j]);
			lastOnly[j % c] += CamFamily.GradCamPlusPlus.term(sumA[j % c], last[j], d2[j], d3[j]);
		}
		CamContext context = new CamContext(deep, deepImage, block, a, null, cls, clean, 0, o, 0, 1);
		double[] w = new SmoothGradCamPlusPlus().channelWeights(context);
		double scale = Arrays.stream(expected).map(Math::abs).max().getAsDouble();
		assertTrue(scale > 0);
		assertArrayEquals(expected, w, 1e-5 * scale);
		double apart = 0;
		for (int k = 0; k < c; k++)
			apart = Math.max(apart, Math.abs(expected[k] - lastOnly[k]));
		assertTrue(apart > 1e-3 * scale, "the last sample alone gives other weights: " + apart);
	}

	/** 'tabby' on the cat (rows 112-224 of both.png), 'bull mastiff' on the dog (rows 0-112). */
	@ParameterizedTest
	@ValueSource(strings = { "scorecam", "sscam", "iscam", "ablationcam", "smoothgradcam++" })
	void catClassOnTheCatAndDogClassOnTheDog(String method) {
		ExplainOptions o = ExplainOptions.DEFAULTS.toBuilder().batchSize(32).build();
		// SS-CAM and IS-CAM score samples x channels inputs: the 128 channels of largest variance of
		// the 1024 at the default layer, and a few samples, keep them to ~1000 passes.
		if (method.equals("sscam")) o = o.withParam("channels", "128").withParam("samples", "8");
		if (method.equals("iscam")) o = o.withParam("channels", "128").withParam("steps", "8");
		if (method.equals("smoothgradcam++")) o = o.withParam("samples", "8");
		double cat = explain(method, "tabby", o).massInRows(112, 224);
		double dog = explain(method, "bull mastiff", o).massInRows(0, 112);
		assertTrue(cat > 0.5, method + ": tabby mass on the cat half " + cat);
		assertTrue(dog > 0.5, method + ": bull mastiff mass on the dog half " + dog);
	}

	static Attribution explain(String method, String target, ExplainOptions o) {
		return Explainer.explain(SampleModel.model(), SampleModel.both(), Methods.byName(method),
			TargetSpec.parse(target), o, System.nanoTime()).attributions.get(0);
	}

	/**
	 * Score-CAM over the 1024 channels of MobileNet's default layer in a 300 MB Java heap: the
	 * 1024 masked 224 x 224 x 3 inputs take 617 MB, so this passes only if they are made batch by
	 * batch and dropped.
	 */
	@Test
	void scoreCamOverAThousandChannelsRunsInA300MbHeap(@TempDir Path work) throws Exception {
		String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
		ProcessBuilder pb = new ProcessBuilder(java, "-Xmx300m", "-Djava.awt.headless=true",
			"--add-opens=java.base/java.lang=ALL-UNNAMED", "-cp", System.getProperty(
				"java.class.path"), "org.explaincnn.cli.ExplainCli", TestData.sampleImage("both.png")
					.toString(), "--model", TestData.sampleModel().toString(), "--method", "scorecam",
			"--target", "tabby", "--threads", "1", "--json", "--out", work.resolve("out").toString());
		pb.directory(work.toFile());
		pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
		File log = work.resolve("log.txt").toFile();
		pb.redirectErrorStream(true).redirectOutput(log);
		Process p = pb.start();
		boolean ended = p.waitFor(10, TimeUnit.MINUTES);
		if (!ended) p.destroyForcibly();
		String output = Files.readString(log.toPath());
		assertTrue(ended, "still running after 10 minutes: " + output);
		assertEquals(0, p.exitValue(), output);
		assertFalse(output.contains("OutOfMemoryError"), output);
		try (var files = Files.list(work.resolve("out"))) {
			assertTrue(files.anyMatch(f -> f.getFileName().toString().contains("scorecam")), output);
		}
	}
}
