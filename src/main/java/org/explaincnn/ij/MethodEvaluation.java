package org.explaincnn.ij;

import ij.ImagePlus;
import ij.process.LUT;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.TargetSpec;
import org.explaincnn.ij.io.AtomicFiles;
import org.explaincnn.ij.io.ResultCsv;
import org.explaincnn.metrics.ConfidenceChange;
import org.explaincnn.metrics.DeletionInsertion;
import org.explaincnn.metrics.Evaluation;
import org.explaincnn.metrics.Evaluation.ClassResult;
import org.explaincnn.methods.Methods;

/**
 * Runs the metrics for a job (the Evaluate Explanation and Compare Methods commands, and
 * {@code --evaluate} / {@code --compare}): one method's maps and their figures, or several methods
 * (and a seeded random map as the reference every method should beat) on the same class, ranked.
 */
public final class MethodEvaluation {

	public static final DeletionInsertion.Settings SETTINGS = DeletionInsertion.Settings.DEFAULTS;

	private MethodEvaluation() {}

	/** The job's method on one image: its explanation (made once) and the figures of its maps. */
	public static Evaluation.Evaluated evaluate(ExplainableModel model, PreparedImage image,
		ExplainJob job, boolean[] annotation, ExplainOptions.ProgressListener progress,
		BooleanSupplier cancelled)
	{
		AttributionMethod method = Methods.byName(job.method);
		return Evaluation.of(model, image, method, TargetSpec.parse(job.target), ImageExplainer
			.options(job, method, image, progress, cancelled), SETTINGS, annotation);
	}

	/** Several methods' figures for one image and one class (the target's first). */
	public record Comparison(String image, int classIndex, String label,
		Map<String, ClassResult> byMethod)
	{

		/** The figures without the maps: what a ranking over many images keeps per image. */
		public Comparison withoutMaps() {
			Map<String, ClassResult> slim = new LinkedHashMap<>();
			byMethod.forEach((m, r) -> slim.put(m, new ClassResult(r.classIndex(), r.label(), null, null,
				r.curves(), r.confidence(), r.pointing(), r.massInside(), r.energyInside())));
			return new Comparison(image, classIndex, label, slim);
		}
	}

	/** The methods, checked by name; a list that names none is refused. */
	public static List<AttributionMethod> methods(String list) {
		List<AttributionMethod> out = new ArrayList<>();
		for (String name : list.split(","))
			if (!name.isBlank()) {
				AttributionMethod m = Methods.byName(name.strip());
				if (!out.contains(m)) out.add(m);
			}
		if (out.isEmpty()) throw new ExplainException("No methods to compare; give a list such as " +
			"gradcam,saliency,integratedgradients.");
		return out;
	}

	/**
	 * Every method's map for the target's first class and its figures, plus the random reference
	 * (seeded by the job's seed), keyed by method id.
	 */
	public static Comparison compare(ExplainableModel model, PreparedImage image, String imageName,
		ExplainJob job, List<AttributionMethod> methods, boolean[] annotation,
		ExplainOptions.ProgressListener progress, BooleanSupplier cancelled)
	{
		int cls = Evaluation.classes(model, image, TargetSpec.parse(job.target))[0];
		Map<String, ClassResult> out = new LinkedHashMap<>();
		TargetSpec first = TargetSpec.parse(String.valueOf(cls));
		for (AttributionMethod m : methods)
			out.put(m.id(), Evaluation.of(model, image, m, first, ImageExplainer.options(job, m, image,
				progress, cancelled), SETTINGS, annotation).results().get(0));
		ExplainOptions o = ImageExplainer.options(job, methods.get(0), image, progress, cancelled);
		out.put(Evaluation.RANDOM, Evaluation.ofMap(model, image, cls, Evaluation.randomMap(image,
			job.seed), o, SETTINGS, annotation));
		return new Comparison(imageName, cls, model.spec().labels.name(cls), out);
	}

	/**
	 * A method's figures over the images, with its rank by each criterion (1 = best: lowest
	 * deletion AUC, highest insertion AUC, highest pointing accuracy) and the mean of those ranks.
	 */
	public record Ranking(String method, int images, double deletionAuc, double insertionAuc,
		double pointing, double drop, double increase, int deletionRank, int insertionRank,
		int pointingRank, double meanRank) {}

	/** The methods (random included) ranked over the comparisons, best mean rank first. */
	public static List<Ranking> rank(List<Comparison> comparisons) {
		Map<String, double[]> sums = new LinkedHashMap<>(); // deletion, insertion, pointing, n pointing, n
		Map<String, List<ConfidenceChange.Result>> confidences = new LinkedHashMap<>();
		for (Comparison c : comparisons)
			c.byMethod.forEach((m, r) -> {
				double[] s = sums.computeIfAbsent(m, k -> new double[5]);
				s[0] += r.deletionAuc();
				s[1] += r.insertionAuc();
				if (!Double.isNaN(r.pointing())) {
					s[2] += r.pointing();
					s[3]++;
				}
				s[4]++;
				confidences.computeIfAbsent(m, k -> new ArrayList<>()).add(r.confidence());
			});
		List<String> ids = new ArrayList<>(sums.keySet());
		Map<String, double[]> means = new LinkedHashMap<>();
		for (String m : ids) {
			double[] s = sums.get(m);
			// Drop and increase as ConfidenceChange averages them (images with no score left out).
			double[] confidence = ConfidenceChange.averages(confidences.get(m));
			means.put(m, new double[] { s[0] / s[4], s[1] / s[4], s[3] > 0 ? s[2] / s[3] : Double.NaN,
				confidence[0], confidence[1], s[4] });
		}
		Map<String, Integer> del = ranks(ids, means, 0, true), ins = ranks(ids, means, 1, false),
			point = ranks(ids, means, 2, false);
		List<Ranking> out = new ArrayList<>();
		for (String m : ids) {
			double[] v = means.get(m);
			boolean pointed = !Double.isNaN(v[2]);
			double mean = pointed ? (del.get(m) + ins.get(m) + point.get(m)) / 3.0 : (del.get(m) + ins
				.get(m)) / 2.0;
			out.add(new Ranking(m, (int) v[5], v[0], v[1], v[2], v[3], v[4], del.get(m), ins.get(m),
				pointed ? point.get(m) : 0, mean));
		}
		out.sort(Comparator.comparingDouble(Ranking::meanRank).thenComparingDouble(
			Ranking::deletionAuc));
		return out;
	}

	/** 1-based ranks by one column; ties share the better rank; NaN last. */
	private static Map<String, Integer> ranks(List<String> ids, Map<String, double[]> means,
		int column, boolean lowerIsBetter)
	{
		Map<String, Integer> out = new LinkedHashMap<>();
		for (String m : ids) {
			double v = means.get(m)[column];
			int better = 0;
			for (String other : ids) {
				double o = means.get(other)[column];
				if (Double.isNaN(o)) continue;
				if (Double.isNaN(v) || (lowerIsBetter ? o < v : o > v)) better++;
			}
			out.put(m, better + 1);
		}
		return out;
	}

	public static final String RANKING_HEADER = "rank,method,images,deletion_auc,insertion_auc," +
		"pointing,drop,increase,deletion_rank,insertion_rank,pointing_rank,mean_rank";

	/** The ranking as CSV, written whole. */
	public static Path writeRanking(Path csv, List<Ranking> ranking) throws IOException {
		return AtomicFiles.write(csv, out -> {
			PrintWriter w = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
			w.println(RANKING_HEADER);
			for (int i = 0; i < ranking.size(); i++) {
				Ranking r = ranking.get(i);
				w.println(String.join(",", String.valueOf(i + 1), ResultCsv.quote(r.method()), String.valueOf(r.images()),
					EvaluationReport.number(r.deletionAuc()), EvaluationReport.number(r.insertionAuc()),
					EvaluationReport.number(r.pointing()), EvaluationReport.number(r.drop()),
					EvaluationReport.number(r.increase()), String.valueOf(r.deletionRank()), String.valueOf(
						r.insertionRank()), r.pointingRank() == 0 ? "" : String.valueOf(r.pointingRank()),
					EvaluationReport.number(r.meanRank())));
			}
			w.flush();
		});
	}

	/** The ranking as lines for a terminal or the log. */
	public static List<String> describe(List<Ranking> ranking) {
		List<String> lines = new ArrayList<>();
		lines.add(String.format(Locale.ROOT, "%-4s %-20s %12s %13s %9s %7s %9s", "rank", "method",
			"deletion AUC", "insertion AUC", "pointing", "drop", "increase"));
		for (int i = 0; i < ranking.size(); i++) {
			Ranking r = ranking.get(i);
			lines.add(String.format(Locale.ROOT, "%-4d %-20s %12.4f %13.4f %9s %7.3f %9.3f", i + 1, r
				.method(), r.deletionAuc(), r.insertionAuc(), Double.isNaN(r.pointing()) ? "-" : String
					.format(Locale.ROOT, "%.3f", r.pointing()), r.drop(), r.increase()));
		}
		return lines;
	}

	/** The input and every method's map of one comparison, captioned with the AUCs. */
	public static ImagePlus panel(ImagePlus input, Comparison c, LUT lut) {
		List<String> captions = new ArrayList<>();
		List<float[]> maps = new ArrayList<>();
		c.byMethod.forEach((m, r) -> {
			captions.add(String.format(Locale.ROOT, "%s\ndeletion %.3f  insertion %.3f", m, r.deletionAuc(), r
				.insertionAuc()));
			maps.add(r.originalMap());
		});
		return EvaluationReport.comparePanel(c.image + " (" + c.label + ")", input.getProcessor(),
			captions, maps, lut);
	}
}
