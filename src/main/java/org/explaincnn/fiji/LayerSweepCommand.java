package org.explaincnn.fiji;

import java.util.List;

import org.explaincnn.core.Param;
import org.explaincnn.ij.CommonParams;
import org.explaincnn.ij.ExplainJob;
import org.scijava.command.Command;
import org.scijava.plugin.Plugin;

/**
 * Layer Sweep: one method that reads a layer, at several layers, as one stack with the layer name
 * per slice (shallow: fine, class-agnostic; deep: coarse, class-specific). The method list is the
 * registry's methods that read a layer.
 */
@Plugin(type = Command.class, label = "Layer Sweep", headless = true)
public class LayerSweepCommand extends ExplainCommand {

	public LayerSweepCommand() {
		super(null);
	}

	@Override
	protected String methodId() {
		Object method = getInput(CommonParams.SWEEP_METHOD.key);
		return method == null ? CommonParams.SWEEP_METHOD.defaultValue : method.toString();
	}

	@Override
	protected List<Param<?>> methodInputs() {
		return List.of(CommonParams.SWEEP_METHOD, CommonParams.SWEEP_LAYERS);
	}

	@Override
	protected void apply(ExplainJob job, Param<?> p, String text) {
		if (p == CommonParams.SWEEP_METHOD) job.method = CommonParams.SWEEP_METHOD.parse(text);
		else if (p == CommonParams.SWEEP_LAYERS) job.sweep = text.isBlank() ? "all" : text.strip();
		else super.apply(job, p, text);
	}
}
