package org.explaincnn.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removing folders with what they hold (temporary and damaged cache folders, scratch space). */
public final class FileTrees {

	private FileTrees() {}

	/** Deletes a folder and everything in it, deepest first; best effort (what remains stays). */
	public static void delete(Path root) {
		if (!Files.exists(root)) return;
		try (Stream<Path> walk = Files.walk(root)) {
			walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
		}
		catch (IOException ignored) {
			// best effort: a folder we cannot walk is left for the next clean-up
		}
	}
}
