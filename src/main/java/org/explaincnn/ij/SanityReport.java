package org.explaincnn.ij;

import ij.ImagePlus;
import ij.gui.Plot;
import ij.measure.ResultsTable;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.TargetSpec;
import org.explaincnn.ij.io.AtomicFiles;
import org.explaincnn.ij.io.ResultCsv;
import org.explaincnn.metrics.Evaluation;
import org.explaincnn.metrics.SanityCheck;
import org.explaincnn.methods.Methods;

/**
 * The sanity check for a job (the Sanity Check command and {@code --sanity}) and its outputs: the
 * steps as CSV ({@code <stem>.<method>.sanity.csv}), a plot of the correlations against the number
 * of randomised layers ({@code .sanity.png}) and rows of a Results table.
 */
public final class SanityReport {

	public static final String CSV_HEADER = "layer,depth,spearman_abs,spearman_signed,ssim";

	private SanityReport() {}

	/**
	 * The job's method on the image for the target's first class (found on the trained model),
	 * with the top {@code layers} weight layers randomised in turn (0: all), seeded by the job's
	 * seed.
	 */
	public static SanityCheck.Result check(ExplainableModel model, PreparedImage image,
		ExplainJob job, int layers, ExplainOptions.ProgressListener progress,
		BooleanSupplier cancelled)
	{
		AttributionMethod method = Methods.byName(job.method);
		int cls = Evaluation.classes(model, image, TargetSpec.parse(job.target))[0];
		return SanityCheck.of(model, image, method, cls, ImageExplainer.options(job, method, image,
			progress, cancelled), layers);
	}

	/** One row per step: the last layer randomised, how many, and the three similarities. */
	public static Path writeCsv(Path csv, SanityCheck.Result r) throws IOException {
		return AtomicFiles.write(csv, out -> {
			PrintWriter w = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
			w.println(CSV_HEADER);
			for (SanityCheck.Step s : r.steps())
				w.println(String.join(",", ResultCsv.quote(s.layer()), String.valueOf(s.depth()),
					EvaluationReport.number(s.spearmanAbsolute()), EvaluationReport.number(s
						.spearmanSigned()), EvaluationReport.number(s.ssim())));
			w.flush();
		});
	}

	/**
	 * Similarity to the original map against the number of top layers randomised (0: the trained
	 * model, 1 by definition), with the pass line.
	 */
	public static ImagePlus plot(String title, SanityCheck.Result r) {
		List<SanityCheck.Step> steps = r.steps();
		int n = steps.size() + 1;
		double[] depth = new double[n], abs = new double[n], signed = new double[n], ssim =
			new double[n];
		depth[0] = 0;
		abs[0] = signed[0] = ssim[0] = 1;
		double low = 0;
		for (int i = 1; i < n; i++) {
			SanityCheck.Step s = steps.get(i - 1);
			depth[i] = s.depth();
			abs[i] = s.spearmanAbsolute();
			signed[i] = s.spearmanSigned();
			ssim[i] = s.ssim();
			low = Math.min(low, Math.min(abs[i], Math.min(signed[i], ssim[i])));
		}
		Plot plot = new Plot(title, "top weight layers randomised", "similarity to the original map");
		plot.setLimits(0, Math.max(1, n - 1), Math.max(-1, low - 0.05), 1.05);
		plot.setLineWidth(2);
		plot.setColor(Color.red);
		plot.add("connected circle", depth, abs);
		plot.setColor(Color.blue);
		plot.add("connected circle", depth, signed);
		plot.setColor(new Color(0, 140, 0));
		plot.add("connected circle", depth, ssim);
		plot.setColor(Color.gray);
		plot.setLineWidth(1);
		plot.add("line", new double[] { 0, Math.max(1, n - 1) }, new double[] {
			SanityCheck.PASS_BELOW, SanityCheck.PASS_BELOW });
		plot.setColor(Color.black);
		plot.addLegend("Spearman (absolute maps)\nSpearman (signed maps)\nSSIM\npass line");
		return plot.getImagePlus();
	}

	/** One row per step in a Results table. */
	public static void addRows(ResultsTable t, String image, SanityCheck.Result r) {
		for (SanityCheck.Step s : r.steps()) {
			t.incrementCounter();
			t.addValue("Image", image);
			t.addValue("Method", r.method());
			t.addValue("Label", r.label());
			t.addValue("Layer", s.layer());
			t.addValue("Depth", s.depth());
			t.addValue("Spearman abs", s.spearmanAbsolute());
			t.addValue("Spearman signed", s.spearmanSigned());
			t.addValue("SSIM", s.ssim());
		}
	}
}
