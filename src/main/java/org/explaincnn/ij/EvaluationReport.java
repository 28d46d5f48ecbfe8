package org.explaincnn.ij;

import static org.explaincnn.ij.io.ResultCsv.quote;

import ij.ImagePlus;
import ij.gui.Plot;
import ij.measure.ResultsTable;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import ij.process.LUT;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.explaincnn.core.ExplainException;
import org.explaincnn.ij.io.AtomicFiles;
import org.explaincnn.metrics.Evaluation.ClassResult;
import org.explaincnn.metrics.PerturbationCurve;

/**
 * The figures of an evaluation as a person reads them: the deletion and insertion curves as an
 * ImageJ {@link Plot}, the curves per step as CSV, one summary row per image, method and class
 * (a CSV that runs append to, and a Results table), and a panel of several methods' maps.
 */
public final class EvaluationReport {

	public static final String SUMMARY_FILE = "evaluation.csv";
	public static final String SUMMARY_HEADER = "file,method,target,label,deletion_auc," +
		"insertion_auc,probability,masked_probability,drop,increase,pointing,mass_inside," +
		"energy_inside";

	private EvaluationReport() {}

	/** Probability vs fraction of pixels, deletion in red and insertion in blue, AUCs in the legend. */
	public static ImagePlus curvePlot(String title, ClassResult r) {
		Plot plot = new Plot(title, "fraction of pixels deleted / inserted", "probability of '" +
			r.label() + "'");
		PerturbationCurve d = r.curves().deletion(), in = r.curves().insertion();
		double top = 0;
		for (double v : d.scores)
			top = Math.max(top, v);
		for (double v : in.scores)
			top = Math.max(top, v);
		plot.setLimits(0, 1, 0, top > 0 ? top * 1.05 : 1);
		plot.setColor(Color.red);
		plot.setLineWidth(2);
		plot.add("line", d.fractions, d.scores);
		plot.setColor(Color.blue);
		plot.add("line", in.fractions, in.scores);
		plot.setColor(Color.black);
		plot.addLegend(String.format(Locale.ROOT, "deletion (AUC %.4f)\ninsertion (AUC %.4f)", d.auc,
			in.auc));
		return plot.getImagePlus();
	}

	/** class,label,step,fraction,deletion,insertion: the curves of every class, written whole. */
	public static Path writeCurves(Path csv, List<ClassResult> results) throws IOException {
		return AtomicFiles.write(csv, out -> {
			PrintWriter w = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
			w.println("class,label,step,fraction,deletion,insertion");
			for (ClassResult r : results) {
				PerturbationCurve d = r.curves().deletion(), in = r.curves().insertion();
				for (int i = 0; i < d.fractions.length; i++)
					w.println(String.join(",", String.valueOf(r.classIndex()), quote(r.label()), String
						.valueOf(i), number(d.fractions[i]), number(d.scores[i]), number(in.scores[i])));
			}
			w.flush();
		});
	}

	/** Appends one summary row per class to evaluation.csv in the folder (header on first use). */
	public static void appendSummary(Path outDir, String file, String method, List<ClassResult> rs)
		throws IOException
	{
		Path csv = outDir.resolve(SUMMARY_FILE);
		if (!Files.exists(csv) || Files.size(csv) == 0) AtomicFiles.appendLine(csv, SUMMARY_HEADER);
		for (ClassResult r : rs)
			AtomicFiles.appendLine(csv, String.join(",", quote(file), quote(method), String.valueOf(r
				.classIndex()), quote(r.label()), number(r.deletionAuc()), number(r.insertionAuc()), number(
					r.confidence().original()), number(r.confidence().masked()), number(r.confidence()
						.drop()), r.confidence().increase() ? "1" : "0", Double.isNaN(r.pointing()) ? "" : String.valueOf(
							(int) r.pointing()), number(r
							.massInside()), number(r.energyInside())));
	}

	/** One row per class in a Results table. */
	public static void addRows(ResultsTable t, String image, String method, List<ClassResult> rs) {
		for (ClassResult r : rs) {
			t.incrementCounter();
			t.addValue("Image", image);
			t.addValue("Method", method);
			t.addValue("Class", r.classIndex());
			t.addValue("Label", r.label());
			t.addValue("Deletion AUC", r.deletionAuc());
			t.addValue("Insertion AUC", r.insertionAuc());
			t.addValue("Probability", r.confidence().original());
			t.addValue("Masked probability", r.confidence().masked());
			t.addValue("Drop", r.confidence().drop());
			t.addValue("Increase", r.confidence().increase() ? 1 : 0);
			t.addValue("Pointing", r.pointing());
			t.addValue("Mass inside", r.massInside());
			t.addValue("Energy inside", r.energyInside());
		}
	}

	/**
	 * The input and each map (original size, coloured with the LUT, each scaled to its own range)
	 * side by side, a caption of up to two lines above each.
	 */
	public static ImagePlus comparePanel(String title, ImageProcessor input, List<String> captions,
		List<float[]> maps, LUT lut)
	{
		int w = input.getWidth(), h = input.getHeight(), gap = 4, band = 32;
		ColorProcessor out = new ColorProcessor((maps.size() + 1) * (w + gap) - gap, h + band);
		out.setColor(Color.white);
		out.fill();
		out.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
		out.setAntialiasedText(true);
		out.setColor(Color.black);
		out.insert(input.convertToColorProcessor(), 0, band);
		out.drawString("input", 2, band - 3);
		for (int i = 0; i < maps.size(); i++) {
			FloatProcessor fp = new FloatProcessor(w, h, maps.get(i));
			fp.resetMinAndMax();
			ImageProcessor bytes = fp.convertToByteProcessor(true);
			bytes.setLut(lut);
			int x = (i + 1) * (w + gap);
			out.insert(bytes.convertToColorProcessor(), x, band);
			out.setColor(Color.black);
			String[] lines = captions.get(i).split("\n", 2);
			out.drawString(lines[0], x + 2, band - 17);
			if (lines.length > 1) out.drawString(lines[1], x + 2, band - 3);
		}
		return new ImagePlus(title, out);
	}

	static String number(double v) {
		return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
	}

	/** One line for a failure to write in a folder. */
	public static ExplainException cannotWrite(Path dir, IOException e) {
		return new ExplainException("Cannot write the evaluation to " + dir + " (" + AtomicFiles
			.reason(e) + "); free space or choose a writable --out folder.");
	}
}
