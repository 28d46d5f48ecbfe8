package org.explaincnn.ij.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import ij.IJ;
import ij.ImagePlus;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

import org.explaincnn.HeadlessImageJ;
import org.explaincnn.TestData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The direct PNG decoder gives what ImageJ gives, and leaves every other PNG to ImageJ. */
class PngDecodingTest {

	@TempDir
	Path tmp;

	@BeforeAll
	static void start() {
		HeadlessImageJ.init();
	}

	@Test
	void plainRgbAndGreyPngsDecodeToImageJsPixelsTypeAndTitle() throws Exception {
		Path rgb = tmp.resolve("noise-rgb.png"), grey = tmp.resolve("noise-grey.png");
		ImageIO.write(random(BufferedImage.TYPE_3BYTE_BGR, 37, 23), "png", rgb.toFile());
		ImageIO.write(random(BufferedImage.TYPE_BYTE_GRAY, 37, 23), "png", grey.toFile());
		for (Path png : new Path[] { rgb, grey, TestData.sampleImage("chelsea.png") }) {
			ImagePlus direct = ImageFileSource.decodePlainPng(png);
			assertNotNull(direct, png + " takes the direct path");
			ImagePlus imagej = IJ.openImage(png.toString());
			assertEquals(imagej.getType(), direct.getType(), png.toString());
			assertEquals(imagej.getTitle(), direct.getTitle());
			assertEquals(imagej.getOriginalFileInfo().directory, direct.getOriginalFileInfo().directory);
			Object a = imagej.getProcessor().getPixels(), b = direct.getProcessor().getPixels();
			if (a instanceof int[]) assertArrayEquals((int[]) a, (int[]) b, png.toString());
			else assertArrayEquals((byte[]) a, (byte[]) b, png.toString());
			ImagePlus opened = ImageFileSource.open(png);
			assertArrayEquals((float[]) direct.getProcessor().convertToFloatProcessor().getPixels(),
				(float[]) opened.getProcessor().convertToFloatProcessor().getPixels(), "open() decodes it so");
		}
	}

	@Test
	void palettesAlphaAndSixteenBitsAreLeftToImageJ() throws Exception {
		byte[] ramp = new byte[256];
		for (int i = 0; i < 256; i++)
			ramp[i] = (byte) (255 - i);
		BufferedImage indexed = new BufferedImage(20, 10, BufferedImage.TYPE_BYTE_INDEXED,
			new IndexColorModel(8, 256, ramp, ramp, ramp));
		indexed.getRaster().setSample(3, 4, 0, 7);
		BufferedImage[] others = { indexed, random(BufferedImage.TYPE_4BYTE_ABGR, 20, 10), random(
			BufferedImage.TYPE_USHORT_GRAY, 20, 10) };
		for (int i = 0; i < others.length; i++) {
			Path png = tmp.resolve("other" + i + ".png");
			ImageIO.write(others[i], "png", png.toFile());
			assertNull(ImageFileSource.decodePlainPng(png), "ImageJ decodes " + png);
			ImagePlus opened = ImageFileSource.open(png);
			assertEquals(IJ.openImage(png.toString()).getType(), opened.getType());
		}
	}

	private static BufferedImage random(int type, int w, int h) {
		BufferedImage b = new BufferedImage(w, h, type);
		Random r = new Random(w * 31 + type);
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				for (int k = 0; k < b.getRaster().getNumBands(); k++)
					b.getRaster().setSample(x, y, k, r.nextInt(type == BufferedImage.TYPE_USHORT_GRAY
						? 65536 : 256));
		return b;
	}
}
