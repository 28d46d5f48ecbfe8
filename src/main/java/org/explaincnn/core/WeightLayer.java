package org.explaincnn.core;

import java.util.List;

/**
 * A layer with trainable weights (a convolution or a dense layer) on the path from the input to
 * the scores: the op that applies them and the tensors the graph reads its weights from (the
 * kernel, and the bias of a bias add right after it). These are the tensors a weight override
 * replaces ({@link ReweightedModel}).
 */
public record WeightLayer(String name, String opType, List<Tensor> tensors) {

	/** One weight tensor: its graph name ("op:0"), shape and role ("kernel" or "bias"). */
	public record Tensor(String name, long[] shape, String role) {

		/** Number of values. */
		public int size() {
			long n = 1;
			for (long d : shape)
				n *= d;
			return Math.toIntExact(n);
		}
	}

	public WeightLayer {
		tensors = List.copyOf(tensors);
	}
}
