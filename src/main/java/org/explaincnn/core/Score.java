package org.explaincnn.core;

import java.util.Locale;

/** Which output a class score is read from. */
public enum Score {
	/** Pre-softmax score: the default, as the Grad-CAM paper uses. */
	LOGIT,
	/** Softmax probability. */
	PROBABILITY;

	public static Score parse(String text) {
		switch (text.strip().toLowerCase(Locale.ROOT)) {
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
