package org.explaincnn.core;

import java.io.File;
import java.util.List;
import java.util.function.Function;

/**
 * One typed parameter, declared once: key (the macro key and {@code --param} name), kind, default,
 * range or choices, label and help. Dialogs, macro keys, {@code --param} validation, help texts,
 * the JSON manifest and the README table are all made from these declarations.
 *
 * @param <T> Integer, Double, Boolean or String
 */
public final class Param<T> {

	/** How a value is written and checked. */
	public enum Kind {
		/** A whole number within [min, max]. */
		INTEGER,
		/** A finite number within [min, max]. */
		NUMBER,
		/** true or false (a macro checkbox: the key present means true). */
		BOOLEAN,
		/** One of the choices, case-insensitive. */
		CHOICE,
		/** One of the choices, or an existing file (or folder, where {@link #folderAllowed}). */
		CHOICE_OR_PATH,
		/** Free text, checked by the declaration's own rule if it has one. */
		TEXT
	}

	public final String key;
	public final Kind kind;
	public final T defaultValue;
	/** Inclusive bounds of INTEGER and NUMBER parameters. */
	public final double min, max;
	/** The allowed words of CHOICE and CHOICE_OR_PATH parameters; empty otherwise. */
	public final List<String> choices;
	/** CHOICE_OR_PATH: a folder is accepted as well as a file. */
	public final boolean folderAllowed;
	/** Dialog label. */
	public final String label;
	/** One sentence of help, for --help, --list-methods, dialogs and the README. */
	public final String help;
	private final Function<String, String> check;

	private Param(String key, Kind kind, T defaultValue, double min, double max,
		List<String> choices, boolean folderAllowed, String label, String help,
		Function<String, String> check)
	{
		this.key = key;
		this.kind = kind;
		this.defaultValue = defaultValue;
		this.min = min;
		this.max = max;
		this.choices = List.copyOf(choices);
		this.folderAllowed = folderAllowed;
		this.label = label;
		this.help = help;
		this.check = check;
	}

	public static Param<Integer> integer(String key, int defaultValue, int min, int max,
		String label, String help)
	{
		return new Param<>(key, Kind.INTEGER, defaultValue, min, max, List.of(), false, label, help,
			null);
	}

	public static Param<Double> number(String key, double defaultValue, double min, double max,
		String label, String help)
	{
		return new Param<>(key, Kind.NUMBER, defaultValue, min, max, List.of(), false, label, help,
			null);
	}

	public static Param<Boolean> flag(String key, boolean defaultValue, String label, String help) {
		return new Param<>(key, Kind.BOOLEAN, defaultValue, 0, 1, List.of(), false, label, help,
			null);
	}

	public static Param<String> choice(String key, String defaultValue, List<String> choices,
		String label, String help)
	{
		return new Param<>(key, Kind.CHOICE, defaultValue, 0, 0, choices, false, label, help, null);
	}

	/** One of the words, or a path to an existing image file (and a folder if allowed). */
	public static Param<String> choiceOrPath(String key, String defaultValue, List<String> choices,
		boolean folderAllowed, String label, String help)
	{
		return new Param<>(key, Kind.CHOICE_OR_PATH, defaultValue, 0, 0, choices, folderAllowed,
			label, help, null);
	}

	/**
	 * Free text; {@code check} returns null for a good value, else what is wrong with it (a phrase,
	 * e.g. "names no layer"), or may be null itself.
	 */
	public static Param<String> text(String key, String defaultValue, String label, String help,
		Function<String, String> check)
	{
		return new Param<>(key, Kind.TEXT, defaultValue, 0, 0, List.of(), false, label, help, check);
	}

	/**
	 * The typed value of a user's text, or a one-line {@link ExplainException} naming the
	 * parameter, the value and what is allowed.
	 */
	@SuppressWarnings("unchecked")
	public T parse(String raw) {
		String v = raw == null ? "" : raw.strip();
		switch (kind) {
			case INTEGER: {
				long n;
				try {
					double d = Double.parseDouble(v);
					if (d != Math.rint(d) || Double.isInfinite(d)) throw new NumberFormatException();
					n = (long) d;
				}
				catch (NumberFormatException e) {
					throw bad(raw, "a whole number " + allowed());
				}
				if (n < min || n > max) throw bad(raw, "a whole number " + allowed());
				return (T) Integer.valueOf((int) n);
			}
			case NUMBER: {
				double d;
				try {
					d = Double.parseDouble(v);
				}
				catch (NumberFormatException e) {
					throw bad(raw, "a number " + allowed());
				}
				if (!Double.isFinite(d) || d < min || d > max) throw bad(raw, "a number " + allowed());
				return (T) Double.valueOf(d);
			}
			case BOOLEAN:
				if (v.equalsIgnoreCase("true") || v.equals("1") || v.equalsIgnoreCase("yes") || v
					.equalsIgnoreCase("on")) return (T) Boolean.TRUE;
				if (v.equalsIgnoreCase("false") || v.equals("0") || v.equalsIgnoreCase("no") || v
					.equalsIgnoreCase("off")) return (T) Boolean.FALSE;
				throw bad(raw, "true or false");
			case CHOICE:
				for (String c : choices)
					if (c.equalsIgnoreCase(v)) return (T) c;
				throw bad(raw, allowed());
			case CHOICE_OR_PATH: {
				for (String c : choices)
					if (c.equalsIgnoreCase(v)) return (T) c;
				File f = new File(v);
				if (!v.isEmpty() && (f.isFile() || (folderAllowed && f.isDirectory()))) return (T) v;
				if (!v.isEmpty() && f.isDirectory()) throw bad(raw, allowed() +
					" (a folder is not accepted here)");
				throw bad(raw, allowed());
			}
			default: {
				String problem = check == null ? null : check.apply(v);
				if (problem != null) throw new ExplainException("Parameter " + key + "=" + raw + " " +
					problem + (help.isEmpty() ? "." : "; " + help));
				return (T) v;
			}
		}
	}

	private ExplainException bad(String raw, String allowed) {
		return new ExplainException("Parameter " + key + "=" + raw + " is not allowed; " + key +
			" takes " + allowed + ".");
	}

	/** What is allowed, e.g. "from 1 to 100000" or "one of black, white, blur, noise". */
	public String allowed() {
		switch (kind) {
			case INTEGER:
				return "from " + (long) min + " to " + (long) max;
			case NUMBER:
				return "from " + format(min) + " to " + format(max);
			case BOOLEAN:
				return "true or false";
			case CHOICE:
				return "one of " + String.join(", ", choices);
			case CHOICE_OR_PATH:
				return "one of " + String.join(", ", choices) + " or an image file" + (folderAllowed
					? " or a folder of images" : "");
			default:
				return "text";
		}
	}

	/** The value as a user types it (default formatting for dialogs and tables). */
	public String format(Object value) {
		if (value instanceof Double) return format(((Double) value).doubleValue());
		return String.valueOf(value);
	}

	private static String format(double d) {
		if (d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString((long) d);
		return Double.toString(d);
	}

	/** The default as text. */
	public String defaultText() {
		return format(defaultValue);
	}

	@Override
	public String toString() {
		return key + "=" + defaultText() + " (" + allowed() + ")";
	}

	/** Keys compare case-insensitively, as ImageJ's macro options do. */
	public boolean hasKey(String k) {
		return key.equalsIgnoreCase(k.strip());
	}
}
