package org.explaincnn.ij;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Roi;
import ij.plugin.frame.RoiManager;

import java.awt.GraphicsEnvironment;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.explaincnn.core.Attribution;
import org.explaincnn.core.Concepts;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.ij.io.FeatureTable;
import org.explaincnn.ij.io.ResultNames;
import org.explaincnn.ij.render.ConceptRenderer;

/** What the GUI front ends do with a result: show it, fill the ROI Manager, save on request. */
public final class ExplainPresenter {

	private ExplainPresenter() {}

	/** Runs a job on an image as a user action: status bar progress, Esc cancels. */
	public static ExplainResult runInteractive(ImagePlus imp, ExplainJob job,
		Consumer<String> log, BooleanSupplier extraCancel)
	{
		ExplainOptions.ProgressListener progress = (done, total) -> {
			IJ.showProgress(done, total);
			IJ.showStatus("Explain CNN: " + done + "/" + total + " passes");
		};
		IJ.resetEscape();
		IJ.showStatus("Explain CNN: " + job.method + " on " + imp.getTitle() + "...");
		ExplainResult r = ImageExplainer.explain(imp, job, log, progress, () -> IJ.escapePressed() ||
			extraCancel.getAsBoolean());
		IJ.showProgress(1.0);
		Attribution a = r.explanation.attributions.get(0);
		IJ.showStatus(String.format(Locale.ROOT, "Explain CNN: %s %s (p=%.3f) in %.0f ms", r
			.explanation.methodTitle, a.label.split(",")[0], a.probability, r.explanation.totalMs));
		if (job.addRois && !GraphicsEnvironment.isHeadless() && !r.rois.isEmpty()) {
			RoiManager rm = RoiManager.getInstance();
			if (rm == null) rm = new RoiManager();
			for (Roi roi : r.rois)
				rm.addRoi((Roi) roi.clone());
		}
		if (!GraphicsEnvironment.isHeadless() && FeatureTable.has(r.explanation))
			FeatureTable.resultsTable(r.explanation).show(r.explanation.methodTitle + " features");
		// Deep Feature Factorization's per-concept maps: the heatmap shown is its label image.
		Concepts concepts = Concepts.of(r.explanation);
		if (concepts != null && r.planes == null && !GraphicsEnvironment.isHeadless())
			ConceptRenderer.conceptStack(concepts, r.heatmap).show();
		if (r.planes != null && !GraphicsEnvironment.isHeadless()) r.planes.toResultsTable().show(
			"Explain CNN planes - " + imp.getTitle());
		Path saveTo = job.output;
		if (saveTo != null) {
			try {
				String input = imp.getOriginalFileInfo() == null ? imp.getTitle() : imp
					.getOriginalFileInfo().getFilePath();
				String name = ResultNames.forInput(saveTo, imp.getTitle(), r.explanation.method, input);
				List<Path> files = new ArrayList<>(ImageExplainer.save(r, job, saveTo, name,
					true, input));
				if (r.planes != null) files.add(r.planes.write(saveTo.resolve(name + "." + r.explanation
					.method + ".planes.csv")));
				log.accept("Saved " + files);
			}
			catch (IOException e) {
				throw new ExplainException("Could not save results to " + saveTo +
					" (" + e.getMessage() + "); choose a writable folder.");
			}
		}
		return r;
	}
}
