package org.explaincnn.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;

/** The per-row work of a batch, shared between the caller and another core. */
class EachRowTest {

	@Test
	void everyRowRunsOnceOnTwoThreads() {
		for (int n : new int[] { 0, 1, 2, 3, 16, 17 }) {
			AtomicIntegerArray runs = new AtomicIntegerArray(n);
			Set<Thread> threads = ConcurrentHashMap.newKeySet();
			Explainer.eachRow(n, b -> {
				runs.incrementAndGet(b);
				threads.add(Thread.currentThread());
				// Long enough that the other thread has started before this one is done.
				sleep(2);
			});
			int[] once = new int[n], seen = new int[n];
			for (int b = 0; b < n; b++) {
				once[b] = 1;
				seen[b] = runs.get(b);
			}
			assertArrayEquals(once, seen, "rows run for n=" + n);
			if (n >= 2) assertTrue(threads.size() == 2 && threads.contains(Thread.currentThread()),
				"rows shared by the caller and one other thread for n=" + n + ": " + threads);
		}
	}

	@Test
	void aRowsExplainExceptionIsThrownAsItIs() {
		ExplainException nan = new ExplainException("row 3 gave NaN");
		assertSame(nan, assertThrows(ExplainException.class, () -> Explainer.eachRow(8, b -> {
			if (b == 3) throw nan;
		})), "an odd row's failure (on the other thread)");
		ExplainException even = new ExplainException("row 4 gave NaN");
		assertSame(even, assertThrows(ExplainException.class, () -> Explainer.eachRow(8, b -> {
			if (b == 4) throw even;
		})), "an even row's failure (on the caller)");
	}

	@Test
	void anErrorComesBackAsItIsWithTheOtherHalfsFailureKept() {
		OutOfMemoryError caller = new OutOfMemoryError("row 0");
		ExplainException other = new ExplainException("row 1");
		OutOfMemoryError thrown = assertThrows(OutOfMemoryError.class, () -> Explainer.eachRow(6,
			b -> {
				if (b == 0) throw caller;
				if (b == 1) throw other;
			}));
		assertSame(caller, thrown);
		assertArrayEquals(new Throwable[] { other }, thrown.getSuppressed());
		AssertionError odd = new AssertionError("row 5");
		assertSame(odd, assertThrows(AssertionError.class, () -> Explainer.eachRow(6, b -> {
			if (b == 5) throw odd;
		})), "an error on the other thread comes back as it is, not wrapped");
	}

	@Test
	void returnsOnlyAfterEveryRowIsDone() {
		for (Throwable failure : new Throwable[] { new ExplainException("first row fails at once"),
			new OutOfMemoryError("first row fails at once") })
		{
			AtomicIntegerArray done = new AtomicIntegerArray(6);
			assertSame(failure, assertThrows(Throwable.class, () -> Explainer.eachRow(6, b -> {
				if (b == 0) {
					if (failure instanceof Error e) throw e;
					throw (RuntimeException) failure;
				}
				sleep(20);
				done.set(b, 1);
			})));
			// The rows of the other thread finished before the failure came back to the caller.
			for (int b = 1; b < 6; b += 2)
				assertTrue(done.get(b) == 1, "row " + b + " finished before eachRow returned after " +
					failure);
		}
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
