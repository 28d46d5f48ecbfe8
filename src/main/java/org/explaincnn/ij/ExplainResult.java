package org.explaincnn.ij;

import ij.ImagePlus;
import ij.gui.Roi;

import java.util.List;

import org.explaincnn.core.Explanation;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.ij.io.PlaneTable;

/** The images and ROIs made for one explained image. */
public final class ExplainResult {

	public final Explanation explanation;
	/** 32-bit map, one slice per class, the input's size and calibration. */
	public final ImagePlus heatmap;
	/**
	 * The input with the heatmap burnt in (one panel per class, side by side), for PNG files; null
	 * when the front end asked for none, and for a stack.
	 */
	public final ImagePlus overlayPreview;
	/** ROIs of all classes, named "class #rank", slice position set for multi-class heatmaps. */
	public final List<Roi> rois;
	/**
	 * The model the result came from, read after the run for its spec (labels) and bundle (the
	 * manifest's paths and hash) only: both are plain Java and stay valid once the model is closed,
	 * so a result may outlive the lease it was made under. Never run it from here.
	 */
	public final ExplainableModel model;
	/** What was added to the input's overlay (the coloured map and ROI copies), for redrawing. */
	public final List<Roi> inputOverlay;
	/** For a stack: one row per plane (and map) explained; null for a single image. */
	public final PlaneTable planes;

	public ExplainResult(Explanation explanation, ImagePlus heatmap, ImagePlus overlayPreview,
		List<Roi> rois, ExplainableModel model, List<Roi> inputOverlay)
	{
		this.explanation = explanation;
		this.heatmap = heatmap;
		this.overlayPreview = overlayPreview;
		this.rois = rois;
		this.model = model;
		this.inputOverlay = inputOverlay;
		this.planes = null;
	}

	/** A stack's result: the heatmap is a hyperstack, the ROIs carry their planes' positions. */
	public ExplainResult(Explanation first, ImagePlus heatmap, List<Roi> rois,
		ExplainableModel model, List<Roi> inputOverlay, PlaneTable planes)
	{
		this.explanation = first;
		this.heatmap = heatmap;
		this.overlayPreview = null;
		this.rois = rois;
		this.model = model;
		this.inputOverlay = inputOverlay;
		this.planes = planes;
	}
}
