package org.explaincnn.ij;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.ImageRoi;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.io.RoiDecoder;
import ij.measure.Calibration;
import ij.process.FloatProcessor;
import ij.process.ShortProcessor;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.explaincnn.HeadlessImageJ;
import org.explaincnn.TestData;
import org.explaincnn.fiji.ExplainCommand;
import org.explaincnn.fiji.GradCamCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scijava.Context;
import org.scijava.command.CommandService;
import org.scijava.module.ModuleService;

/** The Grad-CAM command run through a SciJava context, as Fiji and headless scripts run it. */
class GradCamCommandTest {

	static Context context;
	static CommandService commands;
	static ModuleService modules;

	@TempDir
	Path tmp;

	@BeforeAll
	static void start() {
		HeadlessImageJ.init();
		context = new Context(CommandService.class);
		commands = context.service(CommandService.class);
		modules = context.service(ModuleService.class);
	}

	@AfterAll
	static void stop() {
		context.dispose();
	}

	private ExplainCommand run(ImagePlus imp, Object... extra) throws Exception {
		List<Object> args = new ArrayList<>(List.of("image", imp, "model", TestData.sampleModel()
			.toFile(), "target", "top1", "layer", "auto", "score", "logit", "counterfactual", false,
			"opacity", 0.4, "lut", "Fire", "threshold", "0.5", "rois", true, "current", false));
		for (int i = 0; i < extra.length; i += 2) {
			int at = args.indexOf(extra[i]);
			if (at >= 0) args.set(at + 1, extra[i + 1]);
			else {
				args.add(extra[i]);
				args.add(extra[i + 1]);
			}
		}
		// A DynamicCommand is its own module: ModuleService runs it (CommandService.run returns null).
		return (ExplainCommand) modules.run(commands.getCommand(GradCamCommand.class), true, args
			.toArray()).get();
	}

	@Test
	void explainsBothPngWithoutTouchingItsPixels() throws Exception {
		ImagePlus imp = IJ.openImage(TestData.sampleImage("both.png").toString());
		Calibration cal = imp.getCalibration();
		cal.pixelWidth = 0.5;
		cal.setUnit("um");
		int[] before = ((int[]) imp.getProcessor().getPixels()).clone();
		ExplainCommand m = run(imp, "target", "tabby", "output", tmp.toFile());
		assertFalse(m.isCanceled(), String.valueOf(m.getCancelReason()));
		ImagePlus heat = (ImagePlus) m.getOutput("heatmap");
		assertEquals(32, heat.getBitDepth());
		assertEquals(imp.getWidth(), heat.getWidth());
		assertEquals(imp.getHeight(), heat.getHeight());
		assertEquals(0.5, heat.getCalibration().pixelWidth, 1e-12);
		assertEquals(imp.getCalibration().getUnit(), heat.getCalibration().getUnit());
		assertTrue(heat.getTitle().contains("Grad-CAM") && heat.getTitle().contains("tabby") && heat
			.getTitle().contains("Relu6"), heat.getTitle());
		assertArrayEquals(before, (int[]) imp.getProcessor().getPixels(), "input pixels changed");
		Overlay overlay = imp.getOverlay();
		assertNotNull(overlay);
		int images = 0, rois = 0;
		for (Roi r : overlay.toArray()) {
			if (r instanceof ImageRoi) images++;
			else if (r.getName() != null && r.getName().startsWith("tabby #")) rois++;
		}
		assertEquals(1, images, "one heatmap overlay");
		assertTrue(rois >= 1, "ROIs named by class and rank");
		// The strongest ROI lies in the lower half (the cat).
		Roi first = null;
		for (Roi r : overlay.toArray())
			if ("tabby #1".equals(r.getName())) first = r;
		assertNotNull(first);
		assertTrue(first.getContourCentroid()[1] > 112, "tabby #1 centroid y " + first
			.getContourCentroid()[1]);

		// Files written and readable by ImageJ.
		ImagePlus tif = IJ.openImage(tmp.resolve("both.gradcam.heatmap.tif").toString());
		assertEquals(32, tif.getBitDepth());
		assertEquals(224, tif.getWidth());
		float[] saved = (float[]) tif.getProcessor().getPixels();
		assertArrayEquals((float[]) heat.getProcessor().getPixels(), saved, 0f);
		assertEquals(0.5, tif.getCalibration().pixelWidth, 1e-9);
		assertEquals("tabby, tabby cat", tif.getProp("ExplainCNN.label"));
		ImagePlus png = IJ.openImage(tmp.resolve("both.gradcam.overlay.png").toString());
		assertEquals(224, png.getWidth());
		List<Roi> decoded = readRoiZip(tmp.resolve("both.gradcam.rois.zip"));
		assertTrue(!decoded.isEmpty());
		assertEquals("tabby #1", decoded.get(0).getName());
		assertEquals(first.getBounds(), decoded.get(0).getBounds());
		String json = Files.readString(tmp.resolve("both.gradcam.json"));
		assertTrue(json.contains("\"sha256\"") && json.contains("\"tensorflow\": \"2.16.1\"") && json
			.contains("\"label\": \"tabby, tabby cat\""), json);
	}

	static List<Roi> readRoiZip(Path zip) throws Exception {
		List<Roi> out = new ArrayList<>();
		try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
			for (ZipEntry e; (e = in.getNextEntry()) != null;) {
				byte[] bytes = in.readAllBytes();
				Roi r = new RoiDecoder(bytes, e.getName()).getRoi();
				assertNotNull(r, "undecodable " + e.getName());
				out.add(r);
			}
		}
		return out;
	}

	@Test
	void greyAnd16BitAnd32BitImagesWork() throws Exception {
		ImagePlus rgb = IJ.openImage(TestData.sampleImage("chelsea.png").toString());
		ImagePlus grey8 = new ImagePlus("grey8", rgb.getProcessor().convertToByteProcessor());
		ShortProcessor sp = (ShortProcessor) grey8.getProcessor().convertToShortProcessor();
		sp.multiply(200); // 0..51000: scaled through the display range
		ImagePlus grey16 = new ImagePlus("grey16", sp);
		grey16.setDisplayRange(0, 255 * 200); // the same picture as the 8-bit one
		FloatProcessor fp = (FloatProcessor) grey8.getProcessor().convertToFloatProcessor();
		fp.multiply(1 / 255.0);
		ImagePlus grey32 = new ImagePlus("grey32", fp);
		grey32.setDisplayRange(0, 1);
		float[] reference = null;
		for (ImagePlus imp : new ImagePlus[] { grey8, grey16, grey32 }) {
			Object pixels = imp.getProcessor().getPixelsCopy();
			ExplainCommand m = run(imp, "target", "tabby");
			assertFalse(m.isCanceled(), imp.getTitle() + ": " + m.getCancelReason());
			ImagePlus heat = (ImagePlus) m.getOutput("heatmap");
			assertEquals(451, heat.getWidth());
			assertEquals(300, heat.getHeight());
			float[] map = (float[]) heat.getProcessor().getPixels();
			if (reference == null) reference = map;
			else assertArrayEquals(reference, map, 0.02f * max(reference), imp.getTitle() +
				" gives the same map as the 8-bit image it came from");
			if (pixels instanceof short[]) assertArrayEquals((short[]) pixels, (short[]) imp
				.getProcessor().getPixels());
		}
	}

	private static float max(float[] v) {
		float m = 0;
		for (float f : v)
			m = Math.max(m, f);
		return m;
	}

	@Test
	void stacksAreRefusedUnlessTheCurrentSliceIsChosen() throws Exception {
		ImagePlus rgb = IJ.openImage(TestData.sampleImage("both.png").toString());
		ij.ImageStack stack = new ij.ImageStack(224, 224);
		stack.addSlice(rgb.getProcessor().duplicate());
		stack.addSlice(rgb.getProcessor().duplicate());
		ImagePlus imp = new ImagePlus("two planes", stack);
		ExplainCommand refused = run(imp);
		assertTrue(refused.isCanceled());
		assertTrue(refused.getCancelReason().contains("stack of 2 planes") && refused
			.getCancelReason().contains("current"), refused.getCancelReason());
		ExplainCommand ok = run(imp, "current", true);
		assertFalse(ok.isCanceled(), String.valueOf(ok.getCancelReason()));
	}

	@Test
	void badInputsCancelWithOneLine() throws Exception {
		ImagePlus tiny = new ImagePlus("tiny", new ij.process.ColorProcessor(1, 1));
		ExplainCommand m = run(tiny);
		assertTrue(m.isCanceled());
		assertTrue(m.getCancelReason().contains("1x1"), m.getCancelReason());
		ImagePlus imp = IJ.openImage(TestData.sampleImage("both.png").toString());
		ExplainCommand badModel = run(imp, "model", new File("/no/such/model"));
		assertTrue(badModel.getCancelReason().startsWith("Model folder not found"), badModel
			.getCancelReason());
		ExplainCommand badLut = run(imp, "lut", "no-such-lut");
		assertTrue(badLut.getCancelReason().contains("Unknown colour map"), badLut.getCancelReason());
		assertTrue(imp.getOverlay() == null, "a failed run leaves the input as it was");
	}
}
