package org.explaincnn.methods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

import org.explaincnn.SampleModel;
import org.explaincnn.TinyModels;
import org.explaincnn.core.Attribution;
import org.explaincnn.core.Concepts;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explainer;
import org.explaincnn.core.Explanation;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.ModelBundle;
import org.explaincnn.core.ModelSpec;
import org.explaincnn.core.Pass;
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.TargetSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deep Feature Factorization: the concept scores against the head applied to the concepts in the
 * test (tiny GAP + dense net), the label image against the factors, and on the sample MobileNet
 * and both.png the cat and the dog as separate concepts with a cat and a dog class.
 */
@ExtendWith(SampleModel.class)
class DeepFeatureFactorizationTest {

	static final String RAW = "{\"mean\": [0], \"std\": [1], \"logits\": \"logits\"}";
	static final TinyModels.GapDense NET = new TinyModels.GapDense(11);
	static ExplainableModel gap;
	static PreparedImage image;

	@TempDir
	static Path tmp;

	@BeforeAll
	static void build() throws Exception {
		gap = ExplainableModel.open(TinyModels.frozenBundle(tmp.resolve("gap"), NET.graph(), RAW));
		Random r = new Random(4);
		float[] x = new float[72];
		for (int i = 0; i < x.length; i++)
			x[i] = (float) r.nextGaussian();
		image = PreparedImage.of(x, 6, 6, 2, gap.spec());
	}

	@AfterAll
	static void close() {
		gap.close();
	}

	static Explanation explain(ExplainableModel m, PreparedImage img, ExplainOptions o) {
		return Explainer.explain(m, img, Methods.byName("dff"), TargetSpec.top1(), o, System
			.nanoTime());
	}

	/** softmax(h . dense + bias), or without the bias: the head applied to a concept, here. */
	static double[] head(float[] h, boolean bias) {
		double[] logits = new double[NET.classes];
		double max = Double.NEGATIVE_INFINITY, sum = 0;
		for (int c = 0; c < NET.classes; c++) {
			logits[c] = bias ? NET.denseBias[c] : 0;
			for (int k = 0; k < NET.cout; k++)
				logits[c] += h[k] * NET.dense[k][c];
			max = Math.max(max, logits[c]);
		}
		for (int c = 0; c < NET.classes; c++)
			sum += Math.exp(logits[c] - max);
		double[] p = new double[NET.classes];
		for (int c = 0; c < NET.classes; c++)
			p[c] = Math.exp(logits[c] - max) / sum;
		return p;
	}

	static void checkScores(Concepts concepts, boolean bias, double tolerance) {
		assertEquals(3, concepts.concepts.size());
		for (Concepts.Concept c : concepts.concepts) {
			double[] p = head(c.embedding, bias);
			// Top-3 of 3 classes: every class with its score, best first.
			assertEquals(3, c.classes.length);
			for (int i = 0; i < 3; i++) {
				assertEquals(p[c.classes[i]], c.scores[i], tolerance, c.name());
				if (i > 0) assertTrue(c.scores[i] <= c.scores[i - 1], c.name());
			}
		}
	}

	/**
	 * The concept fed at every position of the layer, through mean pooling and the dense layer, is
	 * softmax(H_k W + b): the scores are the head applied to H, computed here.
	 */
	@Test
	void conceptScoresAreTheHeadAppliedToTheConcepts() {
		ExplainOptions o = ExplainOptions.DEFAULTS.withParam("concepts", "3").withParam("topk", "3");
		checkScores(Concepts.of(explain(gap, image, o)), true, 1e-6);
	}

	/** A model that cannot take a feed scores through the detected head (its weights, no bias). */
	@Test
	void withoutALayerFeedTheDetectedHeadScoresTheConcepts() {
		ExplainOptions o = ExplainOptions.DEFAULTS.withParam("concepts", "3").withParam("topk", "3");
		checkScores(Concepts.of(explain(new NoFeed(gap), image, o)), false, 1e-6);
	}

	/**
	 * Each pixel's concept is the one with the largest W there (6x6 layer = 6x6 input, no
	 * resampling), W H reconstructs the activations as well as the factorisation says, and the areas
	 * add up to the whole image.
	 */
	@Test
	void labelImageIsTheLargestConceptAndTheAreasAddUp() {
		ExplainOptions o = ExplainOptions.DEFAULTS.withParam("concepts", "2");
		Explanation e = explain(gap, image, o);
		Concepts concepts = Concepts.of(e);
		Attribution a = e.attributions.get(0);
		double area = 0;
		for (Concepts.Concept c : concepts.concepts) {
			area += c.area;
			assertEquals(36, c.map().length);
		}
		assertEquals(1, area, 1e-9);
		LayerInfo layer = gap.defaultLayer();
		float[] act = gap.run(new PassRequest(image.modelInput, 1).activation(layer)).activation(layer)
			.data;
		double diff = 0, norm = 0;
		for (int p = 0; p < 36; p++) {
			int best = 0;
			for (int n = 1; n < 2; n++)
				if (concepts.concepts.get(n).map()[p] > concepts.concepts.get(best).map()[p]) best = n;
			assertEquals(best + 1, a.map[p], 0f, "label at " + p);
			for (int k = 0; k < NET.cout; k++) {
				double rec = 0;
				for (Concepts.Concept c : concepts.concepts)
					rec += c.map()[p] * c.embedding[k];
				diff += (rec - Math.max(0, act[p * 4 + k])) * (rec - Math.max(0, act[p * 4 + k]));
				norm += act[p * 4 + k] * act[p * 4 + k];
			}
		}
		assertEquals(concepts.relativeError, Math.sqrt(diff / norm), 1e-5);
		for (Concepts.Concept c : concepts.concepts) {
			float max = 0;
			for (float v : c.map())
				max = Math.max(max, v);
			assertEquals(1f, max, 1e-5f, "each concept's map peaks at 1");
		}
	}

	/** Label image on a resized image: every pixel one of 1..K, never a value between two. */
	@Test
	void resizedLabelImageHoldsOnlyConceptNumbers() {
		ExplainableModel m = SampleModel.model();
		Attribution a = explain(m, SampleModel.image("chelsea.png"), ExplainOptions.DEFAULTS
			.withParam("concepts", "4")).attributions.get(0);
		assertEquals(451, a.width);
		boolean[] seen = new boolean[5];
		for (float v : a.map) {
			assertTrue(v == Math.rint(v) && v >= 1 && v <= 4, "label " + v);
			seen[(int) v] = true;
		}
		assertTrue(seen[1], "the largest concept appears");
	}

	/**
	 * both.png: the dog stands in the upper middle, the cat lies across the lower part (see the
	 * picture). For K = 2, 3, 4 one concept holds most of the cat's body and names a cat class
	 * among its two labels, another holds most of the dog's head and chest and names a dog class.
	 */
	@Test
	void catAndDogAreSeparateConceptsWithTheirClasses() {
		ExplainableModel m = SampleModel.model();
		PreparedImage both = SampleModel.both();
		int firstDog = m.spec().labels.indexOf("Chihuahua"), lastDog = m.spec().labels.indexOf(
			"Mexican hairless"), firstCat = m.spec().labels.indexOf("tabby"), lastCat = m.spec().labels
				.indexOf("Egyptian cat");
		for (int k = 2; k <= 4; k++) {
			Explanation e = explain(m, both, ExplainOptions.DEFAULTS.withParam("concepts", "" + k));
			float[] labels = e.attributions.get(0).map;
			Concepts concepts = Concepts.of(e);
			int cat = dominant(labels, 50, 200, 165, 215, k), dog = dominant(labels, 85, 155, 15, 110, k);
			assertTrue(cat > 0 && dog > 0 && cat != dog, "K=" + k + ": cat box concept " + cat +
				", dog box concept " + dog + " (" + concepts + ")");
			assertTrue(names(concepts.concepts.get(cat - 1), firstCat, lastCat), "K=" + k +
				": the cat's concept names no cat class: " + concepts);
			assertTrue(names(concepts.concepts.get(dog - 1), firstDog, lastDog), "K=" + k +
				": the dog's concept names no dog class: " + concepts);
		}
	}

	/** The concept labelling more than half of the box x0..x1, y0..y1, or 0. */
	static int dominant(float[] labels, int x0, int x1, int y0, int y1, int k) {
		int[] count = new int[k + 1];
		for (int y = y0; y < y1; y++)
			for (int x = x0; x < x1; x++)
				count[(int) labels[y * 224 + x]]++;
		for (int c = 1; c <= k; c++)
			if (count[c] > (x1 - x0) * (y1 - y0) / 2) return c;
		return 0;
	}

	static boolean names(Concepts.Concept c, int first, int last) {
		for (int cls : c.classes)
			if (cls >= first && cls <= last) return true;
		return false;
	}

	/** The same model without a layer feed (as a forward-only engine would be). */
	static final class NoFeed implements ExplainableModel {

		final ExplainableModel m;

		NoFeed(ExplainableModel m) {
			this.m = m;
		}

		@Override
		public ModelSpec spec() {
			return m.spec();
		}

		@Override
		public ModelBundle bundle() {
			return m.bundle();
		}

		@Override
		public Capabilities capabilities() {
			return new Capabilities(true, true, false);
		}

		@Override
		public Pass run(PassRequest r, int height, int width) {
			return m.run(r, height, width);
		}

		@Override
		public List<LayerInfo> layers() {
			return m.layers();
		}

		@Override
		public LayerInfo layer(String name) {
			return m.layer(name);
		}

		@Override
		public LayerInfo defaultLayer() {
			return m.defaultLayer();
		}

		@Override
		public float[][] denseHeadWeights(LayerInfo layer) {
			return m.denseHeadWeights(layer);
		}

		@Override
		public <T> T memo(String key, Supplier<T> compute) {
			return compute.get();
		}

		@Override
		public void close() {}
	}
}
