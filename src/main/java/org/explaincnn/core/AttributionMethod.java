package org.explaincnn.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
	 * The method's own parameters, declared once: every front end (dialogs, macro keys, CLI
	 * "--param key=value", help texts, the JSON manifest) is made from this list.
	 */
	default List<Param<?>> parameters() {
		return List.of();
	}

	/**
	 * Checks parameters as typed by a user: an unknown key or a bad value is a one-line
	 * {@link ExplainException} naming the key, the value and what is allowed.
	 */
	default void checkParameters(Map<String, String> given) {
		for (Map.Entry<String, String> e : given.entrySet()) {
			Param<?> p = parameter(e.getKey());
			if (p == null) {
				List<String> keys = new ArrayList<>();
				for (Param<?> q : parameters())
					keys.add(q.key);
				throw new ExplainException("Unknown parameter '" + e.getKey() + "' for " + title() +
					(keys.isEmpty() ? "; it takes no parameters." : "; it takes " + String.join(", ",
						keys) + "."));
			}
			p.parse(e.getValue());
		}
	}

	/** The declared parameter with this key (case-insensitive), or null. */
	default Param<?> parameter(String key) {
		for (Param<?> p : parameters())
			if (p.hasKey(key)) return p;
		return null;
	}

	/**
	 * True if the method accepts {@link #TOP_ONE} as a class and resolves it inside its own pass
	 * ({@link ClassMap#resolvedFrom}), saving the prediction pass.
	 */
	default boolean resolvesTopOne() {
		return false;
	}

	/**
	 * True if the method switches groups of pixels off and reads
	 * {@link ExplainOptions#featureMask} (front ends then offer the features option).
	 */
	default boolean usesFeatureMask() {
		return false;
	}

	/**
	 * True if the maps do not depend on the class (Deep Feature Factorization's concepts): the
	 * method is then run once per image, for the first class of the target, however many it names.
	 */
	default boolean classIndependent() {
		return false;
	}

	/** Model passes (forward+backward) per image and class: the benchmark's unit of cost. */
	default int passes(ExplainOptions options) {
		return 1;
	}

	/**
	 * True if the method only runs the model forward (the perturbation methods: occlusion, RISE,
	 * feature ablation, LIME, KernelSHAP, and Score-CAM, SS-CAM, IS-CAM, AblationCAM): the
	 * benchmark compares it with bare forward passes, not forward+backward.
	 */
	/**
	 * Passes per image and class on this model: as {@link #passes(ExplainOptions)}, which has no
	 * model and assumes a 224 x 224 input and the sample MobileNet's layer; methods whose count
	 * follows the input size or the layer's channels count them here.
	 */
	default int passes(ExplainableModel model, ExplainOptions options) {
		return passes(options);
	}

	default boolean forwardOnly() {
		return false;
	}

	/** Class placeholder: "the model's top class", chosen in the graph. */
	int TOP_ONE = -1;

	List<ClassMap> explain(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options);
}
