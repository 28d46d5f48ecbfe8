package org.explaincnn.ij;

import ij.ImagePlus;
import ij.gui.Roi;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ImageFiles;
import org.explaincnn.ij.input.ImageFileSource;
import org.explaincnn.ij.io.ResultNames;

/**
 * What a person marked on an image, as a mask at the image's own geometry (true = annotated), for
 * the pointing game and the mass inside: a mask or label image (every non-zero pixel), a ROI
 * (.roi), a ROI set (.zip, as the ROI Manager saves it) or ROIs in hand; a folder holds one such
 * file per image, named by the image's stem.
 */
public final class Annotations {

	private Annotations() {}

	/**
	 * The annotation of {@code image} from {@code given}: that file, or in a folder the file with the
	 * image's stem (cell.png -> cell.tif, cell.zip or cell.roi); null when a folder has none for it.
	 */
	public static boolean[] forImage(Path given, Path image, int width, int height) {
		Path file = given;
		if (Files.isDirectory(given)) {
			file = null;
			String stem = ResultNames.stem(image);
			List<Path> candidates = new ArrayList<>();
			try (var s = Files.list(given)) {
				s.filter(p -> ResultNames.stem(p).equals(stem) && (ImageFiles.hasImageName(p) ||
					isRoiFile(p))).sorted().forEach(candidates::add);
			}
			catch (IOException e) {
				throw new ExplainException("Cannot list the annotation folder " + given + " (" + e
					.getMessage() + "); check its permissions.");
			}
			for (Path p : candidates)
				if (!p.toAbsolutePath().normalize().equals(image.toAbsolutePath().normalize())) file = p;
			if (file == null) return null;
		}
		else if (!Files.isRegularFile(given)) throw new ExplainException("Annotation not found: " +
			given + "; give a mask image, a .roi/.zip file or a folder of them named like the images.");
		return read(file, width, height);
	}

	/** A mask from one file: a ROI, a ROI set or a mask/label image of the given size. */
	public static boolean[] read(Path file, int width, int height) {
		if (isRoiFile(file)) {
			// Read and rasterised as the features option reads ROIs: one reader, one rasteriser.
			List<Roi> rois = FeatureMasks.readRois(file);
			if (rois.isEmpty()) throw new ExplainException("The ROI set " + file + " holds no ROI; " +
				"save the ROIs with the ROI Manager (More > Save).");
			return FeatureMasks.covered(rois, width, height, file.getFileName().toString());
		}
		ImagePlus mask = ImageFileSource.open(file);
		if (mask.getWidth() != width || mask.getHeight() != height) throw new ExplainException(
			"The annotation " + file + " is " + mask.getWidth() + "x" + mask.getHeight() +
				" pixels, the image " + width + "x" + height + "; give a mask of the image's size.");
		ImageProcessor ip = mask.getProcessor();
		boolean[] out = new boolean[width * height];
		int[] rgb = ip instanceof ColorProcessor ? (int[]) ip.getPixels() : null;
		for (int i = 0; i < out.length; i++)
			out[i] = rgb != null ? (rgb[i] & 0xffffff) != 0 : ip.getf(i) != 0; // alpha is not paint
		mask.close();
		return out;
	}

	/** The union of ROIs (their areas; lines and points by their pixels), as features are made. */
	public static boolean[] ofRois(List<Roi> rois, int width, int height) {
		return FeatureMasks.covered(rois, width, height, "the annotation");
	}

	private static boolean isRoiFile(Path p) {
		String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
		return n.endsWith(".roi") || n.endsWith(".zip");
	}
}
