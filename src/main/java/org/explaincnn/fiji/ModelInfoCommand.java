package org.explaincnn.fiji;

import ij.IJ;
import ij.ImagePlus;

import java.io.File;

import org.explaincnn.core.ExplainException;
import org.explaincnn.ij.ModelCache;
import org.explaincnn.ij.ModelInfo;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.command.ContextCommand;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/** Plugins > Explain CNN > Model Info...: the bundle's inputs, outputs, layers, predictions. */
@Plugin(type = Command.class, menuPath = "Plugins>Explain CNN>Model Info...",
	label = "Model Info", headless = true)
public class ModelInfoCommand extends ContextCommand {

	@Parameter(label = "Image", required = false)
	private ImagePlus image;

	@Parameter(label = "Model folder", style = "directory")
	private File model;

	@Parameter(label = "Current slice only (stacks)")
	private boolean current = false;

	@Parameter(type = ItemIO.OUTPUT)
	private String info;

	@Parameter
	private LogService log;

	@Override
	public void run() {
		try {
			info = ModelInfo.describe(ModelCache.get(model.toPath()), image, current);
			if (!java.awt.GraphicsEnvironment.isHeadless()) IJ.log(info);
		}
		catch (ExplainException e) {
			log.error("Explain CNN: " + e.getMessage());
			cancel(e.getMessage());
		}
	}
}
