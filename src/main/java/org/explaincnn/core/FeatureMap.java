package org.explaincnn.core;

import java.util.Arrays;

/**
 * A batch of spatial feature maps in channels-last order: index = ((b * positions) + p) * channels
 * + k, where p runs over the spatial positions (y, x) or (z, y, x) in row-major order.
 */
public final class FeatureMap {

	public final int batch;
	/** Spatial sizes, outermost first: {height, width} or {depth, height, width}. */
	public final int[] spatial;
	public final int channels;
	public final float[] data;

	public FeatureMap(int batch, int[] spatial, int channels, float[] data) {
		this.batch = batch;
		this.spatial = spatial.clone();
		this.channels = channels;
		this.data = data;
		if (data.length != (long) batch * positions() * channels) throw new IllegalArgumentException(
			"data length " + data.length + " does not match " + this);
	}

	public int positions() {
		int p = 1;
		for (int s : spatial)
			p *= s;
		return p;
	}

	public int height() {
		return spatial[spatial.length - 2];
	}

	public int width() {
		return spatial[spatial.length - 1];
	}

	public float get(int b, int position, int channel) {
		return data[(b * positions() + position) * channels + channel];
	}

	/** Copy of one batch element as a batch of one. */
	public FeatureMap slice(int b) {
		int size = positions() * channels;
		return new FeatureMap(1, spatial, channels, Arrays.copyOfRange(data, b * size, (b + 1) *
			size));
	}

	@Override
	public String toString() {
		return "FeatureMap[" + batch + " x " + Arrays.toString(spatial) + " x " + channels + "]";
	}
}
