package org.explaincnn.core;

import java.util.List;

/** A method's result for one image: one attribution per target class, and the top predictions. */
public final class Explanation {

	public final String method;
	public final String methodTitle;
	public final List<Attribution> attributions;
	/** Indices of the five best classes, best first, and all probabilities. */
	public final int[] top;
	public final float[] probabilities;
	public final float[] logits;
	public final double preprocessMs, methodMs, totalMs;

	Explanation(String method, String methodTitle, List<Attribution> attributions, int[] top,
		float[] probabilities, float[] logits, double preprocessMs, double methodMs, double totalMs)
	{
		this.method = method;
		this.methodTitle = methodTitle;
		this.attributions = attributions;
		this.top = top;
		this.probabilities = probabilities;
		this.logits = logits;
		this.preprocessMs = preprocessMs;
		this.methodMs = methodMs;
		this.totalMs = totalMs;
	}
}
