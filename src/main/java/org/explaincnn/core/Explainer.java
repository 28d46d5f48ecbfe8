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
