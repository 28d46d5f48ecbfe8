package org.explaincnn.ij;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.explaincnn.metrics.ConfidenceChange;
import org.explaincnn.metrics.DeletionInsertion;
import org.explaincnn.metrics.Evaluation.ClassResult;
import org.explaincnn.metrics.PerturbationCurve;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ranking of Compare Methods: means over images, each criterion's direction, mean rank. */
class MethodRankingTest {

	/** A result whose curves are flat at the given heights (AUC = height). */
	static ClassResult result(double deletion, double insertion, double pointing) {
		double[] f = { 0, 1 };
		return new ClassResult(0, "c", null, null, new DeletionInsertion.Curves(new PerturbationCurve(
			f, new double[] { deletion, deletion }), new PerturbationCurve(f, new double[] { insertion,
				insertion })), new ConfidenceChange.Result(1, 0.5, 0.5, false), pointing, 0, 0);
	}

	static MethodEvaluation.Comparison image(double[][] figures) {
		Map<String, ClassResult> m = new LinkedHashMap<>();
		String[] ids = { "a", "b", "c" };
		for (int i = 0; i < ids.length; i++)
			m.put(ids[i], result(figures[i][0], figures[i][1], figures[i][2]));
		return new MethodEvaluation.Comparison("x", 0, "c", m);
	}

	@Test
	void methodsAreRankedByMeanDeletionLowInsertionHighAndPointingHigh() {
		// a: best deletion, worst insertion; b: best insertion and pointing; c: worst at deletion.
		List<MethodEvaluation.Ranking> r = MethodEvaluation.rank(List.of(image(new double[][] { { 0.1,
			0.2, 0 }, { 0.2, 0.6, 1 }, { 0.5, 0.4, 1 } }), image(new double[][] { { 0.1, 0.2, 1 }, {
				0.4, 0.6, 1 }, { 0.5, 0.4, 0 } })));
		assertEquals(List.of("b", "a", "c"), r.stream().map(MethodEvaluation.Ranking::method).toList());
		MethodEvaluation.Ranking b = r.get(0), a = r.get(1), c = r.get(2);
		assertEquals(0.3, b.deletionAuc(), 1e-12, "mean over the images");
		assertEquals(1, a.deletionRank());
		assertEquals(2, b.deletionRank());
		assertEquals(1, b.insertionRank());
		assertEquals(3, a.insertionRank());
		assertEquals(1.0, b.pointing(), 1e-12);
		assertEquals(0.5, a.pointing(), 1e-12);
		assertEquals(1, b.pointingRank());
		assertEquals(2, c.pointingRank(), "ties share the better rank: a and c both point at 0.5");
		assertEquals((2 + 1 + 1) / 3.0, b.meanRank(), 1e-12);
	}

	@Test
	void withoutAnnotationsPointingIsLeftOutOfTheMeanRank() {
		List<MethodEvaluation.Ranking> r = MethodEvaluation.rank(List.of(image(new double[][] { { 0.1,
			0.2, Double.NaN }, { 0.2, 0.6, Double.NaN }, { 0.5, 0.4, Double.NaN } })));
		for (MethodEvaluation.Ranking x : r) {
			assertEquals(0, x.pointingRank());
			assertEquals((x.deletionRank() + x.insertionRank()) / 2.0, x.meanRank(), 1e-12);
		}
	}

	@Test
	void dropAndIncreaseAreConfidenceChangesAveragesImagesWithNoScoreLeftOut() {
		double[] f = { 0, 1 };
		DeletionInsertion.Curves flat = new DeletionInsertion.Curves(new PerturbationCurve(f,
			new double[] { 0, 0 }), new PerturbationCurve(f, new double[] { 0, 0 }));
		List<ConfidenceChange.Result> rs = List.of(new ConfidenceChange.Result(1, 0.4, 0.6, false),
			new ConfidenceChange.Result(0, 0.2, Double.NaN, true)); // no score: no drop
		List<MethodEvaluation.Comparison> images = rs.stream().map(c -> new MethodEvaluation.Comparison(
			"x", 0, "c", Map.of("a", new ClassResult(0, "c", null, null, flat, c, Double.NaN, 0, 0))))
			.toList();
		MethodEvaluation.Ranking a = MethodEvaluation.rank(images).get(0);
		double[] expected = ConfidenceChange.averages(rs);
		assertEquals(0.6, expected[0], 1e-12);
		assertEquals(expected[0], a.drop(), 1e-12, "the NaN drop is not counted as an image");
		assertEquals(expected[1], a.increase(), 1e-12);
	}

	@Test
	void aMethodNameWithALineBreakStaysOnOneCsvLine(@TempDir Path dir)
		throws Exception
	{
		MethodEvaluation.Ranking r = new MethodEvaluation.Ranking("a\nb,c", 1, 0.1, 0.2, Double.NaN,
			0.3, 0, 1, 1, 0, 1);
		Path csv = MethodEvaluation.writeRanking(dir.resolve("compare.csv"), List.of(r));
		List<String> lines = Files.readAllLines(csv);
		assertEquals(2, lines.size(), lines.toString());
		assertTrue(lines.get(1).startsWith("1,\"a b,c\",1,"), lines.get(1));
	}

	@Test
	void aFileNameWithALineBreakStaysOnOneLineOfTheEvaluationCsv(@TempDir Path dir) throws Exception {
		EvaluationReport.appendSummary(dir, "cat\r\ndog.png", "gradcam", List.of(result(0.1, 0.2,
			Double.NaN)));
		List<String> lines = Files.readAllLines(dir.resolve(EvaluationReport.SUMMARY_FILE));
		assertEquals(2, lines.size(), lines.toString());
		assertTrue(lines.get(1).startsWith("cat  dog.png,gradcam,"), lines.get(1));
	}
}
