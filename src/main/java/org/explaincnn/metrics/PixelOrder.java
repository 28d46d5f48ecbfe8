package org.explaincnn.metrics;

import java.util.Arrays;

/** Pixels ranked by a map: the most relevant first. */
public final class PixelOrder {

	private PixelOrder() {}

	/**
	 * Pixel indices by descending map value; ties keep index order (so an order repeats bit for
	 * bit) and NaN counts as the least relevant. Sorted as primitive keys: no boxing per pixel.
	 */
	public static int[] descending(float[] map) {
		long[] keys = new long[map.length];
		for (int i = 0; i < map.length; i++) {
			float v = Float.isNaN(map[i]) ? Float.NEGATIVE_INFINITY : map[i] + 0f; // -0 -> +0
			int bits = Float.floatToIntBits(v);
			int ascending = bits < 0 ? bits ^ 0x7fffffff : bits; // int order = float order
			keys[i] = ((long) ~ascending << 32) | i; // ~ reverses the order without overflow
		}
		Arrays.sort(keys);
		int[] order = new int[map.length];
		for (int i = 0; i < map.length; i++)
			order[i] = (int) keys[i];
		return order;
	}
}
