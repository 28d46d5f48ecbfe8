package org.explaincnn.metrics;

/**
 * The structural similarity index (Wang, Bovik, Sheikh and Simoncelli 2004) of two maps: each map
 * scaled to [0, 1] by its own minimum and maximum (maps of different methods and models have
 * different units), local statistics under an 11 x 11 Gaussian window of sigma 1.5 over the
 * positions where the window fits, C1 = (0.01 L)^2 and C2 = (0.03 L)^2 with L = 1, and the mean of
 * the local indices, as in the paper's reference implementation.
 */
public final class Ssim {

	public static final int WINDOW = 11;
	public static final double SIGMA = 1.5, K1 = 0.01, K2 = 0.03;

	private Ssim() {}

	/** Mean SSIM of two w x h maps (row-major); maps smaller than the window use a window as large as fits. */
	public static double of(float[] a, float[] b, int w, int h) {
		if (a.length != w * h || b.length != w * h) throw new IllegalArgumentException("maps of " +
			a.length + " and " + b.length + " values for " + w + " x " + h);
		double[] x = unit(a), y = unit(b);
		int size = Math.min(WINDOW, Math.min(w, h));
		double[] g = gaussian(size);
		double[] xx = new double[x.length], yy = new double[x.length], xy = new double[x.length];
		for (int i = 0; i < x.length; i++) {
			xx[i] = x[i] * x[i];
			yy[i] = y[i] * y[i];
			xy[i] = x[i] * y[i];
		}
		int vw = w - size + 1, vh = h - size + 1;
		double[] mx = valid(x, w, h, g), my = valid(y, w, h, g);
		double[] sxx = valid(xx, w, h, g), syy = valid(yy, w, h, g), sxy = valid(xy, w, h, g);
		double c1 = K1 * K1, c2 = K2 * K2, sum = 0;
		for (int i = 0; i < vw * vh; i++) {
			double ux = mx[i], uy = my[i];
			double vx = sxx[i] - ux * ux, vy = syy[i] - uy * uy, cov = sxy[i] - ux * uy;
			sum += (2 * ux * uy + c1) * (2 * cov + c2) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
		}
		return sum / (vw * vh);
	}

	/** The map scaled to [0, 1]; a constant map becomes zeros. */
	static double[] unit(float[] m) {
		double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
		for (float v : m) {
			lo = Math.min(lo, v);
			hi = Math.max(hi, v);
		}
		double[] out = new double[m.length];
		if (hi > lo) for (int i = 0; i < m.length; i++)
			out[i] = (m[i] - lo) / (hi - lo);
		return out;
	}

	/** A normalised 1-D Gaussian of the given odd or even size. */
	private static double[] gaussian(int size) {
		double[] g = new double[size];
		double c = (size - 1) / 2.0, sum = 0;
		for (int i = 0; i < size; i++)
			sum += g[i] = Math.exp(-(i - c) * (i - c) / (2 * SIGMA * SIGMA));
		for (int i = 0; i < size; i++)
			g[i] /= sum;
		return g;
	}

	/** Separable filtering with g where the window fits: (w - n + 1) x (h - n + 1) values. */
	private static double[] valid(double[] m, int w, int h, double[] g) {
		int n = g.length, vw = w - n + 1, vh = h - n + 1;
		double[] rows = new double[vw * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < vw; x++) {
				double s = 0;
				for (int k = 0; k < n; k++)
					s += g[k] * m[y * w + x + k];
				rows[y * vw + x] = s;
			}
		double[] out = new double[vw * vh];
		for (int y = 0; y < vh; y++)
			for (int x = 0; x < vw; x++) {
				double s = 0;
				for (int k = 0; k < n; k++)
					s += g[k] * rows[(y + k) * vw + x];
				out[y * vw + x] = s;
			}
		return out;
	}
}
