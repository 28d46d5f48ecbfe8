package org.explaincnn.ij.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import ij.ImagePlus;

import org.explaincnn.core.Concepts;
import org.explaincnn.ij.render.ConceptRenderer;

/**
 * The files Deep Feature Factorization adds to the usual ones (the heatmap TIFF is its label image,
 * the overlay PNG has the legend, the ROI zip one ROI per concept): {@code <base>.concepts.tif}, the
 * per-concept maps as a K-slice 32-bit stack, and {@code <base>.concepts.csv}, one row per concept
 * with its area and its top classes and probabilities. Both written atomically.
 */
public final class ConceptFiles {

	private ConceptFiles() {}

	/** Writes both files next to the others ({@code base} = stem.method); returns them. */
	public static List<Path> write(Concepts concepts, ImagePlus heatmap, Path outDir, String base)
		throws IOException
	{
		List<Path> written = new ArrayList<>();
		written.add(ResultFiles.writeHeatmap(ConceptRenderer.conceptStack(concepts, heatmap), outDir
			.resolve(base + ".concepts.tif")));
		Path csv = outDir.resolve(base + ".concepts.csv");
		byte[] text = csv(concepts).getBytes(StandardCharsets.UTF_8);
		written.add(AtomicFiles.write(csv, out -> out.write(text)));
		return written;
	}

	/** The folder-level file of concepts shared by several images (scope=folder). */
	public static final String FOLDER_FILE = "dff.concepts.csv";

	/**
	 * {@link #FOLDER_FILE}: concept,name,label_1,probability_1,...,then the concept's area fraction
	 * in each image (a column per image, headed by its result name; empty where it failed), one row
	 * per shared concept. Written atomically; returns the file.
	 */
	public static Path writeFolder(Concepts shared, List<String> images, List<double[]> areas,
		Path outDir) throws IOException
	{
		int k = shared.concepts.isEmpty() ? 0 : shared.concepts.get(0).labels.length;
		StringBuilder s = new StringBuilder("concept,name");
		for (int i = 1; i <= k; i++)
			s.append(",label_").append(i).append(",").append(shared.score).append("_").append(i);
		for (String image : images)
			s.append(",").append(ResultCsv.quote("area_" + image));
		s.append('\n');
		for (Concepts.Concept c : shared.concepts) {
			s.append(c.number).append(',').append(ResultCsv.quote(c.name()));
			for (int i = 0; i < c.labels.length; i++)
				s.append(',').append(ResultCsv.quote(c.labels[i])).append(',').append(String.format(
					Locale.ROOT, "%.6f", c.scores[i]));
			for (double[] a : areas)
				s.append(',').append(a == null ? "" : String.format(Locale.ROOT, "%.6f", a[c.number -
					1]));
			s.append('\n');
		}
		byte[] text = s.toString().getBytes(StandardCharsets.UTF_8);
		return AtomicFiles.write(outDir.resolve(FOLDER_FILE), out -> out.write(text));
	}

	/**
	 * concept,name,area,label_1,probability_1,...,label_k,probability_k: the concept's number (its
	 * value in the label image), its name as on the ROI, the fraction of the image it labels.
	 */
	static String csv(Concepts concepts) {
		int k = concepts.concepts.isEmpty() ? 0 : concepts.concepts.get(0).labels.length;
		StringBuilder s = new StringBuilder("concept,name,area");
		for (int i = 1; i <= k; i++)
			s.append(",label_").append(i).append(",").append(concepts.score).append("_").append(i);
		s.append('\n');
		for (Concepts.Concept c : concepts.concepts) {
			s.append(c.number).append(',').append(ResultCsv.quote(c.name())).append(',').append(String
				.format(Locale.ROOT, "%.6f", c.area));
			for (int i = 0; i < c.labels.length; i++)
				s.append(',').append(ResultCsv.quote(c.labels[i])).append(',').append(String.format(
					Locale.ROOT, "%.6f", c.scores[i]));
			s.append('\n');
		}
		return s.toString();
	}
}
