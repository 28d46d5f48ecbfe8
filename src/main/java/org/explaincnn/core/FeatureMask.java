package org.explaincnn.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Feature groups over the original image: one integer per pixel saying which feature the pixel
 * belongs to (0 .. count-1), or {@link #NONE} for pixels that belong to no feature and are never
 * perturbed. Perturbation methods (feature ablation, LIME, KernelSHAP) switch whole features off by
 * replacing their pixels with a baseline. Built from a grid here; the front ends build masks from
 * label images, ROIs and superpixels.
 */
public final class FeatureMask {

	/**
	 * Key of the {@link ClassMap#details} entry that holds per-feature results: a list, in feature
	 * order, of maps with "id" (1-based), "name", "attribution" and "pixels" (original pixels).
	 */
	public static final String DETAIL = "features";

	/** Label of a pixel that belongs to no feature. */
	public static final int NONE = -1;

	public final int width, height;
	/** Number of features. */
	public final int count;
	private final int[] labels;
	private final String[] names;

	private FeatureMask(int width, int height, int[] labels, int count, String[] names) {
		this.width = width;
		this.height = height;
		this.labels = labels;
		this.count = count;
		this.names = names;
	}

	/**
	 * From feature indices per pixel (0 .. names.length-1, or NONE), row-major, width x height;
	 * names[i] names feature i (e.g. a ROI's name).
	 */
	public static FeatureMask of(int[] featureOfPixel, int width, int height, String[] names) {
		if (featureOfPixel.length != width * height) throw new IllegalArgumentException(
			"mask has " + featureOfPixel.length + " pixels, not " + width + " x " + height);
		for (int f : featureOfPixel)
			if (f < NONE || f >= names.length) throw new IllegalArgumentException("feature " + f +
				" outside 0.." + (names.length - 1));
		FeatureMask m = new FeatureMask(width, height, featureOfPixel.clone(), names.length, names
			.clone());
		if (m.count == 0) throw new ExplainException("The feature mask has no features; give a " +
			"label image with labels above 0, or ROIs.");
		return m;
	}

	/**
	 * From a label image (row-major): every distinct value above 0 is one feature, in increasing
	 * order of value, named "label V"; 0 and below is background (no feature), as in ImageJ's and
	 * MorphoLibJ's label images.
	 */
	public static FeatureMask fromLabels(int[] labelOfPixel, int width, int height) {
		int[] distinct = Arrays.stream(labelOfPixel).filter(v -> v > 0).distinct().sorted().toArray();
		Map<Integer, Integer> index = new LinkedHashMap<>();
		String[] names = new String[distinct.length];
		for (int i = 0; i < distinct.length; i++) {
			index.put(distinct[i], i);
			names[i] = "label " + distinct[i];
		}
		if (distinct.length == 0) throw new ExplainException("The label image has no labels " +
			"(every pixel is 0); give a label image with one value above 0 per region.");
		int[] f = new int[labelOfPixel.length];
		for (int i = 0; i < f.length; i++)
			f[i] = labelOfPixel[i] > 0 ? index.get(labelOfPixel[i]) : NONE;
		return of(f, width, height, names);
	}

	/** Square cells of {@code cell} pixels (the last row and column may be smaller). */
	public static FeatureMask grid(int width, int height, int cell) {
		if (cell < 1) throw new IllegalArgumentException("cell " + cell);
		int cols = (width + cell - 1) / cell, rows = (height + cell - 1) / cell;
		int[] f = new int[width * height];
		for (int y = 0; y < height; y++)
			for (int x = 0; x < width; x++)
				f[y * width + x] = (y / cell) * cols + x / cell;
		String[] names = new String[cols * rows];
		for (int r = 0; r < rows; r++)
			for (int c = 0; c < cols; c++)
				names[r * cols + c] = "cell " + (r + 1) + "," + (c + 1);
		return of(f, width, height, names);
	}

	/** The feature of original pixel (x, y), or NONE. */
	public int featureAt(int x, int y) {
		return labels[y * width + x];
	}

	/** The feature of every original pixel, row-major (a copy). */
	public int[] labels() {
		return labels.clone();
	}

	public String name(int feature) {
		return names[feature];
	}

	/** Original pixels of each feature. */
	public int[] pixelCounts() {
		int[] n = new int[count];
		for (int f : labels)
			if (f != NONE) n[f]++;
		return n;
	}

	/**
	 * The feature of every model-input pixel, row-major: the feature of the original pixel under the
	 * model pixel's centre (nearest neighbour, so features stay whole numbers).
	 */
	public int[] atModel(ImageGeometry g) {
		if (g.originalWidth != width || g.originalHeight != height) throw new ExplainException(
			"The feature mask is " + width + "x" + height + " but the image is " + g.originalWidth +
				"x" + g.originalHeight + "; give a label image or ROIs made on this image.");
		int[] out = new int[g.modelWidth * g.modelHeight];
		for (int my = 0; my < g.modelHeight; my++) {
			int y = g.cropY + Math.min(g.cropHeight - 1, (int) ((my + 0.5) * g.cropHeight /
				g.modelHeight));
			for (int mx = 0; mx < g.modelWidth; mx++) {
				int x = g.cropX + Math.min(g.cropWidth - 1, (int) ((mx + 0.5) * g.cropWidth /
					g.modelWidth));
				out[my * g.modelWidth + mx] = labels[y * width + x];
			}
		}
		return out;
	}

	/**
	 * A model input with the features that are off replaced by the baseline: {@code input} and
	 * {@code baseline} channels last, {@code modelLabels} from {@link #atModel}.
	 */
	public static float[] perturb(float[] input, float[] baseline, int channels, int[] modelLabels,
		boolean[] on)
	{
		float[] out = input.clone();
		for (int p = 0; p < modelLabels.length; p++) {
			int f = modelLabels[p];
			if (f != NONE && !on[f]) System.arraycopy(baseline, p * channels, out, p * channels,
				channels);
		}
		return out;
	}

	/**
	 * A map at model resolution giving every pixel its feature's value (0 for pixels of no
	 * feature): how per-feature attributions are drawn.
	 */
	public static float[] paint(int[] modelLabels, double[] valueOfFeature) {
		float[] map = new float[modelLabels.length];
		for (int p = 0; p < map.length; p++)
			if (modelLabels[p] != NONE) map[p] = (float) valueOfFeature[modelLabels[p]];
		return map;
	}

	/**
	 * The per-feature rows of the {@link #DETAIL} table (the JSON and the front ends' feature
	 * table read these keys): id (1-based), name, attribution and pixels of the original image.
	 */
	public static List<Map<String, Object>> rows(double[] valueOfFeature, int[] pixels,
		IntFunction<String> name)
	{
		List<Map<String, Object>> rows = new ArrayList<>(valueOfFeature.length);
		for (int f = 0; f < valueOfFeature.length; f++) {
			Map<String, Object> row = new LinkedHashMap<>();
			row.put("id", f + 1);
			row.put("name", name.apply(f));
			row.put("attribution", valueOfFeature[f]);
			row.put("pixels", pixels[f]);
			rows.add(row);
		}
		return rows;
	}
}
