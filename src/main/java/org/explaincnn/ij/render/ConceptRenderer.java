package org.explaincnn.ij.render;

import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.ImageRoi;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.plugin.filter.ThresholdToSelection;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import ij.process.LUT;

import java.awt.Color;
import java.awt.Font;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.explaincnn.core.Attribution;
import org.explaincnn.core.Concepts;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explanation;
import org.explaincnn.ij.ExplainResult;

/**
 * Draws a Deep Feature Factorization result, which is not one map per class but K concepts: the
 * heatmap is the 32-bit concept label image (value n = concept n) with a LUT of distinct colours
 * (index n = concept n's colour, display range 0..255), one composite ROI per concept named by its
 * classes ("concept 2: tabby 0.41, tiger cat 0.22") in its colour, the coloured labels and ROIs on
 * the input's overlay, and a preview (the overlay PNG) with a legend beside the image: each
 * concept's colour, number, classes and scores, and area.
 */
public final class ConceptRenderer {

	/**
	 * Distinct colours for concepts 1..20 (the start of Glasbey's sequence, light colours left out so
	 * they read on microscopy and photographs alike); further concepts take golden-angle hues.
	 */
	private static final int[] PALETTE = { 0xff0000, 0x0000ff, 0x00c000, 0xff00ff, 0xffa000,
		0x00c0c0, 0x8000ff, 0xa05000, 0x008080, 0xff6090, 0x608000, 0x0080ff, 0x800000, 0x00ff80,
		0x404080, 0xc0a000, 0x800080, 0x00a060, 0xff8060, 0x606060 };

	private ConceptRenderer() {}

	/** Concept n's colour (n from 1). */
	public static Color colour(int n) {
		if (n >= 1 && n <= PALETTE.length) return new Color(PALETTE[n - 1]);
		return Color.getHSBColor((float) ((n * 0.618033988749895) % 1.0), 0.9f, 0.9f);
	}

	/** Index 0 black (no concept), index n concept n's colour. */
	public static LUT lut() {
		byte[] r = new byte[256], g = new byte[256], b = new byte[256];
		for (int n = 1; n < 256; n++) {
			Color c = colour(n);
			r[n] = (byte) c.getRed();
			g[n] = (byte) c.getGreen();
			b[n] = (byte) c.getBlue();
		}
		return new LUT(r, g, b);
	}

	public static ExplainResult render(ImagePlus input, Explanation e, Concepts concepts,
		ExplainableModel model, RenderOptions o)
	{
		return render(input, e, concepts, model, o, new ImagePlus(), List.of());
	}

	/**
	 * Draws into {@code heatmap} (a new ImagePlus, or the one a live view shows, which keeps its
	 * window) and exchanges {@code previous} on the input's overlay for the new concepts.
	 */
	static ExplainResult render(ImagePlus input, Explanation e, Concepts concepts,
		ExplainableModel model, RenderOptions o, ImagePlus heatmap, List<Roi> previous)
	{
		Attribution a = e.attributions.get(0);
		fillLabelImage(heatmap, input, e, concepts, model);
		List<Roi> rois = new ArrayList<>();
		if (o.rois) for (Concepts.Concept c : concepts.concepts) {
			Roi roi = region(a, c.number);
			if (roi == null) continue;
			roi.setName(c.name());
			roi.setStrokeColor(colour(c.number));
			rois.add(ThresholdRois.tag(roi));
		}
		List<Roi> onInput = new ArrayList<>();
		if (o.drawOnInput) {
			Overlay overlay = input.getOverlay() != null ? input.getOverlay() : new Overlay();
			for (Roi old : previous)
				overlay.remove(old);
			if (o.opacity > 0) {
				ImageRoi labels = coloured(a, o.opacity);
				overlay.add(labels, "Explain CNN " + e.methodTitle);
				onInput.add(labels);
			}
			for (Roi r : rois) {
				Roi copy = (Roi) r.clone();
				overlay.add(copy);
				onInput.add(copy);
			}
			input.setOverlay(overlay);
		}
		Overlay heatOverlay = new Overlay();
		rois.forEach(r -> heatOverlay.add((Roi) r.clone()));
		heatmap.setOverlay(heatOverlay);
		ImagePlus preview = o.preview ? preview(input, a, concepts, rois, Math.max(o.opacity, 0.01),
			heatmap.getTitle()) : null;
		return new ExplainResult(e, heatmap, preview, rois, model, onInput);
	}

	/** The label image as 32-bit pixels with the concept colours and the usual properties. */
	private static void fillLabelImage(ImagePlus heat, ImagePlus input, Explanation e,
		Concepts concepts, ExplainableModel model)
	{
		Attribution a = e.attributions.get(0);
		String layer = a.layer == null ? "" : " @ " + a.layer.substring(a.layer.lastIndexOf('/') + 1);
		ImageStack one = new ImageStack(a.width, a.height);
		one.addSlice("concepts", new FloatProcessor(a.width, a.height, a.map.clone()));
		heat.setStack(e.methodTitle + " " + concepts.concepts.size() + " concepts" + layer + " - " +
			input.getTitle(), one);
		heat.setCalibration(input.getCalibration().copy());
		heat.getProcessor().setLut(lut());
		heat.setDisplayRange(0, 255);
		heat.setProp("ExplainCNN.method", e.method);
		heat.setProp("ExplainCNN.class", a.classIndex);
		heat.setProp("ExplainCNN.label", a.label);
		heat.setProp("ExplainCNN.score", a.logit);
		heat.setProp("ExplainCNN.probability", a.probability);
		heat.setProp("ExplainCNN.layer", a.layer == null ? "" : a.layer);
		heat.setProp("ExplainCNN.predicted", e.top[0]);
		heat.setProp("ExplainCNN.predictedLabel", model.spec().labels.name(e.top[0]));
		heat.setProp("ExplainCNN.predictedProbability", e.probabilities[e.top[0]]);
		heat.setProp("ExplainCNN.concepts", concepts.concepts.size());
		heat.setProp("ExplainCNN.ms", String.format(Locale.ROOT, "%.1f", e.totalMs));
	}

	/** The pixels of concept n as one (possibly composite) ROI, or null when it has none. */
	static Roi region(Attribution a, int n) {
		ByteProcessor mask = new ByteProcessor(a.width, a.height);
		byte[] m = (byte[]) mask.getPixels();
		boolean any = false;
		for (int i = 0; i < a.map.length; i++)
			if (a.map[i] == n) {
				m[i] = (byte) 255;
				any = true;
			}
		if (!any) return null;
		mask.setThreshold(255, 255, ImageProcessor.NO_LUT_UPDATE);
		return ThresholdToSelection.run(new ImagePlus("concept " + n, mask));
	}

	/** The per-concept maps (W upsampled, peak 1) as a K-slice 32-bit stack named by concept. */
	public static ImagePlus conceptStack(Concepts concepts, ImagePlus heatmap) {
		ImageStack stack = new ImageStack(concepts.width, concepts.height);
		for (Concepts.Concept c : concepts.concepts)
			stack.addSlice(c.name(), new FloatProcessor(concepts.width, concepts.height, c
				.map()));
		ImagePlus out = new ImagePlus(heatmap.getTitle() + " (concept maps)", stack);
		out.setCalibration(heatmap.getCalibration().copy());
		out.setDisplayRange(0, 1);
		return out;
	}

	/** The label image in the concept colours, as an overlay image (no concept: transparent). */
	private static ImageRoi coloured(Attribution a, double opacity) {
		ColorProcessor rgb = new ColorProcessor(a.width, a.height);
		int[] px = (int[]) rgb.getPixels();
		for (int i = 0; i < px.length; i++) {
			int n = (int) a.map[i];
			px[i] = n == 0 ? 0 : colour(n).getRGB() & 0xffffff;
		}
		ImageRoi roi = new ImageRoi(0, 0, rgb);
		roi.setOpacity(opacity);
		roi.setZeroTransparent(true);
		roi.setName("concepts");
		return roi;
	}

	/** The input with the coloured concepts and their outlines, and the legend to its right. */
	private static ImagePlus preview(ImagePlus input, Attribution a, Concepts concepts,
		List<Roi> rois, double opacity, String title)
	{
		ImagePlus base = input.duplicate();
		base.setOverlay(null);
		ImagePlus drawn = new ImagePlus("concepts", base.flatten().getProcessor());
		Overlay o = new Overlay();
		o.add(coloured(a, opacity));
		for (Roi r : rois) {
			// White outlines: the concept's own colour would vanish on its coloured region.
			Roi outline = (Roi) r.clone();
			outline.setStrokeColor(Color.white);
			o.add(outline);
		}
		drawn.setOverlay(o);
		ImageProcessor picture = drawn.flatten().getProcessor();
		int w = picture.getWidth(), h = picture.getHeight();
		int size = Math.max(11, Math.min(28, h / Math.max(12, 2 * concepts.concepts.size() + 2)));
		Font font = new Font(Font.SANS_SERIF, Font.PLAIN, size);
		ColorProcessor measure = new ColorProcessor(1, 1);
		measure.setFont(font);
		measure.setAntialiasedText(true);
		int line = (int) Math.round(size * 1.6), swatch = size, pad = size / 2;
		int textWidth = 0;
		List<String> texts = new ArrayList<>();
		for (Concepts.Concept c : concepts.concepts) {
			String t = c.name() + String.format(Locale.ROOT, " (%.0f%%)", 100 * c.area);
			texts.add(t);
			textWidth = Math.max(textWidth, measure.getStringWidth(t));
		}
		int legendWidth = pad * 3 + swatch + textWidth;
		int height = Math.max(h, pad * 2 + line * texts.size());
		ColorProcessor out = new ColorProcessor(w + legendWidth, height);
		out.setColor(Color.white);
		out.fill();
		out.insert(picture, 0, 0);
		out.setFont(font);
		out.setAntialiasedText(true);
		for (int i = 0; i < texts.size(); i++) {
			int y = pad + i * line;
			out.setColor(colour(concepts.concepts.get(i).number));
			out.setRoi(w + pad, y + (line - swatch) / 2, swatch, swatch);
			out.fill();
			out.resetRoi();
			out.setColor(Color.black);
			out.drawString(texts.get(i), w + 2 * pad + swatch, y + (line + size) / 2);
		}
		return new ImagePlus(title + " (overlay)", out);
	}
}
