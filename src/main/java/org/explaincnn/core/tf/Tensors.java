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

	static float[] nhwcToNchw(float[] x, int n, int h, int w, int c) {
		float[] out = new float[x.length];
		int hw = h * w;
		for (int b = 0; b < n; b++)
			for (int p = 0; p < hw; p++)
				for (int k = 0; k < c; k++)
					out[(b * c + k) * hw + p] = x[(b * hw + p) * c + k];
		return out;
	}

	static float[] channelsFirstToLast(float[] x, int n, int c, int positions) {
		float[] out = new float[x.length];
		for (int b = 0; b < n; b++)
			for (int k = 0; k < c; k++)
				for (int p = 0; p < positions; p++)
					out[(b * positions + p) * c + k] = x[(b * c + k) * positions + p];
		return out;
	}
}
