package org.explaincnn.ij.input;

import ij.ImagePlus;
import ij.ImageStack;
import ij.plugin.AVI_Reader;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ModelSpec;
import org.jcodec.api.FrameGrab;
import org.jcodec.api.JCodecException;
import org.jcodec.common.DemuxerTrackMeta;
import org.jcodec.common.io.FileChannelWrapper;
import org.jcodec.common.io.NIOUtils;
import org.jcodec.common.model.Picture;
import org.jcodec.common.model.Size;
import org.jcodec.scale.AWTUtil;

/**
 * The frames of a video file, read one at a time (never the whole movie): AVI through ImageJ's
 * reader as a virtual stack (uncompressed, MJPEG and PNG frames, as ImageJ reads and writes
 * them), MP4 through JCodec (H.264 video, pure Java). Each frame is prepared for the model as an
 * image of its own.
 */
public final class VideoSource implements FrameSource {

	private interface Reader extends AutoCloseable {

		/** The next frame, or null at the end. */
		ImageProcessor next() throws IOException;

		@Override
		default void close() throws IOException {}
	}

	private final Path file;
	private final Reader reader;
	private final ModelSpec spec;
	private final Consumer<String> log;
	public final int frames, width, height;
	/** Frames per second of the file (25 when it does not say). */
	public final double fps;
	private int read;

	private VideoSource(Path file, Reader reader, ModelSpec spec, Consumer<String> log, int frames,
		int width, int height, double fps)
	{
		this.file = file;
		this.reader = reader;
		this.spec = spec;
		this.log = log;
		this.frames = frames;
		this.width = width;
		this.height = height;
		this.fps = fps > 0 && Double.isFinite(fps) ? fps : 25;
	}

	/** Whether the file is a video this source reads (by its extension). */
	public static boolean isVideo(Path p) {
		String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
		return n.endsWith(".avi") || n.endsWith(".mp4");
	}

	public static VideoSource open(Path file, ModelSpec spec, Consumer<String> log) {
		if (!Files.isRegularFile(file)) throw new ExplainException("Video not found: " + file +
			"; pass an existing .avi or .mp4 file.");
		String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
		return name.endsWith(".mp4") ? mp4(file, spec, log) : avi(file, spec, log);
	}

	private static VideoSource avi(Path file, ModelSpec spec, Consumer<String> log) {
		AVI_Reader avi = new AVI_Reader();
		// Virtual: frames are read from the file when asked for, one at a time.
		ImageStack stack = avi.makeStack(file.toString(), 1, 0, true, false, false);
		if (stack == null || stack.getSize() == 0) throw new ExplainException("Cannot read video " +
			file + " (" + (avi.getErrorText() == null || avi.getErrorText().isBlank() ? "no frames"
				: avi.getErrorText().strip()) + "); ImageJ reads uncompressed, MJPEG and PNG AVI files: " +
			"convert it (e.g. ffmpeg -i in -c:v mjpeg out.avi) or use an H.264 .mp4.");
		ImagePlus imp = avi.getImagePlus();
		double fps = imp != null ? imp.getCalibration().fps : 0;
		int[] next = { 1 };
		Reader r = () -> next[0] > stack.getSize() ? null : stack.getProcessor(next[0]++);
		return new VideoSource(file, r, spec, log, stack.getSize(), stack.getWidth(), stack
			.getHeight(), fps);
	}

	private static VideoSource mp4(Path file, ModelSpec spec, Consumer<String> log) {
		FileChannelWrapper channel = null;
		try {
			channel = NIOUtils.readableChannel(file.toFile());
			FrameGrab grab = FrameGrab.createFrameGrab(channel);
			DemuxerTrackMeta meta = grab.getVideoTrack().getMeta();
			int frames = meta.getTotalFrames();
			double fps = meta.getTotalDuration() > 0 ? frames / meta.getTotalDuration() : 0;
			FileChannelWrapper open = channel;
			Reader r = new Reader() {

				@Override
				public ImageProcessor next() throws IOException {
					Picture p = grab.getNativeFrame();
					return p == null ? null : new ColorProcessor(AWTUtil.toBufferedImage(p));
				}

				@Override
				public void close() throws IOException {
					open.close();
				}
			};
			Size size = meta.getVideoCodecMeta() == null ? null : meta
				.getVideoCodecMeta().getSize();
			return new VideoSource(file, r, spec, log, frames, size == null ? 0 : size.getWidth(),
				size == null ? 0 : size.getHeight(), fps);
		}
		catch (IOException | JCodecException | RuntimeException e) {
			NIOUtils.closeQuietly(channel);
			throw new ExplainException("Cannot read video " + file + " (" + e.getMessage() + "); " +
				"JCodec reads H.264 video in MP4: convert it (e.g. ffmpeg -i in -c:v libx264 out.mp4) " +
				"or use an MJPEG .avi.");
		}
	}

	/** The next frame prepared for the model (image = the frame as an ImagePlus), or null. */
	@Override
	public Frame next() {
		ImageProcessor ip;
		try {
			ip = reader.next();
		}
		catch (IOException | RuntimeException e) {
			throw new ExplainException("Cannot read frame " + (read + 1) + " of " + file + " (" + e
				.getMessage() + "); the file may be truncated.");
		}
		if (ip == null) return null;
		read++;
		ImagePlus imp = new ImagePlus(file.getFileName() + " frame " + read, ip);
		return Frame.of(imp, file, false, spec, log);
	}

	/** Frames read so far. */
	public int read() {
		return read;
	}

	@Override
	public void close() {
		try {
			reader.close();
		}
		catch (Exception ignored) {
			// reading is over; nothing was written
		}
	}
}
