package org.explaincnn.ij;

import ij.IJ;
import ij.plugin.LutLoader;
import ij.process.LUT;

import java.awt.image.IndexColorModel;
import java.io.File;
import java.util.Locale;

import org.explaincnn.core.ExplainException;

/** Colour maps by name: ImageJ's built-in LUTs, a LUT in Fiji's luts folder, or a .lut file. */
public final class Luts {

	public static final String DEFAULT = "Fire";

	private Luts() {}

	public static LUT byName(String name) {
		String n = name == null || name.isBlank() ? DEFAULT : name.strip();
		IndexColorModel cm = LutLoader.getLut(n.toLowerCase(Locale.ROOT));
		if (cm != null) return new LUT(cm, 0, 255);
		File file = new File(n);
		if (!file.isFile()) {
			String dir = lutsFolder();
			if (dir != null) {
				File candidate = new File(dir, n.endsWith(".lut") ? n : n + ".lut");
				if (candidate.isFile()) file = candidate;
			}
		}
		if (file.isFile()) {
			LUT lut = LutLoader.openLut(file.getPath());
			if (lut != null) return lut;
		}
		throw new ExplainException("Unknown colour map '" + n +
			"'; use an ImageJ LUT name (Fire, Grays, Ice, Spectrum, 3-3-2 RGB, Red/Green, ...), a LUT of " +
			"Fiji's luts folder (e.g. mpl-inferno) or a .lut file.");
	}

	private static String lutsFolder() {
		try {
			return IJ.getDirectory("luts");
		}
		catch (RuntimeException e) {
			return null;
		}
	}
}
