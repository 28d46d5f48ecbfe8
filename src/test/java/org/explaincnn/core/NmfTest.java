package org.explaincnn.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

/** The factorisation recovers a matrix of known non-negative rank, stays non-negative, repeats. */
class NmfTest {

	/**
	 * rows x cols = (rows x k) (k x cols), both uniform with about half their entries zero (as
	 * concepts that each occupy a part of the image and of the channels): rank k, non-negative, and
	 * its factors unique up to scale and order.
	 */
	static float[] rankK(int rows, int cols, int k, long seed) {
		Random r = new Random(seed);
		DMatrixRMaj w = new DMatrixRMaj(rows, k), h = new DMatrixRMaj(k, cols);
		for (int i = 0; i < w.data.length; i++)
			w.data[i] = r.nextDouble() < 0.5 && i % k != 0 ? 0 : r.nextDouble();
		for (int i = 0; i < h.data.length; i++)
			h.data[i] = r.nextDouble() < 0.5 ? 0 : r.nextDouble();
		DMatrixRMaj a = new DMatrixRMaj(rows, cols);
		CommonOps_DDRM.mult(w, h, a);
		float[] out = new float[a.data.length];
		for (int i = 0; i < out.length; i++)
			out[i] = (float) a.data[i];
		return out;
	}

	/** ||A - W H||_F / ||A||_F computed the plain way (the class computes it without W H). */
	static double reconstructionError(float[] a, int rows, int cols, Nmf f) {
		DMatrixRMaj wh = new DMatrixRMaj(rows, cols);
		CommonOps_DDRM.mult(f.w, f.h, wh);
		double diff = 0, norm = 0;
		for (int i = 0; i < a.length; i++) {
			diff += (a[i] - wh.data[i]) * (a[i] - wh.data[i]);
			norm += a[i] * (double) a[i];
		}
		return Math.sqrt(diff / norm);
	}

	@Test
	void recoversAMatrixOfKnownNonNegativeRank() {
		for (int k = 2; k <= 4; k++) {
			int rows = 49, cols = 40;
			float[] a = rankK(rows, cols, k, 10 + k);
			Nmf f = Nmf.factorise(a, rows, cols, k, 5_000, 1e-7, 42);
			double err = reconstructionError(a, rows, cols, f);
			assertTrue(err < 1e-3, "K=" + k + ": relative error " + err + " after " + f.iterations);
			assertEquals(err, f.relativeError, 1e-6, "the error the factorisation reports");
			for (double v : f.w.data)
				assertTrue(v >= 0, "W negative");
			for (double v : f.h.data)
				assertTrue(v >= 0, "H negative");
			assertEquals(k, f.w.numCols);
			assertEquals(k, f.h.numRows);
		}
	}

	@Test
	void tooFewConceptsCannotReconstructAndTheErrorSaysSo() {
		float[] a = rankK(30, 20, 4, 3);
		Nmf f = Nmf.factorise(a, 30, 20, 1, 500, 0, 42);
		assertTrue(f.relativeError > 0.05, "rank 4 with one concept: " + f.relativeError);
		assertEquals(reconstructionError(a, 30, 20, f), f.relativeError, 1e-6);
	}

	@Test
	void theSeedAloneDecidesTheBits() {
		float[] a = rankK(49, 64, 3, 5);
		Nmf one = Nmf.factorise(a, 49, 64, 3, 300, 1e-6, 42);
		Nmf two = Nmf.factorise(a, 49, 64, 3, 300, 1e-6, 42);
		assertArrayEquals(one.w.data, two.w.data);
		assertArrayEquals(one.h.data, two.h.data);
		Nmf other = Nmf.factorise(a, 49, 64, 3, 300, 1e-6, 43);
		assertFalse(Arrays.equals(one.w.data, other.w.data), "seed 43 gave seed 42's start");
	}

	@Test
	void negativeRoundingIsClampedAndTheToleranceStopsEarly() {
		float[] a = rankK(20, 10, 2, 9);
		a[0] = -1e-7f;
		Nmf f = Nmf.factorise(a, 20, 10, 2, 10_000, 1e-3, 1);
		assertTrue(f.iterations < 10_000, "a loose tolerance should stop early: " + f.iterations);
		for (double v : f.w.data)
			assertTrue(v >= 0 && Double.isFinite(v));
		Nmf zero = Nmf.factorise(new float[20], 4, 5, 2, 100, 0, 1);
		assertEquals(0, zero.relativeError);
	}
}
