package org.explaincnn.ij;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.process.ByteProcessor;
import ij.process.FloatProcessor;
import ij.process.LUT;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** What the model is fed is what the user sees: palettes, inverting LUTs, non-finite pixels. */
class ImagePlusInputTest {

	private final List<String> log = new ArrayList<>();

	@Test
	void paletteImagesAreExplainedOnTheirColours() {
		byte[] r = new byte[256], g = new byte[256], b = new byte[256];
		for (int i = 0; i < 256; i++) {
			r[i] = (byte) (255 - i);
			g[i] = (byte) (i / 2);
			b[i] = (byte) ((i * 7) % 256);
		}
		ByteProcessor ip = new ByteProcessor(4, 2, new byte[] { 0, 1, 2, 3, (byte) 200, (byte) 255, 9,
			10 });
		ip.setColorModel(new LUT(r, g, b));
		ImagePlus imp = new ImagePlus("palette", ip);
		ImagePlusInput in = ImagePlusInput.read(imp, false, log::add);
		assertEquals(3, in.channels);
		byte[] idx = (byte[]) ip.getPixels();
		for (int i = 0; i < idx.length; i++) {
			int k = idx[i] & 0xff;
			assertArrayEquals(new float[] { r[k] & 0xff, g[k] & 0xff, b[k] & 0xff }, new float[] {
				in.raster[i * 3], in.raster[i * 3 + 1], in.raster[i * 3 + 2] }, 0f, "pixel " + i);
		}
		assertTrue(log.get(0).contains("palette"), log.toString());
	}

	@Test
	void anInvertingLutIsHonoured() {
		ByteProcessor ip = new ByteProcessor(3, 1, new byte[] { 0, 100, (byte) 255 });
		ip.invertLut();
		ImagePlusInput in = ImagePlusInput.read(new ImagePlus("inverted", ip), false, log::add);
		assertArrayEquals(new float[] { 255, 155, 0 }, in.raster, 0f);
		assertTrue(log.toString().contains("inverting LUT"), log.toString());
	}

	@Test
	void nonFinitePixelsGiveAFiniteRasterAndTheRangeComesFromFiniteOnes() {
		float[] px = { Float.NaN, 10, 20, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 30 };
		FloatProcessor fp = new FloatProcessor(3, 2, px);
		ImagePlus imp = new ImagePlus("nan", fp);
		imp.setDisplayRange(Double.NaN, Double.NaN);
		ImagePlusInput in = ImagePlusInput.read(imp, false, log::add);
		for (float v : in.raster)
			assertTrue(Float.isFinite(v), "finite: " + java.util.Arrays.toString(in.raster));
		// Finite range 10..30: 10 -> 0, 20 -> 127.5, 30 -> 255; NaN -> 0, +inf -> 255, -inf -> 0.
		assertArrayEquals(new float[] { 0, 0, 127.5f, 255, 0, 255 }, in.raster, 1e-4f);
		assertTrue(log.toString().contains("3 NaN or infinite"), log.toString());
		assertTrue(Float.isNaN(((float[]) fp.getPixels())[0]), "the input keeps its pixels");
	}
}
