package org.explaincnn.core.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.explaincnn.TinyModels;
import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.FeatureMap;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.Pass;
import org.explaincnn.core.PassRequest;
import org.explaincnn.core.PassStream;
import org.explaincnn.core.Score;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The core's pass stream on the GAP + dense tiny model: forward-only passes leave the graph alone,
 * inputs are made batch by batch, progress and cancel work between batches, seeds are per row or
 * top-1 in the graph, and a layer feed replaces a layer's value.
 */
class PassStreamTest {

	@TempDir
	static Path tmp;

	static final TinyModels.GapDense NET = new TinyModels.GapDense(5);
	static TensorFlowModel model;
	static LayerInfo features;
	static final int SIZE = 6 * 6 * 2;

	@BeforeAll
	static void open() throws Exception {
		model = TensorFlowModel.open(TinyModels.frozenBundle(tmp.resolve("gap"), NET.graph(),
			"{\"mean\": [0], \"std\": [1], \"logits\": \"logits\", \"probabilities\": \"probabilities\"}"));
		features = model.layer("features");
	}

	@AfterAll
	static void close() {
		model.close();
	}

	static float[] input(int i) {
		return GradientEngineTest.randomInput(SIZE, 100 + i);
	}

	static ExplainOptions batch(int n) {
		return ExplainOptions.builder().batchSize(n).build();
	}

	@Test
	void forwardOnlyStreamAddsNoOpsAndGivesTheForwardScores() {
		int before = model.graphSize();
		List<float[]> logits = new ArrayList<>();
		List<FeatureMap> acts = new ArrayList<>();
		// Classes given but nothing backward asked: still forward only (no seed fed).
		PassStream.of(model, 5, PassStreamTest::input).classes(i -> i % 3).activation(features)
			.forEachRow(batch(2), (pass, b, i) -> {
				logits.add(Arrays.copyOfRange(pass.logits, b * 3, b * 3 + 3));
				acts.add(pass.activation(features).slice(b));
				assertTrue(pass.gradients.isEmpty() && pass.inputGradient == null);
			});
		assertEquals(before, model.graphSize(), "a forward stream must not add ops to the graph");
		assertEquals(5, logits.size());
		for (int i = 0; i < 5; i++) {
			Pass single = model.run(new PassRequest(input(i), 1).activation(features));
			assertArrayEquals(single.logits, logits.get(i), 1e-6f);
			assertArrayEquals(single.activation(features).data, acts.get(i).data, 1e-6f);
		}
		assertEquals(before, model.graphSize());
		// A new gradient request does grow the graph (so the count above can see a change); no
		// other test of this class asks for probability gradients.
		model.run(new PassRequest(input(0), 1).score(Score.PROBABILITY).seed(new float[] { 1, 0,
			0 }).inputGradient());
		assertTrue(model.graphSize() > before);
	}

	@Test
	void inputsAreMadeBatchByBatchWithProgressAfterEach() {
		AtomicInteger made = new AtomicInteger();
		List<String> progress = new ArrayList<>();
		List<Integer> madeAtSink = new ArrayList<>();
		ExplainOptions o = batch(2).toBuilder().progress((done, total) -> progress.add(done + "/" +
			total)).build();
		PassStream.of(model, 5, i -> {
			assertEquals(made.getAndIncrement(), i, "inputs in order, each once");
			return input(i);
		}).progress(10, 20).run(o, chunk -> madeAtSink.add(made.get()));
		assertEquals(List.of(2, 4, 5), madeAtSink, "never more than one batch made ahead");
		assertEquals(List.of("12/20", "14/20", "15/20"), progress);
	}

	@Test
	void writtenInputsGiveTheScoresAndInputsOfMadeOnes() {
		for (int batch : new int[] { 1, 2, 16 }) {
			List<float[]> made = new ArrayList<>(), written = new ArrayList<>();
			List<float[]> madeInputs = new ArrayList<>(), writtenInputs = new ArrayList<>();
			PassStream.of(model, 5, PassStreamTest::input).run(batch(batch), c -> {
				for (int b = 0; b < c.size(); b++) {
					made.add(Arrays.copyOfRange(c.pass.logits, b * 3, b * 3 + 3));
					madeInputs.add(c.input(b).clone());
				}
			});
			List<Integer> offsets = new ArrayList<>();
			PassStream.writing(model, 5, (i, into, offset) -> {
				offsets.add(offset);
				float[] x = input(i);
				System.arraycopy(x, 0, into, offset, x.length);
			}).run(batch(batch), c -> {
				for (int b = 0; b < c.size(); b++) {
					written.add(Arrays.copyOfRange(c.pass.logits, b * 3, b * 3 + 3));
					writtenInputs.add(c.input(b));
				}
			});
			for (int i = 0; i < 5; i++) {
				assertArrayEquals(made.get(i), written.get(i), 0f, "batch " + batch + " row " + i);
				assertArrayEquals(madeInputs.get(i), writtenInputs.get(i), 0f);
			}
			int size = input(0).length;
			for (int i = 0; i < 5; i++)
				assertEquals(i % Math.min(batch, 5) * size, offsets.get(i) % (Math.min(batch, 5) * size),
					"input " + i + " at its row of the batch");
		}
	}

	@Test
	void cancelIsCheckedBetweenBatches() {
		AtomicInteger batches = new AtomicInteger();
		ExplainOptions o = batch(2).toBuilder().cancelled(() -> batches.get() >= 1).build();
		assertThrows(ExplainOptions.CancelledException.class, () -> PassStream.of(model, 5,
			PassStreamTest::input).run(o, chunk -> batches.incrementAndGet()));
		assertEquals(1, batches.get());
	}

	@Test
	void perRowSeedsAreOneHotAndTopOneRowsRunApart() {
		float[] x = input(7);
		int top = ExplainableModel.argmax(model.forward(x, 1).logits, 0, 3);
		int[] classes = { AttributionMethod.TOP_ONE, AttributionMethod.TOP_ONE, 2, 0, top,
			AttributionMethod.TOP_ONE };
		List<Integer> sizes = new ArrayList<>();
		float[][] grads = new float[classes.length][];
		PassStream.repeat(model, x, classes.length).classes(i -> classes[i]).layerGradient(features)
			.run(batch(16), chunk -> {
				sizes.add(chunk.size());
				for (int b = 0; b < chunk.size(); b++)
					grads[chunk.from + b] = chunk.pass.gradient(features).slice(b).data;
			});
		assertEquals(List.of(2, 3, 1), sizes, "top-1 rows and class rows never share a pass");
		// d logit_c / d features = W[:, c] / positions at every position (GAP + dense).
		int[] resolved = { top, top, 2, 0, top, top };
		for (int r = 0; r < classes.length; r++)
			for (int p = 0; p < 36; p++)
				for (int k = 0; k < 4; k++)
					assertEquals(NET.dense[k][resolved[r]] / 36f, grads[r][p * 4 + k], 1e-6f);
		// Counterfactual: the same seeds negated.
		float[][] counter = new float[classes.length][];
		PassStream.repeat(model, x, classes.length).classes(i -> classes[i]).layerGradient(features)
			.forEachRow(batch(16).toBuilder().counterfactual(true).build(), (pass, b, i) ->
				counter[i] = pass.gradient(features).slice(b).data);
		for (int r = 0; r < classes.length; r++)
			for (int j = 0; j < grads[r].length; j++)
				assertEquals(-grads[r][j], counter[r][j], 0f);
	}

	@Test
	void inputGradientsOfTheStreamEqualSinglePasses() {
		float[][] grads = new float[5][];
		PassStream.of(model, 5, PassStreamTest::input).classes(i -> i % 3).inputGradient()
			.forEachRow(batch(2), (pass, b, i) -> grads[i] = pass.inputGradient.slice(b).data);
		for (int i = 0; i < 5; i++) {
			float[] seed = new float[3];
			seed[i % 3] = 1;
			assertArrayEquals(model.run(new PassRequest(input(i), 1).seed(seed).inputGradient())
				.inputGradient.data, grads[i], 1e-6f);
		}
		assertThrows(IllegalStateException.class, () -> PassStream.of(model, 1,
			PassStreamTest::input).inputGradient().run(batch(2), c -> {}), "gradients need a seed");
	}

	@Test
	void feedingALayerItsOwnActivationsGivesTheSameScores() {
		assertTrue(model.capabilities().layerFeed);
		FeatureMap[] own = new FeatureMap[4];
		float[][] scores = new float[4][];
		PassStream.of(model, 4, PassStreamTest::input).activation(features).forEachRow(batch(3), (
			pass, b, i) -> {
			own[i] = pass.activation(features).slice(b);
			scores[i] = Arrays.copyOfRange(pass.logits, b * 3, b * 3 + 3);
		});
		// The input is zeros: only the fed layer carries the image.
		float[] zeros = new float[SIZE];
		float[][] fed = new float[4][];
		PassStream.repeat(model, zeros, 4).feed(features, i -> own[i]).forEachRow(batch(3), (pass, b,
			i) -> fed[i] = Arrays.copyOfRange(pass.logits, b * 3, b * 3 + 3));
		for (int i = 0; i < 4; i++)
			assertArrayEquals(scores[i], fed[i], 1e-6f);
	}

	@Test
	void feedingZerosBeforeGapAndDenseGivesTheBias() {
		int before = model.graphSize();
		float[][] fed = new float[3][];
		PassStream.of(model, 3, PassStreamTest::input).feed(features, i -> new FeatureMap(1,
			features.spatial, features.channels, new float[features.positions() * features.channels]))
			.forEachRow(batch(2), (pass, b, i) -> fed[i] = Arrays.copyOfRange(pass.logits, b * 3, b *
				3 + 3));
		for (float[] logits : fed)
			assertArrayEquals(NET.denseBias, logits, 0f);
		assertEquals(before, model.graphSize(), "a layer feed adds no ops");
		// Gradients still flow from the fed layer: d logit_c / d features = W[:, c] / positions.
		float[] g = model.run(new PassRequest(input(0), 1).feed(features, new FeatureMap(1,
			features.spatial, features.channels, new float[features.positions() * features.channels]))
			.seed(new float[] { 0, 1, 0 }).layerGradient(features)).gradient(features).data;
		assertEquals(NET.dense[2][1] / 36f, g[5 * 4 + 2], 1e-6f);
	}
}
