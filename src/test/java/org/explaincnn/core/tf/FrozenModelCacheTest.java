package org.explaincnn.core.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.explaincnn.PrivateCache;
import org.explaincnn.TinyModels;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.ModelSpec;
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.methods.Methods;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.AssignVariableOp;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.types.TFloat32;

/**
 * A Keras SavedModel is loaded the slow way once; later opens take its frozen copy from the cache
 * and must explain exactly as the original did: same layers, scores, Grad-CAM maps and input
 * gradients. A damaged copy is rebuilt.
 */
class FrozenModelCacheTest {

	@TempDir
	Path tmp;

	@RegisterExtension
	final PrivateCache cache = new PrivateCache();



	/** Everything an explanation depends on, from one open of the model. */
	static final class Outcome {
		boolean fromCache;
		List<String> layers = new ArrayList<>();
		String defaultLayer, input, logits, probabilities;
		List<float[]> values = new ArrayList<>();
	}

	private static Outcome open(Path bundle, float[] x, int classes) {
		Outcome o = new Outcome();
		try (ExplainableModel m = ExplainableModel.open(bundle)) {
			ModelSpec spec = m.spec();
			o.fromCache = spec.assumptions.stream().anyMatch(a -> a.startsWith(
				FrozenModelCache.ASSUMPTION));
			for (LayerInfo l : m.layers())
				o.layers.add(l.name + " " + l.opType + " " + Arrays.toString(l.spatial) + "x" +
					l.channels);
			o.defaultLayer = m.defaultLayer() == null ? null : m.defaultLayer().name;
			o.input = spec.input;
			o.logits = spec.logits;
			o.probabilities = spec.probabilities;
			o.values.add(m.forward(x, 1).logits);
			o.values.add(m.forward(x, 1).probabilities);
			for (int cls = 0; cls < classes; cls++) {
				if (o.defaultLayer != null) o.values.add(Methods.byName("gradcam").explain(m,
					PreparedImage.of(x, spec.width, spec.height,
					spec.channels, spec), new int[] { cls }, ExplainOptions.DEFAULTS).get(
						0).map);
				float[] seed = new float[classes];
				seed[cls] = 1;
				o.values.add(m.run(new PassRequest(x, 1).seed(seed).inputGradient()).inputGradient.data);
			}
		}
		return o;
	}

	/**
	 * Largest |a - b| relative to the array's largest |a| over all values of both outcomes. With
	 * the weights as constants TensorFlow may fold ops differently (float sums in another order):
	 * measured 0 on the tiny model and 1.1e-6 on the Keras 3 fixture (a Grad-CAM map of a class
	 * whose largest value is 2e-5; its logits differ by 6e-8); 1e-5 is allowed.
	 */
	private static double assertSame(Outcome first, Outcome second) {
		assertEquals(first.layers, second.layers, "layer list");
		assertEquals(first.defaultLayer, second.defaultLayer);
		assertEquals(first.input, second.input);
		assertEquals(first.logits, second.logits);
		assertEquals(first.probabilities, second.probabilities);
		assertEquals(first.values.size(), second.values.size());
		double worst = 0;
		for (int i = 0; i < first.values.size(); i++) {
			float[] a = first.values.get(i), b = second.values.get(i);
			assertEquals(a.length, b.length);
			float scale = 0;
			for (float v : a)
				scale = Math.max(scale, Math.abs(v));
			for (int j = 0; j < a.length; j++) {
				// relative to the array's largest value: tiny entries are sums that cancel
				double rel = Math.abs(a[j] - b[j]) / Math.max(scale, 1e-30f);
				assertTrue(rel <= 1e-5, "value " + i + "[" + j + "]: " + a[j] + " vs " + b[j]);
				worst = Math.max(worst, rel);
			}
		}
		return worst;
	}

	private Path onlyEntry() throws Exception {
		try (Stream<Path> s = Files.list(cache.root().resolve("savedmodels"))) {
			List<Path> entries = s.filter(p -> !p.getFileName().toString().startsWith("export"))
				.collect(Collectors.toList());
			assertEquals(1, entries.size(), "one cache entry: " + entries);
			return entries.get(0);
		}
	}

	@Test
	void kerasStyleModelIsFrozenOnceAndExplainsTheSameFromTheCopy() throws Exception {
		TinyModels.GapDense net = new TinyModels.GapDense(21);
		Path keras = TinyModels.kerasStyleBundle(tmp.resolve("keras"), net.graph(), "input",
			"probabilities", "{\"mean\": [0], \"std\": [1]}");
		float[] x = GradientEngineTest.randomInput(72, 9);
		Outcome first = open(keras, x, 3);
		assertFalse(first.fromCache);
		assertTrue(first.layers.stream().anyMatch(l -> l.startsWith(
			"StatefulPartitionedCall/features ")), "inlined layers: " + first.layers);
		Outcome second = open(keras, x, 3);
		assertTrue(second.fromCache, "the second open takes the frozen copy");
		System.out.println("keras-style tiny model: largest relative difference " + assertSame(
			first, second));

		// A damaged copy (a file of it changed) is noticed, and the model loads the slow way and
		// writes the copy again.
		Path entry = onlyEntry();
		Files.write(entry.resolve("saved_model.pb"), new byte[] { 1, 2, 3 });
		Outcome healed = open(keras, x, 3);
		assertFalse(healed.fromCache, "a damaged copy is not used");
		assertSame(first, healed);
		assertTrue(FrozenGraphConverter.readComplete(onlyEntry()) != null, "the copy is rebuilt");
		assertTrue(open(keras, x, 3).fromCache);
	}

	@Test
	void keras3TfSavedModelSaveIsFrozenWithItsRestoredVariables() throws Exception {
		Path dir = KerasSavedModelFormsTest.fixture();
		float[] x = KerasSavedModelFormsTest.probe(32);
		Outcome first = open(dir, x, 10);
		assertFalse(first.fromCache);
		Outcome second = open(dir, x, 10);
		assertTrue(second.fromCache, "the second open takes the frozen copy");
		System.out.println("keras 3 fixture: largest relative difference " + assertSame(first,
			second));
	}

	/**
	 * A variable read becomes a Const of the same name holding the session's value; an op that
	 * needs the variable itself at run time (ResourceGather) makes the graph unfreezable.
	 */
	@Test
	void readsBecomeConstantsAndResourceOpsAreNotFrozen() {
		try (Graph g = new Graph(); Session s = new Session(g)) {
			Ops tf = Ops.create(g);
			Placeholder<TFloat32> in = tf.withName("input").placeholder(TFloat32.class,
				Placeholder.shape(Shape.of(-1, 3)));
			VarHandleOp v = tf.withName("v").varHandleOp(TFloat32.class, Shape.of(2, 3));
			AssignVariableOp init = tf.assignVariableOp(v, tf.constant(new float[][] { { 1, 2, 3 }, {
				4, 5, 6 } }));
			Operand<TFloat32> read = tf.withName("read").readVariableOp(v, TFloat32.class);
			tf.withName("scores").math.add(in, tf.reduceSum(read, tf.constant(0)));
			tf.withName("gathered").math.add(in, tf.resourceGather(v, tf.constant(new int[] { 1 }),
				TFloat32.class));
			s.runner().addTarget(init).run();

			GraphDef frozen = FrozenModelCache.freeze(g, s, "input:0", "scores:0");
			Map<String, NodeDef> nodes = new HashMap<>();
			for (NodeDef n : frozen.getNodeList())
				nodes.put(n.getName(), n);
			assertEquals("Const", nodes.get("read").getOp());
			assertFalse(nodes.containsKey("v"), "the variable is gone: " + nodes.keySet());
			assertFalse(nodes.containsKey("gathered"), "only the subgraph to the scores is kept");
			try (Graph f = new Graph()) {
				f.importGraphDef(frozen);
				try (Session fs = new Session(f); TFloat32 x = TFloat32.tensorOf(Shape.of(1, 3),
					DataBuffers.of(new float[] { 10, 20, 30 })); Result r = fs.runner().feed("input",
						x).fetch("scores").run())
				{
					assertArrayEquals(new float[] { 15, 27, 39 }, Tensors.read((TFloat32) r.get(0)));
				}
			}
			assertNull(FrozenModelCache.freeze(g, s, "input:0", "gathered:0"));
		}
	}
}
