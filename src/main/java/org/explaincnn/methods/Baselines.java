package org.explaincnn.methods;

import java.util.Arrays;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Param;
import org.explaincnn.core.ImageFiles;
import org.explaincnn.core.PreparedImage;

/**
 * Reference inputs for path methods, in model units: black, white, a blurred copy of the image,
 * uniform noise, the image's per-channel mean, an image file, or (for GradientSHAP) random images
 * from a folder.
 */
final class Baselines {

	/** The baseline kinds; a path to an image file (or a folder, for GradientSHAP) also works. */
	static final List<String> KINDS = List.of("black", "white", "blur", "noise");
	/**
	 * What hides pixels in the perturbation methods (occlusion, RISE, feature ablation); "mean" is
	 * the whole image's mean colour (LIME's and KernelSHAP's "mean" is each superpixel's own).
	 */
	static final Param<String> HIDDEN = Param.choiceOrPath("baseline", "black", List.of("black",
		"mean", "blur", "white"), false, "Baseline", "what hidden pixels become: black, the whole " +
			"image's mean colour, a blurred copy, white, or an image file");
	static final Param<Double> BLUR_SIGMA = Param.number("sigma", 10, 0.1, 1000,
		"Sigma of the blur baseline (pixels)", "Gaussian blur of the 'blur' baseline, in model-input pixels");

	private Baselines() {}

	/**
	 * One baseline: "black", "white", "blur", "noise", "mean" or an image file path, the value of
	 * {@code param} (whose declared choices an error lists).
	 */
	static float[] of(Param<String> param, String kind, ExplainableModel model, PreparedImage image,
		SplittableRandom random, double blurSigma)
	{
		String k = kind.strip().toLowerCase(Locale.ROOT);
		float[] pixels = new float[image.pixels.length];
		switch (k) {
			case "black":
			case "zero":
				break;
			case "white":
				Arrays.fill(pixels, 255f);
				break;
			case "blur":
				pixels = blur(image.pixels, image.width(), image.height(), image.channels, blurSigma);
				break;
			case "mean":
				fillWithMean(image.pixels, image.channels, pixels);
				break;
			case "noise":
			case "uniform":
				for (int i = 0; i < pixels.length; i++)
					pixels[i] = random.nextFloat() * 255f;
				break;
			default:
				return fromFile(param, new File(kind), model, image);
		}
		return PreparedImage.normalise(pixels, model.spec());
	}

	/** Baselines for GradientSHAP: every image of a folder, or {@code count} draws of a kind. */
	static List<float[]> distribution(Param<String> param, String kind, int count, ExplainableModel model,
		PreparedImage image, SplittableRandom random, double blurSigma)
	{
		File folder = new File(kind);
		List<float[]> out = new ArrayList<>();
		if (folder.isDirectory()) {
			File[] files = folder.listFiles(f -> ImageFiles.hasImageName(f.toPath()));
			if (files == null || files.length == 0) throw new ExplainException("Baseline folder " +
				folder + " has no images; give a folder of PNG/JPEG/TIFF images or black/noise/blur.");
			Arrays.sort(files);
			for (File f : files)
				out.add(fromFile(param, f, model, image));
			return out;
		}
		for (int i = 0; i < count; i++)
			out.add(of(param, kind, model, image, random, blurSigma));
		return out;
	}

	private static float[] fromFile(Param<String> param, File file, ExplainableModel model,
		PreparedImage image)
	{
		if (!file.isFile()) throw new ExplainException("Unknown baseline '" + file + "'; " +
			param.key + " takes " + param.allowed() + ".");
		int c = image.channels == 1 ? 1 : 3;
		int[] size = new int[2];
		float[] raster;
		try {
			raster = ImageFiles.read(file.toPath(), c, size);
		}
		catch (IOException e) {
			throw new ExplainException("Cannot read baseline image " + file +
				"; use PNG, JPEG or TIFF.");
		}
		int w = size[0], h = size[1];
		return PreparedImage.of(raster, w, h, c, model.spec()).modelInput;
	}

	/** Every pixel of {@code out} set to the per-channel mean of {@code src} (channels last). */
	private static void fillWithMean(float[] src, int c, float[] out) {
		double[] sum = new double[c];
		for (int i = 0; i < src.length; i++)
			sum[i % c] += src[i];
		int n = src.length / c;
		for (int i = 0; i < out.length; i++)
			out[i] = (float) (sum[i % c] / n);
	}

	/** Separable Gaussian blur of a channels-last raster, edges clamped. */
	static float[] blur(float[] src, int w, int h, int c, double sigma) {
		if (sigma <= 0) return src.clone();
		int radius = (int) Math.ceil(3 * sigma);
		double[] kernel = new double[2 * radius + 1];
		double total = 0;
		for (int i = -radius; i <= radius; i++)
			total += kernel[i + radius] = Math.exp(-i * i / (2 * sigma * sigma));
		for (int i = 0; i < kernel.length; i++)
			kernel[i] /= total;
		float[] tmp = new float[src.length], out = new float[src.length];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				for (int k = 0; k < c; k++) {
					double s = 0;
					for (int d = -radius; d <= radius; d++)
						s += kernel[d + radius] * src[(y * w + Math.min(w - 1, Math.max(0, x + d))) * c + k];
					tmp[(y * w + x) * c + k] = (float) s;
				}
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				for (int k = 0; k < c; k++) {
					double s = 0;
					for (int d = -radius; d <= radius; d++)
						s += kernel[d + radius] * tmp[(Math.min(h - 1, Math.max(0, y + d)) * w + x) * c + k];
					out[(y * w + x) * c + k] = (float) s;
				}
		return out;
	}
}
