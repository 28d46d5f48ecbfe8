package org.explaincnn;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.PreparedImage;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;

/**
 * The bundled MobileNet and its sample images, opened once per test run and shared by every test
 * class that declares {@code @ExtendWith(SampleModel.class)}: the model (graph import, gradient
 * graphs) is loaded once instead of once per class. The model lives in JUnit's root store, which
 * closes it when the whole run ends, so its native memory is released deterministically rather
 * than by a shutdown hook racing TensorFlow's own.
 */
public final class SampleModel implements BeforeAllCallback {

	private static final Namespace NAMESPACE = Namespace.create(SampleModel.class);

	private static volatile Loaded loaded;

	@Override
	public void beforeAll(ExtensionContext context) {
		loaded = context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Loaded.class,
			k -> new Loaded(), Loaded.class);
	}

	/** The sample MobileNet v1 (shared: do not close it). */
	public static ExplainableModel model() {
		return current().model;
	}

	/** both.png (224 x 224: bulldog above, tabby cat below), prepared for the model. */
	public static PreparedImage both() {
		return image("both.png");
	}

	/** A sample image, read and prepared for the model once (shared: do not change its arrays). */
	public static PreparedImage image(String name) {
		return sample(name).prepared;
	}

	/**
	 * The RGB raster (channels last, 0..255) that {@link #image} was prepared from: the very array,
	 * since a prepared image may share it, so tests can check that nothing writes into it.
	 */
	public static float[] raster(String name) {
		return sample(name).raster;
	}

	private static Sample sample(String name) {
		Loaded l = current();
		return l.images.computeIfAbsent(name, n -> Sample.read(l.model, n));
	}

	private static Loaded current() {
		Loaded l = loaded;
		if (l == null) throw new IllegalStateException(
			"the sample model is not open; annotate the test class with @ExtendWith(SampleModel.class)");
		return l;
	}

	/** An image file's raster and the model input prepared from it. */
	private static final class Sample {

		final float[] raster;
		final PreparedImage prepared;

		private Sample(float[] raster, PreparedImage prepared) {
			this.raster = raster;
			this.prepared = prepared;
		}

		static Sample read(ExplainableModel model, String name) {
			try {
				int[] size = new int[2];
				float[] raster = TestData.rgb(TestData.sampleImage(name), size);
				return new Sample(raster, PreparedImage.of(raster, size[0], size[1], 3, model.spec()));
			}
			catch (IOException e) {
				throw new UncheckedIOException(e);
			}
		}
	}

	/** What the root store holds and closes at the end of the run (JUnit closes AutoCloseables). */
	private static final class Loaded implements AutoCloseable {

		final ExplainableModel model = ExplainableModel.open(TestData.sampleModel());
		final Map<String, Sample> images = new ConcurrentHashMap<>();

		@Override
		public void close() {
			loaded = null;
			model.close();
		}
	}
}
