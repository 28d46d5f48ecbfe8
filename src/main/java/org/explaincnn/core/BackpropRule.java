package org.explaincnn.core;

/** How gradients pass backwards through ReLUs. */
public enum BackpropRule {
	/** Plain gradients: the true derivative. */
	PLAIN,
	/** Guided backpropagation (Springenberg et al.): only positive gradients through active units. */
	GUIDED,
	/** Deconvnet (Zeiler and Fergus): positive gradients, whatever the forward activation. */
	DECONVNET
}
