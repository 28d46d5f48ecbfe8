package org.explaincnn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.TensorFlow;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.FunctionDefLibrary;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.types.TFloat32;

/**
 * Small CNNs built with TF Java inside the tests, with known weights, written as model bundles: a
 * frozen graph, and the same weights as a Keras-style SavedModel whose layers live inside a
 * StatefulPartitionedCall function reading resource variables.
 */
public final class TinyModels {

	/** Weights of the GAP + dense model. */
	public static final class GapDense {

		public final int h = 6, w = 6, cin = 2, cout = 4, classes = 3;
		public final float[][][][] kernel = new float[3][3][cin][cout];
		public final float[] bias = new float[cout];
		public final float[][] dense = new float[cout][classes];
		public final float[] denseBias = new float[classes];

		public GapDense(long seed) {
			Random r = new Random(seed);
			for (float[][][] a : kernel)
				for (float[][] b : a)
					for (float[] c : b)
						for (int i = 0; i < c.length; i++)
							c[i] = (float) r.nextGaussian() * 0.5f;
			for (int i = 0; i < cout; i++)
				bias[i] = 0.1f * (i - 1);
			for (float[] row : dense)
				for (int i = 0; i < row.length; i++)
					row[i] = (float) r.nextGaussian();
			for (int i = 0; i < classes; i++)
				denseBias[i] = 0.05f * i;
		}

		/**
		 * input [-1,6,6,2] -> conv3x3 SAME -> bias -> relu "features" -> spatial mean -> dense
		 * "logits" -> softmax "probabilities".
		 */
		public GraphDef graph() {
			try (Graph g = new Graph()) {
				Ops tf = Ops.create(g);
				Operand<TFloat32> x = tf.withName("input").placeholder(TFloat32.class, Placeholder
					.shape(Shape.of(-1, h, w, cin)));
				Operand<TFloat32> conv = tf.withName("conv").nn.conv2d(x, tf.constant(kernel), List.of(
					1L, 1L, 1L, 1L), "SAME");
				Operand<TFloat32> features = tf.withName("features").nn.relu(tf.withName("conv_bias").nn
					.biasAdd(conv, tf.constant(bias)));
				Operand<TFloat32> pooled = tf.withName("pool").math.mean(features, tf.constant(new int[] {
					1, 2 }));
				Operand<TFloat32> logits = tf.withName("logits").nn.biasAdd(tf.withName("dense").linalg
					.matMul(pooled, tf.constant(dense)), tf.constant(denseBias));
				tf.withName("probabilities").nn.softmax(logits);
				return g.toGraphDef();
			}
		}
	}

	/** A deeper, smooth net (two convs, average pool, tanh, sigmoid) for finite-difference checks. */
	public static GraphDef deepGraph(long seed) {
		Random r = new Random(seed);
		try (Graph g = new Graph()) {
			Ops tf = Ops.create(g);
			Operand<TFloat32> x = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(
				Shape.of(-1, 8, 8, 3)));
			Operand<TFloat32> c1 = tf.withName("block1").math.tanh(tf.nn.conv2d(x, tf.constant(
				random(r, 3, 3, 3, 5)), List.of(1L, 1L, 1L, 1L), "SAME"));
			Operand<TFloat32> p1 = tf.withName("pool1").nn.avgPool(c1, List.of(1L, 2L, 2L, 1L), List.of(1L, 2L, 2L,
				1L), "VALID");
			Operand<TFloat32> c2 = tf.withName("block2").math.sigmoid(tf.nn.conv2d(p1, tf.constant(
				random(r, 3, 3, 5, 6)), List.of(1L, 1L, 1L, 1L), "SAME"));
			Operand<TFloat32> flat = tf.reshape(c2, tf.constant(new int[] { -1, 4 * 4 * 6 }));
			float[][] dense = new float[96][4];
			for (float[] row : dense)
				for (int i = 0; i < 4; i++)
					row[i] = (float) r.nextGaussian() * 0.3f;
			tf.withName("logits").linalg.matMul(flat, tf.constant(dense));
			return g.toGraphDef();
		}
	}

	private static float[][][][] random(Random r, int a, int b, int c, int d) {
		float[][][][] k = new float[a][b][c][d];
		for (float[][][] x : k)
			for (float[][] y : x)
				for (float[] z : y)
					for (int i = 0; i < z.length; i++)
						z[i] = (float) r.nextGaussian() * 0.2f;
		return k;
	}

	/** Writes a frozen-graph bundle with a descriptor (JSON text, or null for none). */
	public static Path frozenBundle(Path dir, GraphDef graph, String descriptorJson)
		throws IOException
	{
		Files.createDirectories(dir);
		Files.write(dir.resolve("model.pb"), graph.toByteArray());
		if (descriptorJson != null) Files.writeString(dir.resolve("explain-cnn.json"),
			descriptorJson);
		return dir;
	}

	/**
	 * The same computation as a Keras-style SavedModel: every Const weight becomes a resource
	 * variable (VarHandleOp, assigned by the init op) and the forward pass moves into a function
	 * called through StatefulPartitionedCall, reading the variables with ReadVariableOp.
	 */
	public static Path kerasStyleBundle(Path dir, GraphDef plain, String inputName,
		String outputName, String descriptorJson) throws IOException
	{
		Map<String, OpDef> ops = new HashMap<>();
		for (OpDef d : TensorFlow.registeredOpList().getOpList())
			ops.put(d.getName(), d);
		Map<String, NodeDef> byName = new HashMap<>();
		for (NodeDef n : plain.getNodeList())
			byName.put(n.getName(), n);

		GraphDef.Builder main = GraphDef.newBuilder().setVersions(plain.getVersions());
		OpDef.Builder signature = OpDef.newBuilder().setName("__inference_call_1");
		FunctionDef.Builder body = FunctionDef.newBuilder();
		List<String> callInputs = new ArrayList<>();
		List<DataType> tin = new ArrayList<>();
		List<NodeDef> initAssigns = new ArrayList<>();

		NodeDef input = byName.get(inputName);
		main.addNode(input);
		signature.addInputArg(OpDef.ArgDef.newBuilder().setName("inputs").setType(DataType.DT_FLOAT));
		callInputs.add(inputName);
		tin.add(DataType.DT_FLOAT);

		for (NodeDef n : plain.getNodeList()) {
			if (n.getName().equals(inputName)) continue;
			boolean isWeight = n.getOp().equals("Const") && n.getAttrOrThrow("value").getTensor()
				.getTensorShape().getDimCount() > 0 && !isShapeConst(n, plain);
			if (isWeight) {
				String var = n.getName() + "_var";
				AttrValue dtype = n.getAttrOrThrow("dtype");
				AttrValue shape = AttrValue.newBuilder().setShape(n.getAttrOrThrow("value").getTensor()
					.getTensorShape()).build();
				main.addNode(NodeDef.newBuilder().setName(var).setOp("VarHandleOp").putAttr("dtype",
					dtype).putAttr("shape", shape).putAttr("shared_name", AttrValue.newBuilder().setS(
						com.google.protobuf.ByteString.copyFromUtf8(var)).build()).putAttr("container",
							AttrValue.newBuilder().setS(com.google.protobuf.ByteString.EMPTY).build()));
				main.addNode(n.toBuilder().setName(n.getName() + "_init_value"));
				initAssigns.add(NodeDef.newBuilder().setName(n.getName() + "_assign").setOp(
					"AssignVariableOp").addInput(var).addInput(n.getName() + "_init_value").putAttr(
						"dtype", dtype).build());
				String arg = n.getName().replace('/', '_') + "_resource";
				signature.addInputArg(OpDef.ArgDef.newBuilder().setName(arg).setType(
					DataType.DT_RESOURCE));
				callInputs.add(var);
				tin.add(DataType.DT_RESOURCE);
				body.addNodeDef(NodeDef.newBuilder().setName(n.getName()).setOp("ReadVariableOp")
					.addInput(arg).putAttr("dtype", dtype));
				continue;
			}
			NodeDef.Builder copy = n.toBuilder().clearInput();
			for (String in : n.getInputList())
				copy.addInput(bodyRef(in, inputName, byName, ops));
			body.addNodeDef(copy);
		}
		signature.addOutputArg(OpDef.ArgDef.newBuilder().setName("output_0").setType(
			DataType.DT_FLOAT));
		body.putRet("output_0", bodyRef(outputName, inputName, byName, ops));
		body.setSignature(signature);
		initAssigns.forEach(main::addNode);

		NodeDef.Builder call = NodeDef.newBuilder().setName("StatefulPartitionedCall").setOp(
			"StatefulPartitionedCall");
		callInputs.forEach(call::addInput);
		call.putAttr("Tin", AttrValue.newBuilder().setList(AttrValue.ListValue.newBuilder()
			.addAllType(tin)).build());
		call.putAttr("Tout", AttrValue.newBuilder().setList(AttrValue.ListValue.newBuilder().addType(
			DataType.DT_FLOAT)).build());
		call.putAttr("f", AttrValue.newBuilder().setFunc(NameAttrList.newBuilder().setName(
			"__inference_call_1")).build());
		for (String empty : new String[] { "config", "config_proto", "executor_type" })
			call.putAttr(empty, AttrValue.newBuilder().setS(com.google.protobuf.ByteString.EMPTY)
				.build());
		main.addNode(call);
		NodeDef.Builder init = NodeDef.newBuilder().setName("init").setOp("NoOp");
		for (NodeDef a : initAssigns)
			init.addInput("^" + a.getName());
		main.addNode(init);
		main.setLibrary(FunctionDefLibrary.newBuilder().addFunction(body));

		MetaGraphDef meta = MetaGraphDef.newBuilder().setMetaInfoDef(MetaGraphDef.MetaInfoDef
			.newBuilder().addTags("serve")).setGraphDef(main).putSignatureDef("serving_default",
				SignatureDef.newBuilder().setMethodName("tensorflow/serving/predict").putInputs("x",
					TensorInfo.newBuilder().setName(inputName + ":0").setDtype(DataType.DT_FLOAT)
						.build()).putOutputs("y", TensorInfo.newBuilder().setName(
							"StatefulPartitionedCall:0").setDtype(DataType.DT_FLOAT).build()).build())
			.putSignatureDef("__saved_model_init_op", SignatureDef.newBuilder().putOutputs(
				"__saved_model_init_op", TensorInfo.newBuilder().setName("init").build()).build())
			.build();
		Files.createDirectories(dir);
		Files.write(dir.resolve("saved_model.pb"), SavedModel.newBuilder()
			.setSavedModelSchemaVersion(1).addMetaGraphs(meta).build().toByteArray());
		if (descriptorJson != null) Files.writeString(dir.resolve("explain-cnn.json"),
			descriptorJson);
		return dir;
	}

	private static boolean isShapeConst(NodeDef n, GraphDef g) {
		// Consts consumed as shapes or axes stay constants inside the body.
		return n.getAttrOrThrow("dtype").getType() != DataType.DT_FLOAT;
	}

	/** Graph-style reference "node:2" to function-body style "node:out_arg:i" or an arg name. */
	private static String bodyRef(String ref, String inputName, Map<String, NodeDef> byName,
		Map<String, OpDef> ops)
	{
		if (ref.startsWith("^")) return ref;
		String node = ref.contains(":") ? ref.substring(0, ref.indexOf(':')) : ref;
		int index = ref.contains(":") ? Integer.parseInt(ref.substring(ref.indexOf(':') + 1)) : 0;
		if (node.equals(inputName)) return "inputs";
		NodeDef def = byName.get(node);
		if (def.getOp().equals("Const") && def.getAttrOrThrow("dtype").getType() == DataType.DT_FLOAT &&
			def.getAttrOrThrow("value").getTensor().getTensorShape().getDimCount() > 0)
			return node + ":value:0";
		OpDef op = ops.get(def.getOp());
		return node + ":" + op.getOutputArg(0).getName() + ":" + index;
	}

	private TinyModels() {}

}
