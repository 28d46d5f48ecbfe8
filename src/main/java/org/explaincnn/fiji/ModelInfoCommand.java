package org.explaincnn.fiji;

import ij.IJ;
import ij.ImagePlus;

import java.awt.GraphicsEnvironment;
import java.io.File;

import org.explaincnn.core.ExplainException;
import org.explaincnn.ij.CommonParams;
import org.explaincnn.ij.ModelCache;
import org.explaincnn.ij.ModelInfo;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.command.ContextCommand;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.prefs.PrefService;

/**
 * Model Info as a SciJava command: the bundle's inputs, outputs, layers, predictions. No menu path:
 * the menu entry is the ImageJ 1.x one of plugins.config.
 */
@Plugin(type = Command.class, label = "Model Info", headless = true, initializer = "rememberedModel")
public class ModelInfoCommand extends ContextCommand {

	@Parameter(label = "Image", required = false)
	private ImagePlus image;

	@Parameter(label = "Model folder", style = "directory", persist = false)
	private File model;

	@Parameter(label = "Current slice only (stacks)")
	private boolean current = false;

	@Parameter(type = ItemIO.OUTPUT)
	private String info;

	@Parameter
	private LogService log;

	@Parameter
	private PrefService prefs;

	/** The model of the last Explain CNN run that succeeded, shared with the method commands. */
	protected void rememberedModel() {
		String remembered = prefs.get(CommonParams.rememberKey(CommonParams.MODEL));
		if (model == null && remembered != null && !remembered.isBlank()) model = new File(remembered);
	}

	@Override
	public void run() {
		try (ModelCache.Lease lease = ModelCache.acquire(model.toPath())) {
			info = ModelInfo.describe(lease.model(), image, current);
			if (!GraphicsEnvironment.isHeadless()) IJ.log(info);
			prefs.put(CommonParams.rememberKey(CommonParams.MODEL), model.toString());
		}
		catch (ExplainException e) {
			log.error("Explain CNN: " + e.getMessage());
			cancel(e.getMessage());
		}
	}
}
