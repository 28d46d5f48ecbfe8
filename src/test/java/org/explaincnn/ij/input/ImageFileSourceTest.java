package org.explaincnn.ij.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

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

	@Test
	void whileTheModelLoadsTwoBatchesOfSmallImagesWaitAndOneOfLargeOnes() throws Exception {
		ModelSpec spec;
		try (ModelCache.Lease lease = ModelCache.acquire(TestData.sampleModel())) {
			spec = lease.model().spec();
		}
		List<Path> files = Collections.nCopies(9, TestData.sampleImage("both.png"));
		long image = 224 * 224 * 4; // both.png's RGB pixels
		// Room while fewer than 3 wait, or fewer than 6 whose pixels take less than the budget.
		for (long budget : new long[] { Long.MAX_VALUE, image * 9 / 2, 1 }) {
			int want = budget == Long.MAX_VALUE ? 6 : budget == 1 ? 3 : 5;
			CompletableFuture<ModelSpec> later = new CompletableFuture<>();
			try (ImageFileSource source = new ImageFileSource(files, false, later, 3, true, budget)) {
				// The reader decodes while the spec is unknown and stops when there is no room.
				long until = System.nanoTime() + 5_000_000_000L;
				int seen = -1;
				while (System.nanoTime() < until) {
					Thread.sleep(100);
					if (source.held() == seen && seen >= 3) break;
					seen = source.held();
				}
				Thread.sleep(200);
				assertEquals(want, source.held(), "budget " + budget);
				later.complete(spec);
				for (int i = 0; i < files.size(); i++) {
					Frame f = source.next();
					assertEquals(files.get(i), f.file);
					assertTrue(source.held() <= 6, "held " + source.held());
				}
				assertNull(source.next());
				assertEquals(0, source.held());
			}
		}
	}

	@Test
	void aModelThatDidNotLoadEndsTheReaderQuietly() throws InterruptedException {
		// The caller cancels the spec and reports the model's error; the reader, waiting for the
		// spec with files decoded, must end without a stack trace of its own.
		List<Throwable> uncaught = new CopyOnWriteArrayList<>();
		Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
		Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
		try {
			CompletableFuture<ModelSpec> never = new CompletableFuture<>();
			try (ImageFileSource source = new ImageFileSource(List.of(TestData.sampleImage("both.png"),
				TestData.sampleImage("coffee.png")), false, never, 16, true))
			{
				Thread.sleep(300); // the reader decodes both and waits for the spec
				never.cancel(false);
				for (Thread t : Thread.getAllStackTraces().keySet())
					if (t.getName().equals("explaincnn-reader")) t.join(5000);
			}
			assertEquals(List.of(), uncaught);
		}
		finally {
			Thread.setDefaultUncaughtExceptionHandler(before);
		}
	}
}
