package org.explaincnn.ij.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The writer behind the TensorFlow runs: input order, bounded backlog, first failure reported. */
class WriterBehindTest {

	@Test
	void runsInOrderAndNeverHoldsMoreThanItsCapacity() {
		List<Integer> done = Collections.synchronizedList(new ArrayList<>());
		AtomicInteger waiting = new AtomicInteger(), most = new AtomicInteger();
		try (WriterBehind writer = new WriterBehind(3)) {
			for (int i = 0; i < 40; i++) {
				int n = i;
				most.accumulateAndGet(waiting.incrementAndGet(), Math::max);
				writer.submit(() -> {
					sleep(2);
					done.add(n);
					waiting.decrementAndGet();
				});
			}
			writer.finish();
		}
		List<Integer> expected = new ArrayList<>();
		for (int i = 0; i < 40; i++)
			expected.add(i);
		assertEquals(expected, done);
		// Counted before submit blocks: the capacity plus the one being handed in.
		assertTrue(most.get() <= 4, "backlog " + most.get());
	}

	@Test
	void theFirstFailureStopsWhatFollowsAndReachesTheCaller() {
		List<Integer> done = Collections.synchronizedList(new ArrayList<>());
		IllegalStateException boom = new IllegalStateException("disk full");
		WriterBehind writer = new WriterBehind(100);
		writer.submit(() -> done.add(1));
		writer.submit(() -> {
			throw boom;
		});
		// The failure reaches the caller at the next submit or at finish, whichever comes after the
		// writer thread met it (a race by design: the caller learns as early as possible).
		assertSame(boom, assertThrows(IllegalStateException.class, () -> {
			try {
				writer.submit(() -> done.add(3));
			}
			finally {
				writer.finish();
			}
		}));
		assertEquals(List.of(1), done, "tasks after the failure do not run");
	}

	@Test
	void workRunsSideBySideAndItsStepsComeOutInInputOrder() {
		assumeTrue(Runtime.getRuntime().availableProcessors() > 1, "one core: one worker");
		List<Integer> steps = Collections.synchronizedList(new ArrayList<>());
		AtomicInteger working = new AtomicInteger(), mostAtOnce = new AtomicInteger();
		try (WriterBehind writer = new WriterBehind(8)) {
			for (int i = 0; i < 24; i++) {
				int n = i;
				writer.submitInParallel(() -> {
					mostAtOnce.accumulateAndGet(working.incrementAndGet(), Math::max);
					// Early tasks take longest, so later ones finish their work first.
					sleep(2 + (24 - n) % 6);
					working.decrementAndGet();
					return () -> steps.add(n);
				});
			}
			writer.finish();
		}
		List<Integer> expected = new ArrayList<>();
		for (int i = 0; i < 24; i++)
			expected.add(i);
		assertEquals(expected, steps);
		assertTrue(mostAtOnce.get() > 1, "work never overlapped");
	}

	@Test
	void aFailedWorkStopsTheStepsAfterItButNotThoseBefore() {
		List<Integer> steps = Collections.synchronizedList(new ArrayList<>());
		IllegalStateException boom = new IllegalStateException("disk full");
		WriterBehind writer = new WriterBehind(100);
		writer.submitInParallel(() -> {
			sleep(30); // still working when the next one fails
			return () -> steps.add(1);
		});
		writer.submitInParallel(() -> {
			throw boom;
		});
		assertSame(boom, assertThrows(IllegalStateException.class, () -> {
			try {
				writer.submitInParallel(() -> () -> steps.add(3));
			}
			finally {
				writer.finish();
			}
		}));
		assertEquals(List.of(1), steps);
	}

	private static void sleep(long ms) {
		try {
			Thread.sleep(ms);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}
}
