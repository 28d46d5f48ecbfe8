package org.explaincnn.core.tf;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.FeatureMap;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.ModelSpec;
import org.explaincnn.core.Pass;
import org.explaincnn.core.PassRequest;

/**
 * One {@code Session.run}: Java arrays in (the input, the seed, tensors fed at layers), Java arrays
 * out (scores, activations, gradients), layouts converted to channels last, and every native
 * tensor closed before {@link #run} returns. Holds no state between runs, so any number of threads
 * may run at once.
 */
final class SessionRunner {

	/** What to fetch and feed for one request, in the graph's terms. */
	static final class Fetches {

		/** Logits and probabilities (the model's own, or a backprop rule's copy). */
		final Output<?> logits, probabilities;
		/** One per requested activation, in request order. */
		final List<Output<?>> activations = new ArrayList<>();
		/** Layer gradients in request order, then the input gradient if asked; empty if none. */
		Output<?>[] gradients = new Output<?>[0];
		/** Placeholder the request's seed is fed to; null when no seed is fed. */
		Output<?> seed;
		/** One per layer feed, in request order. */
		final List<Output<?>> feeds = new ArrayList<>();
		/** One per weight override, in request order, with the tensor's shape. */
		final List<Output<?>> weights = new ArrayList<>();
		final List<long[]> weightShapes = new ArrayList<>();

		Fetches(Output<?> logits, Output<?> probabilities) {
			this.logits = logits;
			this.probabilities = probabilities;
		}
	}

	private final Session session;
	private final Output<?> input;
	private final ModelSpec spec;

	SessionRunner(Session session, Output<?> input, ModelSpec spec) {
		this.session = session;
		this.input = input;
		this.spec = spec;
	}

	Pass run(Fetches f, PassRequest r, int h, int w) {
		List<Tensor> owned = new ArrayList<>();
		try {
			float[] x = spec.layout == ModelSpec.Layout.NCHW ? Tensors.channelsLastToFirst(r.input,
				r.batch, spec.channels, h * w) : r.input;
			Session.Runner runner = session.runner().feed(input, own(owned, TFloat32.tensorOf(Shape.of(
				feedShape(r.batch, h, w)), DataBuffers.of(x, true, false))));
			if (f.seed != null) runner.feed(f.seed, own(owned, TFloat32.tensorOf(Shape.of(r.batch,
				spec.classes), DataBuffers.of(r.seed, true, false))));
			int k = 0;
			for (Map.Entry<LayerInfo, FeatureMap> e : r.feeds.entrySet())
				runner.feed(f.feeds.get(k++), own(owned, layerTensor(e.getValue())));
			k = 0;
			for (float[] values : r.weights.values()) {
				runner.feed(f.weights.get(k), own(owned, TFloat32.tensorOf(Shape.of(f.weightShapes.get(k)),
					DataBuffers.of(values, true, false))));
				k++;
			}
			runner.fetch(f.logits).fetch(f.probabilities);
			for (Output<?> a : f.activations)
				runner.fetch(a);
			for (Output<?> g : f.gradients)
				runner.fetch(g);
			try (Result result = run(runner)) {
				float[] lg = Tensors.read((TFloat32) result.get(0));
				float[] pr = Tensors.read((TFloat32) result.get(1));
				Pass pass = new Pass(r.batch, lg.length / r.batch, lg, pr);
				int i = 2;
				for (LayerInfo layer : r.activations)
					pass.activations.put(layer.name, featureMap((TFloat32) result.get(i++)));
				for (LayerInfo layer : r.layerGradients)
					pass.gradients.put(layer.name, featureMap((TFloat32) result.get(i++)));
				if (r.inputGradient) pass.inputGradient = inputMap((TFloat32) result.get(i), r.batch, h,
					w);
				return pass;
			}
		}
		finally {
			for (Tensor t : owned)
				t.close();
		}
	}

	/** Shapes of the outputs for one zero input of h x w: for shapes the graph leaves open. */
	List<long[]> shapes(List<Output<?>> outs, int h, int w) {
		try (TFloat32 x = TFloat32.tensorOf(Shape.of(feedShape(1, h, w)))) {
			Session.Runner runner = session.runner().feed(input, x);
			for (Output<?> o : outs)
				runner.fetch(o);
			try (Result r = run(runner)) {
				List<long[]> shapes = new ArrayList<>();
				for (int i = 0; i < outs.size(); i++)
					shapes.add(r.get(i).shape().asArray());
				return shapes;
			}
		}
	}

	/** The value and shape of a tensor that needs no feed (e.g. a constant weight). */
	float[] constant(Output<?> out, long[][] shapeOut) {
		return constant(out, shapeOut, List.of(), List.of(), List.of());
	}

	/**
	 * The value of a tensor that needs no input, with some weight tensors fed (their outputs,
	 * shapes and values in the same order).
	 */
	float[] constant(Output<?> out, long[][] shapeOut, List<Output<?>> fed, List<long[]> shapes,
		List<float[]> values)
	{
		List<Tensor> owned = new ArrayList<>();
		try {
			Session.Runner runner = session.runner();
			for (int i = 0; i < fed.size(); i++)
				runner.feed(fed.get(i), own(owned, TFloat32.tensorOf(Shape.of(shapes.get(i)), DataBuffers
					.of(values.get(i), true, false))));
			try (Result r = run(runner.fetch(out))) {
				shapeOut[0] = r.get(0).shape().asArray();
				return Tensors.read((TFloat32) r.get(0));
			}
		}
		finally {
			for (Tensor t : owned)
				t.close();
		}
	}

	private static <T extends Tensor> T own(List<Tensor> owned, T t) {
		owned.add(t);
		return t;
	}

	private static Result run(Session.Runner runner) {
		try {
			return runner.run();
		}
		catch (RuntimeException e) {
			String msg = TensorFlowRuntime.firstLine(e);
			if (msg.contains("SymbolicGradient") || msg.contains("does not match declared output type"))
				throw new ExplainException("TensorFlow cannot differentiate through a function call in" +
					" this model (" + msg + "); re-export it without tf.function wrappers or as a " +
					"frozen graph.", e);
			throw new ExplainException("TensorFlow failed to run the model (" + msg + ").", e);
		}
	}

	long[] feedShape(int batch, int h, int w) {
		if (spec.inputRank == 3) return new long[] { batch, h, w };
		return spec.layout == ModelSpec.Layout.NCHW ? new long[] { batch, spec.channels, h, w }
			: new long[] { batch, h, w, spec.channels };
	}

	/** A channels-last feature map as a tensor in the model's layout. */
	private TFloat32 layerTensor(FeatureMap m) {
		int rank = m.spatial.length + 2;
		long[] shape = new long[rank];
		shape[0] = m.batch;
		float[] data = m.data;
		if (spec.layout == ModelSpec.Layout.NCHW) {
			shape[1] = m.channels;
			for (int i = 0; i < m.spatial.length; i++)
				shape[i + 2] = m.spatial[i];
			data = Tensors.channelsLastToFirst(data, m.batch, m.channels, m.positions());
		}
		else {
			for (int i = 0; i < m.spatial.length; i++)
				shape[i + 1] = m.spatial[i];
			shape[rank - 1] = m.channels;
		}
		return TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(data, true, false));
	}

	private FeatureMap featureMap(TFloat32 t) {
		long[] dims = t.shape().asArray();
		float[] data = Tensors.read(t);
		int n = (int) dims[0];
		if (dims.length == 4 || dims.length == 5) {
			int[] spatial = new int[dims.length - 2];
			if (spec.layout == ModelSpec.Layout.NCHW) {
				int ch = (int) dims[1];
				for (int i = 0; i < spatial.length; i++)
					spatial[i] = (int) dims[i + 2];
				return new FeatureMap(n, spatial, ch, Tensors.channelsFirstToLast(data, n, ch,
					product(spatial)));
			}
			for (int i = 0; i < spatial.length; i++)
				spatial[i] = (int) dims[i + 1];
			return new FeatureMap(n, spatial, (int) dims[dims.length - 1], data);
		}
		throw new IllegalStateException("not a spatial map: " + t.shape());
	}

	private FeatureMap inputMap(TFloat32 t, int batch, int h, int w) {
		float[] data = Tensors.read(t);
		if (spec.layout == ModelSpec.Layout.NCHW && spec.inputRank == 4) data = Tensors
			.channelsFirstToLast(data, batch, spec.channels, h * w);
		return new FeatureMap(batch, new int[] { h, w }, spec.channels, data);
	}

	static int product(int[] v) {
		int p = 1;
		for (int x : v)
			p *= x;
		return p;
	}
}
