package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.List;

import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.FeatureMap;
import org.explaincnn.core.Param;
import org.explaincnn.core.PassStream;

/**
 * AblationCAM (Desai and Ramaswamy 2020): the weight of channel k is the class score's relative
 * drop when that channel is zeroed at the layer, w_k = (y - y_k) / |y|, y the score at the image
 * and y_k with A_k = 0 fed at the layer (forward only, one pass per channel, bounded batches).
 * The paper and pytorch-grad-cam divide by y itself, which flips every weight when the score is
 * negative (a logit below 0): dividing by |y| keeps "the score drops without the channel" positive
 * whatever the score's sign (y = 0: the drop itself). The score is {@code --score} (the logit by
 * default, as the paper). Channels that are zero everywhere cannot change anything and weigh 0
 * without a pass.
 */
final class AblationCam extends CamFamily {

	static final Param<Integer> CHANNELS = Param.integer("channels", 0, 0, 1_000_000,
		"Channels (0 = all)",
		"ablate only the N channels of largest summed activation, one pass each; the others weigh 0");

	@Override
	public String id() {
		return "ablationcam";
	}

	@Override
	public String title() {
		return "AblationCAM";
	}

	@Override
	public boolean forwardOnly() {
		return true;
	}

	@Override
	public List<Param<?>> parameters() {
		return List.of(CHANNELS);
	}

	@Override
	public int passes(ExplainOptions options) {
		int limit = options.get(CHANNELS);
		return 1 + (limit > 0 ? limit : ScoreCam.ASSUMED_CHANNELS);
	}

	/** One pass at the image plus one per channel (channels zero everywhere cost none). */
	@Override
	public int passes(ExplainableModel model, ExplainOptions options) {
		int channels = LayerGradients.layerOf(model, options).channels, limit = options.get(CHANNELS);
		return 1 + (limit > 0 ? Math.min(limit, channels) : channels);
	}

	@Override
	double[] channelWeights(CamContext c) {
		FeatureMap a = c.activation;
		int[] ablated = activeChannels(a, c.options.get(CHANNELS));
		float y = c.score(c.options.score);
		float[] yk = new float[ablated.length];
		PassStream.repeat(c.model, c.image.modelInput, ablated.length).at(c.image).feed(c.layer,
			j -> zeroed(a, ablated[j])).progress(c.classIndex * ablated.length, c.classCount *
				ablated.length).forEachRow(c.options, (pass, b, i) -> yk[i] = pass.score(c.options.score,
					b, c.cls));
		double scale = y != 0 ? Math.abs((double) y) : 1;
		double[] w = new double[a.channels];
		for (int j = 0; j < ablated.length; j++)
			w[ablated[j]] = ((double) y - yk[j]) / scale;
		return w;
	}

	/** A copy of A (batch of one) with channel k set to 0 everywhere. */
	static FeatureMap zeroed(FeatureMap a, int k) {
		float[] data = a.data.clone();
		for (int i = k; i < data.length; i += a.channels)
			data[i] = 0;
		return new FeatureMap(1, a.spatial, a.channels, data);
	}

	/**
	 * The channels not zero everywhere, in channel order; with a limit > 0 only the {@code limit}
	 * of largest summed activation (ties: the lower index).
	 */
	static int[] activeChannels(FeatureMap a, int limit) {
		double[] sum = CamMaps.channelSums(a);
		double[] absSum = new double[a.channels];
		for (int i = 0; i < a.data.length; i++)
			absSum[i % a.channels] += Math.abs(a.data[i]);
		List<Integer> active = new ArrayList<>();
		for (int k = 0; k < a.channels; k++)
			if (absSum[k] > 0) active.add(k);
		if (limit > 0 && limit < active.size()) {
			active.sort((i, j) -> sum[i] != sum[j] ? Double.compare(sum[j], sum[i]) : Integer.compare(
				i, j));
			active = new ArrayList<>(active.subList(0, limit));
			active.sort(null);
		}
		return active.stream().mapToInt(Integer::intValue).toArray();
	}
}
