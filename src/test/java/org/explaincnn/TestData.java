package org.explaincnn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import javax.imageio.ImageIO;

/** Locations of the shipped samples and the shared real-data set, and image reading for tests. */
public final class TestData {

	private TestData() {}

	public static Path repo() {
		return Paths.get(System.getProperty("user.dir"));
	}

	public static Path sampleModel() {
		return repo().resolve("sample-models/mobilenet_v1_0.50_224");
	}

	public static Path sampleImage(String name) {
		return repo().resolve("sample-images").resolve(name);
	}

	/** ../shared/realdata beside the repository (EXPLAIN_CNN_REALDATA overrides). */
	public static Path realData(String relative) {
		String env = System.getenv("EXPLAIN_CNN_REALDATA");
		Path root = env != null ? Paths.get(env) : repo().resolve("../shared/realdata").normalize();
		Path p = root.resolve(relative);
		assertTrue(Files.exists(p), "real data missing: " + p +
			" (clone the repository beside shared/ or set EXPLAIN_CNN_REALDATA)");
		return p;
	}

	/** RGB raster, channels last, 0..255. */
	public static float[] rgb(Path file, int[] sizeOut) throws IOException {
		BufferedImage img = ImageIO.read(file.toFile());
		int w = img.getWidth(), h = img.getHeight();
		float[] out = new float[w * h * 3];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				int argb = img.getRGB(x, y);
				int i = (y * w + x) * 3;
				out[i] = (argb >> 16) & 0xff;
				out[i + 1] = (argb >> 8) & 0xff;
				out[i + 2] = argb & 0xff;
			}
		sizeOut[0] = w;
		sizeOut[1] = h;
		return out;
	}
}
