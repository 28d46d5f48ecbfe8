package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
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
		"what a superpixel that is switched off shows: its mean colour (as the lime package), " +
			"black, white, a blurred copy, noise, or an image file");

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
	 * The per-feature rows of the table and JSON ({@link FeatureMask#DETAIL}): id, name, value and
	 * pixels of the original image. A user's mask gives its names and counts; a superpixel is named
	 * "superpixel N" and its model-input pixels are scaled to the original window.
	 */
	static List<Map<String, Object>> table(double[] value, int[] labels, PreparedImage image,
		ExplainOptions options)
	{
		FeatureMask mask = options.featureMask;
		int[] pixels;
		if (mask != null) pixels = mask.pixelCounts();
		else {
			pixels = new int[value.length];
			int[] atModel = new int[value.length];
			for (int f : labels)
				if (f != FeatureMask.NONE) atModel[f]++;
			ImageGeometry g = image.geometry;
			double scale = (double) g.cropWidth * g.cropHeight / ((double) g.modelWidth * g.modelHeight);
			for (int f = 0; f < value.length; f++)
				pixels[f] = (int) Math.round(atModel[f] * scale);
		}
		List<Map<String, Object>> rows = new ArrayList<>();
		for (int f = 0; f < value.length; f++) {
			Map<String, Object> row = new LinkedHashMap<>();
			row.put("id", f + 1);
			row.put("name", mask != null ? mask.name(f) : "superpixel " + (f + 1));
			row.put("attribution", value[f]);
			row.put("pixels", pixels[f]);
			rows.add(row);
		}
		return rows;
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
		if (!kind.toLowerCase(Locale.ROOT).equals("mean")) return Baselines.of(kind, model, image,
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

	/** A one-line error when there is nothing to switch on and off. */
	static void requireFeatures(int count, String method) {
		if (count < 1) throw new ExplainException(method + " found no feature groups in the image; " +
			"use segmentation=grid or a feature mask with at least one region.");
	}

	/** Largest samples x features of a surrogate regression (160 MB of doubles). */
	static final long MAX_CELLS = 20_000_000L;

	/** A one-line error when the regression over samples x features would not fit in memory. */
	static void requireSize(int samples, int features, String method) {
		if ((long) samples * features > MAX_CELLS) throw new ExplainException(method + " with " +
			samples + " samples over " + features + " superpixels needs a regression of " + (long) samples *
				features + " values (at most " + MAX_CELLS + "); use fewer samples or segments.");
	}
}
