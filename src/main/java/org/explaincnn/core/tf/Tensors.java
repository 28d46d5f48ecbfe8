package org.explaincnn.core.tf;

import org.tensorflow.types.TFloat32;

/** Copies between TensorFlow tensors and Java arrays, and layout changes. */
final class Tensors {

	private Tensors() {}

	static float[] read(TFloat32 t) {
		float[] values = new float[(int) t.size()];
		t.asRawTensor().data().asFloats().read(values);
		return values;
	}

	/** Channels last (batch, positions, channels) to channels first (batch, channels, positions). */
	static float[] channelsLastToFirst(float[] x, int n, int c, int positions) {
		float[] out = new float[x.length];
		for (int b = 0; b < n; b++)
			for (int p = 0; p < positions; p++)
				for (int k = 0; k < c; k++)
					out[(b * c + k) * positions + p] = x[(b * positions + p) * c + k];
		return out;
	}

	/** Channels first (batch, channels, positions) to channels last (batch, positions, channels). */
	static float[] channelsFirstToLast(float[] x, int n, int c, int positions) {
		float[] out = new float[x.length];
		for (int b = 0; b < n; b++)
			for (int k = 0; k < c; k++)
				for (int p = 0; p < positions; p++)
					out[(b * positions + p) * c + k] = x[(b * c + k) * positions + p];
		return out;
	}
}
