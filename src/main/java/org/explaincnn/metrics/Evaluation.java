package org.explaincnn.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
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

	/**
	 * The method's maps for the target's classes and their figures; {@code annotation} is a mask at
	 * the original image's geometry, or null.
	 */
	public static List<ClassResult> of(ExplainableModel model, PreparedImage image,
		AttributionMethod method, TargetSpec target, ExplainOptions options,
		DeletionInsertion.Settings settings, boolean[] annotation)
	{
		method.checkParameters(options.params());
		int[] classes = classes(model, image, target);
		options.checkCancelled();
		List<ClassMap> maps = method.explain(model, image, classes, options);
		List<ClassResult> out = new ArrayList<>();
		for (int i = 0; i < classes.length; i++)
			out.add(ofMap(model, image, classes[i], maps.get(i).map, options, settings, annotation));
		return out;
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
		float[] original = image.geometry.toOriginal(modelMap, 0f);
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
