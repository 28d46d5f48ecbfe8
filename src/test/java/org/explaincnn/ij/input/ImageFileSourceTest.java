package org.explaincnn.ij.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.explaincnn.TestData;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ModelSpec;
import org.explaincnn.ij.ModelCache;
import org.junit.jupiter.api.Test;

/** Files read ahead on another thread give the frames an open image gives, in order. */
class ImageFileSourceTest {

	@Test
	void framesComeInOrderPreparedAsFromAnOpenImageAndAFailureInItsTurn() {
		ModelSpec spec;
		try (ModelCache.Lease lease = ModelCache.acquire(TestData.sampleModel())) {
			spec = lease.model().spec();
		}
		List<Path> files = List.of(TestData.sampleImage("coffee.png"), TestData.sampleImage(
			"both.png"), TestData.sampleImage("PROVENANCE.txt"), TestData.sampleImage("chelsea.png"));
		CompletableFuture<ModelSpec> later = new CompletableFuture<>();
		try (ImageFileSource source = new ImageFileSource(files, false, later, 1)) {
			later.complete(spec); // reading started before the spec was known
			for (Path file : files.subList(0, 2)) {
				Frame f = source.next();
				assertEquals(file, f.file);
				Frame direct = Frame.of(IJ.openImage(file.toString()), file, false, spec, line -> {});
				assertArrayEquals(direct.prepared.modelInput, f.prepared.modelInput, 0f);
				assertEquals(direct.image.getTitle(), f.image.getTitle());
			}
			ExplainException e = assertThrows(ExplainException.class, source::next);
			assertTrue(e.getMessage().startsWith("Cannot read image " + files.get(2)), e.getMessage());
			assertNull(source.next(), "nothing after the failure");
		}
	}
}
