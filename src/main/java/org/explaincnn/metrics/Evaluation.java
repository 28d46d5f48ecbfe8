package org.explaincnn.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explainer;
import org.explaincnn.core.Explanation;
import org.explaincnn.core.Param;
import org.explaincnn.core.Pass;
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.Passes;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.Resample;
import org.explaincnn.core.Score;
import org.explaincnn.core.TargetSpec;

/**
 * Every metric for one image and one method: the maps are made with the user's options (score,
 * counterfactual, layer, parameters), and the metrics always score the class's probability, as
 * Petsiuk (deletion/insertion) and Chattopadhay (confidence) do, so the figures of different
 * methods and runs compare.
 */
public final class Evaluation {

	/** One class's map and its figures. Pointing and the fractions are NaN without annotation. */
	public record ClassResult(int classIndex, String label, float[] modelMap, float[] originalMap,
		DeletionInsertion.Curves curves, ConfidenceChange.Result confidence, double pointing,
		double massInside, double energyInside)
	{

		public double deletionAuc() {
			return curves.deletion().auc;
		}

		public double insertionAuc() {
			return curves.insertion().auc;
		}
	}

	/** The id under which a random map is evaluated (a reference every method should beat). */
	public static final String RANDOM = "random";

	private Evaluation() {}

	/** A method's explanation of one image, as Explain makes and checks it, and its figures. */
	public record Evaluated(Explanation explanation, List<ClassResult> results) {}

	/**
	 * The method's maps for the target's classes and their figures; {@code annotation} is a mask at
	 * the original image's geometry, or null. The maps are made through {@link Explainer} (its
	 * checks: parameters, NaN maps refused), once: the explanation is what Explain would save.
	 */
	public static Evaluated of(ExplainableModel model, PreparedImage image,
		AttributionMethod method, TargetSpec target, ExplainOptions options,
		DeletionInsertion.Settings settings, boolean[] annotation)
	{
		RecordingMethod recording = new RecordingMethod(method);
		Explanation explanation = Explainer.explain(model, image, recording, target, options, System
			.nanoTime());
		List<ClassResult> out = new ArrayList<>();
		for (int i = 0; i < explanation.attributions.size(); i++)
			out.add(ofMap(model, image, explanation.attributions.get(i).classIndex, recording.maps.get(
				i).map, options, settings, annotation));
		return new Evaluated(explanation, out);
	}

	/**
	 * A method that keeps the maps it made at model resolution (the metrics perturb the model's
	 * input), and is otherwise the method itself.
	 */
	private static final class RecordingMethod implements AttributionMethod {

		final AttributionMethod method;
		List<ClassMap> maps = List.of();

		RecordingMethod(AttributionMethod method) {
			this.method = method;
		}

		@Override
		public String id() {
			return method.id();
		}

		@Override
		public String title() {
			return method.title();
		}

		@Override
		public boolean usesLayer() {
			return method.usesLayer();
		}

		@Override
		public List<Param<?>> parameters() {
			return method.parameters();
		}

		@Override
		public void checkParameters(Map<String, String> given) {
			method.checkParameters(given);
		}

		@Override
		public Param<?> parameter(String key) {
			return method.parameter(key);
		}

		@Override
		public boolean resolvesTopOne() {
			return method.resolvesTopOne();
		}

		@Override
		public boolean usesFeatureMask() {
			return method.usesFeatureMask();
		}

		@Override
		public int passes(ExplainOptions options) {
			return method.passes(options);
		}

		@Override
		public boolean forwardOnly() {
			return method.forwardOnly();
		}

		@Override
		public List<ClassMap> explain(ExplainableModel model, PreparedImage image, int[] classes,
			ExplainOptions options)
		{
			maps = method.explain(model, image, classes, options);
			return maps;
		}
	}

	/** The classes a target names for this image (one forward pass for top-1 and top-k). */
	public static int[] classes(ExplainableModel model, PreparedImage image, TargetSpec target) {
		Pass forward = Passes.run(model, image, new PassRequest(image.modelInput, 1));
		return target.resolve(forward.logits, model.spec().labels);
	}

	/** The figures of a given map (model resolution) for one class. */
	public static ClassResult ofMap(ExplainableModel model, PreparedImage image, int cls,
		float[] modelMap, ExplainOptions options, DeletionInsertion.Settings settings,
		boolean[] annotation)
	{
		ExplainOptions probability = options.toBuilder().score(Score.PROBABILITY).counterfactual(false)
			.build();
		DeletionInsertion.Curves curves = DeletionInsertion.of(model, image, modelMap, cls,
			probability, settings);
		ConfidenceChange.Result confidence = ConfidenceChange.of(model, image, modelMap, cls,
			probability);
		// NaN outside the model's crop: the maximum must not land on pixels the model never saw.
		float[] original = image.geometry.toOriginal(modelMap, Float.NaN);
		double pointing = Double.NaN, mass = Double.NaN, energy = Double.NaN;
		if (annotation != null) {
			int w = image.geometry.originalWidth, h = image.geometry.originalHeight;
			pointing = Localization.pointingHit(original, annotation, w, h, Localization.TOLERANCE) ? 1
				: 0;
			mass = Localization.positiveMassInside(original, annotation, w, h);
			energy = Localization.energyInside(original, annotation, w, h);
		}
		return new ClassResult(cls, model.spec().labels.name(cls), modelMap, original, curves,
			confidence, pointing, mass, energy);
	}

	/** Side of the random reference map's cells in model pixels (a CAM's cell at 224 px: 7 x 7). */
	public static final int RANDOM_CELL = 32;

	/**
	 * The random reference map, from the seed: uniform values on a grid of {@link #RANDOM_CELL}
	 * pixel cells, upsampled bilinearly. It is as smooth as a CAM map, so deletion removes regions
	 * as a CAM's order does; random single pixels would delete salt-and-pepper noise, which ruins
	 * any CNN's score whatever the order, and make every map look worse than chance.
	 */
	public static float[] randomMap(PreparedImage image, long seed) {
		SplittableRandom random = new SplittableRandom(seed);
		int gw = Math.max(1, (image.width() + RANDOM_CELL - 1) / RANDOM_CELL);
		int gh = Math.max(1, (image.height() + RANDOM_CELL - 1) / RANDOM_CELL);
		float[] grid = new float[gw * gh];
		for (int i = 0; i < grid.length; i++)
			grid[i] = random.nextInt(1 << 24) / (float) (1 << 24);
		return Resample.resize(grid, gw, gh, 1, image.width(), image.height());
	}
}
