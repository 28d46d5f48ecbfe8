package org.explaincnn.ij.io;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;

/**
 * The name each input's results are written under ({@code <name>.<method>.<what>}). The common
 * case keeps the stem ({@code cell.png} -> {@code cell.gradcam.*}); inputs of one run that share
 * a stem ({@code cell.png}, {@code cell.tif}) all keep their extension instead ({@code
 * cell.png.gradcam.*}, {@code cell.tif.gradcam.*}), whatever their order; the same file name from
 * two folders gets {@code -2}, {@code -3} in input order. No two inputs share a name.
 */
public final class ResultNames {

	/** Files this project writes, so that explaining a folder does not explain earlier results. */
	private static final Pattern RESULT = Pattern.compile(
		".*\\.[a-z0-9_-]+\\.(heatmap\\.tif|overlay\\.png|panel\\.png)$");

	private ResultNames() {}

	public static String stem(Path file) {
		return file.getFileName().toString().replaceFirst("\\.[^.]+$", "");
	}

	/** True for a file named like one of our results (or a temporary of one). */
	public static boolean isResult(Path file) {
		String name = file.getFileName().toString();
		return name.startsWith(AtomicFiles.TEMPORARY_PREFIX) || RESULT.matcher(name.toLowerCase(
			Locale.ROOT)).matches();
	}

	/** Each input's result name, in input order. */
	public static Map<Path, String> of(List<Path> inputs) {
		Map<String, Integer> stems = new HashMap<>();
		for (Path p : inputs)
			stems.merge(key(stem(p)), 1, Integer::sum);
		Map<Path, String> names = new LinkedHashMap<>();
		Set<String> taken = new HashSet<>();
		for (Path p : inputs) {
			String name = stems.get(key(stem(p))) > 1 ? p.getFileName().toString() : stem(p);
			String unique = name;
			for (int k = 2; !taken.add(key(unique)); k++)
				unique = name + "-" + k;
			names.put(p, unique);
		}
		return names;
	}

	/**
	 * The name for one image saved on its own (a dialog or a macro with output=): the stem, unless
	 * the folder holds results of that name made from another input file (their JSON says which),
	 * as for {@code cell.tif} after {@code cell.png}; then the file name ({@code cell.tif}), then
	 * {@code -2}, {@code -3}. Results of the same input are replaced (the user asked to save).
	 */
	public static String forInput(Path outDir, String title, String method, String inputFile) {
		String stem = title.replaceFirst("\\.[^.]+$", "");
		List<String> candidates = List.of(stem, title);
		for (int k = 0;; k++) {
			String name = k < candidates.size() ? candidates.get(k) : title + "-" + k;
			String owner = owner(outDir.resolve(name + "." + method + ".json"));
			boolean taken = owner != null ? !owner.equals(inputFile) : Files.exists(outDir.resolve(
				name + "." + method + ".heatmap.tif"));
			if (!taken) return name;
		}
	}

	/** The input a result's JSON names, or null if there is none to read. */
	private static String owner(Path json) {
		if (!Files.isRegularFile(json)) return null;
		try (Reader r = Files.newBufferedReader(json, StandardCharsets.UTF_8)) {
			JsonElement input = JsonParser.parseReader(r).getAsJsonObject().get("input");
			return input == null || input.isJsonNull() ? "" : input.getAsString();
		}
		catch (IOException | RuntimeException e) {
			return ""; // unreadable: not ours to replace
		}
	}

	/** Case-folded: on macOS and Windows cell.png and Cell.tif write the same files. */
	private static String key(String name) {
		return name.toLowerCase(Locale.ROOT);
	}
}
