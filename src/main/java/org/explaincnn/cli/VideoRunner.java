package org.explaincnn.cli;

import ij.ImagePlus;
import ij.process.ColorProcessor;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explanation;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.ij.ExplainJob;
import org.explaincnn.ij.ExplainResult;
import org.explaincnn.ij.ImageExplainer;
import org.explaincnn.ij.ModelCache;
import org.explaincnn.ij.StackExplainer;
import org.explaincnn.ij.input.Frame;
import org.explaincnn.ij.input.ImageFileSource;
import org.explaincnn.ij.input.VideoSource;
import org.explaincnn.ij.io.AtomicFiles;
import org.explaincnn.ij.io.PlaneTable;
import org.explaincnn.ij.io.ResultNames;
import org.explaincnn.ij.io.VideoWriter;
import org.explaincnn.ij.render.ExplanationRenderer;
import org.explaincnn.ij.render.RenderOptions;
import org.explaincnn.methods.Methods;

/**
 * Videos and stacks on the command line. A video ({@code .avi}, {@code .mp4}) is read frame by
 * frame, its frames explained in chunks of the batch size (as a folder's images are), and each
 * frame's overlay (the frame with the map and ROIs burnt in) written to
 * {@code <stem>.<method>.overlay.avi} (or {@code .mp4}) as it comes, with a row per frame in
 * {@code <stem>.<method>.planes.csv}: memory does not grow with the number of frames. An image
 * file with {@code --stack} (or {@code --z}/{@code --t}) is explained plane by plane as in Fiji:
 * heatmap hyperstack, ROI set with positions, planes.csv.
 */
final class VideoRunner {

	private VideoRunner() {}

	/** Whether this runner has work in the inputs: a video, or planes asked for. */
	static boolean handles(ExplainCli.Options o) {
		return o.job.everyPlane() || o.images.stream().anyMatch(VideoSource::isVideo);
	}

	static int run(ExplainCli.Options o, PrintStream out, PrintStream err) {
		List<Path> videos = new ArrayList<>(), others = new ArrayList<>();
		for (Path p : o.images)
			(VideoSource.isVideo(p) ? videos : others).add(p);
		if (o.job.sweep != null && !videos.isEmpty()) throw new ExplainException(
			"--sweep-layers makes one map per layer, which a video frame cannot show; explain the " +
				"video without it, or a frame as an image.");
		String method = Methods.byName(o.job.method).id();
		try {
			Files.createDirectories(o.out);
		}
		catch (IOException e) {
			throw new ExplainException("Cannot write results to " + o.out + " (" + AtomicFiles.reason(
				e) + "); choose a writable --out folder.");
		}
		List<Path> stacks = o.job.everyPlane() ? ImageRunner.inputs(others) : List.of();
		// The first stack is read while TensorFlow starts and the model loads.
		CompletableFuture<ImagePlus> firstStack = stacks.isEmpty() ? null : CompletableFuture
			.supplyAsync(() -> ImageFileSource.open(stacks.get(0)));
		try (ModelCache.Lease lease = ImageExplainer.acquireModel(o.job)) {
			ExplainableModel model = lease.model();
			for (Path v : videos) {
				Path target = o.out.resolve(ResultNames.stem(v) + "." + method + ".overlay" + extension(v));
				if (Files.exists(target) && !o.overwrite) {
					err.println("explain: " + v.getFileName() + ": results exist (" + target +
						"), kept; --overwrite replaces them.");
					continue;
				}
				long t0 = System.nanoTime();
				Map<String, Integer> tops = new HashMap<>();
				int frames = explainVideo(model, v, o.job, o.out, line -> err.println("  " + line), (i,
					e) -> tops.merge(model.spec().labels.shortName(e.top[0]), 1, Integer::sum));
				String top = tops.entrySet().stream().max(Map.Entry.comparingByValue()).map(
					Map.Entry::getKey).orElse("-");
				out.printf(Locale.ROOT, "%-16s %d frames  top (most frames): %s  %.1f ms/frame  -> %s%n",
					v.getFileName(), frames, top, (System.nanoTime() - t0) / 1e6 / Math.max(1, frames),
					target);
			}
			for (int i = 0; i < stacks.size(); i++)
				explainStack(model, stacks.get(i), i == 0 ? opened(firstStack) : ImageFileSource.open(
					stacks.get(i)), o, method, out, err);
		}
		catch (IOException e) {
			throw new ExplainException("Cannot write results to " + o.out + " (" + AtomicFiles.reason(
				e) + "); free space or choose a writable --out folder.");
		}
		finally {
			// Explained (closed already; closing again is harmless) or not (the model or an earlier
			// video failed): either way the image goes, once it is read.
			if (firstStack != null) firstStack.thenAccept(ImagePlus::close);
		}
		if (!o.job.everyPlane() && !others.isEmpty()) {
			o.images.clear();
			o.images.addAll(others);
			return ImageRunner.run(o, out, err);
		}
		out.println("Results in " + o.out.toAbsolutePath());
		return 0;
	}

	/**
	 * Explains every frame of a video and writes the overlay video and the per-frame CSV into
	 * {@code outDir}; {@code each} sees every frame's explanation (frame number from 1). Returns the
	 * number of frames explained.
	 */
	static int explainVideo(ExplainableModel model, Path video, ExplainJob job, Path outDir,
		Consumer<String> log, BiConsumer<Integer, Explanation> each)
		throws IOException
	{
		String method = Methods.byName(job.method).id();
		Path target = outDir.resolve(ResultNames.stem(video) + "." + method + ".overlay" + extension(video));
		Path csv = outDir.resolve(ResultNames.stem(video) + "." + method + ".planes.csv");
		Files.deleteIfExists(csv);
		RenderOptions render = ImageExplainer.renderOptions(job, false, true);
		int maps = ImageExplainer.mapCount(job), done = 0;
		try (VideoSource source = VideoSource.open(video, model.spec(), log); VideoWriter writer =
			VideoWriter.open(target, source.frames, source.width * maps, source.height, source.fps))
		{
			while (true) {
				List<Frame> chunk = new ArrayList<>();
				for (Frame f; chunk.size() < job.batchSize && (f = source.next()) != null;)
					chunk.add(f);
				if (chunk.isEmpty()) break;
				List<PreparedImage> prepared = new ArrayList<>();
				chunk.forEach(f -> prepared.add(f.prepared));
				List<Explanation> es = ImageExplainer.explain(model, prepared, job,
					ExplainOptions.ProgressListener.NONE, () -> false, System.nanoTime());
				for (int i = 0; i < chunk.size(); i++) {
					Explanation e = es.get(i);
					ImagePlus frame = chunk.get(i).image;
					ExplainResult r = ExplanationRenderer.render(frame, e, model, render);
					writer.add((ColorProcessor) r.overlayPreview.getProcessor());
					done++;
					for (PlaneTable.Row row : PlaneTable.rows(done, 1, done, e, model.spec().labels))
						PlaneTable.append(csv, row);
					each.accept(done, e);
					frame.close();
				}
			}
			// ImageJ's AVI writer was told the frame count: a short file cannot complete it.
			if (extension(video).equals(".avi") && done < source.frames) throw new ExplainException("Video " + video +
					" ended at frame " + done + " of the " + source.frames + " its header declares; the " +
					"file may be truncated (the " + done + " frames are in " + csv + ").");
			writer.finish();
		}
		return done;
	}

	/** The image read on another thread, or its one-line error. */
	private static ImagePlus opened(CompletableFuture<ImagePlus> image) {
		try {
			return image.join();
		}
		catch (CompletionException e) {
			if (e.getCause() instanceof RuntimeException r) throw r;
			throw e;
		}
	}

	private static void explainStack(ExplainableModel model, Path p, ImagePlus imp,
		ExplainCli.Options o, String method, PrintStream out, PrintStream err) throws IOException
	{
		ExplainResult r = StackExplainer.explain(imp, o.job, model, line -> err.println("  " + line),
			ExplainOptions.ProgressListener.NONE, () -> false, false);
		String name = ResultNames.stem(p);
		ImageExplainer.save(r, o.job, o.out, name, o.json, p.toAbsolutePath().toString());
		r.planes.write(o.out.resolve(name + "." + method + ".planes.csv"));
		out.printf(Locale.ROOT, "%-16s %d planes (%d x %d x %d)  -> %s%n", p.getFileName(), r.planes
			.planes(), imp.getNChannels(), imp.getNSlices(), imp.getNFrames(), o.out.resolve(name + "." +
				method + ".heatmap.tif"));
		imp.close();
	}

	private static String extension(Path video) {
		return video.toString().toLowerCase(Locale.ROOT).endsWith(".mp4") ? ".mp4" : ".avi";
	}
}
