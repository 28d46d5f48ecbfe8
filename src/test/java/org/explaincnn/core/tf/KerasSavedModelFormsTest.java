package org.explaincnn.core.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.stream.Stream;

import com.google.gson.Gson;
import com.google.gson.JsonObject;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Pass;
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.methods.Methods;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;

/**
 * A SavedModel written by {@code tf.saved_model.save(model, dir)} from a Keras 3 model (the
 * committed fixture, made by tools/keras-exports/make_exports.py): TensorFlow's session loader
 * leaves the variables the serving function reads uninitialised, and Explain CNN restores them from
 * the checkpoint, so the scores are those Keras computes.
 */
class KerasSavedModelFormsTest {

	@TempDir
	Path tmp;

	static Path fixture() throws Exception {
		return Paths.get(KerasSavedModelFormsTest.class.getResource(
			"/keras3-tf-saved-model-save/saved_model.pb").toURI()).getParent();
	}

	/** The probe image of keras-reference.json, as the model takes it (pixels / 255). */
	static float[] probe(int size) {
		float[] x = new float[size * size * 3];
		for (int y = 0; y < size; y++)
			for (int c = 0; c < size; c++) {
				int i = (y * size + c) * 3;
				x[i] = (255 * c / (size - 1)) / 255f;
				x[i + 1] = (255 * y / (size - 1)) / 255f;
				x[i + 2] = (255 * (c + y) / (2 * size - 2)) / 255f;
			}
		return x;
	}

	@Test
	void tfSavedModelSaveOfAKeras3ModelGivesTheKerasScores() throws Exception {
		Path dir = fixture();
		JsonObject ref = new Gson().fromJson(Files.readString(dir.resolve("keras-reference.json")),
			JsonObject.class);
		int size = ref.get("size").getAsInt();
		float[] x = probe(size);
		try (ExplainableModel m = ExplainableModel.open(dir)) {
			assertTrue(m.spec().assumptions.stream().anyMatch(a -> a.startsWith(
				"12 variables the TensorFlow loader left uninitialised")), "assumptions: " + m.spec()
					.assumptions);
			Pass p = m.forward(x, 1);
			assertEquals(10, p.classes);
			for (int k = 0; k < 10; k++) {
				assertEquals(ref.getAsJsonArray("logits").get(k).getAsFloat(), p.logits[k], 1e-5f,
					"logit " + k);
				assertEquals(ref.getAsJsonArray("probabilities").get(k).getAsFloat(),
					p.probabilities[k], 1e-6f, "probability " + k);
			}
			// Gradients run through the inlined layers, which read the same restored variables.
			assertTrue(m.defaultLayer().name.endsWith("conv2_relu_1/Relu"), m.defaultLayer().name);
			float[] pixels = new float[x.length];
			for (int i = 0; i < x.length; i++)
				pixels[i] = Math.round(x[i] * 255f);
			PreparedImage img = PreparedImage.of(pixels, size, size, 3, m.spec());
			assertArrayEquals(x, img.modelInput, 1e-7f);
			float[] map = Methods.byName("gradcam").explain(m, img, new int[] { 0 },
				ExplainOptions.DEFAULTS).get(0).map;
			float max = 0;
			for (float v : map) {
				assertTrue(Float.isFinite(v));
				max = Math.max(max, v);
			}
			assertTrue(max > 0, "Grad-CAM map is all zero");
			float[] seed = new float[10];
			seed[3] = 1;
			float[] g = m.run(new PassRequest(x, 1).seed(seed).inputGradient()).inputGradient.data;
			float[] v = GradientEngineTest.randomInput(x.length, 5);
			float norm = (float) Math.sqrt(GradientEngineTest.dot(v, v));
			for (int i = 0; i < v.length; i++)
				v[i] /= norm;
			float eps = 1e-2f; // a step of length 0.01: few ReLUs change state
			double fd = (m.forward(GradientEngineTest.axpy(x, eps, v), 1).logits[3] - m.forward(
				GradientEngineTest.axpy(x, -eps, v), 1).logits[3]) / (2 * eps);
			assertEquals(fd, GradientEngineTest.dot(g, v), 0.02 * Math.abs(fd) + 1e-4, "directional derivative");
		}
	}

	@Test
	void variablesThatCannotBeBoundAreRefusedInOneLine() throws Exception {
		Path dir = copy(fixture(), tmp.resolve("unbound"));
		SavedModel sm = SavedModel.parseFrom(Files.readAllBytes(dir.resolve("saved_model.pb")));
		MetaGraphDef.Builder meta = sm.getMetaGraphs(0).toBuilder();
		meta.getObjectGraphDefBuilder().clearConcreteFunctions();
		Files.write(dir.resolve("saved_model.pb"), sm.toBuilder().setMetaGraphs(0, meta).build()
			.toByteArray());
		ExplainException e = assertThrows(ExplainException.class, () -> ExplainableModel.open(dir)
			.close());
		String msg = e.getMessage();
		assertFalse(msg.contains("\n"), msg);
		assertTrue(msg.contains("left 12 variable(s)") && msg.contains("model.export(dir)"), msg);
	}

	private static Path copy(Path from, Path to) throws IOException {
		try (Stream<Path> files = Files.walk(from)) {
			for (Path p : (Iterable<Path>) files::iterator) {
				Path target = to.resolve(from.relativize(p).toString());
				if (Files.isDirectory(p)) Files.createDirectories(target);
				else Files.copy(p, target);
			}
		}
		return to;
	}
}
