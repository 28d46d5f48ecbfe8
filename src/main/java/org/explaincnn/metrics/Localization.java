package org.explaincnn.metrics;

import org.explaincnn.core.ExplainException;

/**
 * Does the map point at what a person annotated? Maps and masks are at the original image's
 * geometry (width x height, row-major). The pointing game (Zhang et al. 2016, as TorchRay scores
 * it): the map's maximum is a hit when it lies within {@code tolerance} pixels of the annotation.
 * The mass fractions say how much of the map lies inside: the positive mass (Score-CAM's
 * "energy-based pointing game") and the energy (squared values, so signed maps count by magnitude).
 */
public final class Localization {

	/** TorchRay's tolerance, in pixels. */
	public static final int TOLERANCE = 15;

	private Localization() {}

	/**
	 * True when the map's maximum (the first, in row order) is closer than {@code tolerance} pixels
	 * to the mask (strictly, as TorchRay's distance < tolerance). NaN marks pixels the model never
	 * saw (outside its crop): they cannot hold the maximum; a map that is NaN everywhere misses.
	 */
	public static boolean pointingHit(float[] map, boolean[] mask, int width, int height,
		int tolerance)
	{
		check(map, mask, width, height);
		int best = -1;
		for (int i = 0; i < map.length; i++)
			if (!Float.isNaN(map[i]) && (best < 0 || map[i] > map[best])) best = i;
		if (best < 0) return false;
		int bx = best % width, by = best / width;
		for (int y = Math.max(0, by - tolerance); y <= Math.min(height - 1, by + tolerance); y++)
			for (int x = Math.max(0, bx - tolerance); x <= Math.min(width - 1, bx + tolerance); x++)
				if (mask[y * width + x] && (x - bx) * (x - bx) + (y - by) * (y - by) < tolerance *
					tolerance) return true;
		return false;
	}

	/**
	 * Sum of max(0, v) inside / in total; NaN when the map has no positive value. NaN pixels (not
	 * seen by the model) count for nothing.
	 */
	public static double positiveMassInside(float[] map, boolean[] mask, int width, int height) {
		check(map, mask, width, height);
		double inside = 0, total = 0;
		for (int i = 0; i < map.length; i++) {
			if (Float.isNaN(map[i])) continue;
			double v = Math.max(0, map[i]);
			total += v;
			if (mask[i]) inside += v;
		}
		return total > 0 ? inside / total : Double.NaN;
	}

	/** Sum of v^2 inside / in total (NaN pixels left out); NaN for a map that is zero everywhere. */
	public static double energyInside(float[] map, boolean[] mask, int width, int height) {
		check(map, mask, width, height);
		double inside = 0, total = 0;
		for (int i = 0; i < map.length; i++) {
			if (Float.isNaN(map[i])) continue;
			double v = (double) map[i] * map[i];
			total += v;
			if (mask[i]) inside += v;
		}
		return total > 0 ? inside / total : Double.NaN;
	}

	private static void check(float[] map, boolean[] mask, int width, int height) {
		if (map.length != width * height || mask.length != width * height) throw new ExplainException(
			"The annotation is " + mask.length + " pixels and the map " + map.length + " for a " + width +
				"x" + height + " image; give an annotation of the image's size.");
		boolean any = false;
		for (boolean m : mask)
			any |= m;
		if (!any) throw new ExplainException("The annotation marks no pixel; give a mask or ROIs " +
			"that cover the object.");
	}
}
