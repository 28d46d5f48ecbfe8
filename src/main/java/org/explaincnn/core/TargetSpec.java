package org.explaincnn.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/** Which classes to explain: top-1, an index, a label name, the top k, or a list of these. */
public final class TargetSpec {

	private final String text;
	private final int topK;

	private TargetSpec(String text, int topK) {
		this.text = text;
		this.topK = topK;
	}

	public static TargetSpec top1() {
		return new TargetSpec("top1", 1);
	}

	public static TargetSpec topK(int k) {
		if (k < 1) throw new ExplainException("top-k must be at least 1, got " + k + ".");
		return new TargetSpec("top" + k, k);
	}

	/**
	 * "top1", "topK" (e.g. top3), a class index, a label (case-insensitive, unique prefix), or
	 * several of these separated by ';' (e.g. "tabby;boxer" to compare classes).
	 */
	public static TargetSpec parse(String text) {
		if (text == null || text.isBlank()) return top1();
		String t = text.strip().toLowerCase(Locale.ROOT);
		if (t.matches("top-?\\d+")) return topK(Integer.parseInt(t.replaceAll("\\D", "")));
		return new TargetSpec(text.strip(), 0);
	}

	public boolean isTopK() {
		return topK > 0;
	}

	public boolean isTopOne() {
		return topK == 1;
	}

	/** Class indices in explanation order. */
	public int[] resolve(float[] scores, Labels labels) {
		int classes = scores.length;
		if (topK > 0) {
			if (topK > classes) throw new ExplainException("top-" + topK + " asked but the model has " +
				classes + " classes.");
			return IntStream.range(0, classes).boxed().sorted(Comparator.comparingDouble(
				(Integer i) -> -scores[i])).limit(topK).mapToInt(Integer::intValue).toArray();
		}
		List<Integer> out = new ArrayList<>();
		for (String part : text.split(";")) {
			String p = part.strip();
			if (p.isEmpty()) continue;
			if (p.matches("\\d+")) {
				int index = Integer.parseInt(p);
				if (index >= classes) throw new ExplainException("Class index " + index +
					" is out of range; this model has classes 0.." + (classes - 1) + ".");
				out.add(index);
			}
			else out.add(labels.indexOf(p));
		}
		if (out.isEmpty()) return resolveTop1(scores);
		return out.stream().mapToInt(Integer::intValue).toArray();
	}

	private static int[] resolveTop1(float[] scores) {
		return new int[] { ExplainableModel.argmax(scores, 0, scores.length) };
	}

	@Override
	public String toString() {
		return text;
	}

	/** Sorted indices of the k best scores (for reporting predictions); no sorting of all. */
	public static int[] best(float[] scores, int k) {
		int n = Math.min(k, scores.length);
		int[] top = new int[n];
		int filled = 0;
		for (int i = 0; i < scores.length; i++) {
			if (filled == n && scores[i] <= scores[top[n - 1]]) continue;
			int at = filled < n ? filled++ : n - 1;
			while (at > 0 && scores[top[at - 1]] < scores[i]) {
				top[at] = top[at - 1];
				at--;
			}
			top[at] = i;
		}
		return top;
	}
}
