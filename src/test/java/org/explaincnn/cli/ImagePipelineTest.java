package org.explaincnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.explaincnn.TestData;
import org.explaincnn.ij.ExplainJob;
import org.explaincnn.ij.ExplainResult;
import org.explaincnn.ij.ImageExplainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line's overlapped reader, TensorFlow runs and writer give the files and lines the
 * facade gives one chunk at a time, in input order.
 */
class ImagePipelineTest {

	@TempDir
	Path tmp;

	@Test
	void aFolderInChunksGivesTheFacadesResultsInInputOrder() throws Exception {
		List<String> samples = List.of("both.png", "chelsea.png", "coffee.png", "both.png",
			"coffee.png");
		List<Path> files = new ArrayList<>();
		Path in = Files.createDirectories(tmp.resolve("in"));
		for (int i = 0; i < samples.size(); i++) {
			Path p = in.resolve(i + "_" + samples.get(i));
			Files.copy(TestData.sampleImage(samples.get(i)), p);
			files.add(p);
		}
		Path out = tmp.resolve("out");
		List<String> args = new ArrayList<>();
		files.forEach(p -> args.add(p.toString()));
		args.addAll(List.of("--model", TestData.sampleModel().toString(), "--batch", "2", "--out",
			out.toString()));
		ByteArrayOutputStream stdout = new ByteArrayOutputStream();
		int code = ExplainCli.execute(args.toArray(new String[0]), new PrintStream(stdout, true,
			StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true,
				StandardCharsets.UTF_8));
		assertEquals(0, code);
		List<String> lines = stdout.toString(StandardCharsets.UTF_8).lines().toList();
		assertEquals(files.size() + 1, lines.size(), String.join("\n", lines));
		for (int i = 0; i < files.size(); i++)
			assertTrue(lines.get(i).startsWith(files.get(i).getFileName().toString()), lines.get(i));

		// The facade on the same chunks (2, 2, 1): the same maps and overlay pictures.
		ExplainJob job = new ExplainJob();
		job.model = TestData.sampleModel();
		job.batchSize = 2;
		for (int from = 0; from < files.size(); from += 2) {
			List<Path> chunk = files.subList(from, Math.min(files.size(), from + 2));
			List<ImagePlus> imps = new ArrayList<>();
			chunk.forEach(p -> imps.add(IJ.openImage(p.toString())));
			List<ExplainResult> results = ImageExplainer.explainAll(imps, job, line -> {}, (d, t) -> {},
				() -> false);
			for (int i = 0; i < chunk.size(); i++) {
				String stem = chunk.get(i).getFileName().toString().replace(".png", "");
				ImagePlus tif = IJ.openImage(out.resolve(stem + ".gradcam.heatmap.tif").toString());
				assertArrayEquals((float[]) results.get(i).heatmap.getProcessor().getPixels(),
					(float[]) tif.getProcessor().getPixels(), 0f, stem);
				assertEquals(results.get(i).heatmap.getProp("ExplainCNN.label"), tif.getProp(
					"ExplainCNN.label"), stem);
				ImagePlus png = IJ.openImage(out.resolve(stem + ".gradcam.overlay.png").toString());
				assertArrayEquals((int[]) results.get(i).overlayPreview.getProcessor().getPixels(),
					(int[]) png.getProcessor().getPixels(), stem);
			}
		}
	}
}
