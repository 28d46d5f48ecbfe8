package org.explaincnn.ij.io;

import ij.ImagePlus;
import ij.gui.Roi;
import ij.io.FileInfo;
import ij.io.FileSaver;
import ij.io.RoiEncoder;
import ij.io.TiffEncoder;
import ij.process.ImageProcessor;

import java.io.DataOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import javax.imageio.ImageIO;

import com.google.gson.GsonBuilder;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.Concepts;
import org.explaincnn.ij.ExplainResult;

/**
 * The files of one explained image, named {@code <stem>.<method>.<what>}: the 32-bit heatmap TIFF
 * (a stack for several classes or layers, with its ROIs as overlay), the overlay PNG, the ROI set
 * as a ROI Manager zip, and the JSON manifest. Each file is written atomically ({@link AtomicFiles}).
 */
public final class ResultFiles {

	private ResultFiles() {}

	/** The files of one explanation a run can write (the JSON manifest and panel are asked apart). */
	public enum Output {
		HEATMAP("heatmap.tif"), OVERLAY("overlay.png"), ROIS("rois.zip");

		/** What follows {@code <stem>.<method>.} in the file name. */
		public final String suffix;

		Output(String suffix) {
			this.suffix = suffix;
		}

		/**
		 * "heatmap,overlay,rois" or any part of it, in any order; a one-line error names a wrong
		 * word and the choices.
		 */
		public static Set<Output> parse(String list) {
			Set<Output> out = EnumSet.noneOf(Output.class);
			for (String word : list.split(",")) {
				String w = word.strip().toLowerCase(Locale.ROOT);
				Output found = null;
				for (Output o : values())
					if (o.name().toLowerCase(Locale.ROOT).equals(w)) found = o;
				if (found == null) throw new ExplainException("Unknown output '" + word.strip() +
					"' in --outputs; give a comma-separated list of heatmap, overlay, rois.");
				out.add(found);
			}
			return out;
		}
	}

	/**
	 * Writes heatmap TIFF, overlay PNG and ROI zip, and the JSON manifest when {@code manifest} is
	 * not null; returns the files in that order.
	 */
	public static List<Path> write(ExplainResult r, Path outDir, String stem,
		Map<String, Object> manifest) throws IOException
	{
		return write(r, outDir, stem, manifest, EnumSet.allOf(Output.class));
	}

	/** As {@link #write(ExplainResult, Path, String, Map)}, only the chosen files. */
	public static List<Path> write(ExplainResult r, Path outDir, String stem,
		Map<String, Object> manifest, Set<Output> outputs) throws IOException
	{
		Files.createDirectories(outDir);
		String base = stem + "." + r.explanation.method + ".";
		List<Path> written = new ArrayList<>();
		if (outputs.contains(Output.HEATMAP)) written.add(writeHeatmap(r.heatmap, outDir.resolve(
			base + Output.HEATMAP.suffix)));
		// A stack has no overlay picture: its overlay is one image ROI per plane, kept in the TIFF.
		if (outputs.contains(Output.OVERLAY) && r.overlayPreview != null) written.add(writePng(r.overlayPreview, outDir.resolve(
			base + Output.OVERLAY.suffix)));
		if (outputs.contains(Output.ROIS)) {
			Path zip = outDir.resolve(base + Output.ROIS.suffix);
			writeRoiZip(r.rois, zip);
			written.add(zip);
		}
		Concepts concepts = Concepts.of(r.explanation);
		if (concepts != null) written.addAll(ConceptFiles.write(concepts, r.heatmap, outDir, stem + "." +
			r.explanation.method));
		if (manifest != null) written.add(writeJson(manifest, outDir.resolve(base + "json")));
		return written;
	}

	/**
	 * The TIFF FileSaver writes (slice labels, info, ROI and overlay, properties), encoded here so
	 * that it goes through {@link AtomicFiles} and an I/O failure keeps its reason (FileSaver
	 * only shows an error dialog).
	 */
	public static Path writeHeatmap(ImagePlus heatmap, Path tif) throws IOException {
		FileInfo fi = heatmap.getFileInfo();
		fi.info = heatmap.getInfoProperty();
		fi.description = new FileSaver(heatmap).getDescriptionString();
		if (heatmap.getStackSize() > 1) fi.sliceLabels = heatmap.getStack().getSliceLabels();
		else if (heatmap.getProperty("Label") instanceof String) fi.sliceLabels = new String[] {
			(String) heatmap.getProperty("Label") };
		fi.roi = RoiEncoder.saveAsByteArray(heatmap.getRoi());
		fi.overlay = FileSaver.getOverlay(heatmap);
		fi.properties = heatmap.getPropertiesAsArray();
		return AtomicFiles.write(tif, out -> new TiffEncoder(fi).write(out));
	}

	public static Path writePng(ImagePlus image, Path png) throws IOException {
		// An RGB picture's pixels are what it shows: written by the faster encoder.
		if (image.getType() == ImagePlus.COLOR_RGB && image.getStackSize() == 1 && !image
			.isComposite())
		{
			ImageProcessor ip = image.getProcessor();
			return AtomicFiles.write(png, out -> RgbPng.write((int[]) ip.getPixels(), ip.getWidth(), ip
				.getHeight(), out));
		}
		return AtomicFiles.write(png, out -> {
			if (!ImageIO.write(image.getBufferedImage(), "png", out)) throw new IOException(
				"no PNG writer for " + image.getTitle());
		});
	}

	/** ROI Manager compatible zip: one .roi entry per ROI, in order. */
	public static void writeRoiZip(List<Roi> rois, Path zip) throws IOException {
		AtomicFiles.write(zip, stream -> writeRoiZip(rois, stream));
	}

	private static void writeRoiZip(List<Roi> rois, OutputStream stream) throws IOException {
		try (ZipOutputStream out = new ZipOutputStream(new NonClosing(stream))) {
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
		return AtomicFiles.write(file, out -> {
			Writer w = new OutputStreamWriter(new NonClosing(out), StandardCharsets.UTF_8);
			new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create()
				.toJson(manifest, w);
			w.flush();
		});
	}

	/** The caller's stream stays open (AtomicFiles closes it, then renames). */
	private static final class NonClosing extends FilterOutputStream {

		NonClosing(OutputStream out) {
			super(out);
		}

		@Override
		public void write(byte[] b, int off, int len) throws IOException {
			out.write(b, off, len);
		}

		@Override
		public void close() throws IOException {
			flush();
		}
	}
}
