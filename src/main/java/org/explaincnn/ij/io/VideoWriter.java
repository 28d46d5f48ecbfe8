package org.explaincnn.ij.io;

import ij.ImagePlus;
import ij.VirtualStack;
import ij.plugin.filter.AVI_Writer;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import org.jcodec.api.awt.AWTSequenceEncoder;
import org.jcodec.common.io.NIOUtils;
import org.jcodec.common.io.SeekableByteChannel;
import org.jcodec.common.model.Rational;

import org.explaincnn.core.DaemonThreads;

/**
 * Writes a video frame by frame, never holding more than two frames: {@code .avi} as MJPEG through
 * ImageJ's AVI writer (which ImageJ and most players open), {@code .mp4} as H.264 through JCodec.
 * The file appears complete or not at all ({@link AtomicFiles}): {@link #finish} renames it into
 * place; {@link #close} without it removes what was written.
 */
public abstract class VideoWriter implements AutoCloseable {

	/** Adds the next frame (all frames the same size). */
	public abstract void add(ColorProcessor frame) throws IOException;

	/** Completes the file and puts it in place. */
	public abstract Path finish() throws IOException;

	/** Stops; a file not finished is removed. */
	@Override
	public abstract void close();

	/**
	 * A writer for {@code target} (.avi or .mp4) of {@code frames} frames of {@code width} x
	 * {@code height} at {@code fps}.
	 */
	public static VideoWriter open(Path target, int frames, int width, int height, double fps)
		throws IOException
	{
		String n = target.getFileName().toString().toLowerCase(Locale.ROOT);
		if (n.endsWith(".mp4")) return new Mp4(target, fps);
		return new Avi(target, frames, width, height, fps);
	}

	/**
	 * ImageJ's AVI writer pulls its frames from a stack, in order; here the stack is a virtual
	 * one whose frames are handed over one at a time by {@link #add}, and the writer runs on a
	 * thread of its own, into a temporary file.
	 */
	private static final class Avi extends VideoWriter {

		private static final ColorProcessor END = new ColorProcessor(1, 1);
		private final BlockingQueue<ColorProcessor> handOver = new ArrayBlockingQueue<>(1);
		private final FutureTask<Path> writing;
		private final Thread thread;
		private final int frames;
		private volatile boolean aborted;

		Avi(Path target, int frames, int width, int height, double fps) {
			this.frames = frames;
			VirtualStack stack = new VirtualStack(width, height, null, null) {

				private int last;
				private ImageProcessor current;

				@Override
				public int getSize() {
					return frames;
				}

				@Override
				public ImageProcessor getProcessor(int n) {
					// ImagePlus asks for frame 1 when made and the writer again: the same frame.
					if (n == last) return current;
					if (n != last + 1) throw new IllegalStateException("frame " + n + " after " + last);
					try {
						ColorProcessor next = handOver.take();
						if (next == END) throw new IllegalStateException("video stopped at frame " + last);
						last = n;
						current = next;
						return next;
					}
					catch (InterruptedException e) {
						Thread.currentThread().interrupt();
						throw new IllegalStateException("video writing interrupted");
					}
				}

				@Override
				public String getSliceLabel(int n) {
					return null;
				}
			};
			writing = new FutureTask<>(() -> AtomicFiles.writeFile(target, tmp -> {
				ImagePlus imp = new ImagePlus(target.getFileName().toString(), stack);
				imp.getCalibration().fps = fps;
				new AVI_Writer().writeImage(imp, tmp.toString(), AVI_Writer.JPEG_COMPRESSION, 90);
				if (aborted) throw new IOException("video stopped");
			}));
			thread = DaemonThreads.of("explaincnn-avi-writer", writing);
			thread.start();
		}

		@Override
		public void add(ColorProcessor frame) throws IOException {
			try {
				while (!handOver.offer(frame, 100, TimeUnit.MILLISECONDS))
					if (writing.isDone()) {
						result(); // the writer failed: say why
						// It ended normally: it had all the frames it was told of, none is wanted.
						throw new IOException("the AVI already holds its " + frames + " frames");
					}
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new IOException("interrupted");
			}
		}

		@Override
		public Path finish() throws IOException {
			return result();
		}

		private Path result() throws IOException {
			try {
				return writing.get();
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new IOException("interrupted");
			}
			catch (ExecutionException e) {
				Throwable c = e.getCause();
				if (c instanceof IOException) throw (IOException) c;
				throw new IOException(c.getMessage(), c);
			}
		}

		@Override
		public void close() {
			if (writing.isDone()) return;
			aborted = true;
			handOver.clear();
			handOver.offer(END);
			try {
				thread.join(10_000);
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}
	}

	/** H.264 in MP4 through JCodec's encoder, frame by frame into a temporary file. */
	private static final class Mp4 extends VideoWriter {

		private final Path target, tmp;
		private final SeekableByteChannel channel;
		private final AWTSequenceEncoder encoder;
		private boolean done;

		Mp4(Path target, double fps) throws IOException {
			this.target = target;
			this.tmp = AtomicFiles.temporary(target);
			// The channel is ours so that close() can close it when finish() never comes; the rate
			// is kept to 1/1000 frame per second (29.97 stays 29.97).
			channel = NIOUtils.writableChannel(tmp.toFile());
			try {
				encoder = new AWTSequenceEncoder(channel, Rational.R((int) Math.max(1, Math.round(fps *
					1000)), 1000));
			}
			catch (IOException | RuntimeException e) {
				NIOUtils.closeQuietly(channel);
				AtomicFiles.discard(tmp);
				throw e;
			}
		}

		@Override
		public void add(ColorProcessor frame) throws IOException {
			encoder.encodeImage(frame.getBufferedImage());
		}

		@Override
		public Path finish() throws IOException {
			encoder.finish();
			channel.close();
			done = true;
			return AtomicFiles.moveIntoPlace(tmp, target);
		}

		@Override
		public void close() {
			NIOUtils.closeQuietly(channel);
			if (!done) AtomicFiles.discard(tmp);
		}
	}
}
