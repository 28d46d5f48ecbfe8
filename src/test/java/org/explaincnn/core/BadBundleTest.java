package org.explaincnn.core;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.explaincnn.TestData;
import org.explaincnn.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad bundle fails with one line that names the problem and the fix. */
class BadBundleTest {

	@TempDir
	Path tmp;

	private static void fails(Path bundle, String... expected) {
		ExplainException e = assertThrows(ExplainException.class, () -> {
			try (ExplainableModel m = ExplainableModel.open(bundle)) {
				m.defaultLayer();
			}
		});
		String msg = e.getMessage();
		assertTrue(!msg.contains("\n"), "one line: " + msg);
		for (String part : expected)
			assertTrue(msg.contains(part), "'" + part + "' missing from: " + msg);
	}

	private Path gap(String name, String descriptor) throws Exception {
		return TinyModels.frozenBundle(tmp.resolve(name), new TinyModels.GapDense(1).graph(),
			descriptor);
	}

	@Test
	void missingFolder() {
		fails(tmp.resolve("nope"), "Model folder not found", "saved_model.pb");
	}

	@Test
	void folderWithoutModel() throws Exception {
		Files.createDirectories(tmp.resolve("empty"));
		Files.writeString(tmp.resolve("empty/readme.txt"), "nothing");
		fails(tmp.resolve("empty"), "No model in", "frozen graph");
	}

	@Test
	void unknownTensorName() throws Exception {
		fails(gap("badname", "{\"logits\": \"no_such_op\", \"mean\": [0], \"std\": [1]}"),
			"'no_such_op'", "not in the graph");
	}

	@Test
	void channelCountThatDoesNotFit() throws Exception {
		fails(gap("rgb", "{\"channelOrder\": \"RGB\", \"logits\": \"logits\"}"),
			"3 channel(s)", "has 2", "channelOrder");
	}

	@Test
	void inputRankThatDoesNotFit() throws Exception {
		org.tensorflow.proto.GraphDef def;
		try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
			org.tensorflow.op.Ops tf = org.tensorflow.op.Ops.create(g);
			var x = tf.withName("input").placeholder(org.tensorflow.types.TFloat32.class,
				org.tensorflow.op.core.Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, 10)));
			tf.withName("logits").math.mul(x, tf.constant(2f));
			def = g.toGraphDef();
		}
		fails(TinyModels.frozenBundle(tmp.resolve("vector"), def, null), "shape [-1, 10]",
			"image input");
	}

	@Test
	void labelsCountThatDoesNotMatch() throws Exception {
		Path dir = gap("labels", "{\"logits\": \"logits\", \"mean\": [0], \"std\": [1]}");
		Files.writeString(dir.resolve("labels.txt"), "cat\ndog\n");
		fails(dir, "2 names", "3 classes");
	}

	@Test
	void unknownLayerAndClass() {
		try (ExplainableModel m = ExplainableModel.open(TestData.sampleModel())) {
			ExplainException layer = assertThrows(ExplainException.class, () -> m.layer("conv99"));
			assertTrue(layer.getMessage().contains("Unknown layer 'conv99'") && layer.getMessage()
				.contains("--list-layers"), layer.getMessage());
			ExplainException cls = assertThrows(ExplainException.class, () -> m.spec().labels.indexOf(
				"unicornfish"));
			assertTrue(cls.getMessage().contains("Unknown class 'unicornfish'"), cls.getMessage());
			ExplainException ambiguous = assertThrows(ExplainException.class, () -> m.spec().labels
				.indexOf("bull"));
			assertTrue(ambiguous.getMessage().contains("ambiguous") && ambiguous.getMessage().contains(
				"bull mastiff"), ambiguous.getMessage());
			// An exact synonym wins over prefixes: "tiger" is "tiger, Panthera tigris", not "tiger cat".
			assertTrue(m.spec().labels.name(m.spec().labels.indexOf("Tiger")).startsWith("tiger, Panthera"));
		}
	}

	@Test
	void imageTooSmall() {
		try (ExplainableModel m = ExplainableModel.open(TestData.sampleModel())) {
			ExplainException e = assertThrows(ExplainException.class, () -> PreparedImage.of(
				new float[3], 1, 1, 3, m.spec()));
			assertTrue(e.getMessage().contains("1x1") && e.getMessage().contains("at least"), e
				.getMessage());
			ExplainException channels = assertThrows(ExplainException.class, () -> PreparedImage.of(
				new float[64 * 2], 8, 8, 2, m.spec()));
			assertTrue(channels.getMessage().contains("2 channels but the model expects 3"), channels
				.getMessage());
		}
	}
}
