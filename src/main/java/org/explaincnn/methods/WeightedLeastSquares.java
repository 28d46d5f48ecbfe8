package org.explaincnn.methods;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * Weighted (ridge) least squares for the surrogate models of LIME and KernelSHAP, solved by EJML:
 * B minimising sum_i w_i |Y_i - X_i B|^2 + ridge |B|^2, every column of Y (one per class) at once.
 * The weights and the ridge enter as the rows of one stacked system [sqrt(w) X; sqrt(ridge) I],
 * solved by EJML's SVD pseudo-inverse, which also gives the minimum-norm solution when there are
 * fewer distinct samples than unknowns (as numpy's lstsq does for the shap package).
 */
final class WeightedLeastSquares {

	private WeightedLeastSquares() {}

	/** x: n rows of m values, y: n rows of c values, w: n weights; returns m x c. */
	static double[][] solve(double[][] x, double[][] y, double[] w, double ridge) {
		int n = x.length, m = x[0].length, c = y[0].length;
		int rows = ridge > 0 ? n + m : n;
		DMatrixRMaj a = new DMatrixRMaj(rows, m), b = new DMatrixRMaj(rows, c);
		for (int i = 0; i < n; i++) {
			double s = Math.sqrt(w[i]);
			for (int j = 0; j < m; j++)
				a.unsafe_set(i, j, s * x[i][j]);
			for (int k = 0; k < c; k++)
				b.unsafe_set(i, k, s * y[i][k]);
		}
		if (ridge > 0) for (int j = 0; j < m; j++)
			a.unsafe_set(n + j, j, Math.sqrt(ridge));
		LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.pseudoInverse(true);
		if (!solver.setA(a)) throw new IllegalStateException("the least-squares system is singular");
		DMatrixRMaj out = new DMatrixRMaj(m, c);
		solver.solve(b, out);
		double[][] coefficients = new double[m][c];
		for (int j = 0; j < m; j++)
			for (int k = 0; k < c; k++)
				coefficients[j][k] = out.unsafe_get(j, k);
		return coefficients;
	}
}
