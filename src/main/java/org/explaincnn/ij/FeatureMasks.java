package org.explaincnn.ij;

import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.Roi;
import ij.io.RoiDecoder;
import ij.plugin.frame.RoiManager;
import ij.process.ImageProcessor;

import java.awt.GraphicsEnvironment;
import java.awt.Point;
import java.awt.Rectangle;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.FeatureMask;
import org.explaincnn.ij.render.ThresholdRois;

/**
 * The features option ({@link CommonParams#FEATURES}) made into a core {@link FeatureMask} on the
 * original image: a label image (each value above 0 one feature, 0 background, as ImageJ's and
 * MorphoLibJ's label images), ROIs (a ROI-set .zip, a single .roi, or the ROI Manager's), or the
 * method's own grid. ROIs are rasterised with ImageJ's ROI masks in their order; where ROIs
 * overlap, the later ROI takes the pixel (as when a label image is painted ROI by ROI), so the
 * pixel counts are the pixels each feature really has. ROI names become feature names.
 */
public final class FeatureMasks {

	/**
	 * The user's ROIs in the ROI Manager if it holds any, else the method's grid; the ROIs Explain
	 * added from its maps ({@link ThresholdRois#isResult}) are not the user's and are left out.
	 */
	public static final String AUTO = "auto";
	/** The method's grid (its cell parameter). */
	public static final String GRID = "grid";
	/** The ROI Manager's ROIs (refused when it holds none). */
	public static final String ROI_MANAGER = "roimanager";

	private FeatureMasks() {}

	/**
	 * What is wrong with a features value (a phrase for {@link org.explaincnn.core.Param}'s
	 * one-line error), or null when it is a keyword, an existing label image or ROI file, or the
	 * title of an open image.
	 */
	public static String problem(String value) {
		String v = value.strip();
		if (isKeyword(v)) return null;
		File f = new File(v);
		if (f.isFile()) return kindOf(v) == null ? "is neither a label image (.tif, .tiff, .png) " +
			"nor a ROI set (.zip, .roi)" : null;
		if (f.isDirectory()) return "is a folder, not a label image or ROI set file";
		if (WindowManager.getImage(v) != null) return null;
		return "names no file and no open image";
	}

	private static boolean isKeyword(String v) {
		return v.equalsIgnoreCase(AUTO) || v.equalsIgnoreCase(GRID) || v.equalsIgnoreCase(
			ROI_MANAGER);
	}

	private static String kindOf(String path) {
		String n = path.toLowerCase(Locale.ROOT);
		if (n.endsWith(".zip")) return "zip";
		if (n.endsWith(".roi")) return "roi";
		if (n.endsWith(".tif") || n.endsWith(".tiff") || n.endsWith(".png")) return "labels";
		return null;
	}

	/**
	 * The feature mask for an image of width x height, or null for the method's grid ("grid", or
	 * "auto" with an empty or no ROI Manager). Problems are one line: a missing file, a label image
	 * with no labels or of another size, a ROI outside the image.
	 */
	public static FeatureMask forImage(String features, int width, int height) {
		String v = features == null || features.isBlank() ? AUTO : features.strip();
		String problem = problem(v);
		if (problem != null) throw new ExplainException("Parameter features=" + v + " " + problem +
			"; give grid, roimanager, a label image or ROI set file, or the title of an open label image.");
		if (v.equalsIgnoreCase(GRID)) return null;
		if (v.equalsIgnoreCase(AUTO) || v.equalsIgnoreCase(ROI_MANAGER)) {
			List<Roi> rois = v.equalsIgnoreCase(AUTO) ? userRois() : roiManagerRois();
			if (!rois.isEmpty()) return fromRois(rois, width, height, "the ROI Manager");
			if (v.equalsIgnoreCase(AUTO)) return null;
			throw new ExplainException("The ROI Manager holds no ROIs; add ROIs to it, or use " +
				"features=grid, a label image or a ROI set file.");
		}
		File f = new File(v);
		if (!f.isFile()) return fromLabels(WindowManager.getImage(v), width, height);
		switch (kindOf(v)) {
			case "zip":
				return fromRois(readRoiZip(f.toPath()), width, height, f.getName());
			case "roi":
				return fromRois(readRois(f.toPath()), width, height, f.getName());
			default:
				ImagePlus labels = IJ.openImage(f.getPath());
				if (labels == null) throw new ExplainException("Cannot read label image " + f +
					"; give a TIFF or PNG label image.");
				return fromLabels(labels, width, height);
		}
	}

	/** A label image: each distinct value above 0 is one feature ("label V"), 0 is background. */
	public static FeatureMask fromLabels(ImagePlus labels, int width, int height) {
		String name = labels.getTitle();
		if (labels.getStackSize() > 1) throw new ExplainException("Label image " + name + " has " +
			labels.getStackSize() + " planes; give a single-plane label image.");
		if (labels.getType() == ImagePlus.COLOR_RGB) throw new ExplainException("Label image " +
			name + " is RGB; give an 8-, 16- or 32-bit label image (one value per region).");
		if (labels.getWidth() != width || labels.getHeight() != height)
			throw new ExplainException("Label image " + name + " is " + labels.getWidth() + "x" +
				labels.getHeight() + " but the image to explain is " + width + "x" + height +
				"; make the labels on this image (or scale them with Image > Scale, interpolation none).");
		ImageProcessor ip = labels.getProcessor();
		int[] values = new int[width * height];
		for (int i = 0; i < values.length; i++)
			values[i] = (int) ip.getf(i);
		return FeatureMask.fromLabels(values, width, height);
	}

	/**
	 * Area ROIs rasterised in order with their masks, the later one taking overlapping pixels;
	 * {@code source} names where they came from, for messages.
	 */
	public static FeatureMask fromRois(List<Roi> rois, int width, int height, String source) {
		if (rois.isEmpty()) throw new ExplainException(source + " holds no ROIs; give a ROI set " +
			"with at least one area ROI, or use features=grid.");
		String[] names = new String[rois.size()];
		for (int i = 0; i < rois.size(); i++) {
			Roi roi = rois.get(i);
			names[i] = roi.getName() != null && !roi.getName().isBlank() ? roi.getName() : "ROI " +
				(i + 1);
			if (!roi.isArea()) throw new ExplainException("ROI '" + names[i] + "' of " + source +
				" is a line or point; features need area ROIs (rectangles, ovals, polygons, freehand).");
		}
		return FeatureMask.of(rasterise(rois, names, width, height, source), width, height, names);
	}

	/**
	 * The pixels the ROIs cover (an annotation: what a person marked), rasterised as features are;
	 * lines and points count by the pixels they pass through (a click on the object is an
	 * annotation too).
	 */
	public static boolean[] covered(List<Roi> rois, int width, int height, String source) {
		String[] names = new String[rois.size()];
		for (int i = 0; i < rois.size(); i++)
			names[i] = rois.get(i).getName() != null ? rois.get(i).getName() : "ROI " + (i + 1);
		int[] feature = rasterise(rois, names, width, height, source);
		boolean[] out = new boolean[feature.length];
		for (int i = 0; i < out.length; i++)
			out[i] = feature[i] != FeatureMask.NONE;
		return out;
	}

	/**
	 * Each pixel's ROI index (the later ROI taking overlaps), {@link FeatureMask#NONE} outside;
	 * areas by their masks, lines and points by their pixels. A ROI with no pixel in the image is
	 * refused.
	 */
	private static int[] rasterise(List<Roi> rois, String[] names, int width, int height,
		String source)
	{
		int[] feature = new int[width * height];
		Arrays.fill(feature, FeatureMask.NONE);
		for (int i = 0; i < rois.size(); i++) {
			Roi roi = rois.get(i);
			int inside = 0;
			if (roi.isArea()) {
				ImageProcessor mask = roi.getMask();
				Rectangle b = roi.getBounds();
				for (int y = Math.max(0, b.y); y < Math.min(height, b.y + b.height); y++)
					for (int x = Math.max(0, b.x); x < Math.min(width, b.x + b.width); x++)
						if (mask == null || mask.get(x - b.x, y - b.y) != 0) {
							feature[y * width + x] = i;
							inside++;
						}
			}
			else for (Point p : roi.getContainedPoints())
				if (p.x >= 0 && p.y >= 0 && p.x < width && p.y < height) {
					feature[p.y * width + p.x] = i;
					inside++;
				}
			if (inside == 0) throw new ExplainException("ROI '" + names[i] + "' of " + source +
				" has no pixels inside the " + width + "x" + height +
				" image; give ROIs drawn on this image.");
		}
		return feature;
	}

	/**
	 * Every ROI of a single .roi file or a ROI-set .zip, in order; a file ImageJ cannot read as
	 * ROIs is one line.
	 */
	static List<Roi> readRois(Path file) {
		if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".zip")) return readRoiZip(
			file);
		Roi roi = RoiDecoder.open(file.toString());
		if (roi == null) throw new ExplainException("Cannot read ROI file " + file +
			"; give a .roi file saved by ImageJ.");
		return List.of(roi);
	}

	/** Every ROI in the ROI Manager (none without one, and none headless: there is none). */
	static List<Roi> roiManagerRois() {
		// Headless, a macro's getInstance() would make a batch-mode ROI Manager, a window: it throws.
		if (GraphicsEnvironment.isHeadless()) return List.of();
		RoiManager rm = RoiManager.getInstance();
		return rm == null ? List.of() : Arrays.asList(rm.getRoisAsArray());
	}

	/**
	 * The ROI Manager's ROIs but those Explain added from its own maps: what a fallback to the
	 * ROI Manager may take, so that a map is never measured against, or ablated over, its own
	 * threshold regions.
	 */
	static List<Roi> userRois() {
		return userRois(roiManagerRois());
	}

	/** The ROIs that are not results of Explain ({@link ThresholdRois#isResult}). */
	static List<Roi> userRois(List<Roi> rois) {
		List<Roi> out = new ArrayList<>();
		for (Roi r : rois)
			if (!ThresholdRois.isResult(r)) out.add(r);
		return out;
	}

	/** Every ROI of a ROI Manager zip, in order, named as the ROI Manager names them. */
	static List<Roi> readRoiZip(Path zip) {
		List<Roi> rois = new ArrayList<>();
		try (InputStream in = Files.newInputStream(zip); ZipInputStream z = new ZipInputStream(in)) {
			for (ZipEntry e; (e = z.getNextEntry()) != null;) {
				if (!e.getName().toLowerCase(Locale.ROOT).endsWith(".roi")) continue;
				String entry = Paths.get(e.getName()).getFileName().toString();
				Roi roi = new RoiDecoder(z.readAllBytes(), entry).getRoi();
				if (roi == null) continue;
				if (roi.getName() == null) roi.setName(entry.substring(0, entry.length() - 4));
				rois.add(roi);
			}
		}
		catch (IOException e) {
			throw new ExplainException("Cannot read ROI set " + zip + " (" + e.getMessage() +
				"); give a .zip saved by the ROI Manager.");
		}
		return rois;
	}
}
