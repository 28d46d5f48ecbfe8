package org.explaincnn.core;

import java.util.ArrayList;
import java.util.List;

import net.imglib2.RandomAccessibleInterval;
import net.imglib2.type.numeric.RealType;

/** Runs a method end to end: prepare the image, predict, pick targets, explain, map back. */
public final class Explainer {

	private Explainer() {}

	public static <T extends RealType<T>> Explanation explain(ExplainableModel model,
		RandomAccessibleInterval<T> image, AttributionMethod method, TargetSpec target,
		ExplainOptions options)
	{
		long t0 = System.nanoTime();
		PreparedImage prepared = PreparedImage.of(image, model.spec);
		return explain(model, prepared, method, target, options, t0);
	}

	/** Activation op types: the outputs of "blocks" in a sweep over "all" layers. */
	private static final java.util.Set<String> ACTIVATIONS = java.util.Set.of("Relu", "Relu6", "Elu",
		"Selu", "LeakyRelu", "Sigmoid", "Tanh", "Swish", "Gelu");

	/**
	 * Layers for a sweep: "all" = every activation output (every layer if there are none), else a
	 * comma-separated list of names.
	 */
	public static List<LayerInfo> sweepLayers(ExplainableModel model, String spec) {
		List<LayerInfo> out = new ArrayList<>();
		if (spec.strip().equalsIgnoreCase("all")) {
			for (LayerInfo l : model.layers())
				if (ACTIVATIONS.contains(l.opType)) out.add(l);
			if (out.isEmpty()) out.addAll(model.layers());
		}
		else for (String name : spec.split(","))
			if (!name.isBlank()) out.add(model.layer(name.strip()));
		if (out.isEmpty()) throw new ExplainException("No layers to sweep; give 'all' or layer names.");
		return out;
	}

	/**
	 * One method at several layers for one class: shallow layers give fine but class-agnostic maps,
	 * deep ones coarse but class-specific ones. One attribution per layer, input to output.
	 */
	public static Explanation sweep(ExplainableModel model, PreparedImage prepared,
		AttributionMethod method, TargetSpec target, List<LayerInfo> layers, ExplainOptions options)
	{
		if (!method.usesLayer()) throw new ExplainException(method.title() +
			" does not use a layer; sweep a CAM method such as Grad-CAM or LayerCAM.");
		long t0 = System.nanoTime();
		Pass forward = Passes.run(model, prepared, new PassRequest(prepared.modelInput, 1));
		int cls = target.resolve(forward.logits, model.spec.labels)[0];
		List<Attribution> out = new ArrayList<>();
		ImageGeometry g = prepared.geometry;
		if (method instanceof LayerMapMethod) {
			// Every layer's activations and gradients in one pass.
			PassRequest r = new PassRequest(prepared.modelInput, 1).score(options.score).seed(Passes
				.oneHot(new int[] { cls }, 0, 1, model.spec.classes, options.counterfactual ? -1f : 1f));
			for (LayerInfo layer : layers)
				r.activation(layer).layerGradient(layer);
			Pass pass = Passes.run(model, prepared, r);
			for (LayerInfo layer : layers) {
				FeatureMap a = pass.activation(layer);
				float[] map = Resample.resize(((LayerMapMethod) method).layerMap(a, pass.gradient(layer)),
					a.width(), a.height(), 1, prepared.width(), prepared.height());
				out.add(new Attribution(cls, model.spec.labels.name(cls), forward.logits[cls],
					forward.probabilities[cls], layer.name, g.toOriginal(map, 0f), g.originalWidth,
					g.originalHeight, new java.util.LinkedHashMap<>()));
			}
			double ms = (System.nanoTime() - t0) / 1e6;
			return new Explanation(method.id(), method.title(), out, TargetSpec.best(
				forward.probabilities, 5), forward.probabilities, forward.logits, 0, ms, ms);
		}
		String saved = options.layer;
		try {
			for (int i = 0; i < layers.size(); i++) {
				options.checkCancelled();
				options.layer = layers.get(i).name;
				ClassMap m = method.explain(model, prepared, new int[] { cls }, options).get(0);
				out.add(new Attribution(cls, model.spec.labels.name(cls), forward.logits[cls],
					forward.probabilities[cls], layers.get(i).name, g.toOriginal(m.map, 0f),
					g.originalWidth, g.originalHeight, m.details));
				options.progress.update(i + 1, layers.size());
			}
		}
		finally {
			options.layer = saved;
		}
		double ms = (System.nanoTime() - t0) / 1e6;
		return new Explanation(method.id(), method.title(), out, TargetSpec.best(
			forward.probabilities, 5), forward.probabilities, forward.logits, 0, ms, ms);
	}

	public static Explanation explain(ExplainableModel model, PreparedImage prepared,
		AttributionMethod method, TargetSpec target, ExplainOptions options, long startNanos)
	{
		long t1 = System.nanoTime();
		float[] logits, probabilities;
		int[] classes;
		List<ClassMap> maps;
		if (target.isTopOne() && method.resolvesTopOne()) {
			// Predict and explain the top class in the method's own pass.
			maps = method.explain(model, prepared, new int[] { AttributionMethod.TOP_ONE }, options);
			ClassMap m = maps.get(0);
			classes = new int[] { m.resolvedClass };
			logits = m.logits;
			probabilities = m.probabilities;
		}
		else {
			Pass forward = Passes.run(model, prepared, new PassRequest(prepared.modelInput, 1));
			logits = forward.logits;
			probabilities = forward.probabilities;
			classes = target.resolve(forward.logits, model.spec.labels);
			options.checkCancelled();
			maps = method.explain(model, prepared, classes, options);
		}
		long t2 = System.nanoTime();
		String layer = method.usesLayer() ? (options.layer != null ? model.layer(options.layer)
			: model.defaultLayer()).name : null;
		List<Attribution> out = new ArrayList<>();
		ImageGeometry g = prepared.geometry;
		for (int i = 0; i < classes.length; i++) {
			int c = classes[i];
			ClassMap m = maps.get(i);
			out.add(new Attribution(c, model.spec.labels.name(c), logits[c], probabilities[c], layer, g.toOriginal(m.map, 0f), g.originalWidth,
				g.originalHeight, m.details));
		}
		long t3 = System.nanoTime();
		return new Explanation(method.id(), method.title(), out, TargetSpec.best(probabilities, 5),
			probabilities, logits, (t1 - startNanos) / 1e6,
			(t2 - t1) / 1e6, (t3 - startNanos) / 1e6);
	}
}
