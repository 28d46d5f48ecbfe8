package org.explaincnn.core;

import net.imglib2.RandomAccess;
import net.imglib2.RandomAccessibleInterval;
import net.imglib2.type.numeric.RealType;

/**
 * An image made ready for a model: resized to the model input, channels adapted, normalised. The
 * source is an ImgLib2 image with axes X, Y and optionally C (channel), values on the 0..255 scale
 * of an 8-bit display.
 */
public final class PreparedImage {

	/** height x width x channels, channels last, in model units. */
	public final float[] modelInput;
	/** The same window in 0..255 pixel units (for baselines, masks and overlays). */
	public final float[] pixels;
	public final ImageGeometry geometry;
	public final int channels;

	private PreparedImage(float[] modelInput, float[] pixels, ImageGeometry geometry,
		int channels)
	{
		this.modelInput = modelInput;
		this.pixels = pixels;
		this.geometry = geometry;
		this.channels = channels;
	}

	public int width() {
		return geometry.modelWidth;
	}

	public int height() {
		return geometry.modelHeight;
	}

	/** Smallest side an image may have: anything smaller carries no picture to explain. */
	public static final int MIN_SIDE = 8;

	public static <T extends RealType<T>> PreparedImage of(RandomAccessibleInterval<T> image,
		ModelSpec spec)
	{
		int nd = image.numDimensions();
		if (nd < 2 || nd > 3) throw new ExplainException("Image has " + nd +
			" dimensions; give a 2-D image (X, Y) or a 2-D image with channels (X, Y, C).");
		int w = (int) image.dimension(0), h = (int) image.dimension(1);
		int c = nd == 3 ? (int) image.dimension(2) : 1;
		float[] raster = new float[w * h * c];
		RandomAccess<T> ra = image.randomAccess();
		long[] pos = new long[nd];
		for (int y = 0; y < h; y++) {
			for (int x = 0; x < w; x++) {
				pos[0] = x + image.min(0);
				pos[1] = y + image.min(1);
				for (int k = 0; k < c; k++) {
					if (nd == 3) pos[2] = k + image.min(2);
					ra.setPosition(pos);
					raster[(y * w + x) * c + k] = ra.get().getRealFloat();
				}
			}
		}
		return of(raster, w, h, c, spec);
	}

	/** From a channels-last raster in 0..255 units. */
	public static PreparedImage of(float[] raster, int w, int h, int c, ModelSpec spec) {
		// A model with a tiny input (a test net, a patch classifier) may take images that small.
		int minSide = spec.width > 0 ? Math.min(MIN_SIDE, Math.min(spec.width, spec.height))
			: MIN_SIDE;
		if (w < minSide || h < minSide) throw new ExplainException("Image is " + w + "x" + h +
			" pixels, too small to explain; use an image of at least " + minSide + "x" + minSide +
			" (the model takes " + sizeText(spec) + ").");
		float[] adapted = adaptChannels(raster, w * h, c, spec.channels, spec.channelOrder);
		int mw = spec.width > 0 ? spec.width : w;
		int mh = spec.height > 0 ? spec.height : h;
		ImageGeometry g = ImageGeometry.of(w, h, mw, mh, spec.resize);
		float[] window = crop(adapted, w, g, spec.channels);
		float[] pixels = Resample.resize(window, g.cropWidth, g.cropHeight, spec.channels, mw, mh);
		return new PreparedImage(normalise(pixels, spec), pixels, g, spec.channels);
	}

	/** Model units from 0..255 pixels, channels last. */
	public static float[] normalise(float[] pixels, ModelSpec spec) {
		float[] out = new float[pixels.length];
		int c = spec.channels;
		float[] scale = new float[c];
		for (int k = 0; k < c; k++)
			scale[k] = 1f / spec.std[k];
		for (int i = 0; i < pixels.length; i += c)
			for (int k = 0; k < c; k++)
				out[i + k] = (pixels[i + k] - spec.mean[k]) * scale[k];
		return out;
	}

	private static float[] crop(float[] raster, int w, ImageGeometry g, int c) {
		if (g.cropX == 0 && g.cropY == 0 && g.cropWidth == w && g.cropHeight == g.originalHeight)
			return raster;
		float[] out = new float[g.cropWidth * g.cropHeight * c];
		for (int y = 0; y < g.cropHeight; y++)
			System.arraycopy(raster, ((y + g.cropY) * w + g.cropX) * c, out, y * g.cropWidth * c,
				g.cropWidth * c);
		return out;
	}

	/**
	 * What feeding an image of {@code from} channels to a model of {@code to} channels does, as a
	 * sentence for the log (null when nothing changes); a one-line error when it cannot be done.
	 */
	public static String channelAdaptation(int from, int to, String order) {
		if (from == to) return null;
		if (from == 1) return "Image has 1 channel, the model takes " + to + ": the channel is " +
			"replicated.";
		if (to == 1 && (from == 3 || from == 4)) return "Image has " + from + " channels, the model " +
			"takes 1: converted to grey (luminance).";
		if (from == 4 && to == 3) return "Image has 4 channels, the model takes 3: the fourth " +
			"(alpha) is dropped.";
		throw new ExplainException("Image has " + from + " channels but the model expects " + to +
			" (channelOrder " + order + "); give an image with " + to + " channel" + (to == 1 ? ""
				: "s") + " (Image > Color > Stack to RGB, Split Channels, or Image > Type) or a model " +
			"made for " + from + ".");
	}

	private static float[] adaptChannels(float[] raster, int n, int from, int to, String order) {
		channelAdaptation(from, to, order); // refuses what cannot be done
		float[] out;
		if (from == to) out = raster;
		else if (from == 1) {
			out = new float[n * to];
			for (int i = 0; i < n; i++)
				for (int k = 0; k < to; k++)
					out[i * to + k] = raster[i];
		}
		else if (to == 1 && (from == 3 || from == 4)) {
			out = new float[n];
			for (int i = 0; i < n; i++)
				out[i] = 0.299f * raster[i * from] + 0.587f * raster[i * from + 1] + 0.114f *
					raster[i * from + 2];
		}
		else if (from == 4 && to == 3) {
			out = new float[n * 3];
			for (int i = 0; i < n; i++)
				System.arraycopy(raster, i * 4, out, i * 3, 3);
		}
		else throw new IllegalStateException("refused by channelAdaptation");
		if ("BGR".equals(order)) {
			if (out == raster) out = raster.clone();
			for (int i = 0; i < n; i++) {
				float r = out[i * 3];
				out[i * 3] = out[i * 3 + 2];
				out[i * 3 + 2] = r;
			}
		}
		return out;
	}

	private static String sizeText(ModelSpec spec) {
		return spec.width > 0 ? spec.width + "x" + spec.height : "any size";
	}
}
