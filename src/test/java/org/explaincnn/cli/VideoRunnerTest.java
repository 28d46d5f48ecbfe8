package org.explaincnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.plugin.AVI_Reader;
import ij.plugin.filter.AVI_Writer;
import ij.process.ImageProcessor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.explaincnn.HeadlessImageJ;
import org.explaincnn.TestData;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.Explanation;
import org.explaincnn.ij.ExplainJob;
import org.explaincnn.ij.ImageExplainer;
import org.explaincnn.ij.ModelCache;
import org.explaincnn.ij.io.AtomicFiles;
import org.jcodec.api.FrameGrab;
import org.jcodec.api.awt.AWTSequenceEncoder;
import org.jcodec.common.io.FileChannelWrapper;
import org.jcodec.common.io.NIOUtils;
import org.jcodec.common.model.Picture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Videos on the command line: an AVI written by ImageJ is explained frame by frame in chunks, each
 * frame's map equal to the frame explained as an image; the overlay video has a frame per input
 * frame at the input's size; a row per frame; MP4 through JCodec; stacks with --stack.
 */
class VideoRunnerTest {

	@TempDir
	Path tmp;

	@BeforeAll
	static void start() {
		HeadlessImageJ.initForCli();
	}

	/** Six 224x224 frames: both.png, moved and flipped, so that the maps differ. */
	private static ImageStack frames() {
		ImageProcessor both = IJ.openImage(TestData.sampleImage("both.png").toString()).getProcessor();
		ImageStack s = new ImageStack(224, 224);
		for (int k = 0; k < 6; k++) {
			ImageProcessor f = both.duplicate();
			f.translate(12 * k - 30, 0);
			if (k % 2 == 1) f.flipHorizontal();
			s.addSlice("frame " + (k + 1), f);
		}
		return s;
	}

	private static ExplainJob job() {
		ExplainJob job = new ExplainJob();
		job.model = TestData.sampleModel();
		return job;
	}

	@Test
	void anAviIsExplainedFrameByFrameAsItsFramesAreAsImages() throws Exception {
		ImageStack frames = frames();
		Path movie = tmp.resolve("movie.avi");
		new AVI_Writer().writeImage(new ImagePlus("movie", frames), movie.toString(),
			AVI_Writer.NO_COMPRESSION, 0);
		ExplainJob job = job();
		job.batchSize = 4; // chunks of 4 and 2 frames
		Path out = tmp.resolve("out");
		Files.createDirectories(out);
		Map<Integer, Explanation> seen = new TreeMap<>();
		int n;
		try (ModelCache.Lease lease = ImageExplainer.acquireModel(job)) {
			n = VideoRunner.explainVideo(lease.model(), movie, job, out, line -> {}, seen::put);
		}
		assertEquals(6, n);
		assertEquals(List.of(1, 2, 3, 4, 5, 6), List.copyOf(seen.keySet()));
		float[] previous = null;
		for (int k = 1; k <= 6; k++) {
			ImagePlus alone = new ImagePlus("frame " + k, frames.getProcessor(k).duplicate());
			float[] expected = (float[]) ImageExplainer.explain(alone, job(), line -> {},
				ExplainOptions.ProgressListener.NONE, () -> false).heatmap.getProcessor().getPixels();
			float[] actual = seen.get(k).attributions.get(0).map;
			float max = 0;
			for (float v : expected)
				max = Math.max(max, Math.abs(v));
			assertTrue(max > 0);
			assertArrayEquals(expected, actual, 1e-4f * max, "frame " + k);
			if (previous != null) assertFalse(java.util.Arrays.equals(previous, actual));
			previous = actual;
		}
		ImagePlus overlay = AVI_Reader.openVirtual(out.resolve("movie.gradcam.overlay.avi").toString());
		assertEquals(6, overlay.getStackSize());
		assertEquals(224, overlay.getWidth());
		assertEquals(224, overlay.getHeight());
		List<String> rows = Files.readAllLines(out.resolve("movie.gradcam.planes.csv"));
		assertEquals(7, rows.size());
		for (int k = 1; k <= 6; k++)
			assertTrue(rows.get(k).startsWith(k + ",1," + k + ","), rows.get(k));
		assertNoTemporaries(out);
	}

	private static void assertNoTemporaries(Path dir) throws Exception {
		try (Stream<Path> s = Files.list(dir)) {
			assertFalse(s.anyMatch(p -> p.getFileName().toString().startsWith(
				AtomicFiles.TEMPORARY_PREFIX)), "no temporary left");
		}
	}

	@Test
	void anMp4IsReadAndWrittenThroughJCodec() throws Exception {
		Path movie = tmp.resolve("clip.mp4");
		ImageStack frames = frames();
		AWTSequenceEncoder enc = AWTSequenceEncoder.createSequenceEncoder(movie.toFile(), 10);
		for (int k = 1; k <= 4; k++)
			enc.encodeImage(frames.getProcessor(k).getBufferedImage());
		enc.finish();
		ExplainCliTest.Run r = ExplainCliTest.cli(movie.toString(), "--out", tmp.resolve("o")
			.toString());
		assertEquals(0, r.code, r.err);
		assertTrue(r.out.contains("clip.mp4") && r.out.contains("4 frames"), r.out);
		Path written = tmp.resolve("o/clip.gradcam.overlay.mp4");
		int count = 0;
		try (FileChannelWrapper ch = NIOUtils.readableChannel(written.toFile())) {
			FrameGrab grab = FrameGrab.createFrameGrab(ch);
			for (Picture p; (p = grab.getNativeFrame()) != null; count++) {
				assertEquals(224, p.getWidth());
				assertEquals(224, p.getHeight());
			}
		}
		assertEquals(4, count);
		assertEquals(5, Files.readAllLines(tmp.resolve("o/clip.gradcam.planes.csv")).size());
		assertNoTemporaries(tmp.resolve("o"));
	}

	@Test
	void aStackFileIsExplainedPlaneByPlaneWithStack() throws Exception {
		ImageStack frames = frames();
		ImageStack three = new ImageStack(224, 224);
		for (int k = 1; k <= 3; k++)
			three.addSlice(frames.getProcessor(k));
		Path tif = tmp.resolve("planes.tif");
		IJ.saveAsTiff(new ImagePlus("planes", three), tif.toString());
		ExplainCliTest.Run refused = ExplainCliTest.cli(tif.toString(), "--out", tmp.resolve("o")
			.toString());
		assertEquals(2, refused.code);
		assertTrue(refused.err.contains("--stack"), refused.err);
		ExplainCliTest.Run r = ExplainCliTest.cli(tif.toString(), "--stack", "--z", "2-3", "--out",
			tmp.resolve("o").toString());
		assertEquals(0, r.code, r.err);
		ImagePlus heat = IJ.openImage(tmp.resolve("o/planes.gradcam.heatmap.tif").toString());
		assertEquals(2, heat.getNSlices());
		assertEquals(32, heat.getBitDepth());
		assertEquals(3, Files.readAllLines(tmp.resolve("o/planes.gradcam.planes.csv")).size());
		assertTrue(Files.size(tmp.resolve("o/planes.gradcam.rois.zip")) > 0);
	}
}
