package org.explaincnn.ij.input;

import ij.ImagePlus;

import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

import org.explaincnn.core.ModelSpec;

/** Open images, prepared on the caller's thread when their turn comes (messages go to log). */
public final class ImagePlusSource implements FrameSource {

	private final Iterator<ImagePlus> images;
	private final boolean currentSlice;
	private final ModelSpec spec;
	private final Consumer<String> log;

	public ImagePlusSource(List<ImagePlus> images, boolean currentSlice, ModelSpec spec,
		Consumer<String> log)
	{
		this.images = images.iterator();
		this.currentSlice = currentSlice;
		this.spec = spec;
		this.log = log;
	}

	@Override
	public Frame next() {
		return images.hasNext() ? Frame.of(images.next(), null, currentSlice, spec, log) : null;
	}
}
