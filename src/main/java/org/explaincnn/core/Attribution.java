package org.explaincnn.core;

import java.util.Map;

import net.imglib2.img.array.ArrayImg;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.type.numeric.real.FloatType;

/** The explanation of one class, mapped onto the original image. */
public final class Attribution {

	public final int classIndex;
	public final String label;
	public final float logit;
	public final float probability;
	/** Layer used, or null for input-space methods. */
	public final String layer;
	/** originalHeight x originalWidth values, row-major. */
	public final float[] map;
	public final int width, height;
	public final Map<String, Object> details;

	Attribution(int classIndex, String label, float logit, float probability, String layer,
		float[] map, int width, int height, Map<String, Object> details)
	{
		this.classIndex = classIndex;
		this.label = label;
		this.logit = logit;
		this.probability = probability;
		this.layer = layer;
		this.map = map;
		this.width = width;
		this.height = height;
		this.details = details;
	}

	/** The map as an ImgLib2 image (X, Y) sharing this attribution's array. */
	public ArrayImg<FloatType, ?> image() {
		return ArrayImgs.floats(map, width, height);
	}

	/** Fraction of positive mass in rows [y0, y1): used to check where a map points. */
	public double massInRows(int y0, int y1) {
		double inside = 0, total = 0;
		for (int y = 0; y < height; y++)
			for (int x = 0; x < width; x++) {
				double v = Math.max(0, map[y * width + x]);
				total += v;
				if (y >= y0 && y < y1) inside += v;
			}
		return total == 0 ? 0 : inside / total;
	}
}
