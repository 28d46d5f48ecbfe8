package org.explaincnn.core;

import java.util.Arrays;

/**
 * Where the model's input window lies in the original image: the whole image stretched, or a
 * centred square-ish crop. Maps model-resolution maps back onto the original pixels.
 */
public final class ImageGeometry {

	public final int originalWidth, originalHeight;
	/** Region of the original image that the model sees. */
	public final int cropX, cropY, cropWidth, cropHeight;
	public final int modelWidth, modelHeight;

	ImageGeometry(int ow, int oh, int cx, int cy, int cw, int ch, int mw, int mh) {
		originalWidth = ow;
		originalHeight = oh;
		cropX = cx;
		cropY = cy;
		cropWidth = cw;
		cropHeight = ch;
		modelWidth = mw;
		modelHeight = mh;
	}

	static ImageGeometry of(int w, int h, int mw, int mh, ModelSpec.Resize resize) {
		if (resize == ModelSpec.Resize.STRETCH) return new ImageGeometry(w, h, 0, 0, w, h, mw, mh);
		// Largest window with the model's aspect ratio, centred.
		double aspect = (double) mw / mh;
		int cw = w, ch = (int) Math.round(w / aspect);
		if (ch > h) {
			ch = h;
			cw = (int) Math.round(h * aspect);
		}
		return new ImageGeometry(w, h, (w - cw) / 2, (h - ch) / 2, cw, ch, mw, mh);
	}

	/**
	 * A map at model resolution (modelHeight x modelWidth, one value per pixel) resampled onto the
	 * original image; pixels outside the model's window get {@code outside}.
	 */
	public float[] toOriginal(float[] modelMap, float outside) {
		float[] window = Resample.resize(modelMap, modelWidth, modelHeight, 1, cropWidth,
			cropHeight);
		if (cropX == 0 && cropY == 0 && cropWidth == originalWidth && cropHeight == originalHeight)
			return window;
		float[] out = new float[originalWidth * originalHeight];
		Arrays.fill(out, outside);
		for (int y = 0; y < cropHeight; y++)
			System.arraycopy(window, y * cropWidth, out, (y + cropY) * originalWidth + cropX,
				cropWidth);
		return out;
	}

	/**
	 * A label map at model resolution (one integer per pixel, as floats) put on the original image
	 * by nearest neighbour, so every pixel keeps one of the labels (interpolation would invent
	 * labels between neighbours); pixels outside the model's window get {@code outside}.
	 */
	public float[] toOriginalNearest(float[] modelLabels, float outside) {
		float[] out = new float[originalWidth * originalHeight];
		Arrays.fill(out, outside);
		int[] column = new int[cropWidth];
		for (int x = 0; x < cropWidth; x++)
			column[x] = Math.min(modelWidth - 1, (int) ((x + 0.5) * modelWidth / cropWidth));
		for (int y = 0; y < cropHeight; y++) {
			int row = Math.min(modelHeight - 1, (int) ((y + 0.5) * modelHeight / cropHeight)) *
				modelWidth;
			int o = (y + cropY) * originalWidth + cropX;
			for (int x = 0; x < cropWidth; x++)
				out[o + x] = modelLabels[row + column[x]];
		}
		return out;
	}
}
