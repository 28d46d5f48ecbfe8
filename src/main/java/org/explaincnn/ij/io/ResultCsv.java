package org.explaincnn.ij.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code explain.csv} in the output folder: one row per explained target, failed or skipped
 * image, with the reason. Rows are appended as whole lines (one write each), so an interrupted
 * run leaves whole rows; a new file starts with the header, an existing one is continued.
 */
public final class ResultCsv {

	public static final String FILE_NAME = "explain.csv";
	public static final String HEADER =
		"file,status,reason,predicted,probability,target,layer,method,ms";

	private final Path file;

	public ResultCsv(Path outDir) throws IOException {
		file = outDir.resolve(FILE_NAME);
		if (!Files.exists(file) || Files.size(file) == 0) AtomicFiles.appendLine(file, HEADER);
	}

	public Path file() {
		return file;
	}

	public void ok(String input, String predicted, double probability, String target, String layer,
		String method, double ms) throws IOException
	{
		row(input, "ok", "", predicted, String.format(Locale.ROOT, "%.6f", probability), target,
			layer, method, String.format(Locale.ROOT, "%.0f", ms));
	}

	public void failed(String input, String reason) throws IOException {
		row(input, "failed", reason, "", "", "", "", "", "");
	}

	public void skipped(String input, String reason) throws IOException {
		row(input, "skipped", reason, "", "", "", "", "", "");
	}

	private void row(String... fields) throws IOException {
		List<String> quoted = new ArrayList<>();
		for (String f : fields)
			quoted.add(quote(f == null ? "" : f));
		AtomicFiles.appendLine(file, String.join(",", quoted));
	}

	/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
	public static String quote(String s) {
		String one = s.replace('\n', ' ').replace('\r', ' ');
		if (one.indexOf(',') < 0 && one.indexOf('"') < 0) return one;
		return '"' + one.replace("\"", "\"\"") + '"';
	}
}
