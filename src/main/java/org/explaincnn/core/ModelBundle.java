package org.explaincnn.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.nio.file.InvalidPathException;

/**
 * A model folder on disk: a TensorFlow SavedModel ({@code saved_model.pb} + {@code variables/}) or a
 * frozen GraphDef ({@code *.pb}), with an optional {@link ModelDescriptor} and labels file. This
 * class only finds and checks files; {@link ExplainableModel#open} loads them.
 */
public final class ModelBundle {

	public enum Format {
		SAVED_MODEL, FROZEN_GRAPH
	}

	public final Path folder;
	public final ModelDescriptor descriptor;
	/** True when the folder has an explain-cnn.json (otherwise everything is inferred). */
	public final boolean hasDescriptor;
	public final Format format;
	/** The SavedModel folder, or the frozen graph file. */
	public final Path modelPath;
	/** Labels file, or null. */
	public final Path labelsPath;

	private ModelBundle(Path folder, ModelDescriptor descriptor, boolean hasDescriptor,
		Format format, Path modelPath, Path labelsPath)
	{
		this.folder = folder;
		this.descriptor = descriptor;
		this.hasDescriptor = hasDescriptor;
		this.format = format;
		this.modelPath = modelPath;
		this.labelsPath = labelsPath;
	}

	/** Checks a model folder (or a .pb file inside one) and finds its parts. */
	public static ModelBundle at(Path path) {
		if (path == null) throw new ExplainException(
			"No model given; pass a model folder (one with saved_model.pb or a frozen .pb graph).");
		Path given = path.toAbsolutePath().normalize();
		if (!Files.exists(given)) throw new ExplainException("Model folder not found: " + given +
			"; pass a folder that holds saved_model.pb or a frozen .pb graph.");
		if (!Files.isDirectory(given) && !Files.isRegularFile(given)) throw new ExplainException(
			"Not a model: " + given + " is not a regular file or folder (a device, pipe or socket); " +
				"pass the model folder.");
		Path folder = given;
		String fileHint = null;
		if (Files.isRegularFile(given)) {
			if (!given.getFileName().toString().endsWith(".pb")) throw new ExplainException(
				"Not a model: " + given + "; pass the model folder (with saved_model.pb or a frozen " +
					".pb graph), not another file.");
			folder = given.getParent();
			fileHint = given.getFileName().toString();
		}
		Path descriptorFile = folder.resolve(ModelDescriptor.FILE_NAME);
		boolean hasDescriptor = Files.isRegularFile(descriptorFile);
		ModelDescriptor descriptor = hasDescriptor ? ModelDescriptor.read(descriptorFile)
			: new ModelDescriptor();
		if (fileHint != null) descriptor.model = fileHint;

		Path modelPath;
		Format format;
		if (descriptor.model != null) {
			modelPath = inside(folder, descriptor.model, "model");
			if (!Files.exists(modelPath)) throw new ExplainException("Model file '" +
				descriptor.model + "' named in " + descriptorFile + " does not exist in " + folder +
				"; fix the \"model\" entry.");
			if (Files.isDirectory(modelPath)) {
				requireSavedModel(modelPath);
				format = Format.SAVED_MODEL;
			}
			else if (modelPath.getFileName().toString().equals("saved_model.pb")) {
				modelPath = modelPath.getParent();
				format = Format.SAVED_MODEL;
			}
			else {
				regularFile(modelPath, "model");
				format = Format.FROZEN_GRAPH;
			}
		}
		else if (Files.isRegularFile(folder.resolve("saved_model.pb"))) {
			modelPath = folder;
			format = Format.SAVED_MODEL;
		}
		else {
			List<Path> nested = list(folder, p -> Files.isRegularFile(p.resolve(
				"saved_model.pb")));
			List<Path> graphs = list(folder, p -> Files.isRegularFile(p) && p.getFileName()
				.toString().endsWith(".pb"));
			if (nested.size() == 1 && graphs.isEmpty()) {
				modelPath = nested.get(0);
				format = Format.SAVED_MODEL;
			}
			else if (graphs.size() == 1 && nested.isEmpty()) {
				modelPath = graphs.get(0);
				format = Format.FROZEN_GRAPH;
			}
			else if (graphs.isEmpty() && nested.isEmpty()) {
				throw new ExplainException("No model in " + folder +
					": expected saved_model.pb (+ variables/) or a frozen graph *.pb.");
			}
			else {
				List<String> names = new ArrayList<>();
				nested.forEach(p -> names.add(p.getFileName() + "/"));
				graphs.forEach(p -> names.add(p.getFileName().toString()));
				throw new ExplainException("Several models in " + folder + " (" + String.join(", ",
					names) + "); name one with \"model\" in " + ModelDescriptor.FILE_NAME + ".");
			}
		}

		Path labels = null;
		if (descriptor.labels != null) {
			labels = inside(folder, descriptor.labels, "labels");
			if (Files.exists(labels)) regularFile(labels, "labels");
			if (!Files.isRegularFile(labels)) throw new ExplainException("Labels file '" +
				descriptor.labels + "' named in " + descriptorFile + " does not exist; fix the " +
				"\"labels\" entry.");
		}
		else if (Files.isRegularFile(folder.resolve("labels.txt"))) {
			labels = folder.resolve("labels.txt");
		}
		return new ModelBundle(folder, descriptor, hasDescriptor, format, modelPath, labels);
	}

	/**
	 * A path named in the descriptor, which must stay inside the bundle folder: bundles are shared
	 * and downloaded, and "../../etc/passwd" or a link out of the folder must not be read.
	 */
	private static Path inside(Path folder, String named, String field) {
		Path p;
		try {
			p = folder.resolve(named).normalize();
		}
		catch (InvalidPathException e) {
			throw new ExplainException("\"" + field + "\" in " + ModelDescriptor.FILE_NAME + " is not a " +
				"valid path ('" + named + "'); name a file inside the model folder.");
		}
		boolean escapes = !p.startsWith(folder);
		if (!escapes && Files.exists(p)) {
			try {
				escapes = !p.toRealPath().startsWith(folder.toRealPath());
			}
			catch (IOException e) {
				escapes = true;
			}
		}
		if (escapes) throw new ExplainException("\"" + field + "\": \"" + named + "\" in " +
			ModelDescriptor.FILE_NAME + " points outside the model folder " + folder +
			"; a bundle may only name files inside its own folder.");
		return p;
	}

	/** Devices, pipes and the like are refused: /dev/zero as a model would read without end. */
	private static void regularFile(Path p, String what) {
		if (Files.exists(p) && !Files.isDirectory(p) && !Files.isRegularFile(p))
			throw new ExplainException("The " + what + " file " + p + " is not a regular file (a " +
				"device, pipe or socket); name a regular file inside the model folder.");
	}

	private static void requireSavedModel(Path dir) {
		if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) throw new ExplainException(
			"No saved_model.pb in " + dir + "; point \"model\" at a SavedModel folder or a " +
				"frozen .pb file.");
	}

	private static List<Path> list(Path folder, Predicate<Path> filter) {
		try (Stream<Path> s = Files.list(folder)) {
			return s.filter(filter).sorted().collect(Collectors.toList());
		}
		catch (IOException e) {
			throw new ExplainException("Cannot read model folder " + folder + " (" + e
				.getMessage() + ").");
		}
	}
}
