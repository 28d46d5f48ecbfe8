package org.explaincnn.ij.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.process.ColorProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import org.jcodec.api.FrameGrab;
import org.jcodec.common.io.FileChannelWrapper;
import org.jcodec.common.io.NIOUtils;
import org.jcodec.containers.mp4.demuxer.MP4Demuxer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The video writer on error and cancel: an MP4 not finished leaves no open file behind (counted
 * in /proc/self/fd), an AVI given more frames than it was told of refuses them instead of
 * waiting forever, and an MP4 keeps a fractional frame rate.
 */
class VideoWriterTest {

	@TempDir
	Path tmp;

	private static ColorProcessor frame(int k) {
		ColorProcessor c = new ColorProcessor(32, 32);
		c.setColor(k * 40);
		c.fill();
		return c;
	}

	/** Open file descriptors of this process naming a file in {@code dir}. */
	private static long openIn(Path dir) throws IOException {
		try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
			return fds.filter(fd -> {
				try {
					return Files.readSymbolicLink(fd).startsWith(dir);
				}
				catch (IOException | UnsupportedOperationException e) {
					return false; // closed meanwhile, or not a link
				}
			}).count();
		}
	}

	@Test
	void anMp4ClosedUnfinishedLeavesNoOpenFileAndNoFile() throws Exception {
		Path dir = tmp.toRealPath();
		try (VideoWriter w = VideoWriter.open(dir.resolve("cancelled.mp4"), 3, 32, 32, 25)) {
			w.add(frame(1));
			assertEquals(1, openIn(dir), "the temporary is open while writing");
		}
		assertEquals(0, openIn(dir), "close() without finish() closes the file");
		try (Stream<Path> left = Files.list(dir)) {
			assertEquals(0, left.count(), "the unfinished file is removed");
		}
	}

	@Test
	void anMp4KeepsAFractionalFrameRate() throws Exception {
		Path target = tmp.resolve("ntsc.mp4");
		try (VideoWriter w = VideoWriter.open(target, 30, 32, 32, 29.97)) {
			for (int k = 0; k < 30; k++)
				w.add(frame(k % 6));
			w.finish();
		}
		assertEquals(0, openIn(tmp.toRealPath()), "finish() closes the file");
		try (FileChannelWrapper ch = NIOUtils.readableChannel(target.toFile())) {
			MP4Demuxer demuxer = MP4Demuxer.createMP4Demuxer(ch);
			var meta = demuxer.getVideoTrack().getMeta();
			double fps = meta.getTotalFrames() / meta.getTotalDuration();
			assertEquals(29.97, fps, 0.005, "29.97 fps is not rounded to 30");
		}
		assertTrue(FrameGrab.createFrameGrab(NIOUtils.readableChannel(target.toFile()))
			.getNativeFrame() != null);
	}

	@Test
	void anAviGivenMoreFramesThanToldRefusesThemInsteadOfWaiting() throws Exception {
		Path target = tmp.resolve("two.avi");
		try (VideoWriter w = VideoWriter.open(target, 2, 32, 32, 10)) {
			IOException e = assertThrows(IOException.class, () -> assertTimeoutPreemptively(Duration
				.ofSeconds(20), () -> {
					for (int k = 0; k < 5; k++)
						w.add(frame(k));
				}));
			assertTrue(e.getMessage().contains("2 frames"), e.getMessage());
			assertEquals(target, w.finish(), "the two frames are written");
		}
		assertFalse(Files.size(target) == 0);
	}
}
