package org.explaincnn.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What Deep Feature Factorization found in one image: K concepts, each a channel vector of the layer
 * (its embedding), where it is (a map on the original image) and the classes it votes for. Travels
 * in the details of the method's maps under {@link #KEY}, so the renderers and writers can draw and
 * write it; the JSON manifest gets the concepts' labels, scores and areas (the maps and embeddings
 * are transient: large, and in the TIFF already).
 */
public final class Concepts {

	/** Key of the details entry. */
	public static final String KEY = "concepts";

	/** What the concept scores are: the model's own output activation over the head's output. */
	public final String score = "probability";
	/** Concepts, largest region first; number i (1-based) is label i in the label image. */
	public final List<Concept> concepts;
	/** ||A - W H|| / ||A|| of the factorisation, and its iterations. */
	public final double relativeError;
	public final int iterations;
	/** Size of the per-concept maps (the original image). */
	public final transient int width, height;

	public Concepts(List<Concept> concepts, double relativeError, int iterations, int width,
		int height)
	{
		this.concepts = List.copyOf(concepts);
		this.relativeError = relativeError;
		this.iterations = iterations;
		this.width = width;
		this.height = height;
	}

	/** The concepts of an explanation made by Deep Feature Factorization, or null. */
	public static Concepts of(Explanation e) {
		if (e.attributions.isEmpty()) return null;
		Object c = e.attributions.get(0).details.get(KEY);
		return c instanceof Concepts ? (Concepts) c : null;
	}

	/** One concept. */
	public static final class Concept {

		/** 1-based: its value in the label image. */
		public final int number;
		/** Its top classes, best first, with their scores. */
		public final int[] classes;
		public final String[] labels;
		public final float[] scores;
		/** Fraction of the image's pixels whose concept this is. */
		public final double area;
		/** The concept's channel vector (a row of H, scaled so its map peaks at 1). */
		public final transient float[] embedding;
		/**
		 * Where it is at model resolution: W's column upsampled bilinearly, peak 1. Kept at the
		 * model's size (a few hundred pixels a side) so that K concepts of a large image cost K
		 * small maps until one is asked for on the original image ({@link #map()}).
		 */
		private final transient float[] modelMap;
		private final transient ImageGeometry geometry;

		public Concept(int number, int[] classes, String[] labels, float[] scores, double area,
			float[] embedding, float[] modelMap, ImageGeometry geometry)
		{
			this.number = number;
			this.classes = classes;
			this.labels = labels;
			this.scores = scores;
			this.area = area;
			this.embedding = embedding;
			this.modelMap = modelMap;
			this.geometry = geometry;
		}

		/** Where it is on the original image (width x height, 0 outside the model's window). */
		public float[] map() {
			return geometry.toOriginal(modelMap, 0f);
		}

		/** E.g. "concept 2: tabby 0.41, tiger cat 0.22" (the ROI and legend text). */
		public String name() {
			List<String> parts = new ArrayList<>();
			for (int i = 0; i < labels.length; i++)
				parts.add(String.format(Locale.ROOT, "%s %.2f", labels[i], scores[i]));
			return "concept " + number + ": " + String.join(", ", parts);
		}

		@Override
		public String toString() {
			return name() + String.format(Locale.ROOT, " (%.0f%% of the image)", 100 * area);
		}
	}

	@Override
	public String toString() {
		List<String> parts = new ArrayList<>();
		for (Concept c : concepts)
			parts.add(c.toString());
		return String.join("; ", parts);
	}
}
