package org.explaincnn.ij.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A write interrupted by the end of the process leaves neither a result nor its temporary. */
class AtomicFilesTest {

	@TempDir
	Path tmp;

	private long files() throws Exception {
		try (Stream<Path> s = Files.list(tmp)) {
			return s.count();
		}
	}

	@Test
	void theShutdownHookRemovesATemporaryBeingWritten() throws Exception {
		Path target = tmp.resolve("cell.gradcam.heatmap.tif");
		CountDownLatch writing = new CountDownLatch(1), release = new CountDownLatch(1);
		AtomicReference<Throwable> failure = new AtomicReference<>();
		Thread writer = new Thread(() -> {
			try {
				AtomicFiles.write(target, out -> {
					out.write(new byte[1000]);
					out.flush();
					writing.countDown();
					try {
						release.await();
					}
					catch (InterruptedException e) {
						Thread.currentThread().interrupt();
					}
					throw new java.io.IOException("stopped");
				});
			}
			catch (Throwable t) {
				failure.set(t);
			}
		});
		writer.start();
		writing.await();
		assertEquals(1, files(), "the temporary exists while the write runs");
		AtomicFiles.removeInFlight(); // what the shutdown hook does at Ctrl-C / SIGTERM
		assertEquals(0, files(), "no temporary left behind");
		assertFalse(Files.exists(target));
		release.countDown();
		writer.join();
		assertTrue(failure.get() instanceof java.io.IOException);
		assertEquals(0, AtomicFiles.inFlight());
	}

	@Test
	void aFinishedWriteIsNoLongerTracked() throws Exception {
		Path target = tmp.resolve("a.json");
		AtomicFiles.write(target, out -> out.write("{}".getBytes()));
		assertEquals("{}", Files.readString(target));
		assertEquals(0, AtomicFiles.inFlight());
		assertEquals(1, files());
	}
}
