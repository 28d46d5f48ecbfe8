package org.explaincnn.ij.input;

import ij.ImagePlus;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.explaincnn.core.ModelSpec;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.ij.ImagePlusInput;

/**
 * One image to explain, as a frame source delivers it: the ImagePlus (drawn on and closed by the
 * front end), the file it came from (null for an open image), the image prepared for the model,
 * and what reading it had to say (to be logged when the frame is explained).
 */
public final class Frame {

	public final ImagePlus image;
	public final Path file;
	public final PreparedImage prepared;
	public final List<String> log;

	private Frame(ImagePlus image, Path file, PreparedImage prepared, List<String> log) {
		this.image = image;
		this.file = file;
		this.prepared = prepared;
		this.log = log;
	}

	/** Reads an ImagePlus's pixels and prepares them for a model with {@code spec}. */
	public static Frame of(ImagePlus imp, Path file, boolean currentSlice, ModelSpec spec,
		Consumer<String> log)
	{
		ImagePlusInput input = ImagePlusInput.read(imp, currentSlice, log);
		String adaptation = PreparedImage.channelAdaptation(input.channels, spec.channels,
			spec.channelOrder);
		if (adaptation != null) log.accept(adaptation);
		PreparedImage prepared = PreparedImage.of(input.raster, input.width, input.height,
			input.channels, spec);
		return new Frame(imp, file, prepared, List.of());
	}

	/** Reads the plane at slice {@code z}, frame {@code t} (all channels) of a stack and prepares it. */
	public static Frame ofPlane(ImagePlus imp, int z, int t, ModelSpec spec, Consumer<String> log) {
		ImagePlusInput input = ImagePlusInput.plane(imp, z, t, log);
		String adaptation = PreparedImage.channelAdaptation(input.channels, spec.channels,
			spec.channelOrder);
		if (adaptation != null) log.accept(adaptation);
		return new Frame(imp, null, PreparedImage.of(input.raster, input.width, input.height,
			input.channels, spec), List.of());
	}

	/** The same, with the messages kept in the frame (for a reader on another thread). */
	static Frame withLog(ImagePlus imp, Path file, boolean currentSlice, ModelSpec spec) {
		List<String> messages = new ArrayList<>();
		Frame f = of(imp, file, currentSlice, spec, messages::add);
		return new Frame(f.image, file, f.prepared, List.copyOf(messages));
	}
}
