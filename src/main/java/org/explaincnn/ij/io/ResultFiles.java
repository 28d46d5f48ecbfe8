package org.explaincnn.ij.io;

import ij.ImagePlus;
import ij.gui.Roi;
import ij.io.FileSaver;
import ij.io.RoiEncoder;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import com.google.gson.GsonBuilder;

import org.explaincnn.ij.ExplainResult;

/**
 * The files of one explained image, named {@code <stem>.<method>.<what>}: the 32-bit heatmap TIFF
 * (a stack for several classes or layers, with its ROIs as overlay), the overlay PNG, the ROI set
 * as a ROI Manager zip, and the JSON manifest.
 */
public final class ResultFiles {

	private ResultFiles() {}

	/**
	 * Writes heatmap TIFF, overlay PNG and ROI zip, and the JSON manifest when {@code manifest} is
	 * not null; returns the files in that order.
	 */
	public static List<Path> write(ExplainResult r, Path outDir, String stem,
		Map<String, Object> manifest) throws IOException
	{
		Files.createDirectories(outDir);
		String base = stem + "." + r.explanation.method;
		List<Path> written = new ArrayList<>();
		written.add(writeHeatmap(r.heatmap, outDir.resolve(base + ".heatmap.tif")));
		written.add(writePng(r.overlayPreview, outDir.resolve(base + ".overlay.png")));
		Path zip = outDir.resolve(base + ".rois.zip");
		writeRoiZip(r.rois, zip);
		written.add(zip);
		if (manifest != null) written.add(writeJson(manifest, outDir.resolve(base + ".json")));
		return written;
	}

	public static Path writeHeatmap(ImagePlus heatmap, Path tif) throws IOException {
		FileSaver heat = new FileSaver(heatmap);
		boolean ok = heatmap.getStackSize() > 1 ? heat.saveAsTiffStack(tif.toString()) : heat
			.saveAsTiff(tif.toString());
		if (!ok) throw new IOException("could not write " + tif);
		return tif;
	}

	public static Path writePng(ImagePlus image, Path png) throws IOException {
		if (!new FileSaver(image).saveAsPng(png.toString())) throw new IOException(
			"could not write " + png);
		return png;
	}

	/** ROI Manager compatible zip: one .roi entry per ROI, in order. */
	public static void writeRoiZip(List<Roi> rois, Path zip) throws IOException {
		try (ZipOutputStream out = new ZipOutputStream(new BufferedOutputStream(Files
			.newOutputStream(zip))))
		{
			DataOutputStream data = new DataOutputStream(out);
			int i = 1;
			for (Roi roi : rois) {
				String name = String.format("%04d-%s.roi", i++, roi.getName() == null ? "roi" : roi
					.getName().replaceAll("[^A-Za-z0-9 #_-]", "_"));
				out.putNextEntry(new ZipEntry(name));
				new RoiEncoder(data).write(roi);
				data.flush();
			}
		}
	}

	public static Path writeJson(Map<String, Object> manifest, Path file) throws IOException {
		try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
			new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create()
				.toJson(manifest, w);
		}
		return file;
	}
}
