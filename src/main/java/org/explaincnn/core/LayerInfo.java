package org.explaincnn.core;

import java.util.Arrays;

/** A spatial feature map of the model that methods can target. */
public final class LayerInfo {

	/** Tensor name as the user types it: the op name, or "op:index" for outputs other than 0. */
	public final String name;
	public final String opType;
	/** Spatial sizes (outermost first) and channel count, batch excluded. */
	public final int[] spatial;
	public final int channels;
	/** Position in graph order; larger is closer to the output. */
	public final int order;

	public LayerInfo(String name, String opType, int[] spatial, int channels, int order) {
		this.name = name;
		this.opType = opType;
		this.spatial = spatial.clone();
		this.channels = channels;
		this.order = order;
	}

	public int positions() {
		int p = 1;
		for (int s : spatial)
			p *= s;
		return p;
	}

	/** "7x7x512" style. */
	public String shapeText() {
		StringBuilder sb = new StringBuilder();
		for (int s : spatial)
			sb.append(s).append('x');
		return sb.append(channels).toString();
	}

	@Override
	public String toString() {
		return name + " (" + opType + ", " + shapeText() + ")";
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof LayerInfo && ((LayerInfo) o).name.equals(name) && Arrays.equals(
			((LayerInfo) o).spatial, spatial);
	}

	@Override
	public int hashCode() {
		return name.hashCode();
	}
}
