package org.explaincnn.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Settings shared by all methods, plus the method's own parameters as the user typed them. Immutable:
 * a variant is a new object ({@link #withLayer}, {@link #toBuilder}), so one options object can
 * serve several explanations at once (a live view and a batch on one model).
 */
public final class ExplainOptions {

	/** Largest batch per Session.run. */
	public static final Param<Integer> BATCH = Param.integer("batch", 16, 1, 4096, "Batch size",
		"largest batch per TensorFlow run; memory is bounded by it, whatever the pass count");
	/** Seed of randomised methods. */
	public static final Param<Integer> SEED = Param.integer("seed", 42, Integer.MIN_VALUE,
		Integer.MAX_VALUE, "Seed (randomised methods)", "seed of randomised methods: the same seed repeats bit for bit");

	/** Defaults everywhere: top layer, logit score, seed 42, batch 16, no progress, never cancelled. */
	public static final ExplainOptions DEFAULTS = builder().build();

	/** Layer name, or null for the model's default layer. */
	public final String layer;
	public final Score score;
	/** Explain what speaks against the class (negative gradients). */
	public final boolean counterfactual;
	/** Seed of randomised methods. */
	public final long seed;
	/** Largest batch per Session.run; memory stays bounded by this, whatever the pass count. */
	public final int batchSize;
	public final ProgressListener progress;
	public final BooleanSupplier cancelled;
	/**
	 * Feature groups on the original image for methods that switch groups of pixels off (feature
	 * ablation; LIME and KernelSHAP), or null: each such method then uses its own default groups.
	 */
	public final FeatureMask featureMask;
	/** Method parameters as typed by the user (key -> text); read them with {@link #get}. */
	private final Map<String, String> params;

	private ExplainOptions(Builder b) {
		this.layer = b.layer;
		this.score = b.score;
		this.counterfactual = b.counterfactual;
		this.seed = b.seed;
		this.batchSize = b.batchSize;
		this.progress = b.progress;
		this.cancelled = b.cancelled;
		this.featureMask = b.featureMask;
		this.params = Collections.unmodifiableMap(new LinkedHashMap<>(b.params));
	}

	public static Builder builder() {
		return new Builder();
	}

	/** A builder that starts from these settings. */
	public Builder toBuilder() {
		Builder b = new Builder();
		b.layer = layer;
		b.score = score;
		b.counterfactual = counterfactual;
		b.seed = seed;
		b.batchSize = batchSize;
		b.progress = progress;
		b.cancelled = cancelled;
		b.featureMask = featureMask;
		b.params.putAll(params);
		return b;
	}

	/** The same settings at another layer (null: the model's default). */
	public ExplainOptions withLayer(String layerName) {
		return toBuilder().layer(layerName).build();
	}

	/** The same settings with one method parameter set. */
	public ExplainOptions withParam(String key, String value) {
		return toBuilder().param(key, value).build();
	}

	/** A parameter's typed value: what the user gave (checked), or the declared default. */
	public <T> T get(Param<T> p) {
		for (Map.Entry<String, String> e : params.entrySet())
			if (p.hasKey(e.getKey())) return p.parse(e.getValue());
		return p.defaultValue;
	}

	/** The method parameters as given, key -> text (unmodifiable). */
	public Map<String, String> params() {
		return params;
	}

	/** +1, or -1 to explain what speaks against the class. */
	public float seedSign() {
		return counterfactual ? -1f : 1f;
	}

	/** Images per Session.run: the batch size, within what the model takes. */
	public int chunkSize(ModelSpec spec) {
		return Math.max(1, Math.min(batchSize, spec.maxBatch));
	}

	/** Throws if the user cancelled. */
	public void checkCancelled() {
		if (cancelled.getAsBoolean()) throw new CancelledException();
	}

	/** Builds {@link ExplainOptions}; every setting has the default of {@link #DEFAULTS}. */
	public static final class Builder {

		private String layer;
		private Score score = Score.LOGIT;
		private boolean counterfactual;
		private long seed = SEED.defaultValue;
		private int batchSize = BATCH.defaultValue;
		private ProgressListener progress = ProgressListener.NONE;
		private BooleanSupplier cancelled = () -> false;
		private FeatureMask featureMask;
		private final Map<String, String> params = new LinkedHashMap<>();

		private Builder() {}

		public Builder layer(String layerName) {
			this.layer = layerName;
			return this;
		}

		public Builder score(Score s) {
			this.score = s;
			return this;
		}

		public Builder counterfactual(boolean c) {
			this.counterfactual = c;
			return this;
		}

		public Builder seed(long s) {
			this.seed = s;
			return this;
		}

		public Builder batchSize(int n) {
			if (n < BATCH.min || n > BATCH.max) BATCH.parse(Integer.toString(n)); // one-line error
			this.batchSize = n;
			return this;
		}

		public Builder progress(ProgressListener p) {
			this.progress = p;
			return this;
		}

		public Builder cancelled(BooleanSupplier c) {
			this.cancelled = c;
			return this;
		}

		/** Feature groups on the original image; null: the method's default groups. */
		public Builder featureMask(FeatureMask mask) {
			this.featureMask = mask;
			return this;
		}

		public Builder param(String key, String value) {
			params.put(key, value);
			return this;
		}

		public Builder params(Map<String, String> values) {
			params.putAll(values);
			return this;
		}

		public ExplainOptions build() {
			return new ExplainOptions(this);
		}
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
