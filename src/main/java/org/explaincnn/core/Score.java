package org.explaincnn.core;

/** Which output a class score is read from. */
public enum Score {
	/** Pre-softmax score: the default, as the Grad-CAM paper uses. */
	LOGIT,
	/** Softmax probability. */
	PROBABILITY;

	public static Score parse(String text) {
		switch (text.strip().toLowerCase(java.util.Locale.ROOT)) {
			case "logit":
			case "logits":
				return LOGIT;
			case "probability":
			case "prob":
			case "softmax":
				return PROBABILITY;
			default:
				throw new ExplainException("Unknown score '" + text +
					"'; use 'logit' or 'probability'.");
		}
	}
}
