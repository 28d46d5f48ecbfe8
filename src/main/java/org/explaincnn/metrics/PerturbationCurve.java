package org.explaincnn.metrics;

/**
 * A deletion or insertion curve: the class score after a fraction of the input's pixels has been
 * replaced (deletion) or restored (insertion) in the order of a map, and the area under it.
 */
public final class PerturbationCurve {

	/** Fraction of the model-input pixels replaced or restored at each step, 0 to 1. */
	public final double[] fractions;
	/** The class score at each step. */
	public final double[] scores;
	/** Area under the curve over the fraction 0..1 (trapezoid rule). */
	public final double auc;

	public PerturbationCurve(double[] fractions, double[] scores) {
		this.fractions = fractions;
		this.scores = scores;
		this.auc = trapezoid(fractions, scores);
	}

	/** Area under y(x) by the trapezoid rule; x ascending. */
	public static double trapezoid(double[] x, double[] y) {
		double area = 0;
		for (int i = 1; i < x.length; i++)
			area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2;
		return area;
	}
}
