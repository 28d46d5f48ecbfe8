package org.explaincnn.core.tf;

import com.google.gson.Gson;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.FileTrees;
import org.explaincnn.core.ModelDescriptor;
import org.explaincnn.core.Sha256;

/**
 * DJL loads SavedModels only, so a frozen GraphDef is exported once as a SavedModel into the cache,
 * keyed by the file's SHA-256 and the tensor names used. A fixed batch dimension of 1 on the input
 * is relaxed when the relaxed graph gives the same scores for a batch of two as for the two images
 * one at a time.
 */
final class FrozenGraphConverter {

	/** What the conversion found, saved beside the converted model. */
	static final class Conversion {
		String source;
		String sha256;
		String input;
		String logits;
		String probabilities;
		boolean batchRelaxed;
		List<String> assumptions = new ArrayList<>();
		/** Every file of the converted SavedModel (relative path -> SHA-256): the completeness check. */
		Map<String, String> files = new TreeMap<>();
		transient Path savedModel;
	}

	/** Leftover temporary folders of conversions that died (killed process) are removed after this. */
	private static final long STALE_TEMP_MILLIS = 10 * 60 * 1000L;

	private static final String META = "explaincnn-conversion.json";

	private FrozenGraphConverter() {}

	/** Cache keys, per file version (path, size, time) and the descriptor's names. */
	private static final Map<String, String> KEYS = new ConcurrentHashMap<>();

	/** Cached conversions checked by {@link #prepareKey}, each taken once by {@link #convert}. */
	private static final Map<String, Conversion> CHECKED = new ConcurrentHashMap<>();

	/**
	 * Computes the cache key of a frozen graph and checks its cached conversion ahead of
	 * {@link #convert}, which needs no TensorFlow for either: the SHA-256 of the model file and of
	 * the cached files take tens of milliseconds, which a caller spends while TensorFlow starts on
	 * another thread. Problems are left to {@link #convert}.
	 */
	static void prepareKey(Path frozenGraph, ModelDescriptor descriptor) {
		try {
			String key = cacheKey(frozenGraph, descriptor);
			Conversion cached = checkedCache(cacheFolder(key));
			if (cached != null) CHECKED.put(key, cached);
			else CHECKED.remove(key);
		}
		catch (IOException e) {
			// convert() reports it.
		}
	}

	private static Path cacheFolder(String key) {
		return TensorFlowRuntime.cacheRoot().resolve("savedmodels").resolve(key);
	}

	/** The complete conversion in {@code target}, or null; dead conversions' leftovers removed. */
	private static Conversion checkedCache(Path target) {
		removeStaleTemps(target.getParent());
		return readComplete(target);
	}

	/** SHA-256 of the graph's bytes and the descriptor's names, read once per file version. */
	private static String cacheKey(Path frozenGraph, ModelDescriptor d) throws IOException {
		String version = frozenGraph.toAbsolutePath() + "|" + Files.size(frozenGraph) + "|" + Files
			.getLastModifiedTime(frozenGraph).toMillis() + "|" + d.input + "|" + d.logits + "|" +
			d.probabilities;
		String known = KEYS.get(version);
		if (known != null) return known;
		String key = Sha256.of(Files.readAllBytes(frozenGraph), (d.input + "|" + d.logits + "|" +
			d.probabilities).getBytes(StandardCharsets.UTF_8));
		KEYS.put(version, key);
		return key;
	}

	private static ExplainException cannotRead(Path frozenGraph, IOException e) {
		return new ExplainException("Cannot read " + frozenGraph + " (" + e.getMessage() + ").");
	}

	static Conversion convert(Path frozenGraph, ModelDescriptor descriptor) {
		String key;
		try {
			key = cacheKey(frozenGraph, descriptor);
		}
		catch (IOException e) {
			throw cannotRead(frozenGraph, e);
		}
		Path target = cacheFolder(key);
		// Checked moments ago by prepareKey (its folder still there), else checked now.
		Conversion cached = CHECKED.remove(key);
		if (cached != null && Files.isDirectory(target)) return cached;
		cached = checkedCache(target);
		if (cached != null) return cached;
		// Only a first use reads the graph's bytes again, to convert them.
		byte[] bytes;
		try {
			bytes = Files.readAllBytes(frozenGraph);
		}
		catch (IOException e) {
			throw cannotRead(frozenGraph, e);
		}
		GraphDef def;
		try {
			def = GraphDef.parseFrom(bytes);
		}
		catch (IOException e) {
			throw new ExplainException(frozenGraph + " is not a TensorFlow GraphDef (" + e
				.getMessage() + "); export the model as a frozen graph or a SavedModel.");
		}
		Conversion c = new Conversion();
		c.source = frozenGraph.toString();
		c.sha256 = key;
		try (Graph g = new Graph()) {
			try {
				g.importGraphDef(def);
			}
			catch (RuntimeException e) {
				throw new ExplainException("TensorFlow cannot import " + frozenGraph + " (" +
					TensorFlowRuntime.firstLine(e) + ").");
			}
			resolveNames(g, descriptor, c);
		}
		GraphDef relaxed = relaxBatch(def, c.input);
		c.batchRelaxed = relaxed != null && sameScoresInBatch(relaxed, c);
		export(c.batchRelaxed ? relaxed : def, c, target);
		c.savedModel = target;
		return c;
	}

	private static void resolveNames(Graph g, ModelDescriptor d, Conversion c) {
		c.input = d.input != null ? d.input : GraphOutputs.findInput(g);
		GraphOutputs.require(g, c.input, "input");
		if (d.input == null) c.assumptions.add("input tensor '" + c.input +
			"' (the graph's only float placeholder)");
		if (d.logits != null) {
			GraphOutputs.require(g, d.logits, "logits");
			c.logits = d.logits;
		}
		if (d.probabilities != null) {
			GraphOutputs.require(g, d.probabilities, "probabilities");
			c.probabilities = d.probabilities;
		}
		if (c.logits == null && c.probabilities == null) {
			String scores = GraphOutputs.findScores(g);
			Output<?> logits = GraphOutputs.logitsBehindSoftmax(GraphOutputs.require(g, scores,
				"scores"));
			if (logits != null) {
				c.probabilities = scores;
				c.logits = GraphOutputs.tensorName(logits);
				c.assumptions.add("probabilities '" + scores + "', logits '" + c.logits +
					"' (the softmax input)");
			}
			else {
				c.logits = scores;
				c.assumptions.add("scores '" + scores + "' (the graph's only rank-2 output)");
			}
		}
		else if (c.logits == null) {
			Output<?> logits = GraphOutputs.logitsBehindSoftmax(GraphOutputs.require(g,
				c.probabilities, "probabilities"));
			if (logits != null) c.logits = GraphOutputs.tensorName(logits);
		}
	}

	/** A copy of the graph whose input placeholder accepts any batch size, or null if not batch 1. */
	private static GraphDef relaxBatch(GraphDef def, String input) {
		String opName = input.contains(":") ? input.substring(0, input.indexOf(':')) : input;
		GraphDef.Builder b = def.toBuilder();
		for (int i = 0; i < b.getNodeCount(); i++) {
			NodeDef node = b.getNode(i);
			if (!node.getName().equals(opName) || !node.containsAttr("shape")) continue;
			TensorShapeProto shape = node.getAttrOrThrow("shape").getShape();
			if (shape.getDimCount() < 3 || shape.getDim(0).getSize() != 1) return null;
			TensorShapeProto open = shape.toBuilder().setDim(0, shape.getDim(0).toBuilder().setSize(
				-1)).build();
			b.setNode(i, node.toBuilder().putAttr("shape", AttrValue.newBuilder().setShape(open)
				.build()));
			return b.build();
		}
		return null;
	}

	/** Runs two random images together and one at a time; equal scores mean batching is safe. */
	private static boolean sameScoresInBatch(GraphDef relaxed, Conversion c) {
		String out = c.logits != null ? c.logits : c.probabilities;
		try (Graph g = new Graph()) {
			g.importGraphDef(relaxed);
			Output<?> in = g.output(c.input);
			Shape shape = in.shape();
			long[] dims = shape.asArray();
			for (int i = 1; i < dims.length; i++)
				if (dims[i] < 0) return true; // cannot probe an open shape; trust the relaxation
			int size = 1;
			for (int i = 1; i < dims.length; i++)
				size *= (int) dims[i];
			float[] two = new float[2 * size];
			Random random = new Random(7);
			for (int i = 0; i < two.length; i++)
				two[i] = random.nextFloat() * 2 - 1;
			try (Session s = new Session(g)) {
				float[] batched = run(s, in, out, two, 2, dims);
				float[] first = run(s, in, out, Arrays.copyOfRange(two, 0, size), 1, dims);
				float[] second = run(s, in, out, Arrays.copyOfRange(two, size, 2 * size), 1,
					dims);
				int k = first.length;
				if (batched.length != 2 * k) return false;
				for (int i = 0; i < k; i++) {
					if (Math.abs(batched[i] - first[i]) > 1e-3f * (1 + Math.abs(first[i])))
						return false;
					if (Math.abs(batched[k + i] - second[i]) > 1e-3f * (1 + Math.abs(second[i])))
						return false;
				}
				return true;
			}
		}
		catch (RuntimeException e) {
			return false; // an op insists on batch 1: keep the graph as it is
		}
	}

	private static float[] run(Session s, Output<?> in, String out, float[] data, int n,
		long[] dims)
	{
		long[] d = dims.clone();
		d[0] = n;
		try (TFloat32 x = TFloat32.tensorOf(Shape.of(d), DataBuffers.of(data));
			Result r = s.runner().feed(in, x).fetch(out).run())
		{
			return Tensors.read((TFloat32) r.get(0));
		}
	}

	static void export(GraphDef def, Conversion c, Path target) {
		Path tmp = null;
		// Ctrl-C during a conversion must not leave a temporary folder behind.
		Thread cleanUp = null;
		try {
			Files.createDirectories(target.getParent());
			tmp = Files.createTempDirectory(target.getParent(), TEMP_PREFIX);
			Path doomed = tmp;
			cleanUp = new Thread(() -> FileTrees.delete(doomed), "explaincnn-convert-cleanup");
			Runtime.getRuntime().addShutdownHook(cleanUp);
			try (Graph g = new Graph()) {
				g.importGraphDef(def);
				Signature.Builder sig = Signature.builder().key(Signature.DEFAULT_KEY).input("input",
					g.output(c.input));
				if (c.logits != null) sig.output("logits", g.output(c.logits));
				if (c.probabilities != null) sig.output("probabilities", g.output(c.probabilities));
				try (Session s = new Session(g)) {
					SavedModelBundle.exporter(tmp.toString()).withSession(s).withSignature(sig.build())
						.export();
				}
			}
			c.files = digests(tmp);
			try (Writer w = Files.newBufferedWriter(tmp.resolve(META), StandardCharsets.UTF_8)) {
				new Gson().toJson(c, w);
			}
			if (Files.exists(target)) FileTrees.delete(target);
			try {
				Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
			}
			catch (IOException raced) {
				FileTrees.delete(tmp);
				if (!Files.isRegularFile(target.resolve(META))) throw raced;
			}
		}
		catch (IOException | RuntimeException e) {
			if (tmp != null) FileTrees.delete(tmp);
			throw new ExplainException("Could not convert " + c.source + " to a SavedModel in " +
				target.getParent() + " (" + TensorFlowRuntime.firstLine(e) +
				"); set EXPLAIN_CNN_CACHE to a writable folder.", e);
		}
		finally {
			if (cleanUp != null) {
				try {
					Runtime.getRuntime().removeShutdownHook(cleanUp);
				}
				catch (IllegalStateException shuttingDown) {
					// the hook is running or about to: it removes the folder
				}
			}
		}
	}

	private static final String TEMP_PREFIX = "export";

	/**
	 * The cached conversion if it is complete: its record reads and every file it lists is there
	 * with the same SHA-256. A damaged or partial entry (deleted file, truncated copy, disk error)
	 * is removed, so the caller rebuilds it.
	 */
	static Conversion readComplete(Path target) {
		Path meta = target.resolve(META);
		if (!Files.exists(target)) return null;
		try (Reader r = Files.newBufferedReader(meta)) {
			Conversion c = new Gson().fromJson(r, Conversion.class);
			if (c != null && c.files != null && !c.files.isEmpty() && c.files.equals(digests(target))) {
				c.savedModel = target;
				return c;
			}
		}
		catch (IOException | RuntimeException damaged) {
			// fall through: rebuilt by the caller
		}
		FileTrees.delete(target);
		return null;
	}

	/** SHA-256 of every file below root except the conversion record itself. */
	private static Map<String, String> digests(Path root) throws IOException {
		Map<String, String> out = new TreeMap<>();
		try (Stream<Path> walk = Files.walk(root)) {
			for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
				String rel = root.relativize(p).toString().replace('\\', '/');
				if (!rel.equals(META)) out.put(rel, Sha256.of(p));
			}
		}
		return out;
	}

	/** Removes temporary export folders that a killed conversion left (old enough not to be live). */
	private static void removeStaleTemps(Path cache) {
		if (!Files.isDirectory(cache)) return;
		long now = System.currentTimeMillis();
		try (Stream<Path> list = Files.list(cache)) {
			for (Path p : (Iterable<Path>) list::iterator) {
				if (!p.getFileName().toString().startsWith(TEMP_PREFIX) || !Files.isDirectory(p))
					continue;
				if (now - Files.getLastModifiedTime(p).toMillis() > STALE_TEMP_MILLIS)
					FileTrees.delete(p);
			}
		}
		catch (IOException ignored) {
			// a cache we cannot list is handled when we try to write it
		}
	}

}
