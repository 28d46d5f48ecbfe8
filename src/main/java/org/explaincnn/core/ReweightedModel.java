package org.explaincnn.core;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A view of a model with some weight tensors replaced by given values: every run of the view feeds
 * them ({@link PassRequest#weight}), so any method runs unmodified on the changed model, while the
 * model itself, its files and its other users are untouched. The view does not own the model:
 * closing it does nothing, and the model must stay open while the view is used. Values derived
 * from the weights are kept per view ({@link #memo}), never shared with the model.
 */
public final class ReweightedModel implements ExplainableModel {

	private final ExplainableModel model;
	private final Map<String, float[]> weights;
	private final Map<String, Object> memo = new HashMap<>();

	/**
	 * @param weights tensor name ({@link WeightLayer.Tensor#name()}) to its replacement values, of
	 *        the tensor's size
	 */
	public ReweightedModel(ExplainableModel model, Map<String, float[]> weights) {
		if (!model.capabilities().weightFeed) throw new ExplainException("This model cannot " +
			"replace its weights in memory; the sanity check needs a TensorFlow model.");
		Map<String, WeightLayer.Tensor> known = new HashMap<>();
		for (WeightLayer l : model.layersWithWeights())
			for (WeightLayer.Tensor t : l.tensors())
				known.put(t.name(), t);
		for (Map.Entry<String, float[]> e : weights.entrySet()) {
			WeightLayer.Tensor t = known.get(e.getKey());
			if (t == null) throw new IllegalArgumentException("not a weight tensor: " + e.getKey());
			if (e.getValue().length != t.size()) throw new IllegalArgumentException(e.getKey() +
				" has " + t.size() + " values, not " + e.getValue().length);
		}
		this.model = model;
		this.weights = new LinkedHashMap<>(weights);
	}

	/** The model this view changes. */
	public ExplainableModel model() {
		return model;
	}

	/** The replaced tensors' names. */
	public Set<String> replaced() {
		return Collections.unmodifiableSet(weights.keySet());
	}

	@Override
	public Pass run(PassRequest r, int height, int width) {
		PassRequest fed = r.copy();
		weights.forEach(fed::weight);
		return model.run(fed, height, width);
	}

	@Override
	public ModelSpec spec() {
		return model.spec();
	}

	@Override
	public ModelBundle bundle() {
		return model.bundle();
	}

	@Override
	public Capabilities capabilities() {
		return model.capabilities();
	}

	@Override
	public List<LayerInfo> layers() {
		return model.layers();
	}

	@Override
	public LayerInfo layer(String name) {
		return model.layer(name);
	}

	@Override
	public LayerInfo defaultLayer() {
		return model.defaultLayer();
	}

	@Override
	public float[][] denseHeadWeights(LayerInfo layer) {
		return memo("dense-head:" + layer.name, () -> model.denseHeadWeights(layer, weights));
	}

	@Override
	public float[][] denseHeadWeights(LayerInfo layer, Map<String, float[]> weightOverrides) {
		Map<String, float[]> both = new LinkedHashMap<>(weights);
		both.putAll(weightOverrides);
		return model.denseHeadWeights(layer, both);
	}

	@Override
	public List<WeightLayer> layersWithWeights() {
		return model.layersWithWeights();
	}

	/** The values this view runs with: the replacement where there is one. */
	@Override
	public float[] weights(WeightLayer.Tensor tensor) {
		float[] w = weights.get(tensor.name());
		return w != null ? w.clone() : model.weights(tensor);
	}

	@SuppressWarnings("unchecked")
	@Override
	public <T> T memo(String key, Supplier<T> compute) {
		synchronized (memo) {
			Object v = memo.get(key);
			if (v == null) {
				v = compute.get();
				memo.put(key, v);
			}
			return (T) v;
		}
	}

	/** Does nothing: the model belongs to whoever opened it. */
	@Override
	public void close() {}
}
