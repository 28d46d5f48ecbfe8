package org.explaincnn.ij.render;

import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.ImageRoi;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import ij.process.LUT;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.explaincnn.core.Attribution;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.Concepts;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explanation;
import org.explaincnn.core.Labels;
import org.explaincnn.ij.ExplainResult;
import org.explaincnn.ij.Luts;

/**
 * Draws an explanation as ImageJ objects: a 32-bit heatmap with the input's size and calibration
 * (one slice per class or layer), the coloured map and ROIs on the input's overlay (its pixels are
 * never changed), and the flattened preview written as the overlay PNG. {@link #update} redraws
 * a new explanation of the same input into the objects already shown, for a live view.
 */
public final class ExplanationRenderer {

	/** Below this fraction of the display maximum the overlay is transparent (display only). */
	public static final double OVERLAY_FLOOR = 0.1;

	private ExplanationRenderer() {}

	public static ExplainResult render(ImagePlus input, Explanation e, ExplainableModel model,
		RenderOptions o)
	{
		// Deep Feature Factorization's concepts are drawn their own way (label image, legend).
		Concepts concepts = Concepts.of(e);
		if (concepts != null) return ConceptRenderer.render(input, e, concepts, model, o);
		ImagePlus heatmap = new ImagePlus();
		fillHeatmap(heatmap, input, e, lutFor(e, o), model.spec().labels);
		return draw(input, e, model, o, heatmap, List.of());
	}

	/**
	 * Redraws {@code next} (an explanation of the same input) into what {@code shown} drew: the same
	 * heatmap ImagePlus gets the new pixels, title, display range and properties (a window showing
	 * it stays open), and the input's overlay exchanges the old map and ROIs for the new ones,
	 * keeping everything else on it.
	 */
	public static ExplainResult update(ExplainResult shown, ImagePlus input, Explanation next,
		RenderOptions o)
	{
		Concepts concepts = Concepts.of(next);
		if (concepts != null) {
			ExplainResult r = ConceptRenderer.render(input, next, concepts, shown.model, o,
				shown.heatmap, shown.inputOverlay);
			shown.heatmap.updateAndDraw();
			return r;
		}
		fillHeatmap(shown.heatmap, input, next, lutFor(next, o), shown.model.spec().labels);
		ExplainResult r = draw(input, next, shown.model, o, shown.heatmap, shown.inputOverlay);
		shown.heatmap.updateAndDraw();
		return r;
	}

	/** ROIs, overlays and preview around a filled heatmap; {@code previous} is removed from the input. */
	private static ExplainResult draw(ImagePlus input, Explanation e, ExplainableModel model,
		RenderOptions o, ImagePlus heatmap, List<Roi> previous)
	{
		LUT lut = lutFor(e, o);
		List<Roi> rois = new ArrayList<>();
		for (int i = 0; i < e.attributions.size(); i++) {
			Attribution a = e.attributions.get(i);
			List<Roi> regions = o.rois ? ThresholdRois.regions(a.map, a.width, a.height, o.threshold,
				model.spec().labels.shortName(a.classIndex)) : List.of();
			for (Roi r : regions) {
				if (e.attributions.size() > 1) r.setPosition(i + 1);
				r.setStrokeColor(Color.cyan);
			}
			rois.addAll(regions);
		}
		List<Roi> onInput = new ArrayList<>();
		if (o.drawOnInput) {
			// The input keeps its pixels; it gains the first class's map and all ROIs as overlay.
			Overlay overlay = input.getOverlay() != null ? input.getOverlay() : new Overlay();
			for (Roi old : previous)
				overlay.remove(old);
			if (o.opacity > 0) {
				ImageRoi map = colouredRoi(e.attributions.get(0), heatmap, lut, o.opacity);
				overlay.add(map, "Explain CNN " + e.methodTitle);
				onInput.add(map);
			}
			for (Roi r : rois) {
				Roi copy = (Roi) r.clone();
				copy.setPosition(0);
				overlay.add(copy);
				onInput.add(copy);
			}
			input.setOverlay(overlay);
		}
		Overlay heatOverlay = new Overlay();
		rois.forEach(r -> heatOverlay.add((Roi) r.clone()));
		heatmap.setOverlay(heatOverlay);
		ImagePlus preview = o.preview ? preview(input, e, heatmap, lut, o.opacity, rois) : null;
		return new ExplainResult(e, heatmap, preview, rois, model, onInput);
	}

	/** Sets the maps, title, calibration, LUT, display range and properties of {@code heat}. */
	private static void fillHeatmap(ImagePlus heat, ImagePlus imp, Explanation e, LUT lut,
		Labels labels)
	{
		Attribution first = e.attributions.get(0);
		ImageStack stack = new ImageStack(first.width, first.height);
		boolean perLayer = e.attributions.size() > 1 && e.attributions.stream().map(a -> a.layer)
			.distinct().count() > 1;
		for (Attribution a : e.attributions) {
			FloatProcessor fp = new FloatProcessor(a.width, a.height, a.map.clone());
			stack.addSlice(perLayer ? a.layer : a.label + " (" + a.classIndex + ")", fp);
		}
		String layer = first.layer == null ? "" : " @ " + first.layer.substring(first.layer
			.lastIndexOf('/') + 1);
		String what = e.attributions.size() == 1 || perLayer ? first.label.split(",")[0] : e
			.attributions.size() + " classes";
		if (perLayer) layer = " @ " + e.attributions.size() + " layers";
		heat.setStack(e.methodTitle + " " + what + layer + " - " + imp.getTitle(), stack);
		heat.setCalibration(imp.getCalibration().copy());
		heat.getProcessor().setLut(lut);
		double[] range = displayRange(e);
		heat.setDisplayRange(range[0], range[1]);
		heat.setProp("ExplainCNN.method", e.method);
		heat.setProp("ExplainCNN.class", first.classIndex);
		heat.setProp("ExplainCNN.label", first.label);
		heat.setProp("ExplainCNN.score", first.logit);
		heat.setProp("ExplainCNN.probability", first.probability);
		heat.setProp("ExplainCNN.layer", first.layer == null ? "" : first.layer);
		heat.setProp("ExplainCNN.predicted", e.top[0]);
		heat.setProp("ExplainCNN.predictedLabel", labels.name(e.top[0]));
		heat.setProp("ExplainCNN.predictedProbability", e.probabilities[e.top[0]]);
		heat.setProp("ExplainCNN.ms", String.format(Locale.ROOT, "%.1f", e.totalMs));
	}

	/**
	 * The display (and overlay) range of an explanation's maps: the evidence for the class, from 0
	 * to the 99.5th percentile of the positive values (pixel-level maps have a few outliers that
	 * would leave the rest black); signed maps with negative values (evidence against the class)
	 * centred on 0 instead. All values stay in the 32-bit data. A map without evidence gets 0 to
	 * its largest magnitude (at least 1).
	 */
	public static double[] displayRange(Explanation e) {
		double[] r = evidenceRange(e);
		if (r[1] > 0) return r;
		double lo = 0;
		for (Attribution a : e.attributions)
			for (float v : a.map)
				lo = Math.min(lo, v);
		return new double[] { 0, Math.max(-lo, 1) };
	}

	/**
	 * {@link #displayRange} without the fallback: {0, 0} for maps without evidence, so that a stack
	 * can combine its planes' ranges ({@link #union}) without a blank plane widening them.
	 */
	public static double[] evidenceRange(Explanation e) {
		float lo = 0, hi = 0; // maps hold no NaN (Explainer refuses them)
		for (Attribution a : e.attributions)
			for (float v : a.map) {
				if (v < lo) lo = v;
				else if (v > hi) hi = v;
			}
		if (signed(e) && lo < 0) return new double[] { -Math.max(-lo, hi), Math.max(-lo, hi) };
		return new double[] { 0, hi > 0 ? positivePercentile(e, 0.995) : 0 };
	}

	/** One range showing every plane as its own range would: centred on 0 if any was. */
	public static double[] union(double[] a, double[] b) {
		double lo = Math.min(a[0], b[0]), hi = Math.max(a[1], b[1]);
		if (lo < 0) return new double[] { -Math.max(-lo, hi), Math.max(-lo, hi) };
		return new double[] { lo, hi };
	}

	/**
	 * True for maps whose negative values are evidence against the class (feature ablation, LIME,
	 * KernelSHAP: {@link ClassMap#SIGNED}).
	 */
	static boolean signed(Explanation e) {
		return Boolean.TRUE.equals(e.attributions.get(0).details.get(ClassMap.SIGNED));
	}

	/**
	 * The colour map: the chosen one, except that signed maps drawn with the default LUT get
	 * {@link #DIVERGING}, so that evidence for and against the class have different colours.
	 */
	public static LUT lutFor(Explanation e, RenderOptions o) {
		return signed(e) && (o.lutName == null || o.lutName.isBlank() || o.lutName.strip()
			.equalsIgnoreCase(Luts.DEFAULT)) ? DIVERGING : o.lut;
	}

	/** Blue (against the class) through white (0) to red (for the class). */
	static final LUT DIVERGING = diverging();

	private static LUT diverging() {
		byte[] r = new byte[256], g = new byte[256], b = new byte[256];
		for (int i = 0; i < 256; i++) {
			double t = (i - 127.5) / 127.5; // -1 .. 1
			int fade = (int) Math.round(255 * (1 - Math.abs(t)));
			r[i] = (byte) (t > 0 ? 255 : fade);
			g[i] = (byte) fade;
			b[i] = (byte) (t < 0 ? 255 : fade);
		}
		return new LUT(r, g, b);
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
		return select(positive, Math.min(n - 1, (int) (q * n)));
	}

	/**
	 * The k-th smallest value (what sorting and taking element k gives) in linear expected time:
	 * sorting every positive value of a large map cost more than drawing it.
	 */
	public static float select(float[] v, int k) {
		int lo = 0, hi = v.length - 1;
		while (lo < hi) {
			float pivot = v[(lo + hi) >>> 1];
			int i = lo, j = hi;
			while (i <= j) {
				while (v[i] < pivot)
					i++;
				while (v[j] > pivot)
					j--;
				if (i <= j) {
					float t = v[i];
					v[i++] = v[j];
					v[j--] = t;
				}
			}
			if (k <= j) hi = j;
			else if (k >= i) lo = i;
			else return v[k];
		}
		return v[k];
	}

	/**
	 * The map coloured with the LUT as an overlay image. Weak evidence (below 10% of the display
	 * maximum) is left transparent so the image shows through; the 32-bit heatmap keeps all values.
	 */
	private static ImageRoi colouredRoi(Attribution a, ImagePlus heatmap, LUT lut, double opacity) {
		return colouredRoi(a.map, a.width, a.height, heatmap.getDisplayRangeMin(), heatmap
			.getDisplayRangeMax(), lut, opacity, "heatmap " + a.label.split(",")[0]);
	}

	/** A map coloured with the LUT over the display range lo..hi, as an overlay image. */
	public static ImageRoi colouredRoi(float[] map, int width, int height, double lo, double hi,
		LUT lut, double opacity, String name)
	{
		ImageRoi roi = new ImageRoi(0, 0, coloured(map, width, height, lo, hi, lut));
		roi.setOpacity(opacity);
		roi.setZeroTransparent(true);
		roi.setName(name);
		return roi;
	}

	/**
	 * The map in the LUT's colours over lo..hi, weak evidence (below the floor) black. The levels
	 * are ImageJ's 8-bit conversion; the colours are looked up here, as ImageJ's RGB conversion
	 * gives them (tested), without its trip through an AWT image and PixelGrabber.
	 */
	static ColorProcessor coloured(float[] map, int width, int height, double lo, double hi,
		LUT lut)
	{
		FloatProcessor fp = new FloatProcessor(width, height, map);
		fp.setMinAndMax(lo, hi);
		byte[] level = (byte[]) fp.convertToByteProcessor(true).getPixels();
		int[] colour = new int[256];
		for (int i = 0; i < Math.min(256, lut.getMapSize()); i++)
			colour[i] = 0xff000000 | lut.getRGB(i);
		double floor = OVERLAY_FLOOR * Math.max(Math.abs(lo), Math.abs(hi));
		int[] px = new int[level.length];
		for (int i = 0; i < px.length; i++)
			if (!(Math.abs(map[i]) < floor)) px[i] = colour[level[i] & 0xff];
		return new ColorProcessor(width, height, px);
	}

	/**
	 * {@code base} with the map blended in as the overlay ImageRoi draws it (opacity over the
	 * colours; black, i.e. weak evidence, transparent), computed on the pixels: drawing the ImageRoi
	 * through AWT took most of a folder run's drawing time.
	 */
	static void blend(int[] base, int[] colours, double opacity) {
		int[] mixed = mixTable(opacity);
		for (int i = 0; i < base.length; i++) {
			int c = colours[i];
			int r = (c >> 16) & 0xff, g = (c >> 8) & 0xff, b = c & 0xff;
			// ImageRoi's zero transparency: pixels of mean value 1 or less are not drawn.
			if (r + g + b <= 3) continue;
			int d = base[i];
			// Entry under * 256 + over of the table.
			base[i] = d & 0xff000000 | mixed[(d >> 8) & 0xff00 | r] << 16 | mixed[d & 0xff00 | g] << 8 |
				mixed[(d & 0xff) << 8 | b];
		}
	}

	private static int mix(int under, int over, double opacity) {
		return (int) Math.round(under + (over - under) * opacity);
	}

	/** {@link #mix} of every pair of 8-bit values at one opacity. */
	private record MixTable(double opacity, int[] values) {}

	/** The last table made: a folder's overlays share one opacity. */
	private static volatile MixTable lastMix;

	/**
	 * {@link #mix} for every (under, over) pair, at entry under * 256 + over: the same values, made
	 * once per opacity rather than three roundings per pixel of every overlay.
	 */
	private static int[] mixTable(double opacity) {
		MixTable t = lastMix;
		if (t != null && t.opacity == opacity) return t.values;
		int[] values = new int[256 * 256];
		for (int under = 0; under < 256; under++)
			for (int over = 0; over < 256; over++)
				values[under << 8 | over] = mix(under, over, opacity);
		lastMix = new MixTable(opacity, values);
		return values;
	}

	/** Input with heatmap and ROIs burnt in; one panel per class, side by side. */
	private static ImagePlus preview(ImagePlus imp, Explanation e, ImagePlus heatmap, LUT lut,
		double opacity, List<Roi> rois)
	{
		ImageProcessor rgbBase = flatInput(imp);
		int w = rgbBase.getWidth(), h = rgbBase.getHeight(), n = e.attributions.size();
		String title = heatmap.getTitle() + " (overlay)";
		ColorProcessor montage = n == 1 ? null : new ColorProcessor(w * n, h);
		for (int i = 0; i < n; i++) {
			Attribution a = e.attributions.get(i);
			ImageProcessor blended = n == 1 ? rgbBase : rgbBase.duplicate();
			blend((int[]) blended.getPixels(), (int[]) coloured(a.map, a.width, a.height, heatmap
				.getDisplayRangeMin(), heatmap.getDisplayRangeMax(), lut).getPixels(), Math.max(
					opacity, 0.01));
			// Outlines drawn on the pixels, as flattening the overlay draws them (the same pixels,
			// tested) without a trip through an AWT image.
			for (Roi r : rois)
				if (n == 1 || r.getPosition() == i + 1) {
					blended.setColor(r.getStrokeColor());
					r.drawPixels(blended);
				}
			if (n == 1) return new ImagePlus(title, blended);
			montage.insert(blended, i * w, 0);
		}
		return new ImagePlus(title, montage);
	}

	/** The input as RGB as displayed, without its overlay. */
	private static ImageProcessor flatInput(ImagePlus imp) {
		// An RGB image is displayed as its pixels (no LUT, no display range to apply).
		if (imp.getType() == ImagePlus.COLOR_RGB && !imp.isComposite() && imp.getStackSize() == 1 &&
			imp.getRoi() == null) return imp.getProcessor().duplicate();
		ImagePlus base = imp.duplicate();
		base.setOverlay(null);
		return base.flatten().getProcessor();
	}

	/**
	 * A figure: the input, the coloured heatmap and the overlay side by side (first class), as the
	 * Grad-CAM papers show them. Needs the preview.
	 */
	public static ImagePlus panel(ImagePlus input, ExplainResult r, LUT lut) {
		ImageProcessor left = flatInput(input);
		int w = left.getWidth(), h = left.getHeight();
		ImageProcessor heat = r.heatmap.getStack().getProcessor(1).duplicate();
		heat.setMinAndMax(r.heatmap.getDisplayRangeMin(), r.heatmap.getDisplayRangeMax());
		ImageProcessor heatBytes = heat.convertToByteProcessor(true);
		// A label image keeps its own colours (one per concept), a signed map its centred colour map.
		heatBytes.setLut(Concepts.of(r.explanation) != null ? ConceptRenderer.lut() : signed(r.explanation)
			? r.heatmap.getProcessor().getLut() : lut);
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
}
