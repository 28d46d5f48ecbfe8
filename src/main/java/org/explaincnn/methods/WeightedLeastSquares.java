package org.explaincnn.methods;

import java.util.Arrays;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;
import org.explaincnn.core.ExplainException;

/**
 * Weighted (ridge) least squares for the surrogate models of LIME and KernelSHAP: B minimising
 * sum_i w_i |Y_i - X_i B|^2 + ridge |B|^2, every column of Y (one per class) at once. Rows are
 * added one at a time and folded by Givens rotations into the triangular factor R of the QR
 * decomposition of the stacked system [sqrt(w) X; sqrt(ridge) I] and the rotated right-hand side
 * Q'Y, so memory is m x (m + c) whatever the number of samples, and the conditioning is that of X
 * (normal equations X'WX would square it). R B = Q'Y has the same least-squares solutions as the
 * whole system; EJML's SVD pseudo-inverse of R gives the minimum-norm one when there are fewer
 * distinct samples than unknowns (as numpy's lstsq does for the shap package).
 */
final class WeightedLeastSquares {

	private final int m, c;
	/** Rows of [R | Q'Y], R upper triangular. */
	private final double[][] r;
	private final double[] work;
	private int nonFinite;

	/** A system of {@code unknowns} coefficients and {@code outputs} right-hand sides. */
	WeightedLeastSquares(int unknowns, int outputs) {
		m = unknowns;
		c = outputs;
		r = new double[m][m + c];
		work = new double[m + c];
	}

	/** Adds the row x (m values) with right-hand sides y (c values) and weight w. */
	void add(double[] x, double[] y, double w) {
		double s = Math.sqrt(w);
		for (int j = 0; j < m; j++)
			work[j] = s * x[j];
		for (int k = 0; k < c; k++) {
			if (!Double.isFinite(y[k])) {
				nonFinite++;
				return;
			}
			work[m + k] = s * y[k];
		}
		rotateIn(0);
	}

	/** Adds ridge rows sqrt(ridge) e_j for the first {@code count} unknowns (right-hand side 0). */
	void ridge(double ridge, int count) {
		if (ridge <= 0) return;
		for (int j = 0; j < count; j++) {
			Arrays.fill(work, 0);
			work[j] = Math.sqrt(ridge);
			rotateIn(j);
		}
	}

	/** Folds {@code work} (zero before column {@code from}) into R by Givens rotations. */
	private void rotateIn(int from) {
		for (int j = from; j < m; j++) {
			double b = work[j];
			if (b == 0) continue;
			double[] row = r[j];
			double a = row[j], h = Math.hypot(a, b), cos = a / h, sin = b / h;
			for (int k = j; k < m + c; k++) {
				double t = row[k];
				row[k] = cos * t + sin * work[k];
				work[k] = cos * work[k] - sin * t;
			}
		}
	}

	/**
	 * The coefficients, m x c; a one-line error naming {@code method} when the model's scores were
	 * not finite (nothing can be fitted to NaN).
	 */
	double[][] solve(String method) {
		if (nonFinite > 0) throw new ExplainException(method + " cannot fit its surrogate: the " +
			"model gave NaN or infinite scores at " + nonFinite + " perturbed inputs; check the " +
			"model's output on this image (try --score logit or another baseline).");
		DMatrixRMaj a = new DMatrixRMaj(m, m), b = new DMatrixRMaj(m, c);
		for (int j = 0; j < m; j++) {
			for (int k = j; k < m; k++)
				a.unsafe_set(j, k, r[j][k]);
			for (int k = 0; k < c; k++)
				b.unsafe_set(j, k, r[j][m + k]);
		}
		LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.pseudoInverse(true);
		if (!solver.setA(a)) throw new ExplainException(method + " cannot fit its surrogate: the " +
			"least-squares system has no solution (its SVD failed); use more samples.");
		DMatrixRMaj out = new DMatrixRMaj(m, c);
		solver.solve(b, out);
		double[][] coefficients = new double[m][c];
		for (int j = 0; j < m; j++)
			for (int k = 0; k < c; k++)
				coefficients[j][k] = out.unsafe_get(j, k);
		return coefficients;
	}

	/**
	 * Bytes held by a fit of {@code unknowns} x {@code outputs}: [R | Q'Y], and EJML's SVD of R
	 * (U, V, a copy) while solving.
	 */
	static long bytes(int unknowns, int outputs) {
		return 8L * unknowns * (unknowns + outputs) + 8L * 4 * unknowns * unknowns;
	}

	/** x: n rows of m values, y: n rows of c values, w: n weights; returns m x c. */
	static double[][] solve(double[][] x, double[][] y, double[] w, double ridge, String method) {
		WeightedLeastSquares s = new WeightedLeastSquares(x[0].length, y[0].length);
		for (int i = 0; i < x.length; i++)
			s.add(x[i], y[i], w[i]);
		s.ridge(ridge, x[0].length);
		return s.solve(method);
	}
}
