package org.explaincnn.ij.io;

import ij.measure.ResultsTable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.explaincnn.core.Attribution;
import org.explaincnn.core.Explanation;
import org.explaincnn.core.FeatureMask;

/**
 * The per-feature values of a method that switches feature groups off (feature ablation, LIME,
 * KernelSHAP), from
 * its attributions' {@link FeatureMask#DETAIL}: as {@code <stem>.<method>.features.csv} (written
 * whole or not at all, like every result file) and as an ImageJ Results table. One row per class
 * and feature: class, feature id, name (the ROI's name or "label V"), attribution, pixel count.
 */
public final class FeatureTable {

	public static final String CSV_SUFFIX = ".features.csv";
	public static final String HEADER = "class,feature,name,attribution,pixels";

	private FeatureTable() {}

	/** True if the explanation has per-feature values. */
	public static boolean has(Explanation e) {
		return e.attributions.stream().anyMatch(a -> a.details.get(FeatureMask.DETAIL) instanceof List);
	}

	/** The rows of one attribution's features (empty if it has none). */
	static List<Map<?, ?>> rows(Attribution a) {
		List<Map<?, ?>> rows = new ArrayList<>();
		if (a.details.get(FeatureMask.DETAIL) instanceof List) for (Object o : (List<?>) a.details
			.get(FeatureMask.DETAIL))
			rows.add((Map<?, ?>) o);
		return rows;
	}

	public static Path writeCsv(Explanation e, Path csv) throws IOException {
		StringBuilder sb = new StringBuilder(HEADER).append('\n');
		for (Attribution a : e.attributions)
			for (Map<?, ?> row : rows(a))
				sb.append(ResultCsv.quote(a.label)).append(',').append(row.get("id")).append(',').append(
					ResultCsv.quote(String.valueOf(row.get("name")))).append(',').append(String.format(
						Locale.ROOT, "%.9g", ((Number) row.get("attribution")).doubleValue())).append(',')
					.append(row.get("pixels")).append('\n');
		byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
		return AtomicFiles.write(csv, out -> out.write(bytes));
	}

	/** The same rows as an ImageJ Results table. */
	public static ResultsTable resultsTable(Explanation e) {
		ResultsTable rt = new ResultsTable();
		for (Attribution a : e.attributions)
			for (Map<?, ?> row : rows(a)) {
				rt.incrementCounter();
				rt.addValue("class", a.label);
				rt.addValue("feature", ((Number) row.get("id")).doubleValue());
				rt.addValue("name", String.valueOf(row.get("name")));
				rt.addValue("attribution", ((Number) row.get("attribution")).doubleValue());
				rt.addValue("pixels", ((Number) row.get("pixels")).doubleValue());
			}
		rt.setDecimalPlaces(rt.getColumnIndex("attribution"), 6);
		return rt;
	}
}
