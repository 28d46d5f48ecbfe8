package org.explaincnn.ij.io;

import ij.measure.ResultsTable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import org.explaincnn.core.Attribution;
import org.explaincnn.core.Explanation;
import org.explaincnn.core.Labels;

/**
 * One row per explained plane of a stack or frame of a video (one per map when a plane has
 * several): its position, the model's top class and probability, the target with its logit and
 * probability (the logit whatever --score chose, so named), the layer and the time. Shown as a Results table and written as CSV
 * ({@code <stem>.<method>.planes.csv}); a video's rows are appended as whole lines as its frames
 * are explained, so an interrupted run keeps whole rows.
 */
public final class PlaneTable {

	public static final String HEADER =
		"plane,z,t,predicted,probability,target,class,logit,target_probability,layer,ms";

	/** One row; z and t count from 1 (t is the frame number of a video). */
	public record Row(int plane, int z, int t, String predicted, double probability, String target,
		int classIndex, double logit, double targetProbability, String layer, double ms) {}

	private final List<Row> rows = new ArrayList<>();

	/** The rows of one explained plane: one per map. */
	public static List<Row> rows(int plane, int z, int t, Explanation e, Labels labels) {
		List<Row> out = new ArrayList<>();
		int best = e.top[0];
		for (Attribution a : e.attributions)
			out.add(new Row(plane, z, t, labels.shortName(best), e.probabilities[best], labels
				.shortName(a.classIndex), a.classIndex, a.logit, a.probability, a.layer == null ? "" :
					a.layer, e.totalMs));
		return out;
	}

	public void addAll(List<Row> more) {
		rows.addAll(more);
	}

	public List<Row> rows() {
		return Collections.unmodifiableList(rows);
	}

	/** The number of distinct planes with rows. */
	public int planes() {
		return (int) rows.stream().mapToInt(Row::plane).distinct().count();
	}

	/** The rows as a CSV line (RFC 4180 quoting). */
	public static String line(Row r) {
		return String.join(",", Integer.toString(r.plane), Integer.toString(r.z), Integer.toString(
			r.t), ResultCsv.quote(r.predicted), fmt(r.probability), ResultCsv.quote(r.target), Integer
				.toString(r.classIndex), fmt(r.logit), fmt(r.targetProbability), ResultCsv.quote(r.layer),
			String.format(Locale.ROOT, "%.1f", r.ms));
	}

	private static String fmt(double v) {
		return String.format(Locale.ROOT, "%.6f", v);
	}

	/** Writes the whole table (atomically: a complete file or none). */
	public Path write(Path csv) throws IOException {
		StringBuilder sb = new StringBuilder(HEADER).append('\n');
		for (Row r : rows)
			sb.append(line(r)).append('\n');
		return AtomicFiles.write(csv, out -> out.write(sb.toString().getBytes(
			StandardCharsets.UTF_8)));
	}

	/** Appends one row as a whole line, starting the file with the header if it is new. */
	public static void append(Path csv, Row r) throws IOException {
		if (!Files.exists(csv) || Files.size(csv) == 0) AtomicFiles.appendLine(csv, HEADER);
		AtomicFiles.appendLine(csv, line(r));
	}

	/** The rows as an ImageJ Results table (shown by the GUI front ends). */
	public ResultsTable toResultsTable() {
		ResultsTable rt = new ResultsTable();
		for (Row r : rows) {
			rt.incrementCounter();
			rt.addValue("plane", r.plane);
			rt.addValue("z", r.z);
			rt.addValue("t", r.t);
			rt.addValue("predicted", r.predicted);
			rt.addValue("probability", r.probability);
			rt.addValue("target", r.target);
			rt.addValue("class", r.classIndex);
			rt.addValue("logit", r.logit);
			rt.addValue("target probability", r.targetProbability);
			rt.addValue("layer", r.layer);
			rt.addValue("ms", r.ms);
		}
		return rt;
	}
}
