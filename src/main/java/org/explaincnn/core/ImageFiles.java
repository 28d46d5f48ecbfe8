package org.explaincnn.core;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

/** Image files (PNG, JPEG, BMP, GIF) as channels-last rasters on the 0..255 scale, without ImageJ. */
public final class ImageFiles {

	/** Names of the image files a folder contributes (folders of inputs, samples, baselines). */
	private static final Pattern IMAGE_NAME = Pattern.compile(".*\\.(png|jpe?g|tiff?|gif|bmp)");

	private ImageFiles() {}

	/** True for a PNG, JPEG, TIFF, GIF or BMP file name (by its extension, any case). */
	public static boolean hasImageName(Path file) {
		return IMAGE_NAME.matcher(file.getFileName().toString().toLowerCase(Locale.ROOT)).matches();
	}

	/**
	 * RGB (3 channels) or luminance (1 channel); {@code sizeOut} receives width and height.
	 *
	 * @throws IOException if the file cannot be read or is not an image
	 */
	public static float[] read(Path file, int channels, int[] sizeOut) throws IOException {
		BufferedImage bi = ImageIO.read(file.toFile());
		if (bi == null) throw new IOException("not an image: " + file);
		int w = bi.getWidth(), h = bi.getHeight();
		float[] raster = new float[w * h * channels];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				int p = bi.getRGB(x, y), i = (y * w + x) * channels;
				float r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;
				if (channels == 1) raster[i] = 0.299f * r + 0.587f * g + 0.114f * b;
				else {
					raster[i] = r;
					raster[i + 1] = g;
					raster[i + 2] = b;
				}
			}
		sizeOut[0] = w;
		sizeOut[1] = h;
		return raster;
	}
}
