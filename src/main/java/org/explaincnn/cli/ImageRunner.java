package org.explaincnn.cli;

import ij.ImagePlus;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

import org.explaincnn.core.Attribution;
import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explanation;
import org.explaincnn.core.ModelSpec;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.ij.ExplainResult;
import org.explaincnn.ij.ImageExplainer;
import org.explaincnn.ij.ModelCache;
import org.explaincnn.ij.ModelInfo;
import org.explaincnn.ij.input.Frame;
import org.explaincnn.ij.input.ImageFileSource;
import org.explaincnn.ij.io.ResultFiles;
import org.explaincnn.ij.io.WriterBehind;
import org.explaincnn.ij.render.ExplanationRenderer;
import org.explaincnn.ij.render.RenderOptions;
import org.explaincnn.methods.Methods;

/**
 * The main job: explain image files and write heatmap, overlay, ROIs (and JSON) per image. Three
 * stages overlap: a reader opens and prepares the next images (starting while the model loads),
 * the caller runs TensorFlow on one batch at a time, and a writer behind draws and writes the
 * previous batch and prints its lines in input order. Each stage holds at most one batch.
 */
final class ImageRunner {

	private ImageRunner() {}

	/** Draws and writes one image's files and prints its line(s). */
	private static void report(ExplainCli.Options o, ExplainableModel model, Frame f, Explanation e,
		RenderOptions render, PrintStream out, PrintStream err)
	{
		Path p = f.file;
		String stem = p.getFileName().toString().replaceFirst("\\.[^.]+$", "");
		ImageExplainer.logDetails(e, line -> err.println("  " + line));
		// The input is not shown, so nothing is drawn on it.
		ExplainResult r = ExplanationRenderer.render(f.image, e, model, render);
		try {
			ImageExplainer.save(r, o.job, o.out, stem, o.json, p.toAbsolutePath().toString());
			if (o.panel) ResultFiles.writePng(ExplanationRenderer.panel(f.image, r, render.lut), o.out
				.resolve(stem + "." + e.method + ".panel.png"));
		}
		catch (IOException x) {
			throw new ExplainException("Cannot write results to " + o.out + " (" + x.getMessage() +
				"); choose a writable --out folder.");
		}
		f.image.close();
		int best = e.top[0];
		for (Attribution a : e.attributions)
			out.printf(Locale.ROOT, "%-16s top: %s (%.3f)  target: %s (%d, p=%.3f)  layer: %s  %.0f ms%n",
				p.getFileName(), model.spec().labels.shortName(best), e.probabilities[best],
				model.spec().labels.shortName(a.classIndex), a.classIndex, a.probability, a.layer == null
					? "-" : a.layer, e.totalMs);
	}

	/** The job's model; without it the reader stops (the model's error is the one to report). */
	private static ModelCache.Lease acquireModel(ExplainCli.Options o,
		CompletableFuture<ModelSpec> spec)
	{
		try {
			return ImageExplainer.acquireModel(o.job);
		}
		catch (RuntimeException e) {
			spec.cancel(false);
			throw e;
		}
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
		if (o.listClasses) try (ModelCache.Lease lease = ModelCache.acquire(o.job.model)) {
			ExplainableModel m = lease.model();
			for (int k = 0; k < m.spec().classes; k++)
				out.printf(Locale.ROOT, "%5d  %s%n", k, m.spec().labels.name(k));
			return 0;
		}
		if (o.listLayers) try (ModelCache.Lease lease = ModelCache.acquire(o.job.model)) {
			ExplainableModel m = lease.model();
			out.print(ModelInfo.describe(m, null, false));
			return 0;
		}
		List<Path> images = o.images.isEmpty() ? ExplainCli.sampleImages() : o.images;
		for (Path p : images)
			if (!Files.isRegularFile(p)) throw new ExplainException("Image not found: " + p +
				"; pass existing image files.");
		int batch = o.job.batchSize;
		CompletableFuture<ModelSpec> spec = new CompletableFuture<>();
		// The lease is returned after the writer has finished (resources close in reverse order).
		try (ImageFileSource frames = new ImageFileSource(images, o.job.currentSlice, spec, batch);
			ModelCache.Lease lease = acquireModel(o, spec);
			WriterBehind writer = new WriterBehind(batch))
		{
			ExplainableModel model = lease.model();
			spec.complete(model.spec());
			RenderOptions render = ImageExplainer.renderOptions(o.job, false, true);
			// Images go through the model in chunks of the batch size, as before the pipeline: a
			// chunk of one runs alone, so its maps are the same bits as a single-image run.
			for (int from = 0; from < images.size(); from += batch) {
				int n = Math.min(batch, images.size() - from);
				List<Frame> chunk = new ArrayList<>();
				for (int i = 0; i < n; i++) {
					Frame f = frames.next();
					f.log.forEach(line -> err.println("  " + line));
					chunk.add(f);
				}
				List<PreparedImage> prepared = new ArrayList<>();
				chunk.forEach(f -> prepared.add(f.prepared));
				List<Explanation> explanations = ImageExplainer.explain(model, prepared, o.job, (done,
					total) -> {}, () -> false, System.nanoTime());
				for (int i = 0; i < n; i++) {
					Frame f = chunk.get(i);
					Explanation e = explanations.get(i);
					writer.submit(() -> report(o, model, f, e, render, out, err));
				}
			}
			writer.finish();
		}
		out.println("Results in " + o.out.toAbsolutePath());
		return 0;
	}
}
