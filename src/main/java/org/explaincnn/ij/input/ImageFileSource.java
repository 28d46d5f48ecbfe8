package org.explaincnn.ij.input;

import ij.IJ;
import ij.ImagePlus;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ModelSpec;

/**
 * Image files read ahead on a background thread while the caller runs TensorFlow: each file is
 * opened and prepared for the model, and at most {@code ahead} frames wait (memory stays bounded).
 * Reading starts before the model has loaded; preparing waits for its spec.
 */
public final class ImageFileSource implements FrameSource {

	/** A frame read, a failure to hand on in its turn, or the end. */
	private record Item(Frame frame, RuntimeException failure) {}

	private static final Item END = new Item(null, null);

	private final BlockingQueue<Item> queue;
	private final Thread reader;
	private volatile boolean closed;
	private boolean ended;

	public ImageFileSource(List<Path> files, boolean currentSlice, CompletableFuture<ModelSpec> spec,
		int ahead)
	{
		queue = new ArrayBlockingQueue<>(Math.max(1, ahead));
		reader = new Thread(() -> read(files, currentSlice, spec), "explaincnn-reader");
		reader.setDaemon(true);
		reader.start();
	}

	private void read(List<Path> files, boolean currentSlice, CompletableFuture<ModelSpec> spec) {
		try {
			for (Path file : files) {
				if (closed) return;
				Item item;
				try {
					item = new Item(Frame.withLog(open(file), file, currentSlice, spec.get()), null);
				}
				catch (RuntimeException e) {
					item = new Item(null, e);
				}
				queue.put(item);
				if (item.failure != null) return;
			}
			queue.put(END);
		}
		catch (InterruptedException | ExecutionException e) {
			// Closed, or the model did not load (the caller reports that).
		}
	}

	/** Opens an image file with ImageJ; one-line error if it is not an image ImageJ reads. */
	public static ImagePlus open(Path file) {
		ImagePlus imp = IJ.openImage(file.toString());
		if (imp == null) throw new ExplainException("Cannot read image " + file +
			" (not an image format ImageJ opens); convert it to PNG or TIFF.");
		return imp;
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
		if (item.failure != null) {
			ended = true;
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
