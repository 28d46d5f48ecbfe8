package org.explaincnn.ij.input;

/**
 * Where images to explain come from: open images, files, and later stack planes, video frames or
 * a live window. Frames come in order; a frame that cannot be read fails when its turn comes.
 */
public interface FrameSource extends AutoCloseable {

	/** The next frame, or null when there are no more. */
	Frame next();

	/** Stops reading and frees what was read ahead. */
	@Override
	default void close() {}
}
