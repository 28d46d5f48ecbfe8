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
import org.explaincnn.core.LayerMapMethod;
import org.explaincnn.core.PreparedImage;

/**
 * The gradient-weighted CAM variants: each turns a layer's activations A and gradients G (one
 * class) into a map at the layer's resolution. Formulas as in pytorch-grad-cam. Most variants
 * differ only in where the channel weights come from (pytorch-grad-cam's get_cam_weights): they
 * override {@link #channelWeights} and the map is ReLU(sum_k w_k A_k). Variants whose map is not a
 * channel-weighted sum (HiResCAM, EigenCAM) override {@link #cam} instead.
 */
public abstract class CamFamily implements AttributionMethod, LayerMapMethod {

	/** Weights w_k of the channels of A for the map ReLU(sum_k w_k A_k). */
	double[] channelWeights(FeatureMap a, FeatureMap g) {
		throw new UnsupportedOperationException(id() + " makes its map without channel weights");
	}

	/** The map at feature resolution (positions of A), before upsampling. */
	float[] cam(FeatureMap a, FeatureMap g) {
		return CamMaps.relu(CamMaps.weightedSum(a, channelWeights(a, g)));
	}

	@Override
	public float[] layerMap(FeatureMap activation, FeatureMap gradient) {
		return cam(activation, gradient);
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
		LayerGradients lg = LayerGradients.compute(model, image, classes, options);
		List<ClassMap> out = new ArrayList<>();
		for (int i = 0; i < classes.length; i++) {
			FeatureMap a = lg.activations.get(i);
			out.add(lg.classMap(classes, i, CamMaps.toModel(cam(a, lg.gradients.get(i)), a, image)));
		}
		return out;
	}

	/** Grad-CAM++ (Chattopadhay et al. 2018), second- and third-order terms from the gradient. */
	static final class GradCamPlusPlus extends CamFamily {

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
					if (gv == 0) continue;
					double g2 = gv * gv, g3 = g2 * gv;
					double alpha = g2 / (2 * g2 + sumA[k] * g3 + 1e-7);
					w[k] += alpha * Math.max(gv, 0);
				}
			return w;
		}
	}

	/** XGradCAM (Fu et al. 2020): gradients weighted by normalised activations. */
	static final class XGradCam extends CamFamily {

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
	static final class HiResCam extends CamFamily {

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
	static class EigenCam extends CamFamily {

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
