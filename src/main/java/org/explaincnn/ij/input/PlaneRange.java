package org.explaincnn.ij.input;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

import org.explaincnn.core.ExplainException;

/**
 * A choice of slices or frames of a stack as typed: {@code all}, one number ({@code 3}), a range
 * ({@code 1-5}) or several joined by commas ({@code 1-3,7}); numbers start at 1, as ImageJ's.
 */
public final class PlaneRange {

	public static final String ALL = "all";

	private PlaneRange() {}

	/** Null when {@code text} is well formed, else what is wrong with it (for the parameter's line). */
	public static String problem(String text) {
		String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
		return t.isEmpty() || t.equals(ALL) || t.matches("\\d+(-\\d+)?(,\\d+(-\\d+)?)*") ? null :
			"is not allowed";
	}

	/**
	 * The chosen positions among 1..n, ascending and distinct. A position beyond n is one line
	 * naming the dimension ({@code what}, e.g. "z") and its size.
	 */
	public static List<Integer> parse(String text, int n, String what) {
		String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
		List<Integer> out = new ArrayList<>();
		if (t.isEmpty() || t.equals(ALL)) {
			for (int i = 1; i <= n; i++)
				out.add(i);
			return out;
		}
		TreeSet<Integer> chosen = new TreeSet<>();
		for (String part : t.split(",")) {
			String[] ends = part.strip().split("-", -1);
			if (ends.length > 2) throw bad(text, what);
			int from = number(ends[0], text, what), to = ends.length == 2 ? number(ends[1], text, what)
				: from;
			if (from < 1 || to < from) throw bad(text, what);
			if (to > n) throw new ExplainException(what + "=" + text + " goes beyond the image's " + n +
				" " + what + " position(s); choose positions from 1 to " + n + " (or all).");
			for (int i = from; i <= to; i++)
				chosen.add(i);
		}
		out.addAll(chosen);
		return out;
	}

	private static int number(String s, String text, String what) {
		try {
			return Integer.parseInt(s.strip());
		}
		catch (NumberFormatException e) {
			throw bad(text, what);
		}
	}

	private static ExplainException bad(String text, String what) {
		return new ExplainException("Parameter " + what + "=" + text + " is not allowed; " + what +
			" takes all, a position (3), a range (1-5) or several joined by commas (1-3,7).");
	}
}
