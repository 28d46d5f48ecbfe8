package org.explaincnn.ij;

import ij.ImagePlus;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;

import java.util.Locale;
import java.util.function.Consumer;

import org.explaincnn.core.ExplainException;

/**
 * Reads an ImagePlus into a channels-last raster on the 0..255 scale the models are described in.
 * RGB is read as is; 8-bit grey as is; 16- and 32-bit through the display range; a multichannel
 * (composite) image gives one raster channel per image channel. The ImagePlus is not modified.
 */
public final class ImagePlusInput {

	public final float[] raster;
	public final int width, height, channels;

	private ImagePlusInput(float[] raster, int width, int height, int channels) {
		this.raster = raster;
		this.width = width;
		this.height = height;
		this.channels = channels;
	}

	public static ImagePlusInput read(ImagePlus imp, boolean currentSliceOnly, Consumer<String> log) {
		if (imp == null) throw new ExplainException("No image; open an image first.");
		int planes = imp.getNSlices() * imp.getNFrames();
		if (planes > 1 && !currentSliceOnly) throw new ExplainException("'" + imp.getTitle() +
			"' is a stack of " + planes + " planes; explain every plane ('stack' in the dialog and " +
			"macros, --stack on the command line, optionally with z= and t= ranges) or the current " +
			"slice only ('current', --current-slice).");
		ImagePlusInput in = plane(imp, imp.getSlice(), imp.getFrame(), log);
		if (planes > 1) log.accept("Explaining the current plane only (z=" + imp.getSlice() +
			", t=" + imp.getFrame() + ") of '" + imp.getTitle() + "'.");
		return in;
	}

	/**
	 * Reads the plane at slice {@code z} and frame {@code t} (from 1), all its channels, as
	 * {@link #read} reads a single image.
	 */
	public static ImagePlusInput plane(ImagePlus imp, int z, int t, Consumer<String> log) {
		int w = imp.getWidth(), h = imp.getHeight(), c = imp.getNChannels();
		checkFits(imp.getTitle(), w, h, imp.getType() == ImagePlus.COLOR_RGB ? 3 : c, 1, false);
		if (imp.getType() == ImagePlus.COLOR_RGB) {
			ColorProcessor cp = (ColorProcessor) (imp.getStackSize() == 1 ? imp.getProcessor() : imp
				.getStack().getProcessor(imp.getStackIndex(1, z, t)));
			float[] raster = new float[w * h * 3];
			int[] px = (int[]) cp.getPixels();
			for (int i = 0; i < px.length; i++) {
				raster[i * 3] = (px[i] >> 16) & 0xff;
				raster[i * 3 + 1] = (px[i] >> 8) & 0xff;
				raster[i * 3 + 2] = px[i] & 0xff;
			}
			return new ImagePlusInput(raster, w, h, 3);
		}
		if (c == 1 && imp.getBitDepth() == 8 && !imp.isComposite()) {
			ImageProcessor ip = imp.getStack().getProcessor(imp.getStackIndex(1, z, t));
			if (ip.isColorLut() || imp.getType() == ImagePlus.COLOR_256) {
				// Indexed colour: the model sees the colours the palette gives, not the indices.
				log.accept("'" + imp.getTitle() + "' has a colour palette: explained on its colours " +
					"(palette applied).");
				return new ImagePlusInput(paletteColours(ip), w, h, 3);
			}
		}
		float[] raster = new float[w * h * c];
		int nonFinite = 0;
		for (int ch = 1; ch <= c; ch++) {
			ImageProcessor ip = imp.getStack().getProcessor(imp.getStackIndex(ch, z, t));
			double min, max;
			if (imp.getBitDepth() == 8) {
				min = 0;
				max = 255;
			}
			else {
				// Display range of that channel, as the user sees it.
				if (imp.isComposite()) {
					ij.process.LUT lut = ((ij.CompositeImage) imp).getChannelLut(ch);
					min = lut.min;
					max = lut.max;
				}
				else {
					min = imp.getDisplayRangeMin();
					max = imp.getDisplayRangeMax();
				}
				if (!(max > min) || !Double.isFinite(min) || !Double.isFinite(max)) {
					double[] range = finiteRange(ip);
					min = range[0];
					max = range[1];
				}
			}
			double scale = 255.0 / (max - min);
			// An inverting LUT shows high values dark: feed what the user sees.
			boolean inverted = ip.isInvertedLut() && !imp.isComposite();
			for (int i = 0; i < w * h; i++) {
				float p = ip.getf(i);
				double v;
				if (Float.isNaN(p)) {
					v = 0;
					nonFinite++;
				}
				else if (Float.isInfinite(p)) {
					v = p > 0 ? 255 : 0;
					nonFinite++;
				}
				else v = Math.max(0, Math.min(255, (p - min) * scale));
				raster[i * c + ch - 1] = (float) (inverted ? 255 - v : v);
			}
			if (inverted) log.accept("'" + imp.getTitle() + "' has an inverting LUT: explained as " +
				"displayed (values inverted).");
			if (imp.getBitDepth() != 8) log.accept(String.format(
				"Channel %d (%d-bit) scaled to 0..255 from its display range %.4g..%.4g.", ch, imp
					.getBitDepth(), min, max));
		}
		if (nonFinite > 0) log.accept(nonFinite + " NaN or infinite pixel value(s) of '" + imp
			.getTitle() + "' were fed as 0 (NaN, -infinity) or 255 (+infinity) on the 0..255 scale.");
		return new ImagePlusInput(raster, w, h, c);
	}

	/**
	 * Bytes an explanation of a w x h image with {@code channels} channels and {@code maps} maps
	 * (classes) needs at its peak, beyond the image itself: reading and preparing (the raster as
	 * float, plus one cropped or channel-adapted copy) or drawing (the maps on the original
	 * geometry, their 32-bit heatmap copy and overlay panels, and about 20 bytes a pixel of RGB and
	 * byte temporaries for colouring and flattening), whichever is larger. The model input itself
	 * (e.g. 224x224) is negligible. {@code imageToLoad} adds the image's own pixels (a file not read
	 * yet).
	 */
	public static long bytesNeeded(int w, int h, int channels, int maps, boolean imageToLoad) {
		long pixels = (long) w * h;
		long prepare = 8L * channels;
		long draw = 12L * maps + 20;
		return pixels * (Math.max(prepare, draw) + (imageToLoad ? 4 : 0));
	}

	/** Heap still available: the limit (-Xmx) less what is in use. */
	public static long heapAvailable() {
		Runtime rt = Runtime.getRuntime();
		return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
	}

	/**
	 * Refuses, in one line naming the size, the need, the limit and the ways out, an image whose
	 * explanation cannot fit in the heap; called before any pixel is read into a raster. What is in
	 * use may be garbage: when the first look says no, the heap is collected and looked at again.
	 */
	public static void checkFits(String title, int w, int h, int channels, int maps,
		boolean imageToLoad)
	{
		long need = bytesNeeded(w, h, channels, maps, imageToLoad);
		if (need <= heapAvailable()) return;
		System.gc();
		checkFits(title, w, h, channels, maps, imageToLoad, heapAvailable(), Runtime.getRuntime()
			.maxMemory());
	}

	/** {@link #checkFits(String, int, int, int, int, boolean)} against a given heap (tests). */
	static void checkFits(String title, int w, int h, int channels, int maps, boolean imageToLoad,
		long available, long heapLimit)
	{
		long need = bytesNeeded(w, h, channels, maps, imageToLoad);
		if (need <= available) return;
		throw new ExplainException(String.format(Locale.ROOT, "'%s' is %dx%d pixels: explaining it " +
			"needs about %s of memory but only %s of the %s Java heap is free; downscale it (Image > " +
			"Scale), explain a region (draw a rectangle and Image > Crop), or give Java more memory " +
			"(-Xmx, EXPLAIN_JAVA_OPTS for ./explain, Edit > Options > Memory & Threads in Fiji).",
			title, w, h, gb(need), gb(Math.max(0, available)), gb(heapLimit)));
	}

	private static String gb(long bytes) {
		return String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
	}

	/** Smallest and largest finite value (a range of width 1 when all are equal or none is finite). */
	static double[] finiteRange(ImageProcessor ip) {
		double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
		for (int i = 0, n = ip.getPixelCount(); i < n; i++) {
			float v = ip.getf(i);
			if (!Float.isFinite(v)) continue;
			min = Math.min(min, v);
			max = Math.max(max, v);
		}
		if (min > max) return new double[] { 0, 1 };
		return new double[] { min, max > min ? max : min + 1 };
	}

	/** The RGB colours of an 8-bit image shown through its (colour) LUT, channels last. */
	private static float[] paletteColours(ImageProcessor ip) {
		java.awt.image.IndexColorModel cm = (java.awt.image.IndexColorModel) ip.getCurrentColorModel();
		int n = ip.getPixelCount();
		float[] raster = new float[n * 3];
		byte[] px = (byte[]) ip.getPixels();
		for (int i = 0; i < n; i++) {
			int index = px[i] & 0xff;
			raster[i * 3] = cm.getRed(index);
			raster[i * 3 + 1] = cm.getGreen(index);
			raster[i * 3 + 2] = cm.getBlue(index);
		}
		return raster;
	}
}
