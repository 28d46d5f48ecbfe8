package org.explaincnn.methods;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.FeatureMask;
import org.explaincnn.core.ImageGeometry;
import org.explaincnn.core.Param;
import org.explaincnn.core.PreparedImage;

import boofcv.abst.segmentation.ImageSuperpixels;
import boofcv.factory.segmentation.ConfigSlic;
import boofcv.factory.segmentation.FactoryImageSegmentation;
import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayS32;
import boofcv.struct.image.ImageType;
import boofcv.struct.image.Planar;

/**
 * The feature groups of LIME and KernelSHAP: superpixels of the prepared image at model
 * resolution, by BoofCV's SLIC (Achanta et al. 2012) on the 0..255 pixels, or square grid cells.
 * SLIC has no random part (cluster centres start on a regular grid), so the same image always
 * gives the same superpixels; the seed plays no role here. Labels are made directly at model
 * resolution, where the perturbations happen, so no mapping from the original image is needed.
 */
final class Superpixels {

	static final Param<String> SEGMENTATION = Param.choice("segmentation", "slic", List.of("slic",
		"grid"), "Segmentation (superpixels)", "slic (BoofCV's SLIC on the colours) or grid (square " +
			"cells); a SLIC result of fewer than 2 superpixels falls back to the grid");
	static final Param<Integer> SEGMENTS = Param.integer("segments", 50, 2, 10_000,
		"Segments (about how many)", "about how many superpixels (or grid cells) the image is cut into");
	static final Param<Double> COMPACTNESS = Param.number("compactness", 200, 1, 100_000,
		"Compactness (SLIC)", "SLIC's spatial weight (BoofCV's default 200): larger gives rounder, " +
			"more regular superpixels, smaller follows colour edges more closely");
	/** What an 'off' superpixel becomes: lime's hide_color=None is the mean colour per superpixel. */
	static final Param<String> BASELINE = Param.choiceOrPath("baseline", "mean", List.of("mean",
		"black", "white", "blur", "noise"), false, "Baseline (superpixel off)",
		"what a superpixel that is switched off shows: mean = that superpixel's own mean colour " +
			"(as the lime package; occlusion's, RISE's and feature ablation's mean is the whole " +
			"image's), black, white, a blurred copy, noise, or an image file");

	/** The parameters of the feature groups and their baseline, in dialog order. */
	static final List<Param<?>> PARAMETERS = List.of(SEGMENTATION, SEGMENTS, COMPACTNESS, BASELINE,
		Baselines.BLUR_SIGMA);

	private Superpixels() {}

	/**
	 * The feature of every model-input pixel, row-major, 0 .. count-1 (or {@link FeatureMask#NONE}
	 * for pixels of no feature, which are never switched off): the superpixels of the image. A
	 * user's feature mask (label image, ROIs), where given, takes their place here:
	 * {@code mask.atModel(image.geometry)}.
	 */
	static int[] modelFeatures(PreparedImage image, ExplainOptions options) {
		// The user's regions (a label image, ROIs: the features option) replace the superpixels.
		if (options.featureMask != null) return options.featureMask.atModel(image.geometry);
		int segments = options.get(SEGMENTS);
		if (options.get(SEGMENTATION).equals("slic")) {
			int[] slic = slic(image.pixels, image.width(), image.height(), image.channels, segments,
				options.get(COMPACTNESS));
			if (slic != null && count(slic) >= 2) return slic;
		}
		return grid(image.width(), image.height(), segments);
	}

	/**
	 * The features a surrogate model is fitted over: the feature of every model-input pixel
	 * ({@link #modelFeatures}), every feature counted ({@code count}: a user's mask's own count, so
	 * that no region drops off the table), and the features that cover at least one model pixel
	 * ({@code present}), renumbered 0 .. present.length - 1 in {@code compact}. Only present
	 * features are switched on and off and fitted; a region outside the model's window or smaller
	 * than one model pixel cannot change the score and gets the value 0.
	 */
	static final class Features {

		final int[] labels, compact, present;
		final int count;

		private Features(int[] labels, int count) {
			this.labels = labels;
			this.count = count;
			boolean[] seen = new boolean[count];
			for (int f : labels)
				if (f != FeatureMask.NONE) seen[f] = true;
			int[] index = new int[count];
			int n = 0;
			for (int f = 0; f < count; f++)
				index[f] = seen[f] ? n++ : FeatureMask.NONE;
			present = new int[n];
			for (int f = 0; f < count; f++)
				if (seen[f]) present[index[f]] = f;
			compact = new int[labels.length];
			for (int p = 0; p < labels.length; p++)
				compact[p] = labels[p] == FeatureMask.NONE ? FeatureMask.NONE : index[labels[p]];
		}

		/** Values of the present features (compact numbering) as values of every feature. */
		double[] expand(double[] ofPresent) {
			double[] out = new double[count];
			for (int j = 0; j < present.length; j++)
				out[present[j]] = ofPresent[j];
			return out;
		}
	}

	/**
	 * The features of the image ({@link Features}); a one-line error naming {@code method} when
	 * none covers a model pixel.
	 */
	static Features features(PreparedImage image, ExplainOptions options, String method) {
		int[] labels = modelFeatures(image, options);
		FeatureMask mask = options.featureMask;
		Features f = new Features(labels, mask != null ? mask.count : count(labels));
		if (f.present.length > 0) return f;
		if (mask != null) throw new ExplainException(method + ": none of your " + mask.count +
			" regions lies in the model's window (the part of the image the model sees) or covers a " +
			"whole model pixel; draw the regions inside that window, or larger.");
		throw new ExplainException(method + " found no superpixels in the image; use more segments.");
	}

	/**
	 * The per-feature rows of the table and JSON ({@link FeatureMask#DETAIL}). A user's mask gives
	 * its names and counts; a superpixel is named "superpixel N" and its model-input pixels are
	 * scaled to the original window.
	 */
	static List<Map<String, Object>> table(double[] value, int[] labels, PreparedImage image,
		ExplainOptions options)
	{
		FeatureMask mask = options.featureMask;
		if (mask != null) return FeatureMask.rows(value, mask.pixelCounts(), mask::name);
		int[] pixels = new int[value.length];
		int[] atModel = new int[value.length];
		for (int f : labels)
			if (f != FeatureMask.NONE) atModel[f]++;
		ImageGeometry g = image.geometry;
		double scale = (double) g.cropWidth * g.cropHeight / ((double) g.modelWidth * g.modelHeight);
		for (int f = 0; f < value.length; f++)
			pixels[f] = (int) Math.round(atModel[f] * scale);
		return FeatureMask.rows(value, pixels, f -> "superpixel " + (f + 1));
	}

	/**
	 * SLIC superpixels of a channels-last 0..255 raster, labels 0 .. n-1 numbered in raster order of
	 * first appearance; null when the image is too small for SLIC's grid.
	 */
	static int[] slic(float[] pixels, int width, int height, int channels, int segments,
		double compactness)
	{
		Planar<GrayF32> planes = new Planar<>(GrayF32.class, width, height, channels);
		for (int k = 0; k < channels; k++) {
			float[] band = planes.getBand(k).data;
			for (int p = 0; p < width * height; p++)
				band[p] = pixels[p * channels + k];
		}
		ConfigSlic config = new ConfigSlic(segments, (float) compactness);
		ImageSuperpixels<Planar<GrayF32>> slic = FactoryImageSegmentation.slic(config, ImageType.pl(
			channels, GrayF32.class));
		GrayS32 labels = new GrayS32(width, height);
		try {
			slic.segment(planes, labels);
		}
		catch (RuntimeException tooSmall) {
			// SLIC needs a few grid intervals plus its border inside the image; tiny inputs get the grid.
			return null;
		}
		int[] out = new int[width * height];
		for (int y = 0; y < height; y++)
			System.arraycopy(labels.data, labels.startIndex + y * labels.stride, out, y * width, width);
		return renumber(out);
	}

	/** Square cells of about width x height / segments pixels each. */
	static int[] grid(int width, int height, int segments) {
		int cell = (int) Math.ceil(Math.sqrt((double) width * height / segments));
		return FeatureMask.grid(width, height, Math.max(1, cell)).labels();
	}

	/** Number of features: the largest label + 1. */
	static int count(int[] labels) {
		return Arrays.stream(labels).max().orElse(FeatureMask.NONE) + 1;
	}

	/** Labels renumbered 0 .. n-1 in raster order of first appearance (NONE kept). */
	static int[] renumber(int[] labels) {
		int max = Arrays.stream(labels).max().orElse(-1);
		int[] index = new int[max + 1];
		Arrays.fill(index, -1);
		int next = 0;
		int[] out = new int[labels.length];
		for (int p = 0; p < labels.length; p++) {
			int l = labels[p];
			if (l < 0) out[p] = FeatureMask.NONE;
			else {
				if (index[l] < 0) index[l] = next++;
				out[p] = index[l];
			}
		}
		return out;
	}

	/**
	 * The input an all-off sample shows, in model units: each feature's pixels replaced by the
	 * feature's mean (per channel) for "mean", else the {@link Baselines} of that name ("noise" drawn
	 * from {@code random}). Pixels of no feature keep the image's values.
	 */
	static float[] baseline(ExplainableModel model, PreparedImage image, int[] labels, int count,
		ExplainOptions options, SplittableRandom random)
	{
		String kind = options.get(BASELINE);
		if (!kind.toLowerCase(Locale.ROOT).equals("mean")) return Baselines.of(BASELINE, kind, model, image,
			random, options.get(Baselines.BLUR_SIGMA));
		int c = image.channels;
		double[] sum = new double[count * c];
		int[] n = new int[count];
		float[] x = image.modelInput;
		for (int p = 0; p < labels.length; p++) {
			int f = labels[p];
			if (f == FeatureMask.NONE) continue;
			n[f]++;
			for (int k = 0; k < c; k++)
				sum[f * c + k] += x[p * c + k];
		}
		float[] out = x.clone();
		for (int p = 0; p < labels.length; p++) {
			int f = labels[p];
			if (f != FeatureMask.NONE) for (int k = 0; k < c; k++)
				out[p * c + k] = (float) (sum[f * c + k] / n[f]);
		}
		return out;
	}

	/** Most memory a surrogate fit may hold: its on/off patterns and its least-squares factor. */
	static final long MAX_BYTES = 256L << 20;

	/**
	 * A one-line error when the fit would not fit in memory: {@code samples} on/off patterns of
	 * {@code features} (a byte each) and the least-squares factor over {@code unknowns} (features,
	 * plus LIME's intercept) for {@code classes} right-hand sides.
	 */
	static void requireSize(int samples, int features, int unknowns, int classes, String method) {
		long bytes = (long) samples * features + WeightedLeastSquares.bytes(unknowns, classes);
		if (bytes > MAX_BYTES) throw new ExplainException(method + " with " + samples +
			" samples over " + features + " features needs " + (bytes >> 20) + " MB for its fit (at " +
			"most " + (MAX_BYTES >> 20) + " MB); use fewer segments or samples.");
	}
}
