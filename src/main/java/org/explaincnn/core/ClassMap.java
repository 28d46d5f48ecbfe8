package org.explaincnn.core;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** One method's map for one class at model resolution, with method-specific findings. */
public final class ClassMap {

	/**
	 * Key of a detail that is true for signed maps, whose negative values are evidence against the
	 * class (drawn with a diverging colour map).
	 */
	public static final String SIGNED = "signed";

	/** modelHeight x modelWidth values. */
	public final float[] map;
	/** E.g. the integrated-gradients completeness gap; written to logs and JSON. */
	public final Map<String, Object> details = new LinkedHashMap<>();

	/**
	 * Set when the class was chosen inside the graph (top-1 in one run): the class and the scores
	 * of that run, so no separate prediction pass is needed.
	 */
	int resolvedClass = -1;
	float[] logits, probabilities;

	/** True for a label map (one integer per pixel): mapped back by nearest neighbour. */
	boolean labels;

	public ClassMap(float[] map) {
		this.map = map;
	}

	/** Marks the map as a label image (e.g. Deep Feature Factorization's concept per pixel). */
	public ClassMap labels() {
		labels = true;
		return this;
	}

	/** The class the graph chose, or -1. */
	public int resolvedClass() {
		return resolvedClass;
	}

	/** Takes over another map's in-graph class choice. */
	public ClassMap copyResolution(ClassMap other) {
		resolvedClass = other.resolvedClass;
		logits = other.logits;
		probabilities = other.probabilities;
		return this;
	}

	/** Records the class the graph chose and the scores of row b of that pass. */
	public ClassMap resolvedFrom(Pass pass, int b) {
		int n = pass.classes;
		resolvedClass = ExplainableModel.argmax(pass.logits, b, n);
		logits = Arrays.copyOfRange(pass.logits, b * n, (b + 1) * n);
		probabilities = Arrays.copyOfRange(pass.probabilities, b * n, (b + 1) * n);
		return this;
	}

	public ClassMap detail(String key, Object value) {
		details.put(key, value);
		return this;
	}
}
