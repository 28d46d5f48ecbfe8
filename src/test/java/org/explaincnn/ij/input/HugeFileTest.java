package org.explaincnn.ij.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.io.FileSaver;
import ij.process.ColorProcessor;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;

import javax.imageio.ImageIO;

import org.explaincnn.core.ExplainException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A huge image file is refused from its header, before its pixels are read. */
class HugeFileTest {

	@TempDir
	Path tmp;

	/** A 2x2 PNG whose header is rewritten to say width x height (CRC fixed), pixels left short. */
	private Path pngClaiming(int width, int height) throws Exception {
		Path file = tmp.resolve("huge.png");
		ImageIO.write(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB), "png", file.toFile());
		byte[] b = Files.readAllBytes(file);
		// Signature (8), IHDR length (4), "IHDR" (4), width (4), height (4), ..., CRC after 13 bytes.
		ByteBuffer.wrap(b, 16, 8).putInt(width).putInt(height);
		CRC32 crc = new CRC32();
		crc.update(b, 12, 4 + 13);
		ByteBuffer.wrap(b, 12 + 4 + 13, 4).putInt((int) crc.getValue());
		Files.write(file, b);
		return file;
	}

	@Test
	void aHugePngIsRefusedFromItsHeader() throws Exception {
		Path file = pngClaiming(30000, 30000);
		assertArrayEquals(new int[] { 30000, 30000, 3 }, ImageSignature.dimensions(file, "PNG"));
		ExplainException e = assertThrows(ExplainException.class, () -> ImageFileSource.open(file));
		String m = e.getMessage();
		assertTrue(m.contains("30000x30000") && m.contains("Image > Scale") && m.contains("-Xmx") &&
			!m.contains("\n"), m);
	}

	@Test
	void tiffDimensionsComeFromTheHeader() throws Exception {
		Path file = tmp.resolve("rgb.tif");
		new FileSaver(new ImagePlus("rgb", new ColorProcessor(10, 7))).saveAsTiff(file.toString());
		assertArrayEquals(new int[] { 10, 7, 3 }, ImageSignature.dimensions(file, "TIFF"));
		ImageFileSource.open(file).close(); // small images still open
	}
}
