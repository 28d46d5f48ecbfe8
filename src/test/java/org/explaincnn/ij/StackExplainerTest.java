package org.explaincnn.ij;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.ImageRoi;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.io.RoiDecoder;
import ij.measure.Calibration;
import ij.process.ByteProcessor;
import ij.process.ImageProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.explaincnn.TestData;
import org.explaincnn.TinyModels;
import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.ij.io.PlaneTable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stacks and hyperstacks explained plane by plane: the heatmap has the input's slices, frames and
 * calibration, each plane's map is the map of that plane explained alone (the planes go through
 * the model together, in chunks), the overlay and the ROIs carry their plane's position (also in
 * the saved ROI set), a row per plane, the input unchanged, cancel keeps what was done.
 */
class StackExplainerTest {

	@TempDir
	static Path tmp;

	/** The 2-channel net of TinyModels (6x6x2 input), its channels fed as they are. */
	static Path twoChannelModel;

	@BeforeAll
	static void bundle() throws IOException {
		twoChannelModel = TinyModels.frozenBundle(tmp.resolve("gap2"), new TinyModels.GapDense(11)
			.graph(), "{\"mean\": [0], \"std\": [1], \"logits\": \"logits\", \"channelOrder\": " +
				"\"CHANNELS\"}");
	}

	private static ExplainJob job(Path model, boolean stack) {
		ExplainJob job = new ExplainJob();
		job.model = model;
		job.stack = stack;
		return job;
	}

	private static Object[] pixelsOf(ImagePlus imp) {
		ImageStack s = imp.getStack();
		Object[] out = new Object[s.size()];
		for (int i = 0; i < out.length; i++)
			out[i] = s.getProcessor(i + 1).duplicate().getPixels();
		return out;
	}

	private static void assertUnchanged(Object[] before, ImagePlus imp) {
		Object[] after = pixelsOf(imp);
		for (int i = 0; i < before.length; i++) {
			if (before[i] instanceof byte[]) assertArrayEquals((byte[]) before[i], (byte[]) after[i]);
			else assertArrayEquals((int[]) before[i], (int[]) after[i]);
		}
	}

	/** Equal up to float rounding of a batched run: 1e-4 of the map's largest magnitude. */
	private static void assertSameMap(float[] alone, float[] inStack, String what) {
		float max = 0;
		for (float v : alone)
			max = Math.max(max, Math.abs(v));
		assertTrue(max > 0, what + ": an all-zero map cannot tell planes apart");
		assertArrayEquals(alone, inStack, 1e-4f * max, what);
	}

	private static void assertSameCalibration(Calibration a, Calibration b) {
		assertEquals(a.pixelWidth, b.pixelWidth);
		assertEquals(a.pixelHeight, b.pixelHeight);
		assertEquals(a.pixelDepth, b.pixelDepth);
		assertEquals(a.frameInterval, b.frameInterval);
		assertEquals(a.getUnit(), b.getUnit());
		assertEquals(a.getTimeUnit(), b.getTimeUnit());
	}

	@Test
	void aThreePlaneStackIsExplainedPlaneByPlaneInOneBatch() throws Exception {
		ImageProcessor both = IJ.openImage(TestData.sampleImage("both.png").toString()).getProcessor();
		ImageStack stack = new ImageStack(both.getWidth(), both.getHeight());
		stack.addSlice("both", both.duplicate());
		ImageProcessor flipped = both.duplicate();
		flipped.flipHorizontal();
		stack.addSlice("flipped", flipped);
		stack.addSlice("chelsea", IJ.openImage(TestData.sampleImage("chelsea.png").toString())
			.getProcessor().resize(both.getWidth(), both.getHeight()));
		ImagePlus imp = new ImagePlus("three planes", stack);
		Calibration cal = imp.getCalibration();
		cal.pixelWidth = cal.pixelHeight = 0.5;
		cal.pixelDepth = 2;
		cal.setUnit("um");
		Object[] before = pixelsOf(imp);
		ExplainJob job = job(TestData.sampleModel(), true);
		List<String> log = new ArrayList<>();
		List<Integer> progress = new ArrayList<>();
		ExplainResult r = ImageExplainer.explain(imp, job, log::add, (done, total) -> {
			assertEquals(3, total);
			progress.add(done);
		}, () -> false);
		ImagePlus heat = r.heatmap;
		assertEquals(32, heat.getBitDepth());
		assertArrayEquals(new int[] { 224, 224, 1, 3, 1 }, heat.getDimensions());
		assertSameCalibration(imp.getCalibration(), heat.getCalibration());
		assertEquals(3, progress.get(progress.size() - 1));
		assertUnchanged(before, imp);
		float[][] maps = new float[3][];
		for (int z = 1; z <= 3; z++) {
			ImagePlus plane = new ImagePlus("plane " + z, stack.getProcessor(z).duplicate());
			ExplainResult alone = ImageExplainer.explain(plane, job(TestData.sampleModel(), false),
				line -> {}, ExplainOptions.ProgressListener.NONE, () -> false);
			maps[z - 1] = (float[]) heat.getStack().getPixels(z);
			assertSameMap((float[]) alone.heatmap.getProcessor().getPixels(), maps[z - 1], "plane " + z);
			PlaneTable.Row row = r.planes.rows().get(z - 1);
			assertEquals(z, row.z());
			assertEquals(1, row.t());
			assertEquals(alone.explanation.top[0], row.classIndex(), "top-1 target of plane " + z);
		}
		assertFalse(java.util.Arrays.equals(maps[0], maps[2]), "planes differ");
		// One coloured map per plane on the input, each on its plane; the ROIs on theirs.
		Overlay overlay = imp.getOverlay();
		List<Integer> mapPositions = new ArrayList<>();
		for (Roi roi : overlay.toArray())
			if (roi instanceof ImageRoi) mapPositions.add(roi.getPosition());
		assertEquals(List.of(1, 2, 3), mapPositions);
		assertFalse(r.rois.isEmpty());
		for (int z = 1; z <= 3; z++) {
			int plane = z;
			assertTrue(r.rois.stream().anyMatch(roi -> roi.getPosition() == plane), "ROIs of plane " + z);
		}
		// The saved ROI set keeps the positions; the heatmap TIFF keeps dimensions and calibration.
		Path out = tmp.resolve("three");
		ImageExplainer.save(r, job, out, "three", false, "three.tif");
		List<Integer> saved = new ArrayList<>();
		try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(out.resolve(
			"three.gradcam.rois.zip"))))
		{
			for (ZipEntry e; (e = zip.getNextEntry()) != null;)
				saved.add(RoiDecoder.openFromByteArray(zip.readAllBytes()).getPosition());
		}
		List<Integer> expected = new ArrayList<>();
		r.rois.forEach(roi -> expected.add(roi.getPosition()));
		assertEquals(expected, saved);
		ImagePlus reread = IJ.openImage(out.resolve("three.gradcam.heatmap.tif").toString());
		assertArrayEquals(heat.getDimensions(), reread.getDimensions());
		assertSameCalibration(imp.getCalibration(), reread.getCalibration());
	}

	/** 2 channels x 3 slices x 4 frames of random 8-bit pixels. */
	private static ImagePlus hyperstack(int channels, long seed) {
		Random random = new Random(seed);
		ImageStack s = new ImageStack(6, 6);
		for (int i = 0; i < channels * 3 * 4; i++) {
			byte[] px = new byte[36];
			random.nextBytes(px);
			s.addSlice(new ByteProcessor(6, 6, px));
		}
		ImagePlus imp = new ImagePlus("hyper", s);
		imp.setDimensions(channels, 3, 4);
		imp = new CompositeImage(imp, IJ.COMPOSITE);
		imp.setOpenAsHyperStack(true);
		Calibration cal = imp.getCalibration();
		cal.pixelWidth = cal.pixelHeight = 0.3;
		cal.pixelDepth = 1.5;
		cal.frameInterval = 2;
		cal.setUnit("um");
		cal.setTimeUnit("s");
		return imp;
	}

	/** One plane of a hyperstack (both channels) as an image of its own. */
	private static ImagePlus planeAlone(ImagePlus imp, int z, int t) {
		ImageStack s = new ImageStack(6, 6);
		for (int c = 1; c <= imp.getNChannels(); c++)
			s.addSlice(imp.getStack().getProcessor(imp.getStackIndex(c, z, t)).duplicate());
		ImagePlus one = new ImagePlus("z" + z + "t" + t, s);
		one.setDimensions(imp.getNChannels(), 1, 1);
		return new CompositeImage(one, IJ.COMPOSITE);
	}

	@Test
	void aHyperstackFeedsItsChannelsAndKeepsSlicesFramesAndCalibration() {
		ImagePlus imp = hyperstack(2, 1);
		Object[] before = pixelsOf(imp);
		ExplainJob job = job(twoChannelModel, true);
		job.batchSize = 5; // chunks of 5, 5 and 2 planes
		ExplainResult r = ImageExplainer.explain(imp, job, line -> {},
			ExplainOptions.ProgressListener.NONE, () -> false);
		ImagePlus heat = r.heatmap;
		assertArrayEquals(new int[] { 6, 6, 1, 3, 4 }, heat.getDimensions());
		assertTrue(heat.isHyperStack());
		assertSameCalibration(imp.getCalibration(), heat.getCalibration());
		assertUnchanged(before, imp);
		assertEquals(12, r.planes.planes());
		for (int t = 1; t <= 4; t++)
			for (int z = 1; z <= 3; z++) {
				ExplainResult alone = ImageExplainer.explain(planeAlone(imp, z, t), job(twoChannelModel,
					false), line -> {}, ExplainOptions.ProgressListener.NONE, () -> false);
				assertSameMap((float[]) alone.heatmap.getProcessor().getPixels(), (float[]) heat.getStack()
					.getPixels(heat.getStackIndex(1, z, t)), "z=" + z + " t=" + t);
				PlaneTable.Row row = r.planes.rows().get((t - 1) * 3 + z - 1);
				assertEquals(List.of(z, t), List.of(row.z(), row.t()));
			}
		// The coloured maps and the ROIs sit on their slice and frame, on every channel.
		List<String> mapPositions = new ArrayList<>();
		for (Roi roi : imp.getOverlay().toArray())
			if (roi instanceof ImageRoi) mapPositions.add(roi.getCPosition() + "," + roi
				.getZPosition() + "," + roi.getTPosition());
		List<String> expected = new ArrayList<>();
		for (int t = 1; t <= 4; t++)
			for (int z = 1; z <= 3; z++)
				expected.add("0," + z + "," + t);
		assertEquals(expected, mapPositions);
		assertFalse(r.rois.isEmpty());
		for (Roi roi : r.rois) {
			assertEquals(0, roi.getCPosition());
			assertTrue(roi.getName().endsWith(" z" + roi.getZPosition() + " t" + roi.getTPosition()),
				roi.getName());
		}
	}

	@Test
	void aRangeOfSlicesAndFramesIsExplainedAlone() {
		ImagePlus imp = hyperstack(2, 2);
		ExplainJob all = job(twoChannelModel, true);
		ImagePlus full = ImageExplainer.explain(imp, all, line -> {},
			ExplainOptions.ProgressListener.NONE, () -> false).heatmap;
		imp.setOverlay(null);
		ExplainJob some = job(twoChannelModel, false);
		some.set("z", "2-3");
		some.set("t", "2,4");
		assertTrue(some.everyPlane(), "a range implies explaining planes");
		ExplainResult r = ImageExplainer.explain(imp, some, line -> {},
			ExplainOptions.ProgressListener.NONE, () -> false);
		assertArrayEquals(new int[] { 6, 6, 1, 2, 2 }, r.heatmap.getDimensions());
		int[][] chosen = { { 2, 2 }, { 3, 2 }, { 2, 4 }, { 3, 4 } };
		for (int i = 0; i < chosen.length; i++) {
			int z = chosen[i][0], t = chosen[i][1];
			assertArrayEquals((float[]) full.getStack().getPixels(full.getStackIndex(1, z, t)),
				(float[]) r.heatmap.getStack().getPixels(i + 1), 1e-5f);
			assertEquals(List.of(z, t), List.of(r.planes.rows().get(i).z(), r.planes.rows().get(i).t()));
		}
		ExplainException e = assertThrows(ExplainException.class, () -> ImageExplainer.explain(imp,
			withZ("2-9"), line -> {}, ExplainOptions.ProgressListener.NONE, () -> false));
		assertTrue(e.getMessage().contains("z=2-9") && e.getMessage().contains("1 to 3"), e
			.getMessage());
		assertThrows(ExplainException.class, () -> withZ("two"));
	}

	private static ExplainJob withZ(String z) {
		ExplainJob j = job(twoChannelModel, true);
		j.set("z", z);
		return j;
	}

	@Test
	void cancelKeepsThePlanesDoneAndSaysSo() {
		ImagePlus imp = hyperstack(2, 3);
		ExplainJob job = job(twoChannelModel, true);
		job.batchSize = 5;
		int[] reported = { 0 };
		List<String> log = new ArrayList<>();
		ExplainResult r = ImageExplainer.explain(imp, job, log::add, (done, total) -> reported[0] =
			Math.max(reported[0], done), () -> reported[0] >= 5);
		assertEquals(5, r.planes.planes());
		assertTrue(log.stream().anyMatch(l -> l.contains("Cancelled after 5 of 12 planes")), log
			.toString());
		assertArrayEquals(new int[] { 6, 6, 1, 3, 4 }, r.heatmap.getDimensions());
		float[] notDone = (float[]) r.heatmap.getStack().getPixels(6);
		for (float v : notDone)
			assertEquals(0f, v);
		long maps = java.util.Arrays.stream(imp.getOverlay().toArray()).filter(
			roi -> roi instanceof ImageRoi).count();
		assertEquals(5, maps);
		assertNoPlaneThreadLeft();
	}

	@Test
	void aChannelCountTheModelDoesNotTakeIsOneLine() {
		ImagePlus imp = hyperstack(3, 4);
		ExplainException e = assertThrows(ExplainException.class, () -> ImageExplainer.explain(imp,
			job(twoChannelModel, true), line -> {}, ExplainOptions.ProgressListener.NONE, () -> false));
		assertTrue(e.getMessage().contains("3 channels") && !e.getMessage().contains("\n"), e
			.getMessage());
		assertNoPlaneThreadLeft();
	}

	/**
	 * The threads that prepare the next chunk and collect the last one's results end with the
	 * explanation, however it ended.
	 */
	private static void assertNoPlaneThreadLeft() {
		Set<String> names = Set.of("explaincnn-planes", "explaincnn-plane-results");
		long until = System.nanoTime() + 5_000_000_000L;
		while (Thread.getAllStackTraces().keySet().stream().anyMatch(t -> names.contains(t
			.getName()) && t.isAlive()) && System.nanoTime() < until)
			Thread.onSpinWait();
		assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> names.contains(t
			.getName()) && t.isAlive()), "a plane-preparing or -collecting thread was left running");
	}

	/**
	 * A signed method (feature ablation: negative = evidence against the class) on a stack gets the
	 * single image's centred colour map and a range centred on 0 holding every plane's own range;
	 * the planes table names its score column for what it holds, the logit.
	 */
	@Test
	void aSignedStackIsDrawnCentredOnZeroAsItsPlanesAreAlone() throws Exception {
		ImageProcessor both = IJ.openImage(TestData.sampleImage("both.png").toString()).getProcessor();
		ImageStack stack = new ImageStack(both.getWidth(), both.getHeight());
		stack.addSlice("both", both.duplicate());
		ImageProcessor flipped = both.duplicate();
		flipped.flipHorizontal();
		stack.addSlice("flipped", flipped);
		ExplainJob job = ablation(true);
		ExplainResult r = ImageExplainer.explain(new ImagePlus("two planes", stack), job, line -> {},
			ExplainOptions.ProgressListener.NONE, () -> false);
		double widest = 0;
		for (int z = 1; z <= 2; z++) {
			ExplainResult alone = ImageExplainer.explain(new ImagePlus("plane " + z, stack.getProcessor(
				z).duplicate()), ablation(false), line -> {},
				ExplainOptions.ProgressListener.NONE, () -> false);
			assertTrue(alone.heatmap.getDisplayRangeMin() < 0, "plane " + z +
				" has evidence against the class (else this test cannot tell)");
			assertEquals(-alone.heatmap.getDisplayRangeMin(), alone.heatmap.getDisplayRangeMax(), 1e-9);
			widest = Math.max(widest, alone.heatmap.getDisplayRangeMax());
			assertArrayEquals(lutBytes(alone.heatmap), lutBytes(r.heatmap), "the single image's LUT");
		}
		assertEquals(-widest, r.heatmap.getDisplayRangeMin(), 1e-6 * widest, "centred on 0");
		assertEquals(widest, r.heatmap.getDisplayRangeMax(), 1e-6 * widest);
		assertTrue(r.planes.toResultsTable().columnExists("logit"));
		assertTrue(PlaneTable.HEADER.contains(",logit,") && !PlaneTable.HEADER.contains("score"));
		assertEquals(r.explanation.attributions.get(0).logit, r.planes.rows().get(0).logit(), 0);
	}

	private static ExplainJob ablation(boolean stack) {
		ExplainJob job = job(TestData.sampleModel(), stack);
		job.method = "featureablation";
		job.set("cell", "56"); // a 4 x 4 grid: 17 forward passes a plane
		return job;
	}

	private static byte[] lutBytes(ImagePlus imp) {
		return imp.getProcessor().getLut().getBytes();
	}
}
