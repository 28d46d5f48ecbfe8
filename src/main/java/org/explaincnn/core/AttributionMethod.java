package org.explaincnn.core;

import java.util.List;

/**
 * An attribution method over the shared engine. It receives the prepared image and the classes to
 * explain, and returns one map per class at model resolution; mapping back to the original image
 * is done by {@link Explainer}.
 */
public interface AttributionMethod {

	/** Name used on the command line and in file names, e.g. "gradcam". */
	String id();

	/** Menu and title text, e.g. "Grad-CAM". */
	String title();

	/** True if the method reads a feature-map layer (the layer option applies). */
	boolean usesLayer();

	/**
	 * Method-specific parameters (macro key -> default), read by every front end: CLI
	 * "--param key=value", macro "key=value", command fields.
	 */
	default java.util.Map<String, String> parameters() {
		return java.util.Map.of();
	}

	/**
	 * True if the method accepts {@link #TOP_ONE} as a class and resolves it inside its own pass
	 * ({@link ClassMap#resolvedFrom}), saving the prediction pass.
	 */
	default boolean resolvesTopOne() {
		return false;
	}

	/** Model passes (forward+backward) per image and class: the benchmark's unit of cost. */
	default int passes(ExplainOptions options) {
		return 1;
	}

	/** Class placeholder: "the model's top class", chosen in the graph. */
	int TOP_ONE = -1;

	List<ClassMap> explain(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options);
}
