package org.explaincnn.core;

import java.util.SplittableRandom;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;

/**
 * Non-negative matrix factorisation A ~ W H (Lee and Seung 2001, multiplicative updates for the
 * Frobenius norm): A is rows x columns and non-negative, W rows x K and H K x columns stay
 * non-negative because every update multiplies by a ratio of non-negative terms. Deep Feature
 * Factorization (Collins et al. 2018) applies it to a layer's activations, positions x channels:
 * the rows of H are "concepts" (channel vectors) and the columns of W say where each one is.
 *
 * <p>The start is random (uniform, scaled to A's mean as scikit-learn's "random" init), drawn from
 * the seed, and EJML's products are single-threaded, so the same seed gives the same bits.
 * Iterations stop at the cap or when the relative reconstruction error improves by less than the
 * tolerance between two checks.
 */
public final class Nmf {

	/** Keeps the ratios finite where a denominator is zero (a concept or a row that vanished). */
	private static final double EPS = 1e-12;

	/** The error is checked every this many iterations (it costs about one update). */
	private static final int CHECK_EVERY = 10;

	/** positions x K and K x channels, both non-negative. */
	public final DMatrixRMaj w, h;
	/** ||A - W H||_F / ||A||_F at the end. */
	public final double relativeError;
	public final int iterations;

	private Nmf(DMatrixRMaj w, DMatrixRMaj h, double relativeError, int iterations) {
		this.w = w;
		this.h = h;
		this.relativeError = relativeError;
		this.iterations = iterations;
	}

	/**
	 * Factorises {@code a} (row-major rows x columns; negative values, e.g. rounding below a ReLU,
	 * are clamped to 0) into K non-negative factors.
	 */
	public static Nmf factorise(float[] a, int rows, int columns, int k, int maxIterations,
		double tolerance, long seed)
	{
		if (a.length != (long) rows * columns) throw new IllegalArgumentException("A has " + a.length +
			" values, not " + rows + " x " + columns);
		DMatrixRMaj m = new DMatrixRMaj(rows, columns);
		for (int i = 0; i < a.length; i++)
			m.data[i] = Math.max(0, a[i]);
		return factorise(m, k, maxIterations, tolerance, seed);
	}

	/** Factorises a non-negative matrix (not changed). */
	public static Nmf factorise(DMatrixRMaj a, int k, int maxIterations, double tolerance,
		long seed)
	{
		if (k < 1) throw new IllegalArgumentException("K must be at least 1");
		int rows = a.numRows, cols = a.numCols;
		double mean = CommonOps_DDRM.elementSum(a) / Math.max(1, a.getNumElements());
		double scale = Math.sqrt(Math.max(mean, 0) / k);
		SplittableRandom random = new SplittableRandom(seed);
		DMatrixRMaj w = new DMatrixRMaj(rows, k), h = new DMatrixRMaj(k, cols);
		for (int i = 0; i < w.data.length; i++)
			w.data[i] = scale * random.nextDouble();
		for (int i = 0; i < h.data.length; i++)
			h.data[i] = scale * random.nextDouble();
		double normA = NormOps_DDRM.normF(a), normA2 = normA * normA;
		if (normA2 == 0) return new Nmf(new DMatrixRMaj(rows, k), new DMatrixRMaj(k, cols), 0, 0);

		DMatrixRMaj wtA = new DMatrixRMaj(k, cols), wtW = new DMatrixRMaj(k, k),
			wtWH = new DMatrixRMaj(k, cols), aHt = new DMatrixRMaj(rows, k),
			hHt = new DMatrixRMaj(k, k), wHHt = new DMatrixRMaj(rows, k);
		double previous = Double.POSITIVE_INFINITY, error = Double.NaN;
		int it = 0;
		while (it < maxIterations) {
			// H <- H * (W^T A) / (W^T W H)
			CommonOps_DDRM.multTransA(w, a, wtA);
			CommonOps_DDRM.multTransA(w, w, wtW);
			CommonOps_DDRM.mult(wtW, h, wtWH);
			for (int i = 0; i < h.data.length; i++)
				h.data[i] *= wtA.data[i] / (wtWH.data[i] + EPS);
			// W <- W * (A H^T) / (W H H^T)
			CommonOps_DDRM.multTransB(a, h, aHt);
			CommonOps_DDRM.multTransB(h, h, hHt);
			CommonOps_DDRM.mult(w, hHt, wHHt);
			for (int i = 0; i < w.data.length; i++)
				w.data[i] *= aHt.data[i] / (wHHt.data[i] + EPS);
			it++;
			if (it % CHECK_EVERY == 0 || it == maxIterations) {
				// A H^T and H H^T above were made with this iteration's H: the error needs only W^T W.
				error = relativeError(w, normA2, aHt, hHt, wtW);
				if (previous - error < tolerance) break;
				previous = error;
			}
		}
		if (Double.isNaN(error)) {
			CommonOps_DDRM.multTransB(a, h, aHt);
			CommonOps_DDRM.multTransB(h, h, hHt);
			error = relativeError(w, normA2, aHt, hHt, wtW);
		}
		return new Nmf(w, h, error, it);
	}

	/**
	 * ||A - W H||_F / ||A||_F without forming W H: ||A||^2 - 2 tr(W^T A H^T) + tr(W^T W H H^T), from
	 * A H^T and H H^T of the current H ({@code wtW} is a buffer).
	 */
	private static double relativeError(DMatrixRMaj w, double normA2, DMatrixRMaj aHt,
		DMatrixRMaj hHt, DMatrixRMaj wtW)
	{
		CommonOps_DDRM.multTransA(w, w, wtW);
		double cross = 0;
		for (int i = 0; i < w.data.length; i++)
			cross += w.data[i] * aHt.data[i];
		double quad = 0;
		for (int i = 0; i < wtW.data.length; i++)
			quad += wtW.data[i] * hHt.data[i]; // both symmetric: tr(X Y) = sum X .* Y
		return Math.sqrt(Math.max(0, normA2 - 2 * cross + quad) / normA2);
	}

	/** Factor W's value at row (position) p, concept c. */
	public double w(int p, int c) {
		return w.get(p, c);
	}

	/** Factor H's value at concept c, column (channel) j. */
	public double h(int c, int j) {
		return h.get(c, j);
	}
}
