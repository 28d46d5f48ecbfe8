package org.explaincnn;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A model cache of the test's own (the explaincnn.cache property), so that a test can look at,
 * damage and rebuild cache entries without touching the user's: {@code @RegisterExtension final
 * PrivateCache cache = new PrivateCache();}. The property is restored and the folder removed after
 * each test. The EXPLAIN_CNN_CACHE environment variable would override it: tests that need the
 * private cache check {@link #overridden()}.
 */
public final class PrivateCache implements BeforeEachCallback, AfterEachCallback {

	private static final String PROPERTY = "explaincnn.cache";

	private String saved;
	private Path root;

	/** The cache folder of the running test. */
	public Path root() {
		return root;
	}

	/** True when EXPLAIN_CNN_CACHE is set, which takes precedence over the private cache. */
	public static boolean overridden() {
		return System.getenv("EXPLAIN_CNN_CACHE") != null;
	}

	@Override
	public void beforeEach(ExtensionContext context) throws Exception {
		saved = System.getProperty(PROPERTY);
		root = Files.createTempDirectory("explaincnn-cache");
		System.setProperty(PROPERTY, root.toString());
	}

	@Override
	public void afterEach(ExtensionContext context) throws Exception {
		if (saved == null) System.clearProperty(PROPERTY);
		else System.setProperty(PROPERTY, saved);
		try (Stream<Path> walk = Files.walk(root)) {
			walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
		}
	}
}
