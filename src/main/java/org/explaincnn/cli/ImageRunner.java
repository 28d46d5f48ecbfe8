package org.explaincnn.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.explaincnn.core.Attribution;
import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ImageFiles;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explainer;
import org.explaincnn.core.Explanation;
import org.explaincnn.core.ModelSpec;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.TargetSpec;
import org.explaincnn.ij.ExplainResult;
import org.explaincnn.ij.ImageExplainer;
import org.explaincnn.ij.ModelCache;
import org.explaincnn.ij.ModelInfo;
import org.explaincnn.ij.input.Frame;
import org.explaincnn.ij.input.ImageFileSource;
import org.explaincnn.ij.input.ImageJText;
import org.explaincnn.ij.io.AtomicFiles;
import org.explaincnn.ij.io.ConceptFiles;
import org.explaincnn.ij.io.ResultCsv;
import org.explaincnn.ij.io.ResultFiles;
import org.explaincnn.ij.io.ResultNames;
import org.explaincnn.ij.io.WriterBehind;
import org.explaincnn.ij.render.ExplanationRenderer;
import org.explaincnn.ij.render.RenderOptions;
import org.explaincnn.methods.Methods;
import org.explaincnn.methods.SharedConcepts;

/**
 * The main job: explain image files and write heatmap, overlay, ROIs (and JSON) per image. Three
 * stages overlap: a reader opens and prepares the next images (starting while the model loads),
 * the caller runs TensorFlow on one batch at a time, and a writer behind draws and writes the
 * previous batch and prints its lines in input order. Each stage holds at most one batch.
 * A file that cannot be read or explained costs only its own results: it gets one line on stderr
 * and a failed row in explain.csv, the others are explained, and the exit code is 2 at the end.
 */
final class ImageRunner {

	private ImageRunner() {}

	/** An image's explanation, or why it has none. */
	private record Outcome(Explanation explanation, String failure) {}

	/** Counts of one run, updated by the reading and the writing threads. */
	private static final class Tally {

		final AtomicInteger ok = new AtomicInteger(), failed = new AtomicInteger(),
			skipped = new AtomicInteger();
	}

	/**
	 * Draws and writes one image's results (on a writer thread, beside other images'), and returns
	 * what must come out in input order: its details, CSV rows and printed lines.
	 */
	private static Runnable report(ExplainCli.Options o, ExplainableModel model, Frame f,
		String name, Explanation e, RenderOptions render, ResultCsv csv, PrintStream out,
		PrintStream err)
	{
		Path p = f.file;
		// The input is not shown, so nothing is drawn on it.
		ExplainResult r = ExplanationRenderer.render(f.image, e, model, render);
		try {
			ImageExplainer.save(r, o.job, o.out, name, o.json, p.toAbsolutePath().toString(),
				o.outputs);
			if (o.panel) ResultFiles.writePng(ExplanationRenderer.panel(f.image, r, render.lut), o.out
				.resolve(name + "." + e.method + ".panel.png"));
		}
		catch (IOException x) {
			throw cannotWrite(o, x);
		}
		finally {
			f.image.close();
		}
		return () -> printed(o, model, p, e, csv, out, err);
	}

	/** An image's results drawn and written beside others', its lines printed in input order. */
	private static void submitReport(WriterBehind writer, ExplainCli.Options o,
		ExplainableModel model, Frame f, String name, Explanation e, RenderOptions render,
		ResultCsv csv, Tally tally, PrintStream out, PrintStream err)
	{
		writer.submitInParallel(() -> {
			Runnable lines = report(o, model, f, name, e, render, csv, out, err);
			return () -> {
				lines.run();
				tally.ok.incrementAndGet();
			};
		});
	}

	/** {@link Explainer#warmUp} for the job; its errors are the real run's to report. */
	private static void warmUp(ExplainCli.Options o, ExplainableModel model) {
		try {
			AttributionMethod method = Methods.byName(o.job.method);
			Explainer.warmUp(model, method, TargetSpec.parse(o.job.target), ImageExplainer.options(
				o.job, method, null, (done, total) -> {}, () -> false));
		}
		catch (ExplainException e) {
			// Reported by the run, with the image it belongs to.
		}
	}

	private static ExplainException cannotWrite(ExplainCli.Options o, IOException x) {
		return new ExplainException("Cannot write results to " + o.out + " (" + AtomicFiles.reason(
			x) + "); free space or choose a writable --out folder.");
	}

	/** An image's details, CSV rows and lines, in input order. */
	private static void printed(ExplainCli.Options o, ExplainableModel model, Path p,
		Explanation e, ResultCsv csv, PrintStream out, PrintStream err)
	{
		ImageExplainer.logDetails(e, line -> err.println("  " + line));
		int best = e.top[0];
		String assumed = model.spec().assumptions.stream().anyMatch(a -> a.startsWith(
			"pixels scaled")) ? "  (pixels/255 assumed: no descriptor)" : "";
		try {
			for (Attribution a : e.attributions)
				csv.ok(p.toString(), model.spec().labels.shortName(best), e.probabilities[best], model
					.spec().labels.shortName(a.classIndex), a.layer == null ? "" : a.layer, e.method,
					e.totalMs);
		}
		catch (IOException x) {
			throw cannotWrite(o, x);
		}
		for (Attribution a : e.attributions)
			out.printf(Locale.ROOT, "%-16s top: %s (%.3f)  target: %s (%d, p=%.3f)  layer: %s  %.0f ms%s%n",
				p.getFileName(), model.spec().labels.shortName(best), e.probabilities[best],
				model.spec().labels.shortName(a.classIndex), a.classIndex, a.probability, a.layer == null
					? "-" : a.layer, e.totalMs, assumed);
	}

	/** One line on stderr and a failed row: the run goes on with the next image. */
	private static void failed(Path file, String reason, ResultCsv csv, Tally tally,
		PrintStream err)
	{
		tally.failed.incrementAndGet();
		err.println("explain: " + reason);
		try {
			csv.failed(file.toString(), reason);
		}
		catch (IOException x) {
			throw new ExplainException("Cannot write " + csv.file() + " (" + AtomicFiles.reason(x) +
				"); free space or choose a writable --out folder.");
		}
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
		// --list-methods is answered by ExplainCli; the model defaults to the sample there.
		String method = Methods.byName(o.job.method).id(); // fails fast on a typo
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
		List<Path> images = inputs(o.images.isEmpty() ? ExplainCli.sampleImages() : o.images);
		// ImageJ's readers print their errors on stdout: a file's reader quotes them in its one
		// line, anything else goes to stderr (the result lines go to the stream passed in).
		PrintStream stdout = System.out;
		System.setOut(ImageJText.router(err));
		try {
			return explain(o, images, method, out, err);
		}
		finally {
			System.setOut(stdout);
		}
	}

	/**
	 * The files to explain: a folder gives its image files (sorted, without earlier results of
	 * ours), a file is taken as it is; a path that does not exist is an error before anything runs.
	 */
	static List<Path> inputs(List<Path> given) {
		Set<Path> files = new LinkedHashSet<>();
		for (Path p : given) {
			if (Files.isDirectory(p)) {
				List<Path> in = new ArrayList<>();
				try (Stream<Path> s = Files.list(p)) {
					s.filter(f -> ImageFiles.hasImageName(f) && !ResultNames.isResult(f) && !Files
						.isDirectory(f)).sorted().forEach(in::add);
				}
				catch (IOException e) {
					throw new ExplainException("Cannot list folder " + p + " (" + AtomicFiles.reason(e) +
						"); check its permissions.");
				}
				if (in.isEmpty()) throw new ExplainException("No images in folder " + p +
					" (png, jpg, tif, gif, bmp); pass a folder with images or image files.");
				files.addAll(in);
			}
			else if (Files.exists(p)) files.add(p);
			else throw new ExplainException("Image not found: " + p + "; pass existing image files " +
				"or a folder of images.");
		}
		return new ArrayList<>(files);
	}

	private static int explain(ExplainCli.Options o, List<Path> images, String method,
		PrintStream out, PrintStream err)
	{
		ResultCsv csv;
		try {
			Files.createDirectories(o.out);
			csv = new ResultCsv(o.out);
		}
		catch (IOException e) {
			throw new ExplainException("Cannot write results to " + o.out + " (" + AtomicFiles.reason(
				e) + "); choose a writable --out folder.");
		}
		Tally tally = new Tally();
		Map<Path, String> names = ResultNames.of(images);
		Set<Path> inputFiles = new HashSet<>();
		for (Path p : images)
			inputFiles.add(p.toAbsolutePath().normalize());
		// Results never replace an input, nor (without --overwrite) an earlier run's results.
		List<Path> todo = new ArrayList<>(), kept = new ArrayList<>();
		Map<Path, Path> clashes = new LinkedHashMap<>();
		for (Path p : images) {
			// An earlier run's results are recognised by the first file this run would write.
			Path heatmap = o.out.resolve(names.get(p) + "." + method + "." + o.outputs.iterator()
				.next().suffix);
			Path clash = null;
			for (String what : List.of("heatmap.tif", "overlay.png", "rois.zip", "json",
				"panel.png"))
				if (inputFiles.contains(o.out.resolve(names.get(p) + "." + method + "." + what)
					.toAbsolutePath().normalize())) clash = o.out.resolve(names.get(p) + "." + method +
						"." + what);
			if (clash != null) clashes.put(p, clash);
			else if (!o.overwrite && Files.exists(heatmap)) kept.add(p);
			else todo.add(p);
		}
		// Images left out must not hide a bad job: a wrong model or option is reported (exit 2)
		// before anything is skipped. The model stays in the cache for the run.
		if (!clashes.isEmpty() || !kept.isEmpty()) ImageExplainer.acquireModel(o.job).close();
		// Shared concepts are the factorisation of all the images: leaving some out would renumber them.
		if (!kept.isEmpty() && SharedConcepts.asked(o.job.method, o.job.options()))
			throw new ExplainException("Results of " + kept.size() + " of the images exist in " + o.out +
				" and scope=folder factorises all the images together; pass --overwrite or another " +
				"--out folder.");
		for (Map.Entry<Path, Path> c : clashes.entrySet())
			failed(c.getKey(), "Results of " + c.getKey() + " would overwrite the input " + c
				.getValue() + "; choose another --out folder.", csv, tally, err);
		for (Path p : kept) {
			tally.skipped.incrementAndGet();
			err.println("explain: " + p.getFileName() + ": results exist (" + o.out.resolve(names.get(
				p) + "." + method + "." + o.outputs.iterator().next().suffix) +
				"), kept; --overwrite replaces them.");
			try {
				csv.skipped(p.toString(), "results exist; --overwrite replaces them");
			}
			catch (IOException e) {
				throw new ExplainException("Cannot write " + csv.file() + " (" + AtomicFiles.reason(e) +
					"); free space or choose a writable --out folder.");
			}
		}
		if (!todo.isEmpty()) pipeline(o, todo, names, csv, tally, out, err);
		out.println("Results in " + o.out.toAbsolutePath() + summary(tally));
		return tally.failed.get() > 0 ? 2 : 0;
	}

	private static String summary(Tally t) {
		if (t.failed.get() == 0 && t.skipped.get() == 0) return "";
		return " (" + t.ok.get() + " explained, " + t.failed.get() + " failed, " + t.skipped.get() +
			" skipped; see " + ResultCsv.FILE_NAME + ")";
	}

	private static void pipeline(ExplainCli.Options o, List<Path> images, Map<Path, String> names,
		ResultCsv csv, Tally tally, PrintStream out, PrintStream err)
	{
		if (SharedConcepts.asked(o.job.method, o.job.options())) {
			sharedConcepts(o, images, names, csv, tally, out, err);
			return;
		}
		int batch = o.job.batchSize;
		CompletableFuture<ModelSpec> spec = new CompletableFuture<>();
		// The lease is returned after the writer has finished (resources close in reverse order).
		try (ImageFileSource frames = new ImageFileSource(images, o.job.currentSlice, spec, batch,
			true); ModelCache.Lease lease = acquireModel(o, spec);
			WriterBehind writer = new WriterBehind(batch))
		{
			ExplainableModel model = lease.model();
			spec.complete(model.spec());
			// Chunks of several images run as one batch: its first run is paid while the reader
			// prepares the first images.
			if (o.job.sweep == null && batch > 1 && images.size() > 1) warmUp(o, model);
			// Only what is written is drawn: no ROI tracing when neither the ROI zip nor the overlay
			// picture (which shows them) is asked for, no overlay picture unless it is written.
			boolean overlay = o.outputs.contains(ResultFiles.Output.OVERLAY) || o.panel;
			RenderOptions render = RenderOptions.of(o.job.lut, o.job.opacity, o.job.threshold, o.job
				.addRois && (overlay || o.outputs.contains(ResultFiles.Output.ROIS)), false, overlay);
			// Images go through the model in chunks of the batch size, as before the pipeline: a
			// chunk of one runs alone, so its maps are the same bits as a single-image run. A file
			// that cannot be read is reported in its turn and the chunk goes on without it.
			for (int from = 0; from < images.size(); from += batch) {
				int n = Math.min(batch, images.size() - from);
				List<Frame> chunk = new ArrayList<>();
				for (int i = 0; i < n; i++) {
					Path file = images.get(from + i);
					try {
						Frame f = frames.next();
						f.log.forEach(line -> err.println("  " + line));
						chunk.add(f);
					}
					catch (ExplainException e) {
						writer.submit(() -> failed(file, e.getMessage(), csv, tally, err));
					}
				}
				for (Map.Entry<Frame, Outcome> done : explain(model, chunk, o, tally.ok.get() > 0)
					.entrySet())
				{
					Frame f = done.getKey();
					Explanation e = done.getValue().explanation;
					if (e == null) {
						f.image.close();
						writer.submit(() -> failed(f.file, "Cannot explain " + f.file + ": " + done
							.getValue().failure, csv, tally, err));
						continue;
					}
					submitReport(writer, o, model, f, names.get(f.file), e, render, csv, tally, out, err);
				}
			}
			writer.finish();
		}
	}

	/**
	 * Deep Feature Factorization with scope=folder: one factorisation over all the images, in two
	 * passes over the files so that no more than a batch of images is held. The first reads each
	 * batch and keeps only its layer activations ({@link SharedConcepts.Pool}); after the one NMF,
	 * the second reads the images again and writes each one's files from its own rows of W, as
	 * the per-image pipeline does, and then {@link ConceptFiles#FOLDER_FILE} with every image's
	 * concept areas. A file that cannot be read is reported in the first pass and left out.
	 */
	private static void sharedConcepts(ExplainCli.Options o, List<Path> images,
		Map<Path, String> names, ResultCsv csv, Tally tally, PrintStream out, PrintStream err)
	{
		int batch = o.job.batchSize;
		CompletableFuture<ModelSpec> spec = new CompletableFuture<>();
		try (ModelCache.Lease lease = acquireModel(o, spec); WriterBehind writer = new WriterBehind(
			batch))
		{
			ExplainableModel model = lease.model();
			spec.complete(model.spec());
			ExplainOptions options = o.job.options().toBuilder().cancelled(ModelCache::shuttingDown)
				.build();
			SharedConcepts.Pool pool = SharedConcepts.pool(model, options);
			List<Path> pooled = new ArrayList<>();
			try (ImageFileSource frames = new ImageFileSource(images, o.job.currentSlice, spec, batch,
				true))
			{
				for (int from = 0; from < images.size(); from += batch) {
					List<PreparedImage> chunk = new ArrayList<>();
					for (int i = from; i < Math.min(images.size(), from + batch); i++) {
						try {
							Frame f = frames.next();
							f.log.forEach(line -> err.println("  " + line));
							f.image.close();
							chunk.add(f.prepared);
							pooled.add(f.file);
						}
						catch (ExplainException e) {
							failed(images.get(i), e.getMessage(), csv, tally, err);
						}
					}
					pool.add(chunk);
				}
			}
			if (pooled.isEmpty()) return;
			SharedConcepts shared = pool.factorise();
			err.println("  Deep Feature Factorization: " + shared.concepts() + " concepts shared by " +
				shared.images() + " images (" + shared.rows() + " positions factorised: " + shared
					.factorisation() + ")");
			boolean overlay = o.outputs.contains(ResultFiles.Output.OVERLAY) || o.panel;
			RenderOptions render = RenderOptions.of(o.job.lut, o.job.opacity, o.job.threshold, o.job
				.addRois && (overlay || o.outputs.contains(ResultFiles.Output.ROIS)), false, overlay);
			TargetSpec target = TargetSpec.parse(o.job.target);
			try (ImageFileSource frames = new ImageFileSource(pooled, o.job.currentSlice, spec, batch,
				true))
			{
				for (int i = 0; i < pooled.size(); i++) {
					Frame f;
					try {
						f = frames.next();
					}
					catch (ExplainException e) {
						String reason = e.getMessage();
						Path file = pooled.get(i);
						writer.submit(() -> failed(file, reason, csv, tally, err));
						continue;
					}
					Explanation e = shared.explanation(i, f.prepared, target);
					submitReport(writer, o, model, f, names.get(f.file), e, render, csv, tally, out, err);
				}
			}
			writer.finish();
			List<String> stems = new ArrayList<>();
			List<double[]> areas = new ArrayList<>();
			for (int i = 0; i < pooled.size(); i++) {
				stems.add(names.get(pooled.get(i)));
				areas.add(shared.areas(i));
			}
			if (shared.firstConcepts() != null) try {
				ConceptFiles.writeFolder(shared.firstConcepts(), stems, areas, o.out);
			}
			catch (IOException x) {
				throw new ExplainException("Cannot write " + o.out.resolve(ConceptFiles.FOLDER_FILE) +
					" (" + AtomicFiles.reason(x) + "); free space or choose a writable --out folder.");
			}
		}
	}

	/**
	 * The chunk's explanations. If the chunk fails, each image is tried alone so that one image
	 * the method refuses does not lose the others; a failure of every image of the first chunk
	 * with one message is the job's problem (a layer, a parameter) and stops the run.
	 */
	private static Map<Frame, Outcome> explain(ExplainableModel model, List<Frame> chunk,
		ExplainCli.Options o, boolean someExplained)
	{
		Map<Frame, Outcome> out = new LinkedHashMap<>();
		if (chunk.isEmpty()) return out;
		List<PreparedImage> prepared = new ArrayList<>();
		chunk.forEach(f -> prepared.add(f.prepared));
		try {
			List<Explanation> es = ImageExplainer.explain(model, prepared, o.job, (done, total) -> {},
				() -> false, System.nanoTime());
			for (int i = 0; i < chunk.size(); i++)
				out.put(chunk.get(i), new Outcome(es.get(i), null));
			return out;
		}
		catch (ExplainException whole) {
			if (chunk.size() == 1 && !someExplained) throw whole;
			Set<String> messages = new HashSet<>();
			Map<Frame, String> failures = new LinkedHashMap<>();
			for (Frame f : chunk) {
				try {
					out.put(f, new Outcome(ImageExplainer.explain(model, List.of(f.prepared), o.job, (
						done, total) -> {}, () -> false, System.nanoTime()).get(0), null));
				}
				catch (ExplainException e) {
					failures.put(f, e.getMessage());
					messages.add(e.getMessage());
				}
			}
			if (!someExplained && failures.size() == chunk.size() && messages.size() == 1)
				throw whole;
			for (Map.Entry<Frame, String> fail : failures.entrySet())
				out.put(fail.getKey(), new Outcome(null, fail.getValue()));
			return out;
		}
	}
}
