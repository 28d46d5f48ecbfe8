package org.explaincnn.ij;

import ij.ImagePlus;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;

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
			"' is a stack of " + planes + " planes; stacks are not explained yet: explain the " +
			"current slice only ('current' in the dialog and macros, --current-slice on the command " +
			"line) or make a single image (Image > Duplicate).");
		int w = imp.getWidth(), h = imp.getHeight(), c = imp.getNChannels();
		if (imp.getType() == ImagePlus.COLOR_RGB) {
			ColorProcessor cp = (ColorProcessor) imp.getProcessor();
			float[] raster = new float[w * h * 3];
			int[] px = (int[]) cp.getPixels();
			for (int i = 0; i < px.length; i++) {
				raster[i * 3] = (px[i] >> 16) & 0xff;
				raster[i * 3 + 1] = (px[i] >> 8) & 0xff;
				raster[i * 3 + 2] = px[i] & 0xff;
			}
			return new ImagePlusInput(raster, w, h, 3);
		}
		float[] raster = new float[w * h * c];
		int z = imp.getSlice(), t = imp.getFrame();
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
				if (max <= min) {
					ij.process.ImageStatistics s = ip.getStats();
					min = s.min;
					max = s.max > s.min ? s.max : s.min + 1;
				}
			}
			double scale = 255.0 / (max - min);
			for (int i = 0; i < w * h; i++) {
				double v = (ip.getf(i) - min) * scale;
				raster[i * c + ch - 1] = (float) Math.max(0, Math.min(255, v));
			}
			if (imp.getBitDepth() != 8) log.accept(String.format(
				"Channel %d (%d-bit) scaled to 0..255 from its display range %.4g..%.4g.", ch, imp
					.getBitDepth(), min, max));
		}
		if (planes > 1) log.accept("Explaining the current plane only (z=" + z + ", t=" + t +
			") of '" + imp.getTitle() + "'.");
		return new ImagePlusInput(raster, w, h, c);
	}
}
