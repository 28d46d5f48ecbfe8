package org.explaincnn.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.explaincnn.TestData;
import org.explaincnn.methods.Methods;
import org.junit.jupiter.api.Test;

/**
 * Two explanations at once on one model (a live view and a batch) give the same bits as one after
 * the other: Grad-CAM in one thread and Integrated Gradients in another, on a freshly loaded
 * model, so that both add their backward ops to the graph at the same moment.
 */
class ConcurrentExplainTest {

	static final int REPEATS = 4;

	static final ExplainOptions IG = ExplainOptions.DEFAULTS.withParam("steps", "6");

	static float[] explain(ExplainableModel model, PreparedImage image, String method,
		ExplainOptions options)
	{
		return Explainer.explain(model, image, Methods.byName(method), TargetSpec.parse("tabby"),
			options, System.nanoTime()).attributions.get(0).map;
	}

	static float[] gradCamTopOne(ExplainableModel model, PreparedImage image) {
		return Explainer.explain(model, image, Methods.byName("gradcam"), TargetSpec.top1(),
			ExplainOptions.DEFAULTS, System.nanoTime()).attributions.get(0).map;
	}

	@Test
	void gradCamAndIntegratedGradientsAtOnceEqualSerial() throws Exception {
		int[] size = new int[2];
		float[] raster = TestData.rgb(TestData.sampleImage("both.png"), size);
		float[] gradCam, integrated;
		PreparedImage image;
		try (ExplainableModel serial = ExplainableModel.open(TestData.sampleModel())) {
			image = PreparedImage.of(raster, size[0], size[1], 3, serial.spec());
			gradCam = gradCamTopOne(serial, image);
			integrated = explain(serial, image, "integratedgradients", IG);
		}
		try (ExplainableModel shared = ExplainableModel.open(TestData.sampleModel())) {
			CountDownLatch start = new CountDownLatch(1);
			ExecutorService pool = Executors.newFixedThreadPool(2);
			try {
				Future<List<float[]>> cams = pool.submit(() -> {
					start.await();
					List<float[]> maps = new ArrayList<>();
					for (int i = 0; i < REPEATS; i++)
						maps.add(gradCamTopOne(shared, image));
					return maps;
				});
				Future<List<float[]>> igs = pool.submit(() -> {
					start.await();
					List<float[]> maps = new ArrayList<>();
					for (int i = 0; i < REPEATS; i++)
						maps.add(explain(shared, image, "integratedgradients", IG));
					return maps;
				});
				start.countDown();
				List<float[]> camMaps = cams.get(5, TimeUnit.MINUTES);
				List<float[]> igMaps = igs.get(5, TimeUnit.MINUTES);
				assertEquals(REPEATS, camMaps.size());
				for (int i = 0; i < REPEATS; i++) {
					assertArrayEquals(gradCam, camMaps.get(i), 0f, "Grad-CAM run " + i);
					assertArrayEquals(integrated, igMaps.get(i), 0f, "Integrated Gradients run " + i);
				}
			}
			finally {
				pool.shutdownNow();
			}
		}
	}
}
