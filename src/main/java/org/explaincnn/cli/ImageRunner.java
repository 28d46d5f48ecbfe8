package org.explaincnn.cli;

import ij.IJ;
import ij.ImagePlus;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.explaincnn.core.Attribution;
import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.ij.ExplainResult;
import org.explaincnn.ij.ImageExplainer;
import org.explaincnn.ij.ModelCache;
import org.explaincnn.ij.ModelInfo;
import org.explaincnn.methods.Methods;

/** The main job: explain image files and write heatmap, overlay, ROIs (and JSON) per image. */
final class ImageRunner {

	private ImageRunner() {}

	/** Writes one image's files and prints its line(s). */
	private static void report(ExplainCli.Options o, ExplainableModel model, Path p, ImagePlus imp,
		ExplainResult r, PrintStream out)
	{
		String stem = p.getFileName().toString().replaceFirst("\\.[^.]+$", "");
		try {
			ImageExplainer.save(r, o.job, o.out, stem, o.json, p.toAbsolutePath().toString());
			if (o.panel && !new ij.io.FileSaver(ImageExplainer.panel(imp, r, o.job.lut)).saveAsPng(o.out
				.resolve(stem + "." + r.explanation.method + ".panel.png").toString()))
				throw new java.io.IOException("cannot write the panel");
		}
		catch (java.io.IOException e) {
			throw new ExplainException("Cannot write results to " + o.out + " (" + e.getMessage() +
				"); choose a writable --out folder.");
		}
		int best = r.explanation.top[0];
		for (Attribution a : r.explanation.attributions)
			out.printf(Locale.ROOT, "%-16s top: %s (%.3f)  target: %s (%d, p=%.3f)  layer: %s  %.0f ms%n",
				p.getFileName(), model.spec().labels.shortName(best), r.explanation.probabilities[best],
				model.spec().labels.shortName(a.classIndex), a.classIndex, a.probability, a.layer == null
					? "-" : a.layer, r.explanation.totalMs);
	}

	static int run(ExplainCli.Options o, PrintStream out, PrintStream err) {
		if (o.listMethods) {
			for (AttributionMethod m : Methods.all())
				out.printf(Locale.ROOT, "%-16s %s%s%n", m.id(), m.title(), m.parameters().isEmpty() ? ""
					: "  params " + m.parameters());
			return 0;
		}
		if (o.job.model == null) o.job.model = ExplainCli.home().resolve(
			"sample-models/mobilenet_v1_0.50_224");
		Methods.byName(o.job.method); // fail fast on a typo
		if (o.listClasses) {
			ExplainableModel m = ModelCache.get(o.job.model);
			for (int k = 0; k < m.spec().classes; k++)
				out.printf(Locale.ROOT, "%5d  %s%n", k, m.spec().labels.name(k));
			return 0;
		}
		if (o.listLayers) {
			ExplainableModel m = ModelCache.get(o.job.model);
			out.print(ModelInfo.describe(m, null, false));
			return 0;
		}
		List<Path> images = o.images.isEmpty() ? ExplainCli.sampleImages() : o.images;
		for (Path p : images)
			if (!Files.isRegularFile(p)) throw new ExplainException("Image not found: " + p +
				"; pass existing image files.");
		ExplainableModel model = ModelCache.get(o.job.model);
		// Images go through the model in chunks of the batch size; only one chunk is open at a time.
		for (int from = 0; from < images.size(); from += o.job.batchSize) {
			List<Path> chunk = images.subList(from, Math.min(images.size(), from + o.job.batchSize));
			List<ImagePlus> imps = new java.util.ArrayList<>();
			for (Path p : chunk) {
				ImagePlus imp = IJ.openImage(p.toString());
				if (imp == null) throw new ExplainException("Cannot read image " + p +
					" (not an image format ImageJ opens); convert it to PNG or TIFF.");
				imps.add(imp);
			}
			List<ExplainResult> results = ImageExplainer.explainAll(imps, o.job, line -> err.println(
				"  " + line), (done, total) -> {}, () -> false);
			for (int i = 0; i < chunk.size(); i++)
				report(o, model, chunk.get(i), imps.get(i), results.get(i), out);
			imps.forEach(ImagePlus::close);
		}
		out.println("Results in " + o.out.toAbsolutePath());
		return 0;
	}

}
