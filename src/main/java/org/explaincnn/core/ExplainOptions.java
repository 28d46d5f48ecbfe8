package org.explaincnn.core;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Settings shared by all methods, plus free-form method parameters. */
public final class ExplainOptions {

	/** Layer name, or null for the model's default layer. */
	public String layer;
	public Score score = Score.LOGIT;
	/** Explain what speaks against the class (negative gradients). */
	public boolean counterfactual;
	/** Seed of randomised methods. */
	public long seed = 42;
	/** Largest batch per Session.run; memory stays bounded by this, whatever the pass count. */
	public int batchSize = 16;
	public ProgressListener progress = ProgressListener.NONE;
	public BooleanSupplier cancelled = () -> false;
	/** Method-specific parameters (e.g. "steps" for integrated gradients). */
	public final Map<String, String> params = new HashMap<>();

	/** +1, or -1 to explain what speaks against the class. */
	public float seedSign() {
		return counterfactual ? -1f : 1f;
	}

	/** Images per Session.run: the batch size, within what the model takes. */
	public int chunkSize(ModelSpec spec) {
		return Math.max(1, Math.min(batchSize, spec.maxBatch));
	}

	public int intParam(String key, int fallback) {
		String v = params.get(key);
		if (v == null) return fallback;
		try {
			return Integer.parseInt(v.strip());
		}
		catch (NumberFormatException e) {
			throw new ExplainException("Parameter " + key + "=" + v + " is not a whole number.");
		}
	}

	public double doubleParam(String key, double fallback) {
		String v = params.get(key);
		if (v == null) return fallback;
		try {
			return Double.parseDouble(v.strip());
		}
		catch (NumberFormatException e) {
			throw new ExplainException("Parameter " + key + "=" + v + " is not a number.");
		}
	}

	public String param(String key, String fallback) {
		return params.getOrDefault(key, fallback);
	}

	/** Throws if the user cancelled. */
	public void checkCancelled() {
		if (cancelled.getAsBoolean()) throw new CancelledException();
	}

	/** Thrown when a run is cancelled; front ends report it quietly. */
	public static final class CancelledException extends ExplainException {

		public CancelledException() {
			super("Cancelled.");
		}
	}

	/** Progress as done/total passes. */
	public interface ProgressListener {

		ProgressListener NONE = (done, total) -> {};

		void update(int done, int total);
	}
}
