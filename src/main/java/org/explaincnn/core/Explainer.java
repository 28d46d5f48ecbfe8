package org.explaincnn.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.IntConsumer;

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
		PreparedImage prepared = PreparedImage.of(image, model.spec());
		return explain(model, prepared, method, target, options, t0);
	}

	/**
	 * Several images at once. Layer-map methods (the CAM family) with a top-1 or single-class target
	 * explain a whole chunk of images in one Session.run (the top class of each row is chosen
	 * inside the graph); other methods and targets go image by image. Images must share the model's
	 * input size (true for fixed-size models).
	 */
	public static List<Explanation> explainBatch(ExplainableModel model, List<PreparedImage> images,
		AttributionMethod method, TargetSpec target, ExplainOptions options)
	{
		List<Explanation> out = new ArrayList<>();
		Integer batchClass = batchClass(model, method, target);
		if (batchClass == null) {
			for (PreparedImage image : images)
				out.add(explain(model, image, method, target, options, System.nanoTime()));
			return out;
		}
		LayerInfo layer = model.layerOrDefault(options.layer);
		int k = model.spec().classes;
		int cls = batchClass;
		long[] chunkStart = { System.nanoTime() };
		PassStream.of(model, images.size(), i -> images.get(i).modelInput).at(images.get(0)).classes(
			i -> cls).activation(layer).layerGradient(layer).run(options, chunk -> {
				Pass pass = chunk.pass;
				double ms = (System.nanoTime() - chunkStart[0]) / 1e6 / chunk.size();
				Explanation[] rows = new Explanation[chunk.size()];
				eachRow(rows.length, b -> {
					PreparedImage image = images.get(chunk.from + b);
					float[] logits = Arrays.copyOfRange(pass.logits, b * k, (b + 1) * k);
					float[] probabilities = Arrays.copyOfRange(pass.probabilities, b * k, (b + 1) * k);
					int c = cls != AttributionMethod.TOP_ONE ? cls : ExplainableModel.argmax(logits, 0, k);
					Attribution at = attribution(model, image, c, logits, probabilities, layer.name,
						layerMap((LayerMapMethod) method, pass, layer, b, image), new LinkedHashMap<>());
					rows[b] = checked(new Explanation(method.id(), method.title(), List.of(at), TargetSpec
						.best(probabilities, 5), probabilities, logits, 0, ms, ms), options);
				});
				out.addAll(Arrays.asList(rows));
				chunkStart[0] = System.nanoTime();
			});
		return out;
	}

	/**
	 * Runs {@code row} for 0..n-1, the odd rows on another core: between two TensorFlow runs the
	 * per-image work (the map from the layer, its mapping back onto the original image) is the
	 * only thing running, and rows are independent. A row's exception or error is thrown as it is
	 * (the caller's rows' first, the other's added as suppressed), after every row is done.
	 */
	static void eachRow(int n, IntConsumer row) {
		if (n < 2) {
			for (int b = 0; b < n; b++)
				row.accept(b);
			return;
		}
		CompletableFuture<Void> odd = CompletableFuture.runAsync(() -> {
			for (int b = 1; b < n; b += 2)
				row.accept(b);
		});
		Throwable failed = null;
		try {
			for (int b = 0; b < n; b += 2)
				row.accept(b);
		}
		catch (Throwable t) {
			failed = t;
		}
		// Whatever happened here, the other rows are done before this returns or throws.
		try {
			odd.join();
		}
		catch (CompletionException e) {
			Throwable cause = e.getCause() != null ? e.getCause() : e;
			if (failed == null) failed = cause;
			else failed.addSuppressed(cause);
		}
		if (failed instanceof RuntimeException r) throw r;
		if (failed instanceof Error e) throw e;
		if (failed != null) throw new IllegalStateException(failed); // rows throw no checked ones
	}

	/**
	 * The class every row of a batch is explained for ({@link AttributionMethod#TOP_ONE}: each
	 * row's own top class), or null when the method and target go image by image.
	 */
	private static Integer batchClass(ExplainableModel model, AttributionMethod method,
		TargetSpec target)
	{
		if (!(method instanceof LayerMapMethod) || model.spec().height <= 0 || (!target.isTopOne() &&
			target.isTopK()) || model.spec().maxBatch <= 1) return null;
		if (target.isTopOne()) return AttributionMethod.TOP_ONE;
		int[] fixed = target.resolve(new float[model.spec().classes], model.spec().labels);
		return fixed.length == 1 ? fixed[0] : null;
	}

	/**
	 * Runs once, on a blank input, the passes {@link #explainBatch} will run, and throws the result
	 * away: TensorFlow's first run of a set of fetches prunes and optimises the graph for them (a
	 * few hundred milliseconds), which a folder run does here while its images are still being
	 * read. Nothing for methods that go image by image; errors are left to the real run.
	 */
	public static void warmUp(ExplainableModel model, AttributionMethod method, TargetSpec target,
		ExplainOptions options)
	{
		try {
			Integer cls = batchClass(model, method, target);
			if (cls == null) return;
			LayerInfo layer = model.layerOrDefault(options.layer);
			float[] blank = new float[model.spec().height * model.spec().width * model.spec().channels];
			PassStream.of(model, 1, i -> blank).classes(i -> cls).activation(layer).layerGradient(
				layer).run(options, chunk -> {});
		}
		catch (ExplainException e) {
			// The real run reports it, with the image it belongs to.
		}
	}

	/** A class's map at model resolution, put back on the original image, with its scores. */
	private static Attribution attribution(ExplainableModel model, PreparedImage image, int cls,
		float[] logits, float[] probabilities, String layer, float[] modelMap,
		Map<String, Object> details)
	{
		ImageGeometry g = image.geometry;
		return new Attribution(cls, model.spec().labels.name(cls), logits[cls], probabilities[cls],
			layer, g.toOriginal(modelMap, 0f), g.originalWidth, g.originalHeight, details);
	}

	/** A method's map put back on the original image: label maps by nearest neighbour. */
	private static Attribution attribution(ExplainableModel model, PreparedImage image, int cls,
		float[] logits, float[] probabilities, String layer, ClassMap m)
	{
		if (!m.labels) return attribution(model, image, cls, logits, probabilities, layer, m.map,
			m.details);
		ImageGeometry g = image.geometry;
		return new Attribution(cls, model.spec().labels.name(cls), logits[cls], probabilities[cls],
			layer, g.toOriginalNearest(m.map, 0f), g.originalWidth, g.originalHeight, m.details);
	}

	/** A layer-map method's map for row {@code b} of a pass, upsampled to the model input. */
	private static float[] layerMap(LayerMapMethod method, Pass pass, LayerInfo layer, int b,
		PreparedImage image)
	{
		FeatureMap a = pass.activation(layer).slice(b);
		return Resample.resize(method.layerMap(a, pass.gradient(layer).slice(b)), a.width(), a
			.height(), 1, image.width(), image.height());
	}

	/** Activation op types: the outputs of "blocks" in a sweep over "all" layers. */
	private static final Set<String> ACTIVATIONS = Set.of("Relu", "Relu6", "Elu",
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
		int cls = target.resolve(forward.logits, model.spec().labels)[0];
		List<Attribution> out = new ArrayList<>();
		if (method instanceof LayerMapMethod) {
			// Every layer's activations and gradients in one pass.
			PassStream pass = PassStream.repeat(model, prepared.modelInput, 1).at(prepared).classes(
				i -> cls);
			for (LayerInfo layer : layers)
				pass.activation(layer).layerGradient(layer);
			pass.forEachRow(options, (p, b, i) -> {
				for (LayerInfo layer : layers)
					out.add(attribution(model, prepared, cls, forward.logits, forward.probabilities,
						layer.name, layerMap((LayerMapMethod) method, p, layer, b, prepared),
						new LinkedHashMap<>()));
			});
			double ms = (System.nanoTime() - t0) / 1e6;
			return checked(new Explanation(method.id(), method.title(), out, TargetSpec.best(
				forward.probabilities, 5), forward.probabilities, forward.logits, 0, ms, ms), options);
		}
		for (int i = 0; i < layers.size(); i++) {
			options.checkCancelled();
			ClassMap m = method.explain(model, prepared, new int[] { cls }, options.withLayer(layers
				.get(i).name)).get(0);
			out.add(attribution(model, prepared, cls, forward.logits, forward.probabilities, layers.get(
				i).name, m));
			options.progress.update(i + 1, layers.size());
		}
		double ms = (System.nanoTime() - t0) / 1e6;
		return checked(new Explanation(method.id(), method.title(), out, TargetSpec.best(
			forward.probabilities, 5), forward.probabilities, forward.logits, 0, ms, ms), options);
	}

	public static Explanation explain(ExplainableModel model, PreparedImage prepared,
		AttributionMethod method, TargetSpec target, ExplainOptions options, long startNanos)
	{
		method.checkParameters(options.params());
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
			classes = target.resolve(forward.logits, model.spec().labels);
			// Class-independent maps (concepts) would be the same map once per class.
			if (method.classIndependent() && classes.length > 1) classes = new int[] { classes[0] };
			options.checkCancelled();
			maps = method.explain(model, prepared, classes, options);
		}
		long t2 = System.nanoTime();
		String layer = method.usesLayer() ? model.layerOrDefault(options.layer).name : null;
		List<Attribution> out = new ArrayList<>();
		for (int i = 0; i < classes.length; i++)
			out.add(attribution(model, prepared, classes[i], logits, probabilities, layer, maps.get(
				i)));
		long t3 = System.nanoTime();
		return checked(new Explanation(method.id(), method.title(), out, TargetSpec.best(probabilities, 5),
			probabilities, logits, (t1 - startNanos) / 1e6,
			(t2 - t1) / 1e6, (t3 - startNanos) / 1e6), options);
	}

	/**
	 * An explanation of maps made outside {@link #explain} (one image's share of concepts found
	 * over a folder), assembled as {@link #explain} does: each map put back on the original image.
	 */
	public static Explanation of(ExplainableModel model, PreparedImage prepared,
		AttributionMethod method, String layer, int[] classes, List<ClassMap> maps, float[] logits,
		float[] probabilities, double methodMs, ExplainOptions options)
	{
		List<Attribution> out = new ArrayList<>();
		for (int i = 0; i < classes.length; i++)
			out.add(attribution(model, prepared, classes[i], logits, probabilities, layer, maps.get(
				i)));
		return checked(new Explanation(method.id(), method.title(), out, TargetSpec.best(
			probabilities, 5), probabilities, logits, 0, methodMs, methodMs), options);
	}

	/** Key of an attribution's details that holds a warning for the user. */
	public static final String WARNING = "warning";

	/**
	 * No silent nonsense: a map with NaN or infinite values is refused in one line, and a map that
	 * is zero everywhere carries a warning saying why it may be and what to try.
	 */
	static Explanation checked(Explanation e, ExplainOptions options) {
		for (Attribution a : e.attributions) {
			boolean zero = true;
			for (float v : a.map) {
				if (!Float.isFinite(v)) throw new ExplainException(e.methodTitle + " gave NaN or " +
					"infinite values for '" + a.label + "': the model's scores overflow on this input; " +
					"check the preprocessing (mean/std in " + ModelDescriptor.FILE_NAME +
					") and the image's values.");
				zero &= v == 0;
			}
			if (zero) a.details.put(WARNING, zeroMapReason(e, a, options));
		}
		return e;
	}

	private static String zeroMapReason(Explanation e, Attribution a, ExplainOptions options) {
		String map = "the " + e.methodTitle + " map for '" + a.label + "' is zero everywhere: ";
		if (options.score == Score.PROBABILITY && (a.probability > 0.999f || a.probability < 0.001f))
			return map + "the class's probability is saturated (p=" + a.probability +
				"), so its gradient vanishes; use the logit score (score=logit, --score logit).";
		return map + "nothing " + (a.layer != null ? "at layer " + a.layer + " " : "") + "speaks " +
			(options.counterfactual ? "against" : "for") + " the class here; try " + (options
				.counterfactual ? "without" : "with") + " counterfactual, another layer or another method.";
	}
}
