package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.Concepts;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.FeatureMap;
import org.explaincnn.core.ImageGeometry;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.Labels;
import org.explaincnn.core.Nmf;
import org.explaincnn.core.Param;
import org.explaincnn.core.Pass;
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.PassStream;
import org.explaincnn.core.Passes;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.TargetSpec;

/**
 * Deep Feature Factorization (Collins, Achanta and Susstrunk 2018; as pytorch-grad-cam shows it):
 * the layer's activations A (positions x channels) are factorised into K non-negative concepts, A ~
 * W H ({@link Nmf}); row k of H is concept k's channel vector, column k of W where it is. Each
 * concept's classes are the model's probabilities when the concept's vector is fed at every position
 * of the layer (through a GAP + dense head that is exactly softmax(head(H_k)), pytorch-grad-cam's
 * computation; it works for any head after the layer).
 *
 * <p>The map is a label image: each pixel's concept (1..K, the one whose upsampled W is largest),
 * the same for every class asked (the concepts do not depend on the target). The concepts, their
 * maps on the original image and their top classes go with it as {@link Concepts} in the details.
 * One forward pass for the activations, K rows fed at the layer for the scores.
 */
final class DeepFeatureFactorization implements AttributionMethod {

	static final Param<Integer> CONCEPTS = Param.integer("concepts", 5, 1, 64, "Concepts (K)",
		"how many concepts the layer's activations are factorised into");
	static final Param<Integer> TOP_K = Param.integer("topk", 2, 1, 1000, "Topk labels per concept",
		"the concept's best classes listed in its name, the legend and the CSV");
	static final Param<Integer> ITERATIONS = Param.integer("iterations", 200, 1, 100_000,
		"Iterations (cap)", "most multiplicative updates of the factorisation");
	static final Param<Double> TOLERANCE = Param.number("tolerance", 0.005, 0, 1, "Tolerance",
		"stop when the relative reconstruction error improves by less than this in 10 iterations");
	/** Read by the folder front ends (the command line's pipeline), not by {@link #explain}. */
	static final Param<String> SCOPE = Param.choice("scope", "image", List.of("image", "folder"),
		"Scope", "image: each image its own concepts; folder: one factorisation over all the images "
			+ "(the same concept numbers and colours in every image)");

	@Override
	public String id() {
		return "dff";
	}

	@Override
	public String title() {
		return "Deep Feature Factorization";
	}

	@Override
	public boolean usesLayer() {
		return true;
	}

	@Override
	public boolean resolvesTopOne() {
		return true;
	}

	@Override
	public List<Param<?>> parameters() {
		return List.of(CONCEPTS, TOP_K, ITERATIONS, TOLERANCE, SCOPE);
	}

	@Override
	public boolean classIndependent() {
		return true;
	}

	@Override
	public int passes(ExplainOptions options) {
		return 2; // the activations, then the concepts fed at the layer (one batch of K rows)
	}

	@Override
	public List<ClassMap> explain(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options)
	{
		LayerInfo layer = LayerGradients.layerOf(model, options);
		Pass pass = Passes.run(model, image, new PassRequest(image.modelInput, 1).activation(layer));
		FeatureMap a = pass.activation(layer);
		options.checkCancelled();
		Nmf nmf = Nmf.factorise(a.data, a.positions(), a.channels, options.get(CONCEPTS), options.get(
			ITERATIONS), options.get(TOLERANCE), options.seed);
		Factors f = Factors.scaled(nmf);
		float[] modelLabels = labelImage(f, a, image);
		Concepts concepts = concepts(model, image, a, nmf, f, scores(model, image, layer, a, f,
			options), modelLabels, options);
		List<ClassMap> out = new ArrayList<>();
		for (int c : classes) {
			ClassMap m = new ClassMap(modelLabels.clone()).labels().detail(Concepts.KEY, concepts);
			out.add(c == TOP_ONE ? m.resolvedFrom(pass, 0) : m);
		}
		return out;
	}

	/**
	 * W's columns scaled to peak at 1 and H's rows by the inverse (W H unchanged): a concept's
	 * vector is then its activation where it is strongest, a scale the head has seen, which matters
	 * for the probabilities. Concepts are ordered by their area (then by their mass), so the order
	 * does not depend on the random start.
	 */
	static final class Factors {

		final int k, positions, channels;
		/** positions x K and K x channels. */
		final float[] w, h;

		private Factors(int k, int positions, int channels, float[] w, float[] h) {
			this.k = k;
			this.positions = positions;
			this.channels = channels;
			this.w = w;
			this.h = h;
		}

		static Factors scaled(Nmf nmf) {
			int k = nmf.w.numCols, p = nmf.w.numRows, c = nmf.h.numCols;
			double[] peak = new double[k], mass = new double[k];
			int[] area = new int[k];
			for (int i = 0; i < p; i++) {
				int best = 0;
				for (int j = 0; j < k; j++) {
					double v = nmf.w(i, j);
					peak[j] = Math.max(peak[j], v);
					mass[j] += v;
					if (v > nmf.w(i, best)) best = j;
				}
				area[best]++;
			}
			Integer[] order = new Integer[k];
			for (int j = 0; j < k; j++)
				order[j] = j;
			Arrays.sort(order, (x, y) -> area[x] != area[y] ? Integer.compare(area[y], area[x])
				: Double.compare(mass[y] / Math.max(peak[y], 1e-30), mass[x] / Math.max(peak[x],
					1e-30)));
			float[] w = new float[p * k], h = new float[k * c];
			for (int n = 0; n < k; n++) {
				int j = order[n];
				double s = peak[j] > 0 ? peak[j] : 1;
				for (int i = 0; i < p; i++)
					w[i * k + n] = (float) (nmf.w(i, j) / s);
				for (int ch = 0; ch < c; ch++)
					h[n * c + ch] = (float) (nmf.h(j, ch) * s);
			}
			return new Factors(k, p, c, w, h);
		}

		/** Rows {@code from..from+count-1} of W (one image's positions of a pooled matrix), same H. */
		Factors rows(int from, int count) {
			return new Factors(k, count, channels, Arrays.copyOfRange(w, from * k, (from + count) * k),
				h);
		}

		/** Concept n's map at the layer's resolution. */
		float[] column(int n) {
			float[] out = new float[positions];
			for (int i = 0; i < positions; i++)
				out[i] = w[i * k + n];
			return out;
		}

		float[] embedding(int n) {
			return Arrays.copyOfRange(h, n * channels, (n + 1) * channels);
		}
	}

	/** Concept number (1..K) per model pixel: the largest of the bilinearly upsampled W columns. */
	static float[] labelImage(Factors f, FeatureMap like, PreparedImage image) {
		float[] labels = new float[image.width() * image.height()];
		float[] best = new float[labels.length];
		Arrays.fill(best, -1);
		for (int n = 0; n < f.k; n++) {
			float[] m = CamMaps.toModel(f.column(n), like, image);
			for (int i = 0; i < m.length; i++)
				if (m[i] > best[i]) {
					best[i] = m[i];
					labels[i] = n + 1;
				}
		}
		return labels;
	}

	/**
	 * The image's concepts: {@code f} holds its own rows of W (all of them, or its share of a
	 * factorisation over several images), {@code probabilities} the concepts' class scores.
	 */
	static Concepts concepts(ExplainableModel model, PreparedImage image, FeatureMap a, Nmf nmf,
		Factors f, float[][] probabilities, float[] modelLabels, ExplainOptions options)
	{
		ImageGeometry g = image.geometry;
		float[] original = g.toOriginalNearest(modelLabels, 0f);
		int[] count = new int[f.k + 1];
		for (float v : original)
			count[(int) v]++;
		Labels labels = model.spec().labels;
		int topK = Math.min(options.get(TOP_K), model.spec().classes);
		List<Concepts.Concept> out = new ArrayList<>();
		for (int n = 0; n < f.k; n++) {
			int[] best = TargetSpec.best(probabilities[n], topK);
			String[] names = new String[topK];
			float[] scores = new float[topK];
			for (int i = 0; i < topK; i++) {
				names[i] = labels.shortName(best[i]);
				scores[i] = probabilities[n][best[i]];
			}
			out.add(new Concepts.Concept(n + 1, best, names, scores, (double) count[n + 1] /
				original.length, f.embedding(n), CamMaps.toModel(f.column(n), a, image), g));
		}
		return new Concepts(out, nmf.relativeError, nmf.iterations, g.originalWidth, g.originalHeight);
	}

	/**
	 * Each concept's class probabilities: its vector fed at every position of the layer (one row
	 * per concept, in batches), or, for a model that cannot take a feed, softmax(H_k W) through the
	 * detected GAP + dense head (without its bias, which the head finder does not read).
	 */
	static float[][] scores(ExplainableModel model, PreparedImage image, LayerInfo layer,
		FeatureMap a, Factors f, ExplainOptions options)
	{
		int classes = model.spec().classes;
		float[][] out = new float[f.k][];
		if (model.capabilities().layerFeed) {
			PassStream.repeat(model, image.modelInput, f.k).at(image).feed(layer, n -> constant(a, f
				.embedding(n))).forEachRow(options, (pass, row, n) -> out[n] = Arrays.copyOfRange(
					pass.probabilities, row * classes, (row + 1) * classes));
			return out;
		}
		float[][] head = model.denseHeadWeights(layer);
		for (int n = 0; n < f.k; n++) {
			double[] logits = new double[classes];
			for (int ch = 0; ch < f.channels; ch++)
				for (int c = 0; c < classes; c++)
					logits[c] += f.h[n * f.channels + ch] * head[ch][c];
			out[n] = softmax(logits);
		}
		return out;
	}

	/** The vector at every position of a map shaped like {@code like} (batch of one). */
	static FeatureMap constant(FeatureMap like, float[] vector) {
		int p = like.positions(), c = like.channels;
		float[] data = new float[p * c];
		for (int i = 0; i < p; i++)
			System.arraycopy(vector, 0, data, i * c, c);
		return new FeatureMap(1, like.spatial, c, data);
	}

	static float[] softmax(double[] logits) {
		double max = Double.NEGATIVE_INFINITY, sum = 0;
		for (double v : logits)
			max = Math.max(max, v);
		float[] out = new float[logits.length];
		for (double v : logits)
			sum += Math.exp(v - max);
		for (int i = 0; i < logits.length; i++)
			out[i] = (float) (Math.exp(logits[i] - max) / sum);
		return out;
	}
}
