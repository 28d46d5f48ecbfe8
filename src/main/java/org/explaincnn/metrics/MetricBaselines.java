package org.explaincnn.metrics;

import java.util.List;
import java.util.Locale;

import boofcv.alg.filter.blur.BlurImageOps;
import boofcv.struct.image.InterleavedF32;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.PreparedImage;

/**
 * What deleted pixels become and what insertion starts from, in model units: black (pixel value 0,
 * as in Petsiuk 2018's deletion) or a Gaussian blur of the input (RISE's insertion start, sigma 5).
 */
public final class MetricBaselines {

	public static final String BLACK = "black", BLUR = "blur";
	public static final List<String> KINDS = List.of(BLACK, BLUR);

	private MetricBaselines() {}

	/** The baseline of one kind for an image; blurSigma in model-input pixels. */
	public static float[] of(String kind, ExplainableModel model, PreparedImage image,
		double blurSigma)
	{
		switch (kind.strip().toLowerCase(Locale.ROOT)) {
			case BLACK:
				return black(model, image);
			case BLUR:
				// Preprocessing is affine per channel and the kernel sums to 1: blurring model units
				// equals normalising the blurred pixels.
				return blur(image.modelInput, image.width(), image.height(), image.channels, blurSigma);
			default:
				throw new ExplainException("Unknown baseline '" + kind + "'; use black or blur.");
		}
	}

	/** Black (pixel value 0) in model units: what deletion and the confidence mask put in. */
	public static float[] black(ExplainableModel model, PreparedImage image) {
		return PreparedImage.normalise(new float[image.pixels.length], model.spec());
	}

	/** Gaussian blur of a channels-last raster (BoofCV; the radius follows from sigma). */
	static float[] blur(float[] raster, int w, int h, int c, double sigma) {
		InterleavedF32 in = new InterleavedF32(w, h, c);
		System.arraycopy(raster, 0, in.data, 0, raster.length);
		InterleavedF32 out = BlurImageOps.gaussian(in, null, sigma, -1, null);
		float[] blurred = new float[raster.length];
		for (int y = 0; y < h; y++)
			System.arraycopy(out.data, out.startIndex + y * out.stride, blurred, y * w * c, w * c);
		return blurred;
	}
}
