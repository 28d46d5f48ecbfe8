package org.explaincnn.core;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

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
	/** Softmax (or sigmoid) output. */
	public String probabilities;
	/**
	 * Output activation: "softmax" (classes exclude each other), "sigmoid" (independent classes;
	 * one sigmoid unit is a binary classifier) or "none" (scores used as they are).
	 */
	public String activation;
	/** Labels file, one class per line ("name" or "index:name"). */
	public String labels;
	/** Suggested Grad-CAM layer. */
	public String targetLayer;
	/** SavedModel tags (default "serve") and signature (default "serving_default"). */
	public String tags;
	public String signature;

	public static ModelDescriptor read(Path file) {
		try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
			JsonElement json = JsonParser.parseReader(reader);
			if (json == null || json.isJsonNull()) throw new ExplainException("Descriptor " + file +
				" is empty; write a JSON object such as {\"input\": \"input\"} or delete it.");
			if (!json.isJsonObject()) throw new ExplainException("Descriptor " + file +
				" is not a JSON object; write one such as {\"input\": \"input\"} or delete it.");
			checkFields(json.getAsJsonObject(), file);
			ModelDescriptor d = new Gson().fromJson(json, ModelDescriptor.class);
			d.checkValues(file);
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

	/** Free-form fields a bundle may carry for people; they do not change how the model is run. */
	static final Set<String> METADATA = Set.of("description", "comment", "license",
		"source", "author", "version", "url");

	/** Values of "activation". */
	static final Set<String> ACTIVATIONS = Set.of("softmax", "sigmoid", "none");

	/**
	 * Every field is known and of the right JSON type; otherwise one line naming the field (Gson's
	 * own message names a path and a Java type, which a user cannot act on).
	 */
	private static void checkFields(JsonObject json, Path file) {
		List<String> known = new ArrayList<>();
		for (Field f : ModelDescriptor.class.getFields())
			if (!Modifier.isStatic(f.getModifiers())) known.add(f.getName());
		for (Map.Entry<String, JsonElement> e : json.entrySet()) {
			String key = e.getKey();
			JsonElement v = e.getValue();
			if (METADATA.contains(key)) continue;
			Field field;
			try {
				field = ModelDescriptor.class.getField(key);
			}
			catch (NoSuchFieldException ex) {
				throw new ExplainException("Unknown field \"" + key + "\" in " + file + "; the fields are " +
					String.join(", ", known) + " (and free-text " + String.join(", ", new TreeSet<>(
						METADATA)) + ").");
			}
			if (v.isJsonNull()) continue;
			Class<?> type = field.getType();
			String expected = null;
			if (type == String.class && !(v.isJsonPrimitive() && v.getAsJsonPrimitive().isString()))
				expected = "a string";
			else if (type == Float.class && !isNumber(v)) expected = "a number";
			else if (type == float[].class && !isNumber(v) && !isNumbers(v)) expected =
				"a number or a list of numbers (one per channel)";
			else if (type == int[].class && !isNumbers(v)) expected = "a list of whole numbers";
			if (expected != null) throw new ExplainException("\"" + key + "\" in " + file + " must be " +
				expected + ", not " + v + "; fix the field.");
			// One number for per-channel values means the same for every channel.
			if (type == float[].class && isNumber(v)) {
				JsonArray one = new JsonArray();
				one.add(v);
				json.add(key, one);
			}
		}
	}

	private static boolean isNumber(JsonElement v) {
		return v.isJsonPrimitive() && ((JsonPrimitive) v).isNumber();
	}

	private static boolean isNumbers(JsonElement v) {
		if (!v.isJsonArray()) return false;
		for (JsonElement x : v.getAsJsonArray())
			if (!isNumber(x)) return false;
		return true;
	}

	/** Values that would make every map NaN or meaningless are refused here, before any loading. */
	private void checkValues(Path file) {
		if (std != null) for (float s : std)
			if (!Float.isFinite(s) || s == 0) throw new ExplainException("\"std\" in " + file +
				" holds " + s + "; every std must be a finite number other than 0 (pixels are divided by it).");
		if (mean != null) for (float m : mean)
			if (!Float.isFinite(m)) throw new ExplainException("\"mean\" in " + file + " holds " + m +
				"; every mean must be a finite number.");
		if (scale != null && (!Float.isFinite(scale) || scale == 0)) throw new ExplainException(
			"\"scale\" in " + file + " is " + scale + "; it must be a finite number other than 0.");
		if (offset != null && !Float.isFinite(offset)) throw new ExplainException("\"offset\" in " +
			file + " is " + offset + "; it must be a finite number.");
		if (activation != null && !ACTIVATIONS.contains(activation.strip().toLowerCase(
			Locale.ROOT))) throw new ExplainException("\"activation\" in " + file + " is \"" +
				activation + "\"; use \"softmax\", \"sigmoid\" or \"none\".");
		if (inputSize != null) {
			if (inputSize.length != 2) throw new ExplainException("\"inputSize\" in " + file +
				" must be [height, width].");
			for (int v : inputSize)
				if (v < 1) throw new ExplainException("\"inputSize\" in " + file + " holds " + v +
					"; height and width must be at least 1.");
		}
	}
}
