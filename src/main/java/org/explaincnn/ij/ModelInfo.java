package org.explaincnn.ij;

import ij.ImagePlus;

import java.util.Locale;

import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.ModelSpec;
import org.explaincnn.core.Pass;
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.Passes;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.TargetSpec;

/** The text of Model Info: inputs, outputs, preprocessing, labels, layers, and predictions. */
public final class ModelInfo {

	private ModelInfo() {}

	public static String describe(ExplainableModel m, ImagePlus imp, boolean currentSlice) {
		ModelSpec s = m.spec();
		StringBuilder sb = new StringBuilder();
		sb.append("Model: ").append(s.name).append('\n');
		sb.append("Folder: ").append(m.bundle().folder).append(" (").append(m.bundle().format).append(
			": ").append(m.bundle().modelPath.getFileName()).append(")\n");
		sb.append("Input: ").append(s.input).append(" ").append(s.layout).append(" ").append(
			s.height < 0 ? "any" : s.height + "x" + s.width).append("x").append(s.channels).append(
				" ").append(s.channelOrder).append(", resize ").append(s.resize.name().toLowerCase(
					Locale.ROOT)).append('\n');
		sb.append("Preprocessing: ").append(s.preprocessingText()).append(" on 0..255 pixels\n");
		sb.append("Logits: ").append(s.logits).append("\nProbabilities: ").append(s.probabilities)
			.append('\n');
		sb.append("Classes: ").append(s.classes).append(" (labels: ").append(m.bundle().labelsPath ==
			null ? "none" : m.bundle().labelsPath.getFileName()).append(")\n");
		sb.append("Largest batch: ").append(s.maxBatch == Integer.MAX_VALUE ? "any" : s.maxBatch)
			.append('\n');
		for (String a : s.assumptions)
			sb.append("Assumed: ").append(a).append('\n');
		sb.append("Layers (spatial feature maps, input to output):\n");
		String def = m.layers().isEmpty() ? null : m.defaultLayer().name;
		for (LayerInfo l : m.layers())
			sb.append(String.format(Locale.ROOT, "  %-60s %-22s %s%s%n", l.name, l.opType, l
				.shapeText(), l.name.equals(def) ? "  <- default Grad-CAM layer" : ""));
		if (imp != null) {
			ImagePlusInput in = ImagePlusInput.read(imp, currentSlice, x -> {});
			PreparedImage p = PreparedImage.of(in.raster, in.width, in.height, in.channels, s);
			Pass f = Passes.run(m, p, new PassRequest(p.modelInput, 1));
			sb.append("Top-5 for '").append(imp.getTitle()).append("':\n");
			for (int k : TargetSpec.best(f.probabilities, 5))
				sb.append(String.format(Locale.ROOT, "  %5d  %-40s p=%.4f  logit=%.3f%n", k, s.labels
					.name(k), f.probabilities[k], f.logits[k]));
		}
		return sb.toString();
	}
}
