package org.explaincnn.ij.render;

import ij.process.LUT;

import org.explaincnn.ij.CommonParams;
import org.explaincnn.ij.Luts;

/**
 * How results are drawn, and which of the drawings are made at all: a front end that writes no
 * overlay PNG asks for no preview, and one whose input is thrown away draws nothing on it.
 */
public final class RenderOptions {

	public final LUT lut;
	public final String lutName;
	/** Opacity of the heatmap on the input and in the preview, 0..1. */
	public final double opacity;
	/** ROI threshold: a fraction of the map's maximum (e.g. "0.5") or "otsu". */
	public final String threshold;
	public final boolean rois;
	/** Add the coloured map and the ROIs to the input's overlay (its pixels are never changed). */
	public final boolean drawOnInput;
	/** Make the flattened input + heatmap + ROIs image (the overlay PNG). */
	public final boolean preview;

	private RenderOptions(String lutName, double opacity, String threshold, boolean rois,
		boolean drawOnInput, boolean preview)
	{
		this.lut = Luts.byName(lutName);
		this.lutName = lutName;
		this.opacity = opacity;
		this.threshold = threshold;
		this.rois = rois;
		this.drawOnInput = drawOnInput;
		this.preview = preview;
	}

	/** Checks the colour map, opacity and threshold before anything runs. */
	public static RenderOptions of(String lutName, double opacity, String threshold, boolean rois,
		boolean drawOnInput, boolean preview)
	{
		CommonParams.checkThreshold(threshold);
		CommonParams.OPACITY.parse(Double.toString(opacity));
		return new RenderOptions(lutName, opacity, threshold, rois, drawOnInput, preview);
	}
}
