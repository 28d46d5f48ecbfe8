package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.ejml.data.DMatrixRMaj;
import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.Concepts;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explainer;
import org.explaincnn.core.Explanation;
import org.explaincnn.core.FeatureMap;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.Nmf;
import org.explaincnn.core.PassStream;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.TargetSpec;
import org.explaincnn.methods.DeepFeatureFactorization.Factors;

/**
 * Deep Feature Factorization over many images (scope=folder, "concepts across a dataset"): the
 * layer's activations of every image are pooled into one matrix (images x positions rows), which
 * is factorised once, so concept n is the same channel vector, with the same classes, number and
 * colour, in every image; each image's label image, ROIs and CSV come from its own rows of W.
 *
 * <p>Two passes over the images, neither holding them: {@link Pool#add} runs one forward pass per
 * batch and keeps only the layer's activations (e.g. 7 x 7 x 1280 floats) and the class scores of
 * each image; {@link Pool#factorise} runs the NMF and the concept scores once; then
 * {@link #explanation} gives each image, prepared again, its explanation as the per-image method
 * would. With one image the result is the per-image method's, bit for bit.
 */
public final class SharedConcepts {

	private final ExplainableModel model;
	private final ExplainOptions options;
	private final LayerInfo layer;
	/** One image's activation (its shape, for the upsampling). */
	private final FeatureMap like;
	private final Nmf nmf;
	private final Factors factors;
	private final float[][] scores;
	private final List<float[]> logits, probabilities;
	private final double methodMs, nmfMs;
	/** Filled by {@link #explanation}: the concepts' area per image, and the first image's. */
	private final double[][] areas;
	private Concepts first;

	private SharedConcepts(Pool pool, Nmf nmf, Factors factors, float[][] scores, double methodMs,
		double nmfMs)
	{
		this.model = pool.model;
		this.options = pool.options;
		this.layer = pool.layer;
		this.like = pool.like;
		this.nmf = nmf;
		this.factors = factors;
		this.scores = scores;
		this.logits = pool.logits;
		this.probabilities = pool.probabilities;
		this.methodMs = methodMs;
		this.nmfMs = nmfMs;
		this.areas = new double[pool.logits.size()][];
	}

	/** True if the job asks Deep Feature Factorization for one factorisation over all its images. */
	public static boolean asked(String method, ExplainOptions options) {
		return Methods.byName(method) instanceof DeepFeatureFactorization && "folder".equals(options
			.get(DeepFeatureFactorization.SCOPE));
	}

	/** A pool for the layer the options name (the model's default layer without one). */
	public static Pool pool(ExplainableModel model, ExplainOptions options) {
		return new Pool(model, options);
	}

	/** The first pass: activations collected batch by batch. */
	public static final class Pool {

		private final ExplainableModel model;
		private final ExplainOptions options;
		private final LayerInfo layer;
		private final List<float[]> activations = new ArrayList<>(), logits = new ArrayList<>(),
			probabilities = new ArrayList<>();
		private FeatureMap like;
		/** The concept scores are fed at the layer of a pass shaped like the first image's. */
		private PreparedImage firstImage;
		private long methodNanos;

		private Pool(ExplainableModel model, ExplainOptions options) {
			Methods.byName("dff").checkParameters(options.params());
			this.model = model;
			this.options = options;
			this.layer = LayerGradients.layerOf(model, options);
		}

		/** One forward pass per batch (of the options' chunk size); keeps each image's activation. */
		public void add(List<PreparedImage> batch) {
			if (batch.isEmpty()) return;
			long t0 = System.nanoTime();
			int classes = model.spec().classes;
			PassStream.of(model, batch.size(), i -> batch.get(i).modelInput).at(batch.get(0))
				.activation(layer).run(options, chunk -> {
					FeatureMap all = chunk.pass.activation(layer);
					for (int b = 0; b < chunk.size(); b++) {
						FeatureMap a = all.slice(b);
						if (like == null) {
							like = a;
							firstImage = batch.get(chunk.from + b);
						}
						else if (a.positions() != like.positions() || a.channels != like.channels)
							throw new ExplainException("Deep Feature Factorization over a folder needs "
								+ "every image's layer " + layer.name + " of one size (" + like + ", not " + a
								+ "); use a model of fixed input size or scope=image.");
						activations.add(a.data);
						logits.add(Arrays.copyOfRange(chunk.pass.logits, b * classes, (b + 1) * classes));
						probabilities.add(Arrays.copyOfRange(chunk.pass.probabilities, b * classes, (b +
							1) * classes));
					}
				});
			methodNanos += System.nanoTime() - t0;
		}

		/** Images pooled so far. */
		public int images() {
			return activations.size();
		}

		/** Rows of the pooled matrix (images x the layer's positions) and its columns (channels). */
		public int rows() {
			return like == null ? 0 : images() * like.positions();
		}

		public int columns() {
			return like == null ? 0 : like.channels;
		}

		/** The one factorisation and the concept scores; the pooled activations are let go. */
		public SharedConcepts factorise() {
			if (like == null) throw new ExplainException("No image to factorise; pass image files or "
				+ "a folder of images.");
			long t0 = System.nanoTime();
			int size = like.positions() * like.channels;
			// Negative values (rounding below a ReLU) are clamped, as for one image.
			DMatrixRMaj a = new DMatrixRMaj(rows(), columns());
			for (int i = 0; i < activations.size(); i++) {
				float[] image = activations.set(i, null);
				for (int j = 0; j < size; j++)
					a.data[i * size + j] = Math.max(0, image[j]);
			}
			options.checkCancelled();
			long t1 = System.nanoTime();
			Nmf nmf = Nmf.factorise(a, options.get(DeepFeatureFactorization.CONCEPTS), options.get(
				DeepFeatureFactorization.ITERATIONS), options.get(DeepFeatureFactorization.TOLERANCE),
				options.seed);
			double nmfMs = (System.nanoTime() - t1) / 1e6;
			a = null; // the pooled matrix goes before the concept passes
			Factors f = Factors.scaled(nmf);
			float[][] scores = DeepFeatureFactorization.scores(model, firstImage, layer, like, f,
				options);
			firstImage = null;
			double ms = (methodNanos + System.nanoTime() - t0) / 1e6 / Math.max(1, images());
			return new SharedConcepts(this, nmf, f, scores, ms, nmfMs);
		}
	}

	/** Images factorised. */
	public int images() {
		return areas.length;
	}

	/** Concepts (K). */
	public int concepts() {
		return factors.k;
	}

	/** The NMF's iterations and relative reconstruction error, and its time in ms. */
	public String factorisation() {
		return String.format(Locale.ROOT, "%d iterations, relative error %.3f, %.0f ms",
			nmf.iterations, nmf.relativeError, nmfMs);
	}

	/** Rows of the factorised matrix (all images' positions). */
	public int rows() {
		return factors.positions;
	}

	/**
	 * Image {@code index}'s explanation (the index in the order of {@link Pool#add}), for
	 * {@code image} prepared again: its label image from its own rows of W, the shared concepts
	 * with its areas; one map, for the target's first class (the concepts do not depend on it).
	 */
	public Explanation explanation(int index, PreparedImage image, TargetSpec target) {
		int positions = like.positions();
		Factors own = factors.rows(index * positions, positions);
		float[] modelLabels = DeepFeatureFactorization.labelImage(own, like, image);
		Concepts concepts = DeepFeatureFactorization.concepts(model, image, like, nmf, own, scores,
			modelLabels, options);
		double[] area = new double[concepts.concepts.size()];
		for (int n = 0; n < area.length; n++)
			area[n] = concepts.concepts.get(n).area;
		areas[index] = area;
		if (first == null) first = concepts;
		float[] l = logits.get(index);
		int cls = target.isTopOne() ? ExplainableModel.argmax(l, 0, l.length) : target.resolve(l,
			model.spec().labels)[0];
		ClassMap m = new ClassMap(modelLabels).labels().detail(Concepts.KEY, concepts);
		AttributionMethod method = Methods.byName("dff");
		return Explainer.of(model, image, method, layer.name, new int[] { cls }, List.of(m), l,
			probabilities.get(index), methodMs, options);
	}

	/** The explanations of images {@code from..} of the pool, each prepared again. */
	public List<Explanation> explanations(int from, List<PreparedImage> images, TargetSpec target) {
		List<Explanation> out = new ArrayList<>();
		for (int i = 0; i < images.size(); i++)
			out.add(explanation(from + i, images.get(i), target));
		return out;
	}

	/**
	 * The shared concepts (numbers, top classes and scores; the areas are the first explained
	 * image's), or null before any {@link #explanation}.
	 */
	public Concepts firstConcepts() {
		return first;
	}

	/** Each concept's area fraction in image {@code index}, or null if it was not explained. */
	public double[] areas(int index) {
		return areas[index];
	}
}
