package org.explaincnn.ij.render;

import ij.gui.PolygonRoi;
import ij.gui.Roi;
import ij.gui.Wand;
import ij.process.AutoThresholder;
import ij.process.ByteProcessor;
import ij.process.FloodFiller;
import ij.process.ImageProcessor;

import java.awt.Rectangle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.explaincnn.ij.CommonParams;

/**
 * ROIs from any method's map: pixels above a threshold (a fraction of the map's maximum, or Otsu's
 * threshold), one traced ROI per 8-connected region, strongest region first.
 */
public final class ThresholdRois {

	/** Largest number of regions kept per map. */
	public static final int MAX_REGIONS = 20;
	/** Regions smaller than this fraction of the image are specks of pixel-level maps, not ROIs. */
	public static final double MIN_AREA_FRACTION = 0.001;

	private ThresholdRois() {}

	/** The map value of a threshold: "otsu", or a fraction of the maximum such as "0.5". */
	public static double thresholdValue(float[] map, String threshold) {
		// One check for every front end and for drawing (CommonParams declares the option).
		String t = CommonParams.checkThreshold(threshold == null ? "0.5" : threshold);
		float max = 0;
		for (float v : map)
			max = Math.max(max, v);
		if (max <= 0) return Double.POSITIVE_INFINITY;
		if (t.equals("otsu")) {
			int[] histogram = new int[256];
			for (float v : map)
				histogram[(int) Math.max(0, Math.min(255, v / max * 255))]++;
			int level = new AutoThresholder().getThreshold(AutoThresholder.Method.Otsu, histogram);
			return (level + 1) / 255.0 * max;
		}
		return Double.parseDouble(t) * max;
	}

	public static List<Roi> regions(float[] map, int width, int height, String threshold,
		String namePrefix)
	{
		double level = thresholdValue(map, threshold);
		ByteProcessor mask = new ByteProcessor(width, height);
		byte[] m = (byte[]) mask.getPixels();
		for (int i = 0; i < map.length; i++)
			if (map[i] >= level) m[i] = (byte) 255;
		List<Roi> found = new ArrayList<>();
		List<Double> mass = new ArrayList<>();
		ByteProcessor remaining = (ByteProcessor) mask.duplicate();
		remaining.setValue(0);
		FloodFiller filler = new FloodFiller(remaining);
		byte[] r = (byte[]) remaining.getPixels();
		for (int y = 0; y < height; y++) {
			for (int x = 0; x < width; x++) {
				if (r[y * width + x] == 0) continue;
				Wand wand = new Wand(mask);
				wand.autoOutline(x, y, 255.0, 255.0, Wand.EIGHT_CONNECTED);
				Roi roi = new PolygonRoi(wand.xpoints, wand.ypoints, wand.npoints, Roi.TRACED_ROI);
				filler.fill8(x, y);
				Rectangle b = roi.getBounds();
				// The positive mass and pixel count inside the traced outline (holes included), as
				// Roi.getContainedPoints() would give them, read straight from the ROI's mask: one
				// Point object per pixel was the costliest part of drawing a result.
				double sum = 0;
				long inside = 0;
				ImageProcessor outline = roi.getMask();
				byte[] in = outline == null ? null : (byte[]) outline.getPixels();
				for (int yy = 0; yy < b.height; yy++)
					for (int xx = 0; xx < b.width; xx++) {
						if (in != null && in[yy * outline.getWidth() + xx] == 0) continue;
						inside++;
						int px = b.x + xx, py = b.y + yy;
						if (px >= 0 && py >= 0 && px < width && py < height) sum += Math.max(0, map[py *
							width + px]);
					}
				if (b.width * b.height == 0 || inside < MIN_AREA_FRACTION * width * height) continue;
				found.add(roi);
				mass.add(sum);
			}
		}
		List<Integer> order = new ArrayList<>();
		for (int i = 0; i < found.size(); i++)
			order.add(i);
		order.sort(Comparator.comparingDouble(i -> -mass.get(i)));
		List<Roi> out = new ArrayList<>();
		for (int rank = 0; rank < Math.min(MAX_REGIONS, order.size()); rank++) {
			Roi roi = found.get(order.get(rank));
			roi.setName(namePrefix + " #" + (rank + 1));
			out.add(tag(roi));
		}
		return out;
	}

	/** The ROI property that marks a ROI this plugin made from a map (it travels with clones). */
	public static final String PROPERTY = "explaincnn", RESULT = "result";

	/**
	 * Marks a ROI as made from a map: such ROIs in the ROI Manager (Explain adds them) are not the
	 * user's, so they are never taken as an annotation or as features.
	 */
	public static Roi tag(Roi roi) {
		roi.setProperty(PROPERTY, RESULT);
		return roi;
	}

	/** True for a ROI made from a map by this plugin ({@link #tag}). */
	public static boolean isResult(Roi roi) {
		return RESULT.equals(roi.getProperty(PROPERTY));
	}
}
