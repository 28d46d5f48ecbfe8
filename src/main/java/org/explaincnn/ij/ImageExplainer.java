package org.explaincnn.ij;

import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.ImageRoi;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.io.FileSaver;
import ij.io.RoiEncoder;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import ij.process.LUT;

import java.awt.Color;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import com.google.gson.GsonBuilder;

import org.explaincnn.core.Attribution;
import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explainer;
import org.explaincnn.core.Explanation;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.TargetSpec;
import org.explaincnn.core.tf.TensorFlowRuntime;
import org.explaincnn.methods.Methods;

/**
 * Explains an ImagePlus and turns the result into ImageJ objects and files: a 32-bit heatmap with
 * the input's size and calibration, a coloured overlay on the input (its pixels are never
 * changed), thresholded ROIs, and on request TIFF/PNG/ROI-zip/JSON files. The SciJava commands,
 * the IJ1 macro bridge and the command line all come through here.
 */
public final class ImageExplainer {

	private static final Map<Path, String> SHA256 = new ConcurrentHashMap<>();

	private ImageExplainer() {}

	public static ExplainResult explain(ImagePlus imp, ExplainJob job, Consumer<String> log,
		ExplainOptions.ProgressListener progress, BooleanSupplier cancelled)
	{
		return explainAll(List.of(imp), job, log, progress, cancelled).get(0);
	}

	/**
	 * Explains several images with one job; CAM methods run them through the model together, in
	 * batches of the job's batch size (a folder goes faster than image by image).
	 */
	public static List<ExplainResult> explainAll(List<ImagePlus> imps, ExplainJob job,
		Consumer<String> log, ExplainOptions.ProgressListener progress, BooleanSupplier cancelled)
	{
		long t0 = System.nanoTime();
		if (job.model == null) throw new ExplainException(
			"No model given; choose a model folder (with saved_model.pb or a frozen .pb graph).");
		AttributionMethod method = Methods.byName(job.method);
		ExplainableModel model = ModelCache.get(job.model);
		LUT lut = Luts.byName(job.lut);
		SaliencyRois.thresholdValue(new float[] { 1 }, job.threshold); // validate early
		if (job.opacity < 0 || job.opacity > 1) throw new ExplainException("Opacity " +
			job.opacity + " must lie between 0 and 1.");
		List<PreparedImage> prepared = new ArrayList<>();
		for (ImagePlus imp : imps) {
			ImagePlusInput input = ImagePlusInput.read(imp, job.currentSlice, log);
			if (input.channels != model.spec().channels) log.accept("Image has " + input.channels +
				" channel(s), the model takes " + model.spec().channels + ": " + (input.channels == 1
					? "the channel is replicated." : "converted to grey (luminance)."));
			prepared.add(PreparedImage.of(input.raster, input.width, input.height, input.channels,
				model.spec()));
		}
		ExplainOptions options = job.options().toBuilder().progress(progress).cancelled(cancelled)
			.build();
		TargetSpec target = TargetSpec.parse(job.target);
		List<Explanation> explanations = new ArrayList<>();
		if (job.sweep != null) for (PreparedImage p : prepared)
			explanations.add(Explainer.sweep(model, p, method, target, Explainer.sweepLayers(model,
				job.sweep), options));
		else if (prepared.size() == 1) explanations.add(Explainer.explain(model, prepared.get(0),
			method, target, options, t0));
		else explanations.addAll(Explainer.explainBatch(model, prepared, method, target, options));
		List<ExplainResult> results = new ArrayList<>();
		for (int i = 0; i < imps.size(); i++)
			results.add(render(imps.get(i), explanations.get(i), job, lut, model, method, log));
		return results;
	}

	/** Heatmap image, overlay on the input, ROIs and the preview for one explained image. */
	private static ExplainResult render(ImagePlus imp, Explanation e, ExplainJob job, LUT lut,
		ExplainableModel model, AttributionMethod method, Consumer<String> log)
	{
		for (Attribution a : e.attributions)
			if (!a.details.isEmpty()) log.accept(method.title() + " " + a.label + ": " + a.details);

		ImagePlus heatmap = heatmapImage(imp, e, lut, model.spec().labels);
		List<Roi> rois = new ArrayList<>();
		for (int i = 0; i < e.attributions.size(); i++) {
			Attribution a = e.attributions.get(i);
			List<Roi> regions = job.addRois ? SaliencyRois.regions(a.map, a.width, a.height,
				job.threshold, shortLabel(model, a)) : List.of();
			for (Roi r : regions) {
				if (e.attributions.size() > 1) r.setPosition(i + 1);
				r.setStrokeColor(Color.cyan);
			}
			rois.addAll(regions);
		}
		// The input keeps its pixels; it gains the first class's map and all ROIs as overlay.
		Overlay overlay = imp.getOverlay() != null ? imp.getOverlay() : new Overlay();
		if (job.opacity > 0) overlay.add(colouredRoi(e.attributions.get(0), heatmap, lut,
			job.opacity), "Explain CNN " + method.title());
		for (Roi r : rois) {
			Roi copy = (Roi) r.clone();
			copy.setPosition(0);
			overlay.add(copy);
		}
		imp.setOverlay(overlay);
		Overlay heatOverlay = new Overlay();
		rois.forEach(r -> heatOverlay.add((Roi) r.clone()));
		heatmap.setOverlay(heatOverlay);
		ImagePlus preview = preview(imp, e, heatmap, lut, job.opacity, rois);
		return new ExplainResult(e, heatmap, preview, rois, model);
	}

	static String shortLabel(ExplainableModel model, Attribution a) {
		return model.spec().labels.shortName(a.classIndex);
	}

	private static ImagePlus heatmapImage(ImagePlus imp, Explanation e, LUT lut,
		org.explaincnn.core.Labels labels)
	{
		Attribution first = e.attributions.get(0);
		ImageStack stack = new ImageStack(first.width, first.height);
		double lo = 0, hi = 0;
		boolean perLayer = e.attributions.size() > 1 && e.attributions.stream().map(a -> a.layer)
			.distinct().count() > 1;
		for (Attribution a : e.attributions) {
			FloatProcessor fp = new FloatProcessor(a.width, a.height, a.map.clone());
			stack.addSlice(perLayer ? a.layer : a.label + " (" + a.classIndex + ")", fp);
			for (float v : a.map) {
				lo = Math.min(lo, v);
				hi = Math.max(hi, v);
			}
		}
		String layer = first.layer == null ? "" : " @ " + first.layer.substring(first.layer
			.lastIndexOf('/') + 1);
		String what = e.attributions.size() == 1 || perLayer ? first.label.split(",")[0] : e
			.attributions.size() + " classes";
		if (perLayer) layer = " @ " + e.attributions.size() + " layers";
		ImagePlus heat = new ImagePlus(e.methodTitle + " " + what + layer + " - " + imp.getTitle(),
			stack);
		heat.setCalibration(imp.getCalibration().copy());
		heat.getProcessor().setLut(lut);
		// Display (and overlay) the evidence for the class, from 0 to the 99.5th percentile of the
		// positive values: pixel-level maps have a few outliers that would leave the rest black.
		// All values, negative ones included, stay in the 32-bit data.
		heat.setDisplayRange(0, hi > 0 ? positivePercentile(e, 0.995) : Math.max(-lo, 1));
		heat.setProp("ExplainCNN.method", e.method);
		heat.setProp("ExplainCNN.class", first.classIndex);
		heat.setProp("ExplainCNN.label", first.label);
		heat.setProp("ExplainCNN.score", first.logit);
		heat.setProp("ExplainCNN.probability", first.probability);
		heat.setProp("ExplainCNN.layer", first.layer == null ? "" : first.layer);
		heat.setProp("ExplainCNN.predicted", e.top[0]);
		heat.setProp("ExplainCNN.predictedLabel", labels.name(e.top[0]));
		heat.setProp("ExplainCNN.predictedProbability", e.probabilities[e.top[0]]);
		heat.setProp("ExplainCNN.ms", String.format(java.util.Locale.ROOT, "%.1f", e.totalMs));
		return heat;
	}

	private static double positivePercentile(Explanation e, double q) {
		int n = 0;
		for (Attribution a : e.attributions)
			for (float v : a.map)
				if (v > 0) n++;
		float[] positive = new float[n];
		int i = 0;
		for (Attribution a : e.attributions)
			for (float v : a.map)
				if (v > 0) positive[i++] = v;
		java.util.Arrays.sort(positive);
		return positive[Math.min(n - 1, (int) (q * n))];
	}

	/** Below this fraction of the display maximum the overlay is transparent (display only). */
	static final double OVERLAY_FLOOR = 0.1;

	/**
	 * The map coloured with the LUT as an overlay image. Weak evidence (below 10% of the display
	 * maximum) is left transparent so the image shows through; the 32-bit heatmap keeps all values.
	 */
	private static ImageRoi colouredRoi(Attribution a, ImagePlus heatmap, LUT lut, double opacity) {
		double lo = heatmap.getDisplayRangeMin(), hi = heatmap.getDisplayRangeMax();
		FloatProcessor fp = new FloatProcessor(a.width, a.height, a.map.clone());
		fp.setMinAndMax(lo, hi);
		ImageProcessor bytes = fp.convertToByteProcessor(true);
		bytes.setLut(lut);
		ColorProcessor rgb = bytes.convertToColorProcessor();
		int[] px = (int[]) rgb.getPixels();
		double floor = OVERLAY_FLOOR * Math.max(Math.abs(lo), Math.abs(hi));
		for (int i = 0; i < px.length; i++)
			if (Math.abs(a.map[i]) < floor) px[i] = 0;
		ImageRoi roi = new ImageRoi(0, 0, rgb);
		roi.setOpacity(opacity);
		roi.setZeroTransparent(true);
		roi.setName("heatmap " + a.label.split(",")[0]);
		return roi;
	}

	/** Input with heatmap and ROIs burnt in; one panel per class, side by side. */
	private static ImagePlus preview(ImagePlus imp, Explanation e, ImagePlus heatmap, LUT lut,
		double opacity, List<Roi> rois)
	{
		ImagePlus base = imp.duplicate();
		base.setOverlay(null);
		ImageProcessor rgbBase = base.flatten().getProcessor();
		int w = rgbBase.getWidth(), h = rgbBase.getHeight(), n = e.attributions.size();
		ColorProcessor montage = new ColorProcessor(w * n, h);
		for (int i = 0; i < n; i++) {
			ImagePlus panel = new ImagePlus("panel", rgbBase.duplicate());
			Overlay o = new Overlay();
			o.add(colouredRoi(e.attributions.get(i), heatmap, lut, Math.max(opacity, 0.01)));
			for (Roi r : rois)
				if (n == 1 || r.getPosition() == i + 1) {
					Roi c = (Roi) r.clone();
					c.setPosition(0);
					o.add(c);
				}
			panel.setOverlay(o);
			montage.insert(panel.flatten().getProcessor(), i * w, 0);
		}
		return new ImagePlus(heatmap.getTitle() + " (overlay)", montage);
	}

	/**
	 * A figure: the input, the coloured heatmap and the overlay side by side (first class), as the
	 * Grad-CAM papers show them.
	 */
	public static ImagePlus panel(ImagePlus input, ExplainResult r, String lutName) {
		ImagePlus base = input.duplicate();
		base.setOverlay(null);
		ImageProcessor left = base.flatten().getProcessor();
		int w = left.getWidth(), h = left.getHeight();
		ImageProcessor heat = r.heatmap.getStack().getProcessor(1).duplicate();
		heat.setMinAndMax(r.heatmap.getDisplayRangeMin(), r.heatmap.getDisplayRangeMax());
		ImageProcessor heatBytes = heat.convertToByteProcessor(true);
		heatBytes.setLut(Luts.byName(lutName));
		ImageProcessor overlay = r.overlayPreview.getProcessor().crop();
		overlay.setRoi(0, 0, w, h);
		ColorProcessor out = new ColorProcessor(3 * w + 8, h);
		out.setColor(Color.white);
		out.fill();
		out.insert(left, 0, 0);
		out.insert(heatBytes.convertToColorProcessor(), w + 4, 0);
		out.insert(overlay.crop(), 2 * w + 8, 0);
		return new ImagePlus(r.heatmap.getTitle() + " (panel)", out);
	}

	// ---- files -----------------------------------------------------------------------------

	/** Writes stem.method.heatmap.tif, .overlay.png, .rois.zip and optionally .json; returns them. */
	public static List<Path> save(ExplainResult r, ExplainJob job, Path outDir, String stem,
		boolean json, String inputFile) throws IOException
	{
		Files.createDirectories(outDir);
		String base = stem + "." + r.explanation.method;
		List<Path> written = new ArrayList<>();
		Path tif = outDir.resolve(base + ".heatmap.tif");
		FileSaver heat = new FileSaver(r.heatmap);
		boolean ok = r.heatmap.getStackSize() > 1 ? heat.saveAsTiffStack(tif.toString()) : heat
			.saveAsTiff(tif.toString());
		if (!ok) throw new IOException("could not write " + tif);
		written.add(tif);
		Path png = outDir.resolve(base + ".overlay.png");
		if (!new FileSaver(r.overlayPreview).saveAsPng(png.toString())) throw new IOException(
			"could not write " + png);
		written.add(png);
		Path zip = outDir.resolve(base + ".rois.zip");
		writeRoiZip(r.rois, zip);
		written.add(zip);
		if (json) {
			Path file = outDir.resolve(base + ".json");
			try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
				new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create()
					.toJson(manifest(r, job, inputFile), w);
			}
			written.add(file);
		}
		return written;
	}

	/** ROI Manager compatible zip: one .roi entry per ROI, in order. */
	public static void writeRoiZip(List<Roi> rois, Path zip) throws IOException {
		try (ZipOutputStream out = new ZipOutputStream(new BufferedOutputStream(Files
			.newOutputStream(zip))))
		{
			DataOutputStream data = new DataOutputStream(out);
			int i = 1;
			for (Roi roi : rois) {
				String name = String.format("%04d-%s.roi", i++, roi.getName() == null ? "roi" : roi
					.getName().replaceAll("[^A-Za-z0-9 #_-]", "_"));
				out.putNextEntry(new ZipEntry(name));
				new RoiEncoder(data).write(roi);
				data.flush();
			}
		}
	}

	static Map<String, Object> manifest(ExplainResult r, ExplainJob job, String inputFile) {
		Explanation e = r.explanation;
		ExplainableModel m = r.model;
		Map<String, Object> out = new LinkedHashMap<>();
		out.put("input", inputFile);
		Map<String, Object> model = new LinkedHashMap<>();
		model.put("path", m.bundle().folder.toString());
		model.put("file", m.bundle().modelPath.toString());
		model.put("sha256", sha256(m.bundle().modelPath));
		model.put("name", m.spec().name);
		model.put("assumptions", m.spec().assumptions);
		out.put("model", model);
		Map<String, Object> method = new LinkedHashMap<>();
		method.put("id", e.method);
		method.put("title", e.methodTitle);
		method.put("parameters", job.describe());
		out.put("method", method);
		List<Map<String, Object>> targets = new ArrayList<>();
		for (Attribution a : e.attributions) {
			Map<String, Object> t = new LinkedHashMap<>();
			t.put("index", a.classIndex);
			t.put("label", a.label);
			t.put("logit", a.logit);
			t.put("probability", a.probability);
			t.put("layer", a.layer);
			t.putAll(a.details);
			targets.add(t);
		}
		out.put("targets", targets);
		List<Map<String, Object>> top = new ArrayList<>();
		for (int k : e.top) {
			Map<String, Object> t = new LinkedHashMap<>();
			t.put("index", k);
			t.put("label", m.spec().labels.name(k));
			t.put("probability", e.probabilities[k]);
			top.add(t);
		}
		out.put("predictions", top);
		Map<String, Object> timing = new LinkedHashMap<>();
		timing.put("preprocessMs", e.preprocessMs);
		timing.put("methodMs", e.methodMs);
		timing.put("totalMs", e.totalMs);
		out.put("timings", timing);
		Map<String, Object> versions = new LinkedHashMap<>();
		versions.put("explainCnn", version());
		versions.put("djl", TensorFlowRuntime.djlVersion());
		versions.put("tensorflow", TensorFlowRuntime.tensorFlowVersion());
		versions.put("java", System.getProperty("java.version"));
		out.put("versions", versions);
		return out;
	}

	public static String version() {
		String v = ImageExplainer.class.getPackage().getImplementationVersion();
		return v != null ? v : "development";
	}

	static String sha256(Path modelPath) {
		Path file = Files.isDirectory(modelPath) ? modelPath.resolve("saved_model.pb") : modelPath;
		return SHA256.computeIfAbsent(file, f -> {
			try (InputStream in = Files.newInputStream(f)) {
				MessageDigest md = MessageDigest.getInstance("SHA-256");
				byte[] buf = new byte[1 << 16];
				for (int n; (n = in.read(buf)) > 0;)
					md.update(buf, 0, n);
				return HexFormat.of().formatHex(md.digest());
			}
			catch (Exception ex) {
				return "unreadable: " + ex.getMessage();
			}
		});
	}
}
