package org.explaincnn.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Class names of a model, and the resolution of user-typed class names to indices. */
public final class Labels {

	private final List<String> names;

	public Labels(List<String> names) {
		this.names = Collections.unmodifiableList(new ArrayList<>(names));
	}

	/** Names "class 0" .. "class n-1" for models without a labels file. */
	public static Labels numbered(int count) {
		List<String> names = new ArrayList<>(count);
		for (int i = 0; i < count; i++)
			names.add("class " + i);
		return new Labels(names);
	}

	/** Reads one class per line; an "index:" prefix (as in TF-Slim's labels.txt) is dropped. */
	public static Labels read(Path file) {
		try {
			List<String> names = new ArrayList<>();
			for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
				String name = line.strip();
				if (name.isEmpty()) continue;
				int colon = name.indexOf(':');
				if (colon > 0 && name.substring(0, colon).chars().allMatch(Character::isDigit)) {
					name = name.substring(colon + 1).strip();
				}
				names.add(name);
			}
			return new Labels(names);
		}
		catch (IOException e) {
			throw new ExplainException("Cannot read labels file " + file + " (" + e.getMessage() +
				").");
		}
	}

	public int size() {
		return names.size();
	}

	public String name(int index) {
		return names.get(index);
	}

	/** A short form for titles and file names: the first synonym ("tabby, tabby cat" -> "tabby"). */
	public String shortName(int index) {
		String n = names.get(index);
		int comma = n.indexOf(',');
		return comma > 0 ? n.substring(0, comma).strip() : n;
	}

	public List<String> names() {
		return names;
	}

	/**
	 * Finds a class by name, case-insensitively: an exact match of the whole label or one of its
	 * comma-separated synonyms wins; otherwise a prefix that matches exactly one class.
	 */
	public int indexOf(String query) {
		String q = query.strip().toLowerCase(Locale.ROOT);
		if (q.isEmpty()) throw new ExplainException("Empty class name; give a label such as '" +
			shortName(Math.min(1, size() - 1)) + "' or a class index.");
		List<Integer> exact = new ArrayList<>();
		List<Integer> prefix = new ArrayList<>();
		for (int i = 0; i < names.size(); i++) {
			String full = names.get(i).toLowerCase(Locale.ROOT);
			boolean isExact = full.equals(q);
			boolean isPrefix = full.startsWith(q);
			for (String synonym : full.split(",")) {
				String s = synonym.strip();
				isExact |= s.equals(q);
				isPrefix |= s.startsWith(q);
			}
			if (isExact) exact.add(i);
			else if (isPrefix) prefix.add(i);
		}
		if (exact.size() == 1) return exact.get(0);
		List<Integer> candidates = exact.isEmpty() ? prefix : exact;
		if (candidates.size() == 1) return candidates.get(0);
		if (candidates.isEmpty()) throw new ExplainException("Unknown class '" + query +
			"'; use a label of the model (see Model Info or --list-classes) or a class index 0.." +
			(size() - 1) + ".");
		StringBuilder some = new StringBuilder();
		for (int i = 0; i < Math.min(4, candidates.size()); i++)
			some.append(i == 0 ? "" : ", ").append("'").append(names.get(candidates.get(i))).append(
				"' (" + candidates.get(i) + ")");
		throw new ExplainException("Class '" + query + "' is ambiguous: " + candidates.size() +
			" classes match, e.g. " + some + "; type more of the name or use the index.");
	}
}
