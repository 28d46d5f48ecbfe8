package org.explaincnn.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.explaincnn.SampleModel;
import org.explaincnn.core.Attribution;
import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explainer;
import org.explaincnn.core.Explanation;
import org.explaincnn.core.Param;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.TargetSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Contracts every registered method keeps, each method found from the registry (as Xplique's
 * tests/attributions/test_common.py), on the sample MobileNet and both.png: batch 1 equals batch
 * 16, top-1 equals the explicit top class, the seed alone decides the bits, the input is never
 * written (checked around every run of this class), the map has the image's size and finite
 * values, and the declared parameters' defaults are valid. A new method is checked by registering
 * it. Costly methods run with samples=4, steps=8 and channels=16 so the class stays fast.
 */
@ExtendWith(SampleModel.class)
class MethodContractTest {

	/**
	 * Largest relative difference (to the map's largest magnitude) between batch 1 and batch 16:
	 * TensorFlow's kernels round a batch of several rows differently from rows one by one. Measured
	 * on two classes: eigengradcam 1.4e-6 (the principal component amplifies it); the other CAMs,
	 * saliency, deconvnet and guided Grad-CAM up to 6.8e-7; input x gradient, guided backprop,
	 * integrated gradients and the sampled methods up to 1.0e-7; CAM bit-identical. Seven times the
	 * largest.
	 */
	static final double BATCH_TOLERANCE = 1e-5;

	/** A chelsea.png (451 x 300): resized to the model, so its map must be mapped back. */
	static final String RESIZED = "chelsea.png";

	static ExplainableModel model;
	static PreparedImage both;
	/** The two best classes of both.png, best first. */
	static int topClass, secondClass;

	/** Explicit top class, batch 16, seed 42: the run the contracts compare against, per method. */
	static final Map<String, Attribution> reference = new ConcurrentHashMap<>();

	@BeforeAll
	static void load() {
		model = SampleModel.model();
		both = SampleModel.both();
		int[] best = TargetSpec.best(model.forward(both.modelInput, 1).logits, 2);
		topClass = best[0];
		secondClass = best[1];
	}

	static Stream<Named<AttributionMethod>> methods() {
		return Methods.all().stream().map(m -> Named.of(m.id(), m));
	}

	/** Small settings for the costly methods, given only to those that declare the key. */
	static ExplainOptions quick(AttributionMethod method) {
		ExplainOptions o = ExplainOptions.DEFAULTS;
		if (method.parameter("samples") != null) o = o.withParam("samples", "4");
		if (method.parameter("steps") != null) o = o.withParam("steps", "8");
		if (method.parameter("channels") != null) o = o.withParam("channels", "16");
		if (method.parameter("masks") != null) o = o.withParam("masks", "16");
		return o;
	}

	static TargetSpec explicitTop() {
		return TargetSpec.parse(String.valueOf(topClass));
	}

	/**
	 * Explains a sample image and checks that nothing wrote into it: the raster it was read into,
	 * the 0..255 pixels and the model input (for both.png, already the model's size, the prepared
	 * arrays may be the raster itself).
	 */
	static Explanation explain(AttributionMethod method, String imageName, TargetSpec target,
		ExplainOptions options)
	{
		PreparedImage image = SampleModel.image(imageName);
		float[] raster = SampleModel.raster(imageName);
		float[] rasterBefore = raster.clone(), pixelsBefore = image.pixels.clone(),
			inputBefore = image.modelInput.clone();
		Explanation e = Explainer.explain(model, image, method, target, options, System.nanoTime());
		assertArrayEquals(rasterBefore, raster, method.id() + " wrote into the image's raster");
		assertArrayEquals(pixelsBefore, image.pixels, method.id() + " wrote into the image's pixels");
		assertArrayEquals(inputBefore, image.modelInput, method.id() +
			" wrote into the image's model input");
		return e;
	}

	static Attribution reference(AttributionMethod method) {
		return reference.computeIfAbsent(method.id(), id -> explain(method, "both.png", explicitTop(),
			quick(method)).attributions.get(0));
	}

	/** Largest difference relative to the expected map's largest magnitude (0 for equal bits). */
	static double relativeDifference(float[] expected, float[] actual) {
		assertEquals(expected.length, actual.length, "map sizes differ");
		double diff = 0, scale = 0;
		for (int i = 0; i < expected.length; i++) {
			diff = Math.max(diff, Math.abs((double) expected[i] - actual[i]));
			scale = Math.max(scale, Math.abs(expected[i]));
		}
		return diff == 0 ? 0 : scale == 0 ? Double.POSITIVE_INFINITY : diff / scale;
	}

	/**
	 * Two classes, so that methods of one pass per class chunk too (both classes in one run at batch
	 * 16, one run each at batch 1); sampled methods also chunk their samples.
	 */
	@ParameterizedTest
	@MethodSource("methods")
	void batchOfOneEqualsBatchOfSixteen(AttributionMethod method) {
		TargetSpec two = TargetSpec.parse(topClass + ";" + secondClass);
		List<Attribution> sixteen = explain(method, "both.png", two, quick(method)).attributions;
		List<Attribution> one = explain(method, "both.png", two, quick(method).toBuilder().batchSize(1)
			.build()).attributions;
		// A class-independent method (DFF's concepts) makes its one map for the first class only.
		int maps = method.classIndependent() ? 1 : 2;
		assertEquals(maps, one.size());
		assertEquals(maps, sixteen.size());
		for (int i = 0; i < maps; i++) {
			assertEquals(sixteen.get(i).classIndex, one.get(i).classIndex);
			double d = relativeDifference(sixteen.get(i).map, one.get(i).map);
			assertTrue(d <= BATCH_TOLERANCE, method.id() + ", class " + sixteen.get(i).classIndex +
				": batch 1 differs from batch 16 by " + d + " of the map's maximum");
		}
	}

	/**
	 * Measured bit-identical for every method (the same class and the same batch shape give the
	 * same operations), so asserted exactly.
	 */
	@ParameterizedTest
	@MethodSource("methods")
	void topOneEqualsTheExplicitTopClass(AttributionMethod method) {
		Attribution explicit = reference(method);
		Attribution top = explain(method, "both.png", TargetSpec.top1(), quick(method)).attributions
			.get(0);
		assertEquals(topClass, explicit.classIndex);
		assertEquals(topClass, top.classIndex, method.id() + ": top-1 chose another class");
		assertEquals(explicit.probability, top.probability, 0f, method.id());
		assertEquals(explicit.logit, top.logit, 0f, method.id());
		assertArrayEquals(explicit.map, top.map, method.id() + ": top-1 and class " + topClass);
	}

	/**
	 * The same seed repeats bit for bit. A method whose map changes with the seed is randomised: a
	 * change there must be the draw's, far beyond rounding (measured with 4 samples: smoothgrad
	 * 0.90, smoothgrad-sq 1.08, vargrad 0.96, gradientshap 1.34 of the map's maximum); every other
	 * method must ignore the seed to the bit.
	 */
	@ParameterizedTest
	@MethodSource("methods")
	void theSeedAloneDecidesTheBits(AttributionMethod method) {
		ExplainOptions o = quick(method);
		Attribution first = reference(method);
		Attribution again = explain(method, "both.png", explicitTop(), o).attributions.get(0);
		assertArrayEquals(first.map, again.map, method.id() + ": seed 42 twice");
		Attribution other = explain(method, "both.png", explicitTop(), o.toBuilder().seed(43).build())
			.attributions.get(0);
		boolean randomised = !Arrays.equals(first.map, other.map);
		if (randomised) {
			double d = relativeDifference(first.map, other.map);
			assertTrue(d > 0.05, method.id() + ": seeds 42 and 43 differ by only " + d +
				" of the map's maximum: the seed reaches the rounding, not the draw");
			Attribution third = explain(method, "both.png", explicitTop(), o.toBuilder().seed(44)
				.build()).attributions.get(0);
			assertTrue(!Arrays.equals(third.map, first.map) && !Arrays.equals(third.map, other.map),
				method.id() + ": seed 44 repeats the map of seed 42 or 43");
		}
	}

	/**
	 * Every run of this class checks that the image was not written (see {@link #explain}); this
	 * test alone covers both target paths (top-1 inside the pass, an explicit class) and both kinds
	 * of image (the model's own size, where the prepared arrays may be the raster, and a resized one).
	 */
	@ParameterizedTest
	@MethodSource("methods")
	void leavesTheInputImageUnchanged(AttributionMethod method) {
		explain(method, "both.png", TargetSpec.top1(), quick(method));
		explain(method, RESIZED, TargetSpec.parse("tabby"), quick(method));
	}

	/** both.png is the model's own size; chelsea.png (451 x 300) is stretched to it and back. */
	@ParameterizedTest
	@MethodSource("methods")
	void mapHasTheImageSizeAndFiniteValues(AttributionMethod method) {
		Attribution resized = explain(method, RESIZED, explicitTop(), quick(method)).attributions.get(
			0);
		for (Attribution a : List.of(reference(method), resized)) {
			PreparedImage image = a == resized ? SampleModel.image(RESIZED) : both;
			assertEquals(image.geometry.originalWidth, a.width, method.id());
			assertEquals(image.geometry.originalHeight, a.height, method.id());
			assertEquals(a.width * a.height, a.map.length, method.id());
			for (int i = 0; i < a.map.length; i++)
				assertTrue(Float.isFinite(a.map[i]), method.id() + ": map value " + a.map[i] + " at x=" +
					i % a.width + ", y=" + i / a.width);
		}
		assertEquals(451, SampleModel.image(RESIZED).geometry.originalWidth);
		assertEquals(300, SampleModel.image(RESIZED).geometry.originalHeight);
	}

	@ParameterizedTest
	@MethodSource("methods")
	void declaredDefaultsParseBackToThemselvesAndPassTheCheck(AttributionMethod method) {
		Set<String> keys = new HashSet<>();
		Map<String, String> all = new LinkedHashMap<>();
		for (Param<?> p : method.parameters()) {
			assertTrue(keys.add(p.key.toLowerCase(Locale.ROOT)), method.id() + " declares " + p.key +
				" twice");
			assertSame(p, method.parameter(p.key), method.id() + ": lookup of " + p.key);
			assertEquals(p.defaultValue, p.parse(p.defaultText()), method.id() + ": " + p);
			assertEquals(p.defaultValue, ExplainOptions.DEFAULTS.withParam(p.key, p.defaultText()).get(
				p), method.id() + ": " + p);
			assertDoesNotThrow(() -> method.checkParameters(Map.of(p.key, p.defaultText())), method
				.id() + ": " + p);
			all.put(p.key, p.defaultText());
		}
		assertDoesNotThrow(() -> method.checkParameters(all), method.id() + ": all defaults " + all);
	}

	/** The noise tunnel offers exactly the registered input-gradient methods, in registry order. */
	@Test
	void noiseTunnelBasesAreTheRegisteredInputGradientMethods() {
		List<String> inputGradientMethods = new ArrayList<>();
		for (AttributionMethod m : Methods.all())
			if (m instanceof InputGradientMethod) inputGradientMethods.add(m.id());
		assertEquals(inputGradientMethods, NoiseTunnel.BASE.choices);
		assertTrue(NoiseTunnel.BASE.choices.contains(NoiseTunnel.BASE.defaultValue));
	}
}
