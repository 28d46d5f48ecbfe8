package org.explaincnn.ij.input;

import ij.IJ;
import ij.ImagePlus;
import ij.io.FileInfo;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import javax.imageio.ImageIO;

import org.explaincnn.core.DaemonThreads;
import org.explaincnn.core.ExplainException;
import org.explaincnn.ij.ImagePlusInput;
import org.explaincnn.core.ModelSpec;
import org.explaincnn.ij.io.AtomicFiles;

/**
 * Image files read ahead on a background thread while the caller runs TensorFlow: each file is
 * opened and prepared for the model, and at most {@code ahead} frames wait, or twice as many while
 * their pixels take less than an eighth of the heap (memory stays bounded). Reading starts before
 * the model has loaded, so that a second batch is ready when the first has run; preparing waits
 * for the model's spec.
 */
public final class ImageFileSource implements FrameSource {

	/** A frame read, a failure to hand on in its turn, or the end; with the pixel bytes held. */
	private record Item(Frame frame, RuntimeException failure, long bytes) {}

	private static final Item END = new Item(null, null, 0);

	private final BlockingQueue<Item> queue;
	private final Thread reader;
	private final boolean goOn;
	private final int ahead;
	/** Pixel bytes above which no more than {@code ahead} frames wait. */
	private final long budget;
	/** Files opened and not yet taken by {@link #next()}, and their pixel bytes. */
	private int held;
	private long heldBytes;
	private volatile boolean closed;
	private boolean ended;

	/** A source that ends at the first file it cannot read (after handing on that failure). */
	public ImageFileSource(List<Path> files, boolean currentSlice, CompletableFuture<ModelSpec> spec,
		int ahead)
	{
		this(files, currentSlice, spec, ahead, false);
	}

	/**
	 * With {@code goOn}, a file that cannot be read is handed on as its failure in its turn
	 * (thrown by {@link #next()}) and the files after it are still read: one bad file in a
	 * folder does not lose the good ones.
	 */
	public ImageFileSource(List<Path> files, boolean currentSlice, CompletableFuture<ModelSpec> spec,
		int ahead, boolean goOn)
	{
		this(files, currentSlice, spec, ahead, goOn, Runtime.getRuntime().maxMemory() / 8);
	}

	/** With the pixel bytes above which no more than {@code ahead} frames wait. */
	ImageFileSource(List<Path> files, boolean currentSlice, CompletableFuture<ModelSpec> spec,
		int ahead, boolean goOn, long budget)
	{
		this.goOn = goOn;
		this.budget = budget;
		this.ahead = Math.max(1, ahead);
		queue = new LinkedBlockingQueue<>();
		reader = DaemonThreads.of("explaincnn-reader", () -> read(files, currentSlice, spec));
		reader.start();
	}

	private void read(List<Path> files, boolean currentSlice, CompletableFuture<ModelSpec> spec) {
		try {
			// Files are opened (decoded) while the model loads, as many as there is room for; once
			// the spec is known each file is prepared as soon as it is opened.
			List<Pending> pending = new ArrayList<>();
			for (Path file : files) {
				if (closed) return;
				if (!spec.isDone() && !room() && !handOn(pending, spec.get(), currentSlice)) return;
				awaitRoom();
				Pending p;
				try {
					p = Pending.opened(file, open(file));
				}
				catch (RuntimeException | Error e) {
					p = new Pending(file, null, e, 0);
				}
				hold(p.bytes);
				pending.add(p);
				if ((p.failure != null && !goOn) || spec.isDone()) {
					if (!handOn(pending, spec.get(), currentSlice)) return;
				}
			}
			if (!handOn(pending, spec.get(), currentSlice)) return;
			queue.put(END);
		}
		catch (InterruptedException | ExecutionException | CancellationException e) {
			// Closed, or the model did not load (the caller reports that).
		}
	}

	/** Room for one more file: fewer than {@code ahead} wait, or fewer than twice as many, small. */
	private synchronized boolean room() {
		return held < ahead || held < 2 * ahead && heldBytes < budget;
	}

	/** Files opened and not yet taken. */
	synchronized int held() {
		return held;
	}

	private synchronized void awaitRoom() throws InterruptedException {
		while (!room())
			wait();
	}

	private synchronized void hold(long bytes) {
		held++;
		heldBytes += bytes;
	}

	private synchronized void release(long bytes) {
		held--;
		heldBytes -= bytes;
		notifyAll();
	}

	/**
	 * A file opened (not yet prepared for the model), or why it could not be opened; with the pixel
	 * bytes it holds until the caller takes it.
	 */
	private record Pending(Path file, ImagePlus image, Throwable failure, long bytes) {

		static Pending opened(Path file, ImagePlus image) {
			return new Pending(file, image, null, (long) image.getSizeInBytes());
		}

		/** The file ready for the model, or its failure: any error stays with its file. */
		Item prepare(ModelSpec spec, boolean currentSlice) {
			Throwable problem = failure;
			if (problem == null) {
				try {
					return new Item(Frame.withLog(image, file, currentSlice, spec), null, bytes);
				}
				catch (RuntimeException | Error e) {
					problem = e;
				}
			}
			if (problem instanceof ExplainException e) return new Item(null, e, bytes);
			// ImageJ's readers fail on damaged files in their own ways; say which file.
			return new Item(null, new ExplainException("Cannot read image " + file + " (" + problem +
				"); the file may be damaged."), bytes);
		}
	}

	/**
	 * Prepares the files read and queues them in order; false after a failure when the source
	 * ends at the first. A backlog (the files decoded while the model loaded) is prepared here, on
	 * one thread: meanwhile the caller runs TensorFlow's first run of a batch, or starts with the
	 * first image alone (a second preparing thread made a folder run slower, taking a core from it).
	 */
	private boolean handOn(List<Pending> pending, ModelSpec spec, boolean currentSlice)
		throws InterruptedException
	{
		try {
			for (Pending p : pending) {
				Item item = p.prepare(spec, currentSlice);
				queue.put(item);
				if (item.failure != null && !goOn) return false;
			}
			return true;
		}
		finally {
			pending.clear();
		}
	}

	/**
	 * Opens an image file with ImageJ; a one-line error names the file and the problem: missing,
	 * empty, truncated or damaged (a known image signature ImageJ could not decode, or a TIFF with
	 * fewer planes or bytes than its header declares), or not an image format ImageJ opens.
	 */
	public static ImagePlus open(Path file) {
		long size;
		try {
			if (Files.isDirectory(file)) throw new ExplainException("Cannot read image " + file +
				": it is a folder, not an image file.");
			size = Files.size(file);
		}
		catch (IOException e) {
			throw new ExplainException("Cannot read image " + file + " (" + AtomicFiles.reason(e) +
				"); check the path and its permissions.");
		}
		if (size == 0) throw new ExplainException("Cannot read image " + file +
			": empty file (0 bytes); it was not written completely, export it again.");
		String format = ImageSignature.of(file);
		// A huge image is refused from its header, before ImageJ reads its pixels.
		int[] dims = ImageSignature.dimensions(file, format);
		if (dims != null) ImagePlusInput.checkFits(file.getFileName().toString(), dims[0], dims[1],
			dims[2], 1, true);
		if ("PNG".equals(format)) {
			ImagePlus direct = decodePlainPng(file);
			if (direct != null) return direct;
		}
		StringBuilder said = new StringBuilder();
		ImagePlus imp = ImageJText.capture(() -> IJ.openImage(file.toString()), said);
		String imagej = said.length() == 0 ? "" : "; ImageJ said: " + (said.length() > 160 ? said
			.substring(0, 160) + "..." : said);
		if (imp == null) throw new ExplainException("Cannot read image " + file + (format == null
			? " (not an image format ImageJ opens" + imagej + "); convert it to PNG or TIFF."
			: ": truncated or damaged " + format + " file" + imagej + "; export it again."));
		if ("JPEG".equals(format)) {
			String problem = ImageSignature.jpegShortfall(file, size);
			if (problem != null) {
				imp.close();
				throw new ExplainException("Cannot read image " + file + ": truncated or damaged JPEG (" +
					problem + "); export it again.");
			}
		}
		if ("TIFF".equals(format)) {
			String problem = ImageSignature.tiffShortfall(file, size, imp.getStackSize());
			if (problem != null) {
				imp.close();
				throw new ExplainException("Cannot read image " + file + ": truncated or damaged TIFF (" +
					problem + "); export it again.");
			}
		}
		return imp;
	}

	/**
	 * The common PNGs (8-bit RGB or grey, no palette, no alpha) decoded straight from the decoder's
	 * raster: ImageJ's PNG path copies every pixel through AWT's PixelGrabber, which cost more than
	 * the explanation itself in a folder run. The same pixels, type and title as ImageJ gives;
	 * anything else (palette, alpha, 16-bit, a file the decoder refuses) returns null and is opened
	 * by ImageJ, whose messages name what is wrong.
	 */
	static ImagePlus decodePlainPng(Path file) {
		BufferedImage b;
		try {
			b = ImageIO.read(file.toFile());
		}
		catch (IOException | RuntimeException e) {
			return null;
		}
		if (b == null) return null;
		int w = b.getWidth(), h = b.getHeight();
		ImageProcessor ip;
		if (b.getType() == BufferedImage.TYPE_3BYTE_BGR) {
			byte[] bgr = ((DataBufferByte) b.getRaster().getDataBuffer()).getData();
			int[] rgb = new int[w * h];
			for (int p = 0, i = 0; p < rgb.length; p++, i += 3)
				rgb[p] = 0xff000000 | (bgr[i + 2] & 0xff) << 16 | (bgr[i + 1] & 0xff) << 8 | bgr[i] &
					0xff;
			ip = new ColorProcessor(w, h, rgb);
		}
		else if (b.getType() == BufferedImage.TYPE_BYTE_GRAY && b.getColorModel().getPixelSize() == 8)
			ip = new ByteProcessor(w, h, ((DataBufferByte) b.getRaster().getDataBuffer()).getData());
		else return null;
		ImagePlus imp = new ImagePlus(file.getFileName().toString(), ip);
		FileInfo fi = new FileInfo();
		fi.fileFormat = FileInfo.IMAGEIO;
		fi.fileName = file.getFileName().toString();
		Path dir = file.toAbsolutePath().getParent();
		fi.directory = dir == null ? "" : dir + File.separator;
		imp.setFileInfo(fi);
		return imp;
	}

	/**
	 * For macros, before {@code open(path)}: "" if the file opens as an image, else the one-line
	 * reason ({@code call("org.explaincnn.ij.input.ImageFileSource.problem", path)}); ImageJ's
	 * {@code open()} would show a text file in an editor or stop the macro on a damaged one.
	 */
	public static String problem(String path) {
		try {
			open(Paths.get(path)).close();
			return "";
		}
		catch (ExplainException e) {
			return e.getMessage();
		}
		catch (RuntimeException e) {
			return "Cannot read image " + path + " (" + e + "); the file may be damaged.";
		}
	}

	@Override
	public Frame next() {
		if (ended) return null;
		Item item;
		try {
			item = queue.take();
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new ExplainException("Interrupted while reading images.");
		}
		if (item != END) release(item.bytes);
		if (item.failure != null) {
			ended = !goOn;
			throw item.failure;
		}
		if (item == END) ended = true;
		return item.frame;
	}

	@Override
	public void close() {
		closed = true;
		reader.interrupt();
		queue.clear();
	}
}
