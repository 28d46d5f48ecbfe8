package org.explaincnn.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every rule of spec resolution (descriptor + input shape -> layout, size, channels, order,
 * preprocessing, resize, batch; scores shape + labels -> classes) and every message it gives,
 * without TensorFlow: the resolver takes plain values.
 */
class SpecResolverTest {

	@TempDir
	Path tmp;

	private static ModelSpec resolve(ModelDescriptor d, long[] shape) {
		return resolve(d, shape, SpecResolver.FLOAT, false);
	}

	private static ModelSpec resolve(ModelDescriptor d, long[] shape, String dtype,
		boolean batchRelaxed)
	{
		ModelSpec spec = new ModelSpec();
		spec.input = "in";
		SpecResolver.resolveInput(spec, d, shape, dtype, batchRelaxed);
		return spec;
	}

	private static String fails(ModelDescriptor d, long[] shape) {
		return fails(d, shape, SpecResolver.FLOAT);
	}

	private static String fails(ModelDescriptor d, long[] shape, String dtype) {
		String msg = assertThrows(ExplainException.class, () -> resolve(d, shape, dtype, false))
			.getMessage();
		assertTrue(!msg.contains("\n"), "one line: " + msg);
		return msg;
	}

	private static long[] shape(long... dims) {
		return dims;
	}

	@Test
	void undescribedRgbInputGetsEveryDefaultAndSaysSo() {
		ModelSpec s = resolve(new ModelDescriptor(), shape(-1, 224, 200, 3));
		assertEquals("model", s.name);
		assertEquals(ModelSpec.Layout.NHWC, s.layout);
		assertEquals(4, s.inputRank);
		assertEquals(224, s.height);
		assertEquals(200, s.width);
		assertEquals(3, s.channels);
		assertEquals("RGB", s.channelOrder);
		assertArrayEquals(new float[] { 0, 0, 0 }, s.mean);
		assertArrayEquals(new float[] { 255, 255, 255 }, s.std);
		assertEquals(ModelSpec.Resize.STRETCH, s.resize);
		assertEquals(Integer.MAX_VALUE, s.maxBatch);
		assertEquals(List.of("RGB channel order", "pixels scaled to [0, 1] (x / 255)"),
			s.assumptions);
	}

	@Test
	void dtypeOtherThanFloatIsRefused() {
		assertEquals("Input 'in' is DT_UINT8; Explain CNN needs a float32 image input.", fails(
			new ModelDescriptor(), shape(-1, 8, 8, 3), "DT_UINT8"));
	}

	@Test
	void shapesThatAreNotImagesAreRefused() {
		String tail = "; Explain CNN needs an image input [batch, height, width, channels] (or " +
			"[batch, height, width] for grey models).";
		assertEquals("Input 'in' has shape [-1, 10]" + tail, fails(new ModelDescriptor(), shape(-1,
			10)));
		assertEquals("Input 'in' has shape [1, 2, 3, 4, 5]" + tail, fails(new ModelDescriptor(),
			shape(1, 2, 3, 4, 5)));
		assertEquals("Input 'in' has shape null" + tail, fails(new ModelDescriptor(), null));
	}

	@Test
	void rankThreeIsOneGreyChannel() {
		ModelSpec s = resolve(new ModelDescriptor(), shape(-1, 28, 28));
		assertEquals(3, s.inputRank);
		assertEquals(1, s.channels);
		assertEquals("GRAY", s.channelOrder);
		ModelDescriptor d = new ModelDescriptor();
		d.layout = "nchw";
		assertEquals("A rank-3 input has no channel axis, so layout NCHW does not fit; remove " +
			"\"layout\".", fails(d, shape(-1, 28, 28)));
	}

	@Test
	void layoutFromTheDescriptorOrFromTheShape() {
		ModelSpec inferred = resolve(new ModelDescriptor(), shape(-1, 3, 32, 48));
		assertEquals(ModelSpec.Layout.NCHW, inferred.layout);
		assertEquals(3, inferred.channels);
		assertEquals(32, inferred.height);
		assertEquals(48, inferred.width);
		assertTrue(inferred.assumptions.contains("channels-first (NCHW) layout, from the input shape"));
		// 3 on both axes: channels last unless the descriptor says otherwise.
		assertEquals(ModelSpec.Layout.NHWC, resolve(new ModelDescriptor(), shape(-1, 3, 5, 3)).layout);
		ModelDescriptor d = new ModelDescriptor();
		d.layout = "NCHW";
		ModelSpec given = resolve(d, shape(-1, 4, 16, 16));
		assertEquals(ModelSpec.Layout.NCHW, given.layout);
		assertEquals(4, given.channels);
		assertEquals("CHANNELS", given.channelOrder);
		d.layout = "NWHC";
		assertEquals("Unknown layout 'NWHC' in explain-cnn.json; use \"NHWC\" or \"NCHW\".", fails(d,
			shape(-1, 8, 8, 3)));
	}

	@Test
	void openChannelCountIsRefused() {
		assertEquals("Input 'in' has an open channel count [-1, 8, 8, -1]; Explain CNN needs a " +
			"fixed number of channels.", fails(new ModelDescriptor(), shape(-1, 8, 8, -1)));
	}

	@Test
	void inputSizeFillsOpenSizesAndMustFitFixedOnes() {
		ModelSpec any = resolve(new ModelDescriptor(), shape(-1, -1, -1, 3));
		assertEquals(-1, any.height);
		assertTrue(any.assumptions.contains(
			"the model takes any image size: images are fed at their own size"));
		ModelDescriptor d = new ModelDescriptor();
		d.inputSize = new int[] { 96, 128 };
		ModelSpec sized = resolve(d, shape(-1, -1, -1, 3));
		assertEquals(96, sized.height);
		assertEquals(128, sized.width);
		assertTrue(sized.assumptions.stream().noneMatch(a -> a.contains("any image size")));
		assertEquals("\"inputSize\" [96, 128] does not fit the input shape [-1, 96, 64, 3]; fix or " +
			"remove it.", fails(d, shape(-1, 96, 64, 3)));
		d.inputSize = new int[] { 96 };
		assertEquals("\"inputSize\" in explain-cnn.json must be [height, width].", fails(d, shape(-1,
			-1, -1, 3)));
	}

	@Test
	void channelOrderDefaultsAndChecks() {
		assertEquals("CHANNELS", resolve(new ModelDescriptor(), shape(-1, 8, 8, 5)).channelOrder);
		assertEquals("GRAY", resolve(new ModelDescriptor(), shape(-1, 8, 8, 1)).channelOrder);
		ModelDescriptor d = new ModelDescriptor();
		d.channelOrder = "bgr";
		ModelSpec bgr = resolve(d, shape(-1, 8, 8, 3));
		assertEquals("BGR", bgr.channelOrder);
		assertTrue(!bgr.assumptions.contains("RGB channel order"));
		d.channelOrder = "RGB";
		assertEquals("channelOrder RGB means 3 channel(s) but input 'in' has 2; fix " +
			"\"channelOrder\" in explain-cnn.json.", fails(d, shape(-1, 8, 8, 2)));
		d.channelOrder = "GRAY";
		assertEquals("channelOrder GRAY means 1 channel(s) but input 'in' has 3; fix " +
			"\"channelOrder\" in explain-cnn.json.", fails(d, shape(-1, 8, 8, 3)));
		d.channelOrder = "HSV";
		assertEquals("Unknown channelOrder 'HSV' in explain-cnn.json; use \"RGB\", \"BGR\", " +
			"\"GRAY\" or \"CHANNELS\".", fails(d, shape(-1, 8, 8, 3)));
	}

	@Test
	void meanAndStdPerChannelOrOneForAll() {
		ModelDescriptor d = new ModelDescriptor();
		d.mean = new float[] { 1, 2, 3 };
		d.std = new float[] { 4 };
		ModelSpec s = resolve(d, shape(-1, 8, 8, 3));
		assertArrayEquals(new float[] { 1, 2, 3 }, s.mean);
		assertArrayEquals(new float[] { 4, 4, 4 }, s.std);
		assertTrue(s.assumptions.stream().noneMatch(a -> a.contains("x / 255")));
		d.std = null; // a missing std is 1
		assertArrayEquals(new float[] { 1, 1, 1 }, resolve(d, shape(-1, 8, 8, 3)).std);
		d.mean = null;
		d.std = new float[] { 2 }; // a missing mean is 0
		assertArrayEquals(new float[] { 0, 0, 0 }, resolve(d, shape(-1, 8, 8, 3)).mean);
		d.std = new float[] { 1, 2 };
		assertEquals("\"std\" in explain-cnn.json has 2 values but the model has 3 channels; give " +
			"one value or one per channel.", fails(d, shape(-1, 8, 8, 3)));
		d.std = null;
		d.mean = new float[] { 1, 2, 3, 4 };
		assertEquals("\"mean\" in explain-cnn.json has 4 values but the model has 3 channels; give " +
			"one value or one per channel.", fails(d, shape(-1, 8, 8, 3)));
	}

	@Test
	void scaleAndOffsetBecomeMeanAndStd() {
		ModelDescriptor d = new ModelDescriptor();
		d.scale = 1f / 127.5f;
		d.offset = -1f;
		ModelSpec s = resolve(d, shape(-1, 8, 8, 3));
		// (x - mean) / std == x * scale + offset for every pixel value.
		for (float x : new float[] { 0, 100, 255 })
			assertEquals(x * d.scale + d.offset, (x - s.mean[1]) / s.std[1], 1e-6f);
		assertArrayEquals(new float[] { 127.5f, 127.5f, 127.5f }, s.std, 1e-4f);
		assertArrayEquals(new float[] { 127.5f, 127.5f, 127.5f }, s.mean, 1e-4f);
		d.offset = null;
		d.scale = 0.5f;
		ModelSpec scaleOnly = resolve(d, shape(-1, 8, 8, 3));
		assertArrayEquals(new float[] { 2, 2, 2 }, scaleOnly.std);
		assertEquals(0f, scaleOnly.mean[0], 0f); // -0 / 0.5: no offset, no shift
		d.scale = 0f;
		assertEquals("\"scale\" must not be 0.", fails(d, shape(-1, 8, 8, 3)));
		// mean/std win over scale/offset when both are given.
		d.scale = 2f;
		d.mean = new float[] { 5 };
		assertArrayEquals(new float[] { 1, 1, 1 }, resolve(d, shape(-1, 8, 8, 3)).std);
	}

	@Test
	void resizeNamesAndTheirAliases() {
		ModelDescriptor d = new ModelDescriptor();
		for (String crop : new String[] { "center-crop", "Centre-Crop", "crop" }) {
			d.resize = crop;
			assertEquals(ModelSpec.Resize.CENTER_CROP, resolve(d, shape(-1, 8, 8, 3)).resize);
		}
		d.resize = "STRETCH";
		assertEquals(ModelSpec.Resize.STRETCH, resolve(d, shape(-1, 8, 8, 3)).resize);
		d.resize = "pad";
		assertEquals("Unknown resize 'pad' in explain-cnn.json; use \"stretch\" or " +
			"\"center-crop\".", fails(d, shape(-1, 8, 8, 3)));
	}

	@Test
	void aFixedBatchOfOneLimitsBatchesUnlessRelaxed() {
		ModelDescriptor d = new ModelDescriptor();
		d.name = "fixed";
		ModelSpec fixed = resolve(d, shape(1, 8, 8, 3));
		assertEquals("fixed", fixed.name);
		assertEquals(1, fixed.maxBatch);
		assertEquals(Integer.MAX_VALUE, resolve(d, shape(1, 8, 8, 3), SpecResolver.FLOAT, true)
			.maxBatch);
		assertEquals(Integer.MAX_VALUE, resolve(d, shape(-1, 8, 8, 3)).maxBatch);
	}

	@Test
	void classesFromTheScoresShape() {
		ModelSpec spec = new ModelSpec();
		spec.logits = "scores";
		assertEquals(10, SpecResolver.classesFromShape(spec, shape(-1, 10)));
		assertEquals(-1, SpecResolver.classesFromShape(spec, shape(-1, -1)));
		assertEquals(-1, SpecResolver.classesFromShape(spec, null));
		String msg = assertThrows(ExplainException.class, () -> SpecResolver.classesFromShape(spec,
			shape(-1, 7, 7, 10))).getMessage();
		assertEquals("Scores 'scores' have shape [-1, 7, 7, 10]; Explain CNN explains classifiers " +
			"with scores [batch, classes].", msg);
	}

	@Test
	void labelsFromTheFileOrNumbered() throws Exception {
		ModelSpec numbered = new ModelSpec();
		SpecResolver.resolveClasses(numbered, 3, null);
		assertEquals(3, numbered.classes);
		assertEquals("class 2", numbered.labels.name(2));
		assertEquals(List.of("no labels file: classes are numbered"), numbered.assumptions);

		Path file = tmp.resolve("labels.txt");
		Files.writeString(file, "0:background\n1:cat\n\n2:dog\n");
		ModelSpec named = new ModelSpec();
		SpecResolver.resolveClasses(named, 3, file);
		assertEquals("dog", named.labels.name(2));
		assertTrue(named.assumptions.isEmpty());
		ModelSpec wrong = new ModelSpec();
		String msg = assertThrows(ExplainException.class, () -> SpecResolver.resolveClasses(wrong, 4,
			file)).getMessage();
		assertEquals("Labels file labels.txt has 3 names but the model has 4 classes; give one name " +
			"per output class (background included).", msg);
		assertNull(wrong.labels);
	}
}
