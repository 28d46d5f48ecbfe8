package org.explaincnn.core.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.explaincnn.PrivateCache;
import org.explaincnn.TinyModels;
import org.explaincnn.core.ExplainableModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The frozen-graph cache heals itself: a damaged or partial entry is detected and rebuilt. */
class ConversionCacheTest {

	@TempDir
	Path tmp;

	@RegisterExtension
	final PrivateCache cache = new PrivateCache();



	private static final String RAW = "{\"mean\": [0], \"std\": [1], \"logits\": \"logits\"}";

	private Path onlyEntry() throws Exception {
		try (Stream<Path> s = Files.list(cache.root().resolve("savedmodels"))) {
			List<Path> entries = s.filter(p -> !p.getFileName().toString().startsWith("export"))
				.collect(Collectors.toList());
			assertEquals(1, entries.size(), "one cache entry: " + entries);
			return entries.get(0);
		}
	}

	private static float[] scores(Path bundle, float[] x) {
		try (ExplainableModel m = ExplainableModel.open(bundle)) {
			return m.forward(x, 1).logits;
		}
	}

	@Test
	void damagedEntriesAreRebuilt() throws Exception {
		org.junit.jupiter.api.Assumptions.assumeTrue(!PrivateCache.overridden(),
			"EXPLAIN_CNN_CACHE overrides the test's private cache");
		Path bundle = TinyModels.frozenBundle(tmp.resolve("gap"), new TinyModels.GapDense(3).graph(),
			RAW);
		float[] x = new float[6 * 6 * 2];
		for (int i = 0; i < x.length; i++)
			x[i] = (i % 7) / 7f;
		float[] expected = scores(bundle, x);
		Path entry = onlyEntry();
		Path pb = entry.resolve("saved_model.pb");
		long size = Files.size(pb);
		assertTrue(FrozenGraphConverter.readComplete(entry) != null, "a fresh entry is complete");

		// A truncated graph (a copy cut short, a full disk) is noticed and rebuilt.
		byte[] bytes = Files.readAllBytes(pb);
		Files.write(pb, java.util.Arrays.copyOf(bytes, bytes.length / 2));
		assertArrayEquals(expected, scores(bundle, x), 0f);
		assertEquals(size, Files.size(onlyEntry().resolve("saved_model.pb")));

		// A missing part, and an unreadable record, likewise.
		Files.delete(onlyEntry().resolve("saved_model.pb"));
		assertArrayEquals(expected, scores(bundle, x), 0f);
		assertEquals(size, Files.size(onlyEntry().resolve("saved_model.pb")));
		Files.writeString(onlyEntry().resolve("explaincnn-conversion.json"), "{not json");
		assertArrayEquals(expected, scores(bundle, x), 0f);
		assertTrue(FrozenGraphConverter.readComplete(onlyEntry()) != null);
	}

	@Test
	void leftoversOfKilledConversionsAreRemoved() throws Exception {
		org.junit.jupiter.api.Assumptions.assumeTrue(!PrivateCache.overridden(),
			"EXPLAIN_CNN_CACHE overrides the test's private cache");
		Path models = Files.createDirectories(cache.root().resolve("savedmodels"));
		Path old = Files.createDirectories(models.resolve("export12345"));
		Files.writeString(old.resolve("saved_model.pb"), "partial");
		Files.setLastModifiedTime(old, FileTime.fromMillis(System.currentTimeMillis() - 3600_000L));
		Path live = Files.createDirectories(models.resolve("export67890")); // another process's, now
		Path bundle = TinyModels.frozenBundle(tmp.resolve("gap"), new TinyModels.GapDense(3).graph(),
			RAW);
		scores(bundle, new float[6 * 6 * 2]);
		assertFalse(Files.exists(old), "a stale temporary folder is removed");
		assertTrue(Files.exists(live), "a recent one may belong to a running conversion");
		onlyEntry();
	}
}
