package org.explaincnn;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import org.explaincnn.core.ImageFiles;

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

	/**
	 * ../shared/realdata beside the repository (EXPLAIN_CNN_REALDATA overrides): third-party data
	 * the repository may not ship. Where it is absent the test is skipped with this message, except
	 * under CI=true, where CI's clone has it beside and a missing copy must fail.
	 */
	public static Path realData(String relative) {
		String env = System.getenv("EXPLAIN_CNN_REALDATA");
		Path root = env != null ? Paths.get(env) : repo().resolve("../shared/realdata").normalize();
		Path p = root.resolve(relative);
		String missing = "real data missing: " + p +
			" (clone the repository beside shared/ or set EXPLAIN_CNN_REALDATA)";
		if ("true".equals(System.getenv("CI"))) assertTrue(Files.exists(p), missing);
		else assumeTrue(Files.exists(p), missing);
		return p;
	}

	/** RGB raster, channels last, 0..255. */
	public static float[] rgb(Path file, int[] sizeOut) throws IOException {
		return ImageFiles.read(file, 3, sizeOut);
	}
}
