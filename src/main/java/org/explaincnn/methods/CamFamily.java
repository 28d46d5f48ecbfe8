package org.explaincnn.methods;

import java.util.ArrayList;
import java.util.List;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.ClassMap;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.FeatureMap;
import org.explaincnn.core.LayerInfo;
import org.explaincnn.core.LayerMapMethod;
import org.explaincnn.core.Pass;
import org.explaincnn.core.PassStream;
import org.explaincnn.core.PerturbationScores;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.Score;

/**
 * The CAM family: a map ReLU(sum_k w_k A_k) over a layer's activations A, the variants differing
 * only in where the channel weights w come from (pytorch-grad-cam's get_cam_weights, torch-cam's
 * _get_weights). Two hooks: {@link #channelWeights(FeatureMap, FeatureMap)} for weights that are a
 * function of A and the gradients G alone (Grad-CAM, Grad-CAM++, XGrad-CAM: the {@link FromLayer}
 * variants, which a sweep or a batch of images can fetch in one pass), and
 * {@link #channelWeights(CamContext)} for weights that need more passes (Score-CAM, SS-CAM, IS-CAM
 * and AblationCAM score inputs or layer values made from A; Smooth Grad-CAM++ takes gradients at
 * noisy inputs); it defaults to the first. Variants whose map is not a channel-weighted sum
 * (HiResCAM, EigenCAM) override {@link FromLayer#cam} instead. Forward-only variants
 * ({@link #forwardOnly()}) fetch A in a forward pass without gradients.
 */
public abstract class CamFamily implements AttributionMethod {

	/** Weights w_k of the channels of A for the map ReLU(sum_k w_k A_k). */
	double[] channelWeights(FeatureMap a, FeatureMap g) {
		throw new UnsupportedOperationException(id() + " makes its map without channel weights");
	}

	/** Weights from whatever the context offers; by default from A and G alone. */
	double[] channelWeights(CamContext c) {
		return channelWeights(c.activation, c.gradient);
	}

	/**
	 * The map at feature resolution (positions of A), before upsampling. Forward-only weights
	 * measure evidence for the class; a counterfactual map (evidence against it) negates them
	 * before the ReLU, as the gradient variants' negated score does.
	 */
	float[] cam(CamContext c) {
		double[] w = channelWeights(c);
		if (forwardOnly()) for (int k = 0; k < w.length; k++)
			w[k] *= c.options.seedSign();
		return CamMaps.relu(CamMaps.weightedSum(c.activation, w));
	}

	@Override
	public boolean usesLayer() {
		return true;
	}

	@Override
	public boolean resolvesTopOne() {
		return true;
	}

	@Override
	public List<ClassMap> explain(ExplainableModel model, PreparedImage image, int[] classes,
		ExplainOptions options)
	{
		LayerInfo layer = LayerGradients.layerOf(model, options);
		List<ClassMap> out = new ArrayList<>();
		if (forwardOnly()) {
			// One forward pass for A, shared by the classes; its scores resolve a top-1 class.
			Pass[] first = new Pass[1];
			PassStream.repeat(model, image.modelInput, 1).at(image).activation(layer).forEachRow(
				options, (pass, b, i) -> first[0] = pass);
			Pass pass = first[0];
			FeatureMap a = pass.activation(layer);
			for (int i = 0; i < classes.length; i++) {
				boolean top = classes[i] == TOP_ONE;
				int cls = top ? ExplainableModel.argmax(pass.logits, 0, pass.classes) : classes[i];
				ClassMap m = new ClassMap(CamMaps.toModel(cam(new CamContext(model, image, layer, a,
					null, cls, pass, 0, options, i, classes.length)), a, image));
				out.add(top ? m.resolvedFrom(pass, 0) : m);
			}
			return out;
		}
		LayerGradients lg = LayerGradients.compute(model, image, classes, options, layer);
		for (int i = 0; i < classes.length; i++) {
			FeatureMap a = lg.activations.get(i);
			Pass pass = lg.passes.get(i);
			int row = lg.rows.get(i);
			int cls = classes[i] == TOP_ONE ? ExplainableModel.argmax(pass.logits, row, pass.classes)
				: classes[i];
			CamContext c = new CamContext(model, image, layer, a, lg.gradients.get(i), cls, pass, row,
				options, i, classes.length);
			out.add(lg.classMap(classes, i, CamMaps.toModel(cam(c), a, image)));
		}
		return out;
	}

	/**
	 * What a weight source may use for one class: the model, the image, the layer, its activations
	 * A (batch of one) and gradients G (null for forward-only variants), the resolved class, the
	 * pass A came from (its scores are those of the unperturbed image) and the options.
	 */
	static final class CamContext {

		final ExplainableModel model;
		final PreparedImage image;
		final LayerInfo layer;
		final FeatureMap activation, gradient;
		/** The class explained (resolved: never TOP_ONE). */
		final int cls;
		final Pass pass;
		final int row;
		final ExplainOptions options;
		/** This class's place among the classes explained, for progress. */
		final int classIndex, classCount;

		CamContext(ExplainableModel model, PreparedImage image, LayerInfo layer, FeatureMap activation,
			FeatureMap gradient, int cls, Pass pass, int row, ExplainOptions options, int classIndex,
			int classCount)
		{
			this.model = model;
			this.image = image;
			this.layer = layer;
			this.activation = activation;
			this.gradient = gradient;
			this.cls = cls;
			this.pass = pass;
			this.row = row;
			this.options = options;
			this.classIndex = classIndex;
			this.classCount = classCount;
		}

		/** The class's score of this kind at the unperturbed image. */
		float score(Score kind) {
			return pass.score(kind, row, cls);
		}

		/**
		 * The class's score of this kind at {@code count} inputs written on demand (forward only,
		 * bounded batches); progress counts every class's {@code count} passes.
		 */
		float[] scores(int count, PassStream.InputWriter inputs, Score kind) {
			ExplainOptions o = options.score == kind ? options : options.toBuilder().score(kind)
				.build();
			float[][] s = PerturbationScores.of(model, image, count, inputs, new int[] { cls }, o,
				classIndex * count, classCount * count);
			float[] out = new float[count];
			for (int i = 0; i < count; i++)
				out[i] = s[i][0];
			return out;
		}
	}

	/**
	 * The variants whose map is a function of the layer's activations and gradients alone: a sweep
	 * over layers or a batch of images fetches them in one pass ({@link LayerMapMethod}).
	 */
	abstract static class FromLayer extends CamFamily implements LayerMapMethod {

		/** The map at feature resolution (positions of A), before upsampling. */
		float[] cam(FeatureMap a, FeatureMap g) {
			return CamMaps.relu(CamMaps.weightedSum(a, channelWeights(a, g)));
		}

		@Override
		final float[] cam(CamContext c) {
			return cam(c.activation, c.gradient);
		}

		@Override
		public float[] layerMap(FeatureMap activation, FeatureMap gradient) {
			return cam(activation, gradient);
		}
	}

	/** Grad-CAM++ (Chattopadhay et al. 2018), second- and third-order terms from the gradient. */
	static final class GradCamPlusPlus extends CamFamily.FromLayer {

		@Override
		public String id() {
			return "gradcam++";
		}

		@Override
		public String title() {
			return "Grad-CAM++";
		}

		@Override
		double[] channelWeights(FeatureMap a, FeatureMap g) {
			int p = a.positions(), c = a.channels;
			double[] sumA = CamMaps.channelSums(a);
			double[] w = new double[c];
			for (int i = 0; i < p; i++)
				for (int k = 0; k < c; k++) {
					double gv = g.data[i * c + k];
					double g2 = gv * gv;
					w[k] += term(sumA[k], gv, g2, g2 * gv);
				}
			return w;
		}

		/**
		 * One position's share of a channel's weight, alpha * ReLU(d1) with alpha = d2 / (2 d2 +
		 * sum(A) d3), from the first, second and third powers of the gradient there (or their means
		 * over noisy copies, Smooth Grad-CAM++); 0 where the gradient is 0.
		 */
		static double term(double sumA, double d1, double d2, double d3) {
			if (d2 == 0) return 0;
			double alpha = d2 / (2 * d2 + sumA * d3 + 1e-7);
			return alpha * Math.max(d1, 0);
		}
	}

	/** XGradCAM (Fu et al. 2020): gradients weighted by normalised activations. */
	static final class XGradCam extends CamFamily.FromLayer {

		@Override
		public String id() {
			return "xgradcam";
		}

		@Override
		public String title() {
			return "XGrad-CAM";
		}

		@Override
		double[] channelWeights(FeatureMap a, FeatureMap g) {
			int p = a.positions(), c = a.channels;
			double[] sumA = CamMaps.channelSums(a);
			double[] w = new double[c];
			for (int i = 0; i < p; i++)
				for (int k = 0; k < c; k++)
					w[k] += g.data[i * c + k] * a.data[i * c + k] / (sumA[k] + 1e-7);
			return w;
		}
	}

	/** HiResCAM (Draelos and Carin 2020): the element-wise product summed over channels. */
	static final class HiResCam extends CamFamily.FromLayer {

		@Override
		public String id() {
			return "hirescam";
		}

		@Override
		public String title() {
			return "HiResCAM";
		}

		@Override
		float[] cam(FeatureMap a, FeatureMap g) {
			int p = a.positions(), c = a.channels;
			float[] out = new float[p];
			for (int i = 0; i < p; i++) {
				double s = 0;
				for (int k = 0; k < c; k++)
					s += (double) g.data[i * c + k] * a.data[i * c + k];
				out[i] = (float) s;
			}
			return CamMaps.relu(out);
		}
	}

	/** EigenCAM (Muhammad and Yeasin 2020): first principal component of the activations. */
	static class EigenCam extends CamFamily.FromLayer {

		@Override
		public String id() {
			return "eigencam";
		}

		@Override
		public String title() {
			return "EigenCAM";
		}

		/** The positions x channels matrix the component is taken from. */
		float[] matrix(FeatureMap a, FeatureMap g) {
			return a.data;
		}

		@Override
		float[] cam(FeatureMap a, FeatureMap g) {
			return CamMaps.relu(principalProjection(matrix(a, g), a.positions(), a.channels));
		}
	}

	/** EigenGradCAM: the principal component of gradients x activations (class-specific). */
	static final class EigenGradCam extends EigenCam {

		@Override
		public String id() {
			return "eigengradcam";
		}

		@Override
		public String title() {
			return "EigenGrad-CAM";
		}

		@Override
		float[] matrix(FeatureMap a, FeatureMap g) {
			float[] m = new float[a.data.length];
			for (int i = 0; i < m.length; i++)
				m[i] = a.data[i] * g.data[i];
			return m;
		}
	}

	/**
	 * Projection of each position's (centred) channel vector on the first right singular vector.
	 * The sign of a singular vector is arbitrary: it is chosen so that the projection correlates
	 * positively with the channel sum, so the map highlights where the layer is active.
	 */
	static float[] principalProjection(float[] data, int positions, int channels) {
		double[][] rows = new double[positions][channels];
		double[] mean = new double[channels];
		for (int i = 0; i < positions; i++)
			for (int k = 0; k < channels; k++)
				mean[k] += data[i * channels + k] / (double) positions;
		for (int i = 0; i < positions; i++)
			for (int k = 0; k < channels; k++)
				rows[i][k] = data[i * channels + k] - mean[k];
		RealMatrix m = new Array2DRowRealMatrix(rows, false);
		// M v1 (v1 the first right singular vector) from the smaller eigenproblem: the channels x
		// channels covariance M'M, or the positions x positions Gram matrix MM' (M v1 = sigma u1).
		double[] projection;
		if (channels <= positions) {
			double[] v = new EigenDecomposition(m.transpose().multiply(m)).getEigenvector(0).toArray();
			projection = m.operate(v);
		}
		else {
			EigenDecomposition gram = new EigenDecomposition(m.multiply(m.transpose()));
			double sigma = Math.sqrt(Math.max(0, gram.getRealEigenvalue(0)));
			projection = gram.getEigenvector(0).mapMultiply(sigma).toArray();
		}
		float[] out = new float[positions];
		double agreement = 0;
		for (int i = 0; i < positions; i++) {
			double total = 0;
			for (int k = 0; k < channels; k++)
				total += data[i * channels + k];
			out[i] = (float) projection[i];
			agreement += projection[i] * total;
		}
		if (agreement < 0) for (int i = 0; i < positions; i++)
			out[i] = -out[i];
		return out;
	}
}
