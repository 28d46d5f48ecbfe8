package org.explaincnn.core.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.explaincnn.HeadGraphs;
import org.explaincnn.TestData;
import org.explaincnn.TinyModels;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.LayerInfo;

/**
 * Naming a layer: a typo in the descriptor's targetLayer is one line (it recursed into a
 * StackOverflowError), a tensor that is not a spatial map says so with its shape, and a Keras
 * layer's own name finds the inlined scope ("conv_pw_13_relu" for
 * ".../conv_pw_13_relu_1/Relu6"), with a one-line "ambiguous" listing when several scopes fit.
 */
class LayerLookupTest {

	@TempDir
	Path tmp;

	static final TinyModels.GapDense NET = new TinyModels.GapDense(23);
	/** A Keras 3 MobileNet v1 0.50 SavedModel made by another session; skipped where absent. */
	static final Path KERAS_MOBILENET = TestData.repo().resolve("../cmp-scratch/keras_mobilenet_050")
		.normalize();
	static final String LIST = "list the layers with Model Info or --list-layers";

	static String message(ExplainableModel m, String layer) {
		String msg = assertThrows(ExplainException.class, () -> m.layer(layer)).getMessage();
		assertFalse(msg.contains("\n"), "one line: " + msg);
		return msg;
	}

	@Test
	void aTargetLayerTypoIsOneLineNamingTheLayerAndTheListing() throws Exception {
		Path dir = TinyModels.frozenBundle(tmp.resolve("typo"), NET.graph(),
			"{\"mean\": [0], \"std\": [1], \"targetLayer\": \"featurez\"}");
		ExplainException e = assertThrows(ExplainException.class, () -> ExplainableModel.open(dir)
			.close());
		assertEquals("\"targetLayer\" in explain-cnn.json: Unknown layer 'featurez'; " + LIST +
			" (e.g. 'features'). Fix or remove the field.", e.getMessage());
		// A correct suggestion is the default layer.
		Files.writeString(dir.resolve("explain-cnn.json"),
			"{\"mean\": [0], \"std\": [1], \"targetLayer\": \"conv\"}");
		try (ExplainableModel m = ExplainableModel.open(dir)) {
			assertEquals("conv", m.defaultLayer().name);
		}
	}

	@Test
	void aTensorThatIsNotASpatialMapSaysSo() throws Exception {
		Path dir = TinyModels.frozenBundle(tmp.resolve("gap"), NET.graph(),
			"{\"mean\": [0], \"std\": [1]}");
		try (ExplainableModel m = ExplainableModel.open(dir)) {
			assertEquals("'logits' is not a spatial feature map (shape [-1, 3]); CAM methods need a 4-D " +
				"conv layer output; " + LIST + ".", message(m, "logits"));
			assertEquals("'pool:0' is not a spatial feature map (shape [-1, 4]); CAM methods need a " +
				"4-D conv layer output; " + LIST + ".", message(m, "pool:0"));
			assertEquals("Unknown layer 'conv99'; " + LIST + " (e.g. 'features').", message(m,
				"conv99"));
		}
	}

	@Test
	void kerasLayerNamesFindTheirInlinedScope() throws Exception {
		Path dir = TinyModels.kerasStyleBundle(tmp.resolve("keras"), HeadGraphs.kerasLike(NET,
			new float[1][1][4][4], HeadGraphs.dense(3, 1)), "input", "model/dense/Softmax",
			"{\"mean\": [0], \"std\": [1]}");
		try (ExplainableModel m = ExplainableModel.open(dir)) {
			String scope = "StatefulPartitionedCall/model/";
			assertEquals(scope + "re_lu_1/Relu", m.defaultLayer().name);
			// A Keras name, equal to a scope or with a _N suffix; the scope's last op is its output.
			assertEquals(scope + "re_lu_1/Relu", m.layer("re_lu_1").name);
			assertEquals(scope + "conv2d_1/BiasAdd", m.layer("conv2d_1").name);
			assertEquals(scope + "re_lu_1/Relu", m.layer("model/re_lu_1").name);
			// "re_lu" is the scope re_lu, and re_lu_1 with a suffix: ambiguous, and each listed
			// candidate resolves when given in full.
			assertEquals("Layer 're_lu' is ambiguous, one of: '" + scope + "re_lu', '" + scope +
				"re_lu_1'; give more of the name (Model Info or --list-layers lists the layers).",
				message(m, "re_lu"));
			assertEquals(scope + "re_lu/Relu", m.layer(scope + "re_lu").name);
			assertEquals("Layer 'Relu' is ambiguous, one of: '" + scope + "re_lu/Relu', '" + scope +
				"re_lu_1/Relu'; give more of the name (Model Info or --list-layers lists the layers).",
				message(m, "Relu"));
			// Keras names of layers that are not spatial maps.
			assertEquals("'global_average_pooling2d' is not a spatial feature map (shape [-1, 1, 1, " +
				"4]); CAM methods need a 4-D conv layer output; " + LIST + ".", message(m,
					"global_average_pooling2d"));
			assertEquals("'flatten' is not a spatial feature map (shape [-1, 4]); CAM methods need a " +
				"4-D conv layer output; " + LIST + ".", message(m, "flatten"));
		}
	}

	@Test
	void kerasMobileNetExportAcceptsKerasLayerNames() {
		Path dir = KERAS_MOBILENET;
		assumeTrue(Files.isDirectory(dir), "Keras MobileNet export missing: " + dir);
		try (ExplainableModel m = ExplainableModel.open(dir)) {
			LayerInfo relu = m.layer("conv_pw_13_relu");
			assertTrue(relu.name.endsWith("/conv_pw_13_relu_1/Relu6"), relu.name);
			assertEquals(m.defaultLayer(), relu);
			assertTrue(m.layer("conv_pw_13_bn").name.endsWith("/conv_pw_13_bn_1/batchnorm/add_1"));
			assertTrue(m.layer("conv_dw_1_relu").name.endsWith("/conv_dw_1_relu_1/Relu6"));
			String pooled = message(m, "global_average_pooling2d");
			assertTrue(pooled.startsWith("'global_average_pooling2d' is not a spatial feature map " +
				"(shape [-1, 1, 1, 512])"), pooled);
		}
	}

	@Test
	void kerasTwoMitosisModelAcceptsKerasLayerNames() {
		try (ExplainableModel m = ExplainableModel.open(TestData.realData(
			"models/ibm_max_mitosis_deep_histopath/bundle")))
		{
			assertEquals(m.defaultLayer(), m.layer("activation_28"));
			assertEquals("StatefulPartitionedCall/StatefulPartitionedCall/resnet/conv2d_1/BiasAdd", m
				.layer("conv2d_1").name);
			assertTrue(message(m, "activation").startsWith("Layer 'activation' is ambiguous, one of: "));
			assertTrue(message(m, "flatten_1").startsWith("'flatten_1' is not a spatial feature map " +
				"(shape [-1, 1])"));
		}
	}

	@Test
	void kerasNamesOfDenseLayersAreNotSpatialMaps() {
		// Flatten -> Dense -> Dense: "dense_5" also names its variables outside the forward path.
		try (ExplainableModel m = ExplainableModel.open(TestData.realData(
			"models/kotlindl_mnist_tf2/saved_model")))
		{
			assertEquals("'dense_5' is not a spatial feature map (shape [-1, 10]); CAM methods need a " +
				"4-D conv layer output; " + LIST + ".", message(m, "dense_5"));
			assertEquals("'flatten_2' is not a spatial feature map (shape [-1, 784]); CAM methods " +
				"need a 4-D conv layer output; " + LIST + ".", message(m, "flatten_2"));
		}
	}
}
