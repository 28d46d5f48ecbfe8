package org.explaincnn.ij.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ColorProcessor;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

import org.explaincnn.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The RGB PNG encoder: what ImageIO and ImageJ read back is every pixel written. */
class RgbPngTest {

	@Test
	void readersGetBackEveryPixel() throws IOException {
		SplittableRandom random = new SplittableRandom(3);
		// 1x1; a row of one pixel; noise that deflates to several 64 KB IDAT chunks; a photo.
		int[][] sizes = { { 1, 1 }, { 1, 7 }, { 9, 1 }, { 301, 257 } };
		for (int[] s : sizes) {
			int[] px = new int[s[0] * s[1]];
			for (int i = 0; i < px.length; i++)
				px[i] = random.nextInt() & 0xffffff;
			assertRoundTrip(px, s[0], s[1]);
		}
		ImagePlus photo = IJ.openImage(TestData.sampleImage("coffee.png").toString());
		int[] px = (int[]) photo.getProcessor().convertToRGB().getPixels();
		byte[] png = assertRoundTrip(px, photo.getWidth(), photo.getHeight());
		ByteArrayOutputStream imageIo = new ByteArrayOutputStream();
		ImageIO.write(photo.getBufferedImage(), "png", imageIo);
		assertTrue(png.length < imageIo.size(), png.length + " bytes, ImageIO " + imageIo.size());
	}

	@Test
	void imageJOpensTheOverlayItWrote(@TempDir Path dir) throws IOException {
		ColorProcessor cp = new ColorProcessor(40, 30);
		cp.setColor(java.awt.Color.ORANGE);
		cp.fillOval(5, 5, 20, 15);
		Path file = ResultFiles.writePng(new ImagePlus("overlay", cp), dir.resolve("o.png"));
		ImagePlus back = IJ.openImage(file.toString());
		assertEquals(ImagePlus.COLOR_RGB, back.getType());
		assertArrayEquals(masked((int[]) cp.getPixels()), masked((int[]) back.getProcessor().getPixels()));
		assertTrue(Files.size(file) > 0);
	}

	@Test
	void aSizeThatDoesNotFitThePixelsIsRefused() {
		assertThrows(IllegalArgumentException.class, () -> RgbPng.write(new int[5], 3, 2,
			new ByteArrayOutputStream()));
		assertThrows(IllegalArgumentException.class, () -> RgbPng.write(new int[0], 0, 0,
			new ByteArrayOutputStream()));
	}

	private static byte[] assertRoundTrip(int[] px, int w, int h) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		RgbPng.write(px, w, h, out);
		BufferedImage back = ImageIO.read(new ByteArrayInputStream(out.toByteArray()));
		assertEquals(w, back.getWidth());
		assertEquals(h, back.getHeight());
		assertArrayEquals(masked(px), masked(back.getRGB(0, 0, w, h, null, 0, w)), w + "x" + h);
		return out.toByteArray();
	}

	private static int[] masked(int[] argb) {
		int[] rgb = new int[argb.length];
		for (int i = 0; i < argb.length; i++)
			rgb[i] = argb[i] & 0xffffff;
		return rgb;
	}
}
