package org.explaincnn.ij.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.explaincnn.core.Attribution;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explanation;
import org.explaincnn.core.Sha256;
import org.explaincnn.core.tf.TensorFlowRuntime;
import org.explaincnn.ij.ExplainResult;

/**
 * The JSON manifest of one explained image: input, model (path, SHA-256, assumptions), method and
 * parameters, targets, top-5 predictions, timings and versions. Built only when asked for: the
 * model's SHA-256 reads the whole model file (once per process).
 */
public final class Manifest {

	private static final Map<Path, String> SHA256 = new ConcurrentHashMap<>();

	private Manifest() {}

	public static Map<String, Object> of(ExplainResult r, Map<String, Object> parameters,
		String inputFile)
	{
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
		method.put("parameters", parameters);
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
		String v = Manifest.class.getPackage().getImplementationVersion();
		return v != null ? v : "development";
	}

	/** SHA-256 of a model file (a SavedModel's saved_model.pb), computed once per process. */
	static String sha256(Path modelPath) {
		Path file = Files.isDirectory(modelPath) ? modelPath.resolve("saved_model.pb") : modelPath;
		return SHA256.computeIfAbsent(file, f -> {
			try {
				return Sha256.of(f);
			}
			catch (IOException | RuntimeException ex) {
				return "unreadable: " + ex.getMessage();
			}
		});
	}
}
