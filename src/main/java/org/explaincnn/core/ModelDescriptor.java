package org.explaincnn.core;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The optional {@code explain-cnn.json} of a model bundle: how to feed the model and where its
 * scores are. Every field may be omitted; what is missing is inferred from the graph and reported
 * as an assumption.
 */
public final class ModelDescriptor {

	public static final String FILE_NAME = "explain-cnn.json";

	/** Display name. */
	public String name;
	/** Model file or folder inside the bundle: a frozen {@code *.pb}, or a SavedModel folder. */
	public String model;
	/** Input tensor ("op" or "op:index"). */
	public String input;
	/** "NHWC" (default) or "NCHW". */
	public String layout;
	/** Model input [height, width] when the graph leaves it open. */
	public int[] inputSize;
	/** "RGB" (default for 3 channels), "BGR", "GRAY" (1 channel) or "CHANNELS" (any count, as is). */
	public String channelOrder;
	/** Model value = (pixel - mean[c]) / std[c], pixels 0..255. */
	public float[] mean;
	public float[] std;
	/** Alternative to mean/std: model value = pixel * scale + offset. */
	public Float scale;
	public Float offset;
	/** "stretch" (default) or "center-crop". */
	public String resize;
	/** Pre-softmax scores. */
	public String logits;
	/** Softmax output. */
	public String probabilities;
	/** Labels file, one class per line ("name" or "index:name"). */
	public String labels;
	/** Suggested Grad-CAM layer. */
	public String targetLayer;
	/** SavedModel tags (default "serve") and signature (default "serving_default"). */
	public String tags;
	public String signature;

	public static ModelDescriptor read(Path file) {
		try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
			ModelDescriptor d = new Gson().fromJson(reader, ModelDescriptor.class);
			if (d == null) throw new ExplainException("Descriptor " + file +
				" is empty; write a JSON object such as {\"input\": \"input\"} or delete it.");
			return d;
		}
		catch (JsonParseException e) {
			throw new ExplainException("Descriptor " + file + " is not valid JSON (" +
				ExplainException.firstLine(e) + "); fix the file or delete it.");
		}
		catch (IOException e) {
			throw new ExplainException("Cannot read descriptor " + file + " (" + e.getMessage() +
				").");
		}
	}
}
