package org.explaincnn.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * The one way to run many passes: the scores at N inputs made on demand, streamed through the model
 * in batches of {@link ExplainOptions#chunkSize}, so memory is one batch whatever N is. Each pass
 * can also fetch layer activations, layer gradients and the input gradient (plain or through a
 * backprop rule), and feed values at an inner layer. With nothing backward asked the passes are
 * forward only: no backward ops are added to the graph, no seed is fed, no gradient fetched.
 *
 * <p>Gradients are of sum(seed * score), the seed being one class per row (one-hot, negated for
 * counterfactuals), or the row's own top class chosen inside the graph for rows whose class is
 * {@link AttributionMethod#TOP_ONE}. Rows of the two kinds never share a pass. Progress is reported
 * after every batch and cancellation checked before each; options are read, never changed, so one
 * model can serve several streams at once.
 *
 * <pre>
 * PassStream.of(model, steps + 1, k -&gt; pointOnPath(k)).at(image).classes(k -&gt; cls)
 *     .inputGradient().run(options, chunk -&gt; ...);
 * </pre>
 */
public final class PassStream {

	private final ExplainableModel model;
	private final int count;
	/** Input i as an array, or null when {@link #writer} writes it into the batch. */
	private final IntFunction<float[]> inputAt;
	private final InputWriter writer;
	private int height, width;
	private IntUnaryOperator classAt;
	private final List<LayerInfo> activations = new ArrayList<>();
	private final List<LayerInfo> layerGradients = new ArrayList<>();
	private boolean inputGradient;
	private BackpropRule rule = BackpropRule.PLAIN;
	private final Map<LayerInfo, IntFunction<FeatureMap>> feeds = new LinkedHashMap<>();
	private int doneBefore;
	private int total;

	private PassStream(ExplainableModel model, int count, IntFunction<float[]> inputAt,
		InputWriter writer)
	{
		this.model = model;
		this.count = count;
		this.inputAt = inputAt;
		this.writer = writer;
		this.height = model.spec().height;
		this.width = model.spec().width;
		this.total = count;
	}

	/**
	 * {@code count} model-ready inputs (channels last), input i made by {@code inputAt} when its
	 * batch is run and dropped after it.
	 */
	public static PassStream of(ExplainableModel model, int count, IntFunction<float[]> inputAt) {
		return new PassStream(model, count, inputAt, null);
	}

	/**
	 * {@code count} model-ready inputs written by {@code writer} straight into the batch sent to the
	 * model: for perturbation streams of thousands of passes, where making each input as a new
	 * array (and copying it into the batch) cost as much as a tenth of the passes themselves.
	 */
	public static PassStream writing(ExplainableModel model, int count, InputWriter writer) {
		return new PassStream(model, count, null, writer);
	}

	/** Writes model-ready input {@code index} (channels last) into {@code batch} from {@code offset}. */
	@FunctionalInterface
	public interface InputWriter {

		void write(int index, float[] batch, int offset);
	}

	/** The same model-ready input {@code count} times (e.g. one row per class). */
	public static PassStream repeat(ExplainableModel model, float[] input, int count) {
		return new PassStream(model, count, i -> input, null);
	}

	/** Inputs of the given size (models that take any size); the model's own size by default. */
	public PassStream size(int inputHeight, int inputWidth) {
		this.height = inputHeight;
		this.width = inputWidth;
		return this;
	}

	/** Inputs of the prepared image's model-input size. */
	public PassStream at(PreparedImage image) {
		return size(image.height(), image.width());
	}

	/**
	 * Seeds row i with class {@code classAt(i)}: one-hot, negated for counterfactuals; a
	 * {@link AttributionMethod#TOP_ONE} row is seeded with its own top class, chosen in the graph.
	 */
	public PassStream classes(IntUnaryOperator classOfRow) {
		this.classAt = classOfRow;
		return this;
	}

	/** Seeds every row with its own top class, chosen inside the graph. */
	public PassStream topOne() {
		return classes(i -> AttributionMethod.TOP_ONE);
	}

	public PassStream activation(LayerInfo layer) {
		activations.add(layer);
		return this;
	}

	public PassStream layerGradient(LayerInfo layer) {
		layerGradients.add(layer);
		return this;
	}

	public PassStream inputGradient() {
		return inputGradient(BackpropRule.PLAIN);
	}

	/** The input gradient through a ReLU rule (guided backprop, deconvnet); no layer gradients. */
	public PassStream inputGradient(BackpropRule backpropRule) {
		this.inputGradient = true;
		this.rule = backpropRule;
		return this;
	}

	/**
	 * Feeds {@code valueAt(i)} (a batch of one, channels last) at the layer for row i instead of
	 * computing it from the input. Needs {@code model.capabilities().layerFeed}.
	 */
	public PassStream feed(LayerInfo layer, IntFunction<FeatureMap> valueAt) {
		if (!model.capabilities().layerFeed) throw new ExplainException("This model cannot take " +
			"values fed at an inner layer; use a method that feeds the input only.");
		feeds.put(layer, valueAt);
		return this;
	}

	/** Progress as part of a larger job: these passes are done + 1 .. done + count of total. */
	public PassStream progress(int done, int of) {
		this.doneBefore = done;
		this.total = of;
		return this;
	}

	/** True if the passes compute gradients (and so need seeds). */
	public boolean backward() {
		return inputGradient || !layerGradients.isEmpty();
	}

	/** Runs every batch and hands it to {@code sink}, in order. */
	public void run(ExplainOptions options, Consumer<Chunk> sink) {
		if (backward() && classAt == null) throw new IllegalStateException(
			"gradients need a seed: give classes(...) or topOne()");
		int chunk = options.chunkSize(model.spec());
		int classes = model.spec().classes;
		float sign = options.seedSign();
		for (int from = 0; from < count;) {
			options.checkCancelled();
			boolean topOne = classAt != null && classAt.applyAsInt(from) == AttributionMethod.TOP_ONE;
			int n = 1;
			while (n < chunk && from + n < count && (classAt == null || (classAt.applyAsInt(from +
				n) == AttributionMethod.TOP_ONE) == topOne))
				n++;
			float[][] inputs = null;
			float[] batch;
			if (writer != null) {
				int size = height * width * model.spec().channels;
				batch = batchBuffer(n * size);
				for (int b = 0; b < n; b++)
					writer.write(from + b, batch, b * size);
			}
			else {
				inputs = new float[n][];
				for (int b = 0; b < n; b++)
					inputs[b] = inputAt.apply(from + b);
				batch = batch(inputs);
			}
			PassRequest r = new PassRequest(batch, n).score(options.score);
			for (LayerInfo layer : activations)
				r.activation(layer);
			if (backward()) {
				for (LayerInfo layer : layerGradients)
					r.layerGradient(layer);
				if (inputGradient) r.inputGradient(rule);
				if (topOne) r.seedTopOne(sign);
				else {
					float[] seed = new float[n * classes];
					for (int b = 0; b < n; b++)
						seed[b * classes + classAt.applyAsInt(from + b)] = sign;
					r.seed(seed);
				}
			}
			for (Map.Entry<LayerInfo, IntFunction<FeatureMap>> e : feeds.entrySet())
				r.feed(e.getKey(), batchOf(e.getValue(), from, n));
			Pass pass = model.run(r, height, width);
			sink.accept(new Chunk(pass, from, n, inputs, batch));
			from += n;
			options.progress.update(doneBefore + from, total);
		}
	}

	/** Runs every batch and hands each row to {@code sink}, in order. */
	public void forEachRow(ExplainOptions options, RowSink sink) {
		run(options, c -> {
			for (int b = 0; b < c.size(); b++)
				sink.accept(c.pass, b, c.from + b);
		});
	}

	/** Receives row {@code row} of a pass, which is input {@code index} of the stream. */
	public interface RowSink {

		void accept(Pass pass, int row, int index);
	}

	/** One batch: its pass, and the inputs it was made of. */
	public static final class Chunk {

		public final Pass pass;
		/** Index of the batch's first input in the stream. */
		public final int from;
		private final int size;
		private final float[][] inputs;
		private final float[] batch;

		Chunk(Pass pass, int from, int size, float[][] inputs, float[] batch) {
			this.pass = pass;
			this.from = from;
			this.size = size;
			this.inputs = inputs;
			this.batch = batch;
		}

		/** Rows in this batch. */
		public int size() {
			return size;
		}

		/**
		 * The model-ready input of row {@code row} (not to be changed); a copy out of the batch for
		 * written inputs, whose batch is refilled after the sink returns.
		 */
		public float[] input(int row) {
			if (inputs != null) return inputs[row];
			int length = batch.length / size;
			return Arrays.copyOfRange(batch, row * length, (row + 1) * length);
		}
	}

	/**
	 * The batch of the last run, refilled for the next one of the same size: a stream of thousands
	 * of passes would otherwise allocate (and the collector clear) megabytes per batch. The model
	 * copies it into its own tensor, so it is free again once a run returns.
	 */
	private float[] batchBuffer;

	private float[] batchBuffer(int length) {
		if (batchBuffer == null || batchBuffer.length != length) batchBuffer = new float[length];
		return batchBuffer;
	}

	private float[] batch(float[][] inputs) {
		if (inputs.length == 1) return inputs[0]; // passes never write into their input
		int size = inputs[0].length;
		float[] out = batchBuffer(inputs.length * size);
		for (int b = 0; b < inputs.length; b++)
			System.arraycopy(inputs[b], 0, out, b * size, size);
		return out;
	}

	private static FeatureMap batchOf(IntFunction<FeatureMap> valueAt, int from, int n) {
		if (n == 1) return valueAt.apply(from);
		FeatureMap first = valueAt.apply(from);
		int size = first.data.length;
		float[] data = new float[n * size];
		System.arraycopy(first.data, 0, data, 0, size);
		for (int b = 1; b < n; b++)
			System.arraycopy(valueAt.apply(from + b).data, 0, data, b * size, size);
		return new FeatureMap(n, first.spatial, first.channels, data);
	}
}
