package org.explaincnn.cli;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import ij.process.ImageProcessor;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explainer;
import org.explaincnn.core.FeatureMap;
import org.explaincnn.core.FileTrees;
import org.explaincnn.core.ImageFiles;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.Nmf;
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.Passes;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.Score;
import org.explaincnn.core.TargetSpec;
import org.explaincnn.core.tf.TensorFlowRuntime;
import org.explaincnn.ij.input.Frame;
import org.explaincnn.ij.input.ImageFileSource;
import org.explaincnn.metrics.DeletionInsertion;
import org.explaincnn.methods.Methods;

/**
 * {@code ./explain --benchmark}: speed and memory of the engine and of every method against raw
 * TensorFlow passes on this machine. Not a unit test: it prints numbers and ratios.
 */
final class Benchmark {

	private Benchmark() {}

	static int run(ExplainCli.Options o, int repeats, int soak, boolean wholeOnly, PrintStream out)
		throws IOException
	{
		long t0 = System.nanoTime();
		TensorFlowRuntime.start();
		long t1 = System.nanoTime();
		Path modelDir = o.job.model != null ? o.job.model : ExplainCli.home().resolve(
			"sample-models/mobilenet_v1_0.50_224");
		try (ExplainableModel model = ExplainableModel.open(modelDir)) {
			long t2 = System.nanoTime();
			Path imageFile = o.images.isEmpty() ? ExplainCli.home().resolve("sample-images/both.png")
				: o.images.get(0);
			int[] size = new int[2];
			float[] raster = ImageFiles.read(imageFile, 3, size);
			int w = size[0], h = size[1];
			PreparedImage image = PreparedImage.of(raster, w, h, 3, model.spec());
			LayerInfo layer = model.defaultLayer();
			int classes = model.spec().classes;
			out.printf(Locale.ROOT, "Model %s (%s), image %s %dx%d, layer %s, %d cores%n", model.spec().name,
				modelDir, imageFile.getFileName(), w, h, layer.name, Runtime.getRuntime()
					.availableProcessors());
			out.printf(Locale.ROOT, "engine start %.0f ms, model load %.0f ms%n", (t1 - t0) / 1e6, (t2 -
				t1) / 1e6);
			if (wholeOnly) {
				wholeProcess(o, model, modelDir, (t1 - t0) / 1e6, out);
				return 0;
			}
			int big = Math.min(32, model.spec().maxBatch);
			// Raw passes are seeded with the image's own top class (one class per row).
			int top = ExplainableModel.argmax(Passes.run(model, image, new PassRequest(image.modelInput,
				1)).logits, 0, classes);
			double[] fwd = new double[2], fb = new double[2], fbInput = new double[2];
			int[] batches = { 1, big };
			for (int bi2 = 0; bi2 < 2; bi2++) {
				int b = batches[bi2];
				float[] input = Passes.repeat(image.modelInput, b);
				float[] seed = seeds(top, b, classes);
				fwd[bi2] = median(repeats, () -> Passes.run(model, image, new PassRequest(input, b))) / b;
				fb[bi2] = median(repeats, () -> Passes.run(model, image, new PassRequest(input, b).seed(
					seed).layerGradient(layer))) / b;
				fbInput[bi2] = median(repeats, () -> Passes.run(model, image, new PassRequest(input, b)
					.seed(seed).inputGradient())) / b;
				out.printf(Locale.ROOT,
					"batch %2d: raw forward %.2f ms/image, forward+backward to layer %.2f, to input %.2f%n",
					b, fwd[bi2], fb[bi2], fbInput[bi2]);
			}
			out.println();
			out.println("End to end, top-1 class (preprocessing, prediction, method, map on the original image):");
			out.println("method              passes  ms/image  raw ms    ratio  (raw = the same passes as bare " +
				"forward+backward runs at the method's batch size, timed alternately)");
			for (AttributionMethod m : Methods.all()) {
				if (m.forwardOnly()) continue; // in their own table below, against forward passes
				ExplainOptions opt = ExplainOptions.builder().batchSize(big).build();
				int perImage = m.passes(model, opt);
				// The raw reference: the same number of forward+backward passes at the batch size
				// the method uses, to the layer (CAM methods) or to the input, the last batch holding
				// what is left (51 passes at batch 32 are 32 + 19, not 64); run alternately with the
				// method so that both see the same machine load.
				int b = Math.min(big, perImage), rest = perImage % b;
				float[] refInput = Passes.repeat(image.modelInput, b);
				float[] refSeed = seeds(top, b, classes);
				float[] restInput = Passes.repeat(image.modelInput, Math.max(1, rest));
				float[] restSeed = seeds(top, Math.max(1, rest), classes);
				Runnable reference = () -> {
					for (int done = 0; done < perImage; done += b) {
						int n = Math.min(b, perImage - done);
						PassRequest r = n == b ? new PassRequest(refInput, b).seed(refSeed)
							: new PassRequest(restInput, n).seed(restSeed);
						Passes.run(model, image, m.usesLayer() ? r.layerGradient(layer) : r.inputGradient());
					}
				};
				Runnable method = () -> Explainer.explain(model, PreparedImage.of(raster, w, h, 3,
					model.spec()), m, TargetSpec.top1(), opt, System.nanoTime());
				double[] both;
				try {
					both = interleavedMedians(perImage > 1 ? 5 : repeats, method, reference);
				}
				catch (ExplainException notApplicable) {
					// e.g. CAM on a model without a GAP + dense head: say why, and go on.
					out.printf(Locale.ROOT, "%-20s n/a: %s%n", m.id(), notApplicable.getMessage());
					continue;
				}
				out.printf(Locale.ROOT, "%-20s %7d %9.2f %9.2f %7.2f%n", m.id(), perImage, both[0],
					both[1], both[2]);
			}
			forwardOnly(model, image, raster, w, h, big, out);
			// Grad-CAM for many images at once, the way the command line runs a folder.
			List<PreparedImage> many = new ArrayList<>();
			for (int i = 0; i < big; i++)
				many.add(PreparedImage.of(raster, w, h, 3, model.spec()));
			ExplainOptions batched = ExplainOptions.builder().batchSize(big).build();
			float[] refInput = Passes.repeat(image.modelInput, big);
			float[] refSeed = seeds(top, big, classes);
			double[] both = interleavedMedians(10, () -> Explainer.explainBatch(model, many, Methods
				.byName("gradcam"), TargetSpec.top1(), batched), () -> Passes.run(model, image,
					new PassRequest(refInput, big).seed(refSeed).layerGradient(layer)));
			out.printf(Locale.ROOT, "%-20s %7s %9.2f %9.2f %7.2f   (%d images per run)%n",
				"gradcam, batch " + big, "1", both[0] / big, both[1] / big, both[2], big);
			deepFeatureFactorization(model, image, layer, repeats, out);
			out.println();
			deletionInsertion(model, image, big, out);
			out.println();
			memory(model, image, raster, w, h, soak, out);
			out.println();
			wholeProcess(o, model, modelDir, (t1 - t0) / 1e6, out);
			out.println();
			timeLapseAgainstFolder(modelDir, o.job.batchSize, out);
		}
		return 0;
	}

	/**
	 * The metrics' cost: deletion and insertion of a Grad-CAM map (50 steps each, 2 x 51 forward
	 * passes made on demand) next to the same number of bare forward passes at the same batch size,
	 * timed alternately.
	 */
	static void deletionInsertion(ExplainableModel model, PreparedImage image, int big,
		PrintStream out)
	{
		ExplainOptions opt = ExplainOptions.builder().batchSize(big).score(Score.PROBABILITY).build();
		int cls = ExplainableModel.argmax(Passes.run(model, image, new PassRequest(image.modelInput,
			1)).logits, 0, model.spec().classes);
		float[] map = Methods.byName("gradcam").explain(model, image, new int[] { cls }, opt).get(0).map;
		DeletionInsertion.Settings settings = DeletionInsertion.Settings.DEFAULTS;
		int passes = 2 * (settings.steps() + 1);
		float[] full = Passes.repeat(image.modelInput, big);
		float[] rest = Passes.repeat(image.modelInput, passes % big == 0 ? big : passes % big);
		Runnable bare = () -> {
			for (int done = 0; done < passes; done += big) {
				int n = Math.min(big, passes - done);
				Passes.run(model, image, new PassRequest(n == big ? full : rest, n));
			}
		};
		double[] both = interleavedMedians(7, () -> DeletionInsertion.of(model, image, map, cls, opt,
			settings), bare);
		out.printf(Locale.ROOT, "Deletion + insertion, %d steps each (%d forward passes, batch %d): " +
			"%.0f ms, bare forward passes %.0f ms, ratio %.2f%n", settings.steps(), passes, big, both[0],
			both[1], both[2]);
	}

	/**
	 * The forward-only methods (occlusion, RISE, the Score-CAM family) with their default
	 * parameters, end to end, next to the same number of bare forward passes at the same batch,
	 * timed alternately. The passes are counted from the method's own progress reports (occlusion's
	 * depend on the input size); the method's time also holds the prediction pass that picks the
	 * top-1 class and the preprocessing.
	 */
	private static void forwardOnly(ExplainableModel model, PreparedImage image, float[] raster,
		int w, int h, int batch, PrintStream out)
	{
		out.println();
		out.println("Forward-only methods, top-1, batch " + batch + " (raw = the same number of bare " +
			"forward passes at the same batch, run in adjacent pairs; ratio = median of the pairs' " +
			"ratios over " + FORWARD_ONLY_RUNS + " pairs, " + LONG_RUNS + " above " + LONG_RUN +
			" passes):");
		out.println("method                       passes  ms/image  raw ms    ratio");
		float[] full = Passes.repeat(image.modelInput, batch);
		for (AttributionMethod m : Methods.all()) {
			if (!m.forwardOnly()) continue;
			int[] passes = new int[1];
			ExplainOptions.Builder b = ExplainOptions.builder().batchSize(batch).progress((done,
				total) -> passes[0] = Math.max(passes[0], total));
			String name = m.id();
			// SS-CAM and IS-CAM score every channel many times (tens of thousands of passes at
			// their defaults): timed on the most varying channels, the ratio is the same.
			if (m.parameter("channels") != null && m.passes(model, ExplainOptions.DEFAULTS) > LONGEST_RUN) {
				b.param("channels", "128");
				name += " (channels=128)";
			}
			ExplainOptions opt = b.build();
			Runnable method = () -> Explainer.explain(model, PreparedImage.of(raster, w, h, 3, model
				.spec()), m, TargetSpec.top1(), opt, System.nanoTime());
			try {
				method.run();
			}
			catch (ExplainException notApplicable) {
				out.printf(Locale.ROOT, "%-20s n/a: %s%n", name, notApplicable.getMessage());
				continue;
			}
			int n = passes[0], rest = n % batch;
			float[] partial = Passes.repeat(image.modelInput, Math.max(1, rest));
			Runnable reference = () -> {
				for (int done = 0; done < n; done += batch)
					Passes.run(model, image, n - done >= batch ? new PassRequest(full, batch)
						: new PassRequest(partial, rest));
			};
			double[] both = interleavedMedians(n > LONG_RUN ? LONG_RUNS : FORWARD_ONLY_RUNS, 1,
				method, reference);
			out.printf(Locale.ROOT, "%-28s %7d %9.0f %9.0f %7.2f%n", name, n, both[0], both[1],
				both[2]);
		}
	}

	/** Pairs timed per forward-only method (hundreds to thousands of passes each); fewer for the longest. */
	private static final int FORWARD_ONLY_RUNS = 5, LONG_RUNS = 3, LONG_RUN = 2000;
	/** Passes above which a forward-only method is timed on fewer channels. */
	private static final int LONGEST_RUN = 5000;

	/**
	 * Deep Feature Factorization's own cost: the factorisation of the layer's activations at K=5
	 * (its default iterations and tolerance) next to the one forward pass that gives them, timed
	 * alternately.
	 */
	private static void deepFeatureFactorization(ExplainableModel model, PreparedImage image,
		LayerInfo layer, int repeats, PrintStream out)
	{
		AttributionMethod dff = Methods.byName("dff");
		int iterations = (Integer) dff.parameter("iterations").defaultValue;
		double tolerance = (Double) dff.parameter("tolerance").defaultValue;
		FeatureMap a = Passes.run(model, image, new PassRequest(image.modelInput, 1).activation(
			layer)).activation(layer);
		Nmf[] last = new Nmf[1];
		double[] both = interleavedMedians(repeats, () -> last[0] = Nmf.factorise(a.data, a
			.positions(), a.channels, 5, iterations, tolerance, 42), () -> Passes.run(model, image,
				new PassRequest(image.modelInput, 1)));
		out.printf(Locale.ROOT, "%-20s NMF of %d x %d at K=5: %.2f ms (%d iterations), one raw " +
			"forward %.2f ms, ratio %.2f%n", "dff", a.positions(), a.channels, both[0],
			last[0].iterations, both[1], both[2]);
	}

	/** Runs of each whole-process job (a new JVM each). */
	private static final int PROCESS_RUNS = 3;
	/** Images of the folder job, as in the comparison with Python tools. */
	private static final int FOLDER_SIZE = 32;

	/**
	 * The user's whole job: {@code ./explain} on a folder of 32 images and on one image, each run a
	 * new process (timed from start to exit: JVM and engine start, model load, reading, explaining,
	 * drawing, writing), against the bare TensorFlow passes
	 * Grad-CAM needs for the same images in the same batches plus the engine start.
	 */
	private static void wholeProcess(ExplainCli.Options o, ExplainableModel model, Path modelDir,
		double engineStartMs, PrintStream out) throws IOException
	{
		Path scratch = Files.createTempDirectory("explaincnn-bench");
		try {
			List<Path> folder = o.images.size() > 1 ? o.images : folderOfSamples(scratch.resolve(
				"images"), FOLDER_SIZE);
			List<Path> one = folder.subList(0, 1);
			int batch = o.job.batchSize;
			double folderPasses = barePasses(model, folder, batch), onePasses = barePasses(model, one,
				batch);
			double[][] times = new double[3][PROCESS_RUNS];
			for (int run = 0; run < PROCESS_RUNS; run++) {
				// A fresh output folder per run: into an old one, ./explain keeps earlier results.
				times[0][run] = explainProcess(folder, modelDir, batch, scratch.resolve("folder-" + run));
				times[1][run] = explainProcess(one, modelDir, batch, scratch.resolve("one-" + run));
				// The job of the comparison with Python tools: one 32-bit TIFF per image.
				times[2][run] = explainProcess(folder, modelDir, batch, scratch.resolve("tiffs-" + run),
					"--outputs", "heatmap");
			}
			out.printf(Locale.ROOT, "Whole process, Grad-CAM top-1 (a new JVM per run, start to exit; " +
				"median of %d, alternated):%n", PROCESS_RUNS);
			String[] names = { "folder of " + folder.size() + " images, default outputs",
				"one image, default outputs", "folder of " + folder.size() + " images, heatmap TIFFs only" };
			double[] passes = { folderPasses, onePasses, folderPasses };
			for (int i = 0; i < names.length; i++) {
				Arrays.sort(times[i]);
				double whole = times[i][PROCESS_RUNS / 2], reference = passes[i] + engineStartMs;
				out.printf(Locale.ROOT, "%-48s %7.0f ms   bare passes %.0f ms + engine start %.0f ms = " +
					"%.0f ms   ratio %.2f%n", names[i], whole, passes[i], engineStartMs, reference, whole /
						reference);
			}
		}
		finally {
			FileTrees.delete(scratch);
		}
	}

	/** Median time of the forward+backward passes to the default layer for these images. */
	private static double barePasses(ExplainableModel model, List<Path> files, int batch) {
		List<PreparedImage> images = new ArrayList<>();
		for (Path f : files)
			images.add(Frame.of(ImageFileSource.open(f), f, false, model.spec(), line -> {}).prepared);
		LayerInfo layer = model.defaultLayer();
		int size = images.get(0).modelInput.length;
		return median(5, () -> {
			for (int from = 0; from < images.size(); from += batch) {
				int n = Math.min(batch, images.size() - from);
				float[] input = new float[n * size];
				for (int b = 0; b < n; b++)
					System.arraycopy(images.get(from + b).modelInput, 0, input, b * size, size);
				Passes.run(model, images.get(from), new PassRequest(input, n).activation(layer)
					.layerGradient(layer).seedTopOne(1f));
			}
		});
	}

	/** Wall time of one {@code ./explain} process on these images, in ms. */
	private static double explainProcess(List<Path> images, Path modelDir, int batch, Path outDir,
		String... options) throws IOException
	{
		List<String> command = javaCommand();
		images.forEach(p -> command.add(p.toAbsolutePath().toString()));
		command.addAll(List.of("--model", modelDir.toAbsolutePath().toString(), "--batch", String
			.valueOf(batch), "--out", outDir.toString()));
		command.addAll(List.of(options));
		long start = System.nanoTime();
		Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
			.redirectError(ProcessBuilder.Redirect.DISCARD).start();
		double ms;
		try {
			int code = p.waitFor();
			ms = (System.nanoTime() - start) / 1e6;
			if (code != 0) throw new ExplainException("Benchmark: the whole-process run exited with " +
				code + "; run ./explain on the same images to see why.");
			long written;
			try (Stream<Path> files = Files.list(outDir)) {
				written = files.filter(f -> f.getFileName().toString().endsWith(".heatmap.tif")).count();
			}
			if (written != images.size()) throw new ExplainException("Benchmark: the whole-process " +
				"run wrote " + written + " heatmaps for " + images.size() + " images; run ./explain on " +
				"the same images to see why.");
		}
		catch (InterruptedException e) {
			p.destroy();
			Thread.currentThread().interrupt();
			throw new ExplainException("Benchmark interrupted.");
		}
		return ms;
	}

	/**
	 * The {@code ./explain} launcher (what a user runs, with its JVM options for short runs) where
	 * it exists, else this process's own java command line up to the main class, or a plain one.
	 */
	private static List<String> javaCommand() {
		Path launcher = ExplainCli.home().resolve("explain");
		if (Files.isExecutable(launcher)) return new ArrayList<>(List.of(launcher.toString()));
		ProcessHandle.Info info = ProcessHandle.current().info();
		String main = ExplainCli.class.getName();
		if (info.command().isPresent() && info.arguments().isPresent()) {
			List<String> args = List.of(info.arguments().get());
			int at = args.indexOf(main);
			if (at >= 0) {
				List<String> command = new ArrayList<>();
				command.add(info.command().get());
				command.addAll(args.subList(0, at + 1));
				return command;
			}
		}
		return new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java")
			.toString(), "-Djava.awt.headless=true", "-Dexplaincnn.home=" + ExplainCli.home(), "-cp",
			System.getProperty("java.class.path"), main));
	}

	/** {@code n} copies of the sample images, in turn, named NN_name. */
	private static List<Path> folderOfSamples(Path dir, int n) throws IOException {
		Files.createDirectories(dir);
		List<Path> samples = ExplainCli.sampleImages(), out = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			Path s = samples.get(i % samples.size());
			out.add(Files.copy(s, dir.resolve(String.format(Locale.ROOT, "%02d_%s", i, s.getFileName()))));
		}
		return out;
	}


	private static void memory(ExplainableModel model, PreparedImage image, float[] raster, int w,
		int h, int soak, PrintStream out) throws IOException
	{
		AttributionMethod gradcam = Methods.byName("gradcam");
		for (int i = 0; i < 200; i++)
			Explainer.explain(model, PreparedImage.of(raster, w, h, 3, model.spec()), gradcam, TargetSpec
				.top1(), ExplainOptions.DEFAULTS, System.nanoTime());
		long[] rss = new long[3];
		rss[0] = settledRssKb();
		long t = System.nanoTime();
		for (int i = 0; i < soak; i++) {
			if (i == soak / 2) rss[1] = settledRssKb();
			Explainer.explain(model, PreparedImage.of(raster, w, h, 3, model.spec()), gradcam, TargetSpec
				.top1(), ExplainOptions.DEFAULTS, System.nanoTime());
		}
		double per = (System.nanoTime() - t) / 1e6 / soak;
		rss[2] = settledRssKb();
		// Growth is read over the second half: the first settles allocator caches left by the
		// batch-32 timings above.
		out.printf(Locale.ROOT,
			"memory: resident %.0f MB after warm-up, %.0f MB after %d and %.0f MB after %d Grad-CAM " +
				"explanations: growth over the last %d %+.1f MB; peak resident %.0f MB; %.2f " +
				"ms/explanation in the loop%n", rss[0] / 1024.0, rss[1] / 1024.0, soak / 2, rss[2] /
					1024.0, soak, soak - soak / 2, (rss[2] - rss[1]) / 1024.0, peakKb() / 1024.0, per);
	}

	private static long settledRssKb() throws IOException {
		System.gc();
		return rssKb();
	}

	private static long rssKb() throws IOException {
		return statusKb("VmRSS:");
	}

	private static long peakKb() throws IOException {
		return statusKb("VmHWM:");
	}

	private static long statusKb(String key) throws IOException {
		Path status = Paths.get("/proc/self/status");
		if (!Files.exists(status)) return -1;
		for (String line : Files.readAllLines(status))
			if (line.startsWith(key)) return Long.parseLong(line.replaceAll("\\D", ""));
		return -1;
	}

	/** One-hot seeds of class {@code cls} for {@code rows} rows. */
	private static float[] seeds(int cls, int rows, int classes) {
		int[] same = new int[rows];
		Arrays.fill(same, cls);
		return Passes.oneHot(same, 0, rows, classes, 1f);
	}

	/** Medians of a and b, run alternately n times after a warm-up of each. */
	private static double[] interleavedMedians(int n, Runnable a, Runnable b) {
		return interleavedMedians(n, Math.min(5, n), a, b);
	}

	/**
	 * Medians of a and b and of their ratio, run in adjacent pairs n times after {@code warmUps}
	 * runs of each. The order alternates (a b, b a, ...) and the ratio is the median of each pair's
	 * own: on a shared machine whose speed moves by 15% within seconds, medians taken apart mixed
	 * slow spells of one with fast spells of the other, and whatever ran second paid for the first.
	 */
	private static double[] interleavedMedians(int n, int warmUps, Runnable a, Runnable b) {
		for (int i = 0; i < warmUps; i++) {
			a.run();
			b.run();
		}
		double[] ta = new double[n], tb = new double[n], ratio = new double[n];
		for (int i = 0; i < n; i++) {
			if (i % 2 == 0) {
				ta[i] = timed(a);
				tb[i] = timed(b);
			}
			else {
				tb[i] = timed(b);
				ta[i] = timed(a);
			}
			ratio[i] = ta[i] / tb[i];
		}
		Arrays.sort(ta);
		Arrays.sort(tb);
		Arrays.sort(ratio);
		return new double[] { ta[n / 2], tb[n / 2], ratio[n / 2] };
	}

	private static double timed(Runnable r) {
		long s = System.nanoTime();
		r.run();
		return (System.nanoTime() - s) / 1e6;
	}

	private static double median(int n, Runnable r) {
		for (int i = 0; i < Math.min(10, n); i++)
			r.run(); // warm-up: graph extension, executor caches, JIT
		double[] t = new double[n];
		for (int i = 0; i < n; i++) {
			long s = System.nanoTime();
			r.run();
			t[i] = (System.nanoTime() - s) / 1e6;
		}
		Arrays.sort(t);
		return t[n / 2];
	}

	/** Frames of the time-lapse comparison (issue 11). */
	private static final int TIME_LAPSE_FRAMES = 500;

	/**
	 * A time-lapse against its frames as a folder (issue 11: at most 1.1 times the folder):
	 * {@code ./explain lapse.tif --stack} on a 500-frame 224 x 224 RGB time-lapse and
	 * {@code ./explain} on the same frames as PNG files (default outputs, and heatmap TIFFs only,
	 * which is what the stack writes too: one TIFF, no overlay PNGs), Grad-CAM top-1, each run a
	 * new process (start to exit), median of 3, alternated so that all see the same load.
	 */
	private static void timeLapseAgainstFolder(Path modelDir, int batch, PrintStream out)
		throws IOException
	{
		Path scratch = Files.createTempDirectory("explaincnn-bench-lapse");
		try {
			List<Path> samples = ExplainCli.sampleImages();
			List<ImageProcessor> distinct = new ArrayList<>();
			for (Path s : samples)
				distinct.add(IJ.openImage(s.toString()).getProcessor().convertToRGB().resize(224, 224));
			Path folder = Files.createDirectories(scratch.resolve("frames"));
			ImageStack stack = new ImageStack(224, 224);
			for (int i = 0; i < TIME_LAPSE_FRAMES; i++) {
				ImageProcessor f = distinct.get(i % distinct.size());
				stack.addSlice("t" + (i + 1), f);
				// FileSaver, not IJ.saveAs: headless, IJ.saveAs goes through IJ.run, which builds menus.
				new FileSaver(new ImagePlus("frame", f)).saveAsPng(folder.resolve(String.format(
					Locale.ROOT, "%03d.png", i)).toString());
			}
			ImagePlus lapse = new ImagePlus("lapse", stack);
			lapse.setDimensions(1, 1, TIME_LAPSE_FRAMES);
			Path tif = scratch.resolve("lapse.tif");
			new FileSaver(lapse).saveAsTiff(tif.toString());
			double[][] times = new double[3][PROCESS_RUNS];
			for (int run = 0; run < PROCESS_RUNS; run++) {
				times[0][run] = timedProcess(modelDir, batch, scratch.resolve("stack-" + run), tif
					.toString(), "--stack");
				times[1][run] = timedProcess(modelDir, batch, scratch.resolve("folder-" + run), folder
					.toString());
				// Like for like: the stack writes one heatmap TIFF (no overlay PNG per frame).
				times[2][run] = timedProcess(modelDir, batch, scratch.resolve("tiffs-" + run), folder
					.toString(), "--outputs", "heatmap");
			}
			double[] median = new double[3];
			for (int i = 0; i < 3; i++) {
				Arrays.sort(times[i]);
				median[i] = times[i][PROCESS_RUNS / 2];
			}
			out.printf(Locale.ROOT, "Time-lapse of %d frames (224x224 RGB), Grad-CAM top-1, a new JVM " +
				"per run, median of %d, alternated: --stack %.0f ms; the frames as a folder %.0f ms " +
				"(ratio %.2f), as a folder with heatmap TIFFs only %.0f ms (ratio %.2f; issue 11: at " +
				"most 1.10)%n", TIME_LAPSE_FRAMES, PROCESS_RUNS, median[0], median[1], median[0] /
					median[1], median[2], median[0] / median[2]);
		}
		finally {
			FileTrees.delete(scratch);
		}
	}

	/** Wall time of one {@code ./explain} process with these arguments, in ms. */
	private static double timedProcess(Path modelDir, int batch, Path outDir, String... arguments)
		throws IOException
	{
		List<String> command = javaCommand();
		command.addAll(List.of(arguments));
		command.addAll(List.of("--model", modelDir.toAbsolutePath().toString(), "--batch", String
			.valueOf(batch), "--out", outDir.toString()));
		long start = System.nanoTime();
		Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
			.redirectError(ProcessBuilder.Redirect.DISCARD).start();
		try {
			int code = p.waitFor();
			if (code != 0) throw new ExplainException("Benchmark: './explain " + String.join(" ",
				arguments) + "' exited with " + code + "; run it by hand to see why.");
			return (System.nanoTime() - start) / 1e6;
		}
		catch (InterruptedException e) {
			p.destroy();
			Thread.currentThread().interrupt();
			throw new ExplainException("Benchmark interrupted.");
		}
	}
}
