package org.explaincnn.core.tf;

import com.google.protobuf.ByteString;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.ByteDataBuffer;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;

import org.explaincnn.core.ModelDescriptor;
import org.explaincnn.core.Sha256;

/**
 * Loading a Keras SavedModel costs seconds (the TensorFlow loader restores every variable, then its
 * function calls are inlined); a frozen graph's cached SavedModel loads in a fraction of that. So
 * after the first load of a SavedModel, the subgraph from the input to the scores is written into
 * the cache as a frozen graph: each variable read becomes a Const holding the value the live
 * session reads, with op names unchanged (layer names, the default layer and descriptor names stay
 * the same). Later loads take that copy through the frozen-graph path, with its completeness
 * record. A graph that cannot be frozen (a resource still needed at run time, control flow, a
 * function call left) is simply not cached.
 */
final class FrozenModelCache {

	/** Ops whose presence in the forward subgraph means it cannot run without the original. */
	private static final Set<String> UNFREEZABLE = Set.of("VarHandleOp", "VariableV2", "Variable",
		"Placeholder", "StatefulPartitionedCall", "PartitionedCall", "If", "StatelessIf", "While",
		"StatelessWhile", "Case", "StatelessCase", "HashTableV2", "MutableHashTableV2",
		"ResourceGather", "ResourceGatherNd", "VarIsInitializedOp");

	/** How the cached copy is told apart in the spec's assumptions (tests look for it too). */
	static final String ASSUMPTION = "loaded from a frozen copy (variables as constants) cached in ";

	private FrozenModelCache() {}

	/** Where the frozen copy of this SavedModel, read with these names, is (or would be) cached. */
	static Path entry(Path savedModel, ModelDescriptor d) throws IOException {
		MessageDigest md = Sha256.digest();
		List<Path> files = new ArrayList<>();
		files.add(savedModel.resolve("saved_model.pb"));
		Path variables = savedModel.resolve("variables");
		if (Files.isDirectory(variables)) try (Stream<Path> walk = Files.walk(variables)) {
			files.addAll(walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList()));
		}
		for (Path f : files) {
			md.update(savedModel.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
			Sha256.add(md, f);
		}
		md.update(("|" + d.input + "|" + d.logits + "|" + d.probabilities + "|" + d.tags + "|" +
			d.signature + "|frozen-savedmodel-1").getBytes(StandardCharsets.UTF_8));
		return TensorFlowRuntime.cacheRoot().resolve("savedmodels").resolve(Sha256.hex(md));
	}

	/** The complete cached copy, or null (none yet, or a damaged one, which is removed). */
	static FrozenGraphConverter.Conversion lookup(Path savedModel, ModelDescriptor d) {
		try {
			return FrozenGraphConverter.readComplete(entry(savedModel, d));
		}
		catch (IOException | RuntimeException e) {
			return null; // unreadable bundle files: the normal load reports them
		}
	}

	/**
	 * Writes the frozen copy of the live graph's forward pass; {@code assumptions} are those the
	 * full load made, replayed on later loads. Returns false, writing nothing, when the graph cannot
	 * be frozen or the cache cannot be written: the model then simply loads the slow way again.
	 */
	static boolean store(Graph graph, Session session, Path savedModel, ModelDescriptor d,
		String input, String logits, String probabilities, List<String> assumptions)
	{
		try {
			GraphDef frozen = freeze(graph, session, input, logits, probabilities);
			if (frozen == null || !sameScores(frozen, session, graph, input, logits != null ? logits
				: probabilities)) return false;
			FrozenGraphConverter.Conversion c = new FrozenGraphConverter.Conversion();
			c.source = savedModel.toString();
			c.input = input;
			c.logits = logits;
			c.probabilities = probabilities;
			c.assumptions.addAll(assumptions);
			Path target = entry(savedModel, d);
			c.sha256 = target.getFileName().toString();
			c.assumptions.add(ASSUMPTION + target);
			FrozenGraphConverter.export(frozen, c, target);
			return true;
		}
		catch (IOException | RuntimeException e) {
			return false;
		}
	}

	private static String opName(String tensor) {
		String t = tensor.startsWith("^") ? tensor.substring(1) : tensor;
		int colon = t.indexOf(':');
		return colon < 0 ? t : t.substring(0, colon);
	}

	/** The forward subgraph with variable reads replaced by constants, or null if it cannot be. */
	static GraphDef freeze(Graph graph, Session session, String input, String... outputs) {
		GraphDef def = graph.toGraphDef();
		Map<String, NodeDef> byName = new HashMap<>();
		for (NodeDef n : def.getNodeList())
			byName.put(n.getName(), n);
		String inputOp = opName(input);
		Set<String> kept = new HashSet<>();
		List<String> reads = new ArrayList<>();
		List<String> todo = new ArrayList<>();
		for (String o : outputs)
			if (o != null) todo.add(opName(o));
		while (!todo.isEmpty()) {
			String name = todo.remove(todo.size() - 1);
			if (!kept.add(name)) continue;
			NodeDef n = byName.get(name);
			if (n == null) return null;
			if (name.equals(inputOp)) continue;
			if (n.getOp().equals("ReadVariableOp")) {
				reads.add(name);
				continue;
			}
			if (UNFREEZABLE.contains(n.getOp())) return null;
			for (String in : n.getInputList())
				if (!in.startsWith("^")) todo.add(opName(in));
		}
		if (!kept.contains(inputOp)) return null;

		Map<String, NodeDef> constants = new HashMap<>();
		if (!reads.isEmpty()) {
			Session.Runner runner = session.runner();
			for (String r : reads)
				runner.fetch(r, 0);
			try (Result values = runner.run()) {
				for (int i = 0; i < reads.size(); i++) {
					NodeDef c = constant(reads.get(i), values.get(i));
					if (c == null) return null;
					constants.put(reads.get(i), c);
				}
			}
		}
		GraphDef.Builder out = GraphDef.newBuilder().setVersions(def.getVersions());
		for (NodeDef n : def.getNodeList()) {
			if (!kept.contains(n.getName())) continue;
			NodeDef c = constants.get(n.getName());
			if (c != null) {
				out.addNode(c);
				continue;
			}
			// Control edges to dropped ops, devices and colocation with dropped variables go.
			NodeDef.Builder b = n.toBuilder().clearInput().clearDevice().removeAttr("_class");
			for (String in : n.getInputList())
				if (!in.startsWith("^") || kept.contains(opName(in))) b.addInput(in);
			out.addNode(b);
		}
		return out.build();
	}

	/** A Const of the value read, or null for a type a constant cannot hold as raw bytes. */
	private static NodeDef constant(String name, Tensor value) {
		DataType type = value.dataType();
		if (type == DataType.DT_STRING || type == DataType.DT_RESOURCE || type ==
			DataType.DT_VARIANT) return null;
		ByteDataBuffer raw = value.asRawTensor().data();
		byte[] bytes = new byte[(int) raw.size()];
		raw.read(bytes);
		TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
		for (long dim : value.shape().asArray())
			shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(dim));
		TensorProto tensor = TensorProto.newBuilder().setDtype(type).setTensorShape(shape)
			.setTensorContent(ByteString.copyFrom(bytes)).build();
		return NodeDef.newBuilder().setName(name).setOp("Const").putAttr("dtype", AttrValue
			.newBuilder().setType(type).build()).putAttr("value", AttrValue.newBuilder().setTensor(
				tensor).build()).build();
	}

	/**
	 * The frozen graph and the live one give the same scores for a random image (a graph that
	 * still reads state somewhere would not); an input of open spatial size is not probed.
	 */
	private static boolean sameScores(GraphDef frozen, Session live, Graph liveGraph, String input,
		String scores)
	{
		long[] dims = liveGraph.output(input).shape().asArray();
		if (dims == null || dims.length < 2) return true;
		dims = dims.clone();
		dims[0] = 1;
		int size = 1;
		for (int i = 1; i < dims.length; i++) {
			if (dims[i] < 0) return true;
			size *= (int) dims[i];
		}
		float[] x = new float[size];
		Random random = new Random(11);
		for (int i = 0; i < size; i++)
			x[i] = random.nextFloat() * 2 - 1;
		try (Graph g = new Graph()) {
			g.importGraphDef(frozen);
			try (Session s = new Session(g)) {
				float[] want = run(live, liveGraph.output(input), scores, x, dims);
				float[] got = run(s, g.output(input), scores, x, dims);
				if (want.length != got.length) return false;
				for (int i = 0; i < want.length; i++)
					if (Math.abs(want[i] - got[i]) > 1e-5f * (1 + Math.abs(want[i]))) return false;
				return true;
			}
		}
	}

	private static float[] run(Session s, Output<?> in, String out, float[] data, long[] dims) {
		try (TFloat32 x = TFloat32.tensorOf(Shape.of(dims), DataBuffers.of(data));
			Result r = s.runner().feed(in, x).fetch(out).run())
		{
			return Tensors.read((TFloat32) r.get(0));
		}
	}
}
