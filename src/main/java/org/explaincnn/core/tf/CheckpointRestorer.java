package org.explaincnn.core.tf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedConcreteFunction;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedObject;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedObjectGraph;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph.TrackableObject;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TString;
import org.explaincnn.core.ExplainException;

/**
 * Restores the variables a SavedModel's serving function reads when TensorFlow's session loader
 * left them uninitialised.
 * <p>
 * {@code tf.saved_model.save(model, dir)} on a Keras 3 model writes each Keras variable twice into
 * the graph: the wrapped {@code tf.Variable} (e.g. {@code conv1_bn/gamma}), which the serving
 * function captures, and a {@code Variable_N} initialised from it, which is what the object graph
 * and the checkpoint know. The loader runs the saver's restore function, which fills only the
 * {@code Variable_N}; the captured handles stay uninitialised ("Could not find variable ...").
 * TensorFlow 2's Python loader does not use the graph's handles: it binds each captured input of
 * the function to an object-graph node ({@code bound_inputs}) and restores that node's checkpoint
 * key. This does the same in the live session: captured handle i of the call is bound to object
 * node n, whose checkpoint key is in the checkpoint's own object graph
 * ({@code _CHECKPOINTABLE_OBJECT_GRAPH}, same node ids); one RestoreV2 reads them all and
 * AssignVariableOp writes them into the handles.
 */
final class CheckpointRestorer {

	private static final String OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH";
	private static final String SCOPE = "explaincnn/restore";

	private CheckpointRestorer() {}

	/**
	 * Restores the resource variables captured by {@code call} that are uninitialised; returns how
	 * many (0 when the loader restored them all, the normal case). Fails with one line when they
	 * cannot be restored.
	 */
	static int restoreIfNeeded(Graph graph, Session session, MetaGraphDef meta, Path savedModel,
		GraphOperation call)
	{
		List<Integer> resources = new ArrayList<>();
		for (int i = 0; i < call.numInputs(); i++)
			if (call.input(i).dataType() == DataType.DT_RESOURCE) resources.add(i);
		if (resources.isEmpty()) return 0;
		synchronized (graph) {
			boolean[] initialised = probe(graph, session, call, resources);
			int missing = 0;
			for (boolean b : initialised)
				if (!b) missing++;
			if (missing == 0) return 0;

			String fn = call.attributes().getAttrValueProto("f").getFunc().getName();
			SavedObjectGraph objects = meta.getObjectGraphDef();
			SavedConcreteFunction f = objects.getConcreteFunctionsMap().get(fn);
			if (f == null || f.getBoundInputsCount() == 0 || f.getBoundInputsCount() > call
				.numInputs())
			{
				throw refuse(missing, "its object graph does not bind the variables of " + fn);
			}
			// Captured inputs follow the function's own arguments.
			int first = call.numInputs() - f.getBoundInputsCount();
			Path prefix = savedModel.resolve("variables").resolve("variables");
			TrackableObjectGraph checkpoint = checkpointObjectGraph(graph, session, prefix, missing);
			if (checkpoint.getNodesCount() != objects.getNodesCount()) throw refuse(missing,
				"its checkpoint's object graph has " + checkpoint.getNodesCount() +
					" nodes, the SavedModel's " + objects.getNodesCount());

			List<Output<?>> handles = new ArrayList<>();
			List<String> keys = new ArrayList<>();
			List<DataType> types = new ArrayList<>();
			for (int k = 0; k < resources.size(); k++) {
				if (initialised[k]) continue;
				int i = resources.get(k);
				if (i < first) throw refuse(missing, "input " + i + " of " + fn +
					" is a variable that is not among the function's bound inputs");
				int node = f.getBoundInputs(i - first);
				SavedObject object = objects.getNodes(node);
				if (!object.hasVariable()) throw refuse(missing, "captured input " + i + " of " + fn +
					" is bound to object " + node + ", which is not a variable");
				String key = null;
				for (TrackableObject.SerializedTensor a : checkpoint.getNodes(node).getAttributesList())
					if (a.getName().equals("VARIABLE_VALUE")) key = a.getCheckpointKey();
				if (key == null) throw refuse(missing, "variable '" + object.getVariable().getName() +
					"' (object " + node + ") has no value in the checkpoint");
				handles.add(call.input(i));
				keys.add(key);
				types.add(object.getVariable().getDtype());
			}
			GraphOperation restore = restoreV2(graph, prefix, keys, types);
			Session.Runner assign = session.runner();
			for (int j = 0; j < handles.size(); j++) {
				assign.addTarget(graph.opBuilder("AssignVariableOp", uniqueName(graph, "Assign"), graph
					.baseScope()).addInput(handles.get(j)).addInput(restore.output(j)).setAttr("dtype",
						types.get(j)).build());
			}
			try {
				assign.run();
			}
			catch (RuntimeException e) {
				throw refuse(missing, "restoring them from " + prefix + " failed: " + TensorFlowRuntime
					.firstLine(e));
			}
			boolean[] after = probe(graph, session, call, resources);
			for (int k = 0; k < after.length; k++)
				if (!after[k]) throw refuse(missing, "variable '" + call.input(resources.get(k)).op()
					.name() + "' is still uninitialised after the restore");
			return handles.size();
		}
	}

	/** VarIsInitializedOp for each resource input of {@code call}, in one run. */
	private static boolean[] probe(Graph graph, Session session, GraphOperation call,
		List<Integer> resources)
	{
		Session.Runner runner = session.runner();
		for (int i : resources)
			runner.fetch(graph.opBuilder("VarIsInitializedOp", uniqueName(graph, "IsInitialized"),
				graph.baseScope()).addInput(call.input(i)).build().output(0));
		boolean[] ok = new boolean[resources.size()];
		try (Result r = runner.run()) {
			for (int k = 0; k < ok.length; k++)
				ok[k] = ((TBool) r.get(k)).getBoolean();
		}
		return ok;
	}

	private static TrackableObjectGraph checkpointObjectGraph(Graph graph, Session session,
		Path prefix, int missing)
	{
		GraphOperation read = restoreV2(graph, prefix, List.of(OBJECT_GRAPH_KEY), List.of(
			DataType.DT_STRING));
		try (Result r = session.runner().fetch(read.output(0)).run()) {
			return TrackableObjectGraph.parseFrom(((TString) r.get(0)).asBytes().getObject());
		}
		catch (com.google.protobuf.InvalidProtocolBufferException | RuntimeException e) {
			throw refuse(missing, "its checkpoint has no readable object graph (" + TensorFlowRuntime
				.firstLine(e) + ")");
		}
	}

	/** RestoreV2 of whole tensors {@code keys} from the checkpoint at {@code prefix}. */
	private static GraphOperation restoreV2(Graph graph, Path prefix, List<String> keys,
		List<DataType> types)
	{
		return graph.opBuilder("RestoreV2", uniqueName(graph, "RestoreV2"), graph.baseScope())
			.addInput(constant(graph, "prefix", new String[] { prefix.toString() }, true)).addInput(
				constant(graph, "keys", keys.toArray(new String[0]), false)).addInput(constant(graph,
					"slices", new String[keys.size()], false)).setAttr("dtypes", types.toArray(
						new DataType[0])).build();
	}

	/** A string constant: a scalar, or a vector (null entries are ""). */
	private static Output<TString> constant(Graph graph, String name, String[] values,
		boolean scalar)
	{
		String[] v = values.clone();
		for (int i = 0; i < v.length; i++)
			if (v[i] == null) v[i] = "";
		try (TString t = scalar ? TString.scalarOf(v[0]) : TString.vectorOf(v)) {
			return graph.opBuilder("Const", uniqueName(graph, name), graph.baseScope()).setAttr("value",
				t).setAttr("dtype", DataType.DT_STRING).build().output(0);
		}
	}

	/** {@code explaincnn/restore/base}, or with a suffix that no op of the graph has yet. */
	private static String uniqueName(Graph graph, String base) {
		String name = SCOPE + "/" + base;
		for (int i = 1; graph.operation(name) != null; i++)
			name = SCOPE + "/" + base + "_" + i;
		return name;
	}

	private static ExplainException refuse(int missing, String why) {
		return new ExplainException("TensorFlow's loader left " + missing + " variable(s) of this " +
			"SavedModel uninitialised and Explain CNN cannot restore them (" + why + "); export the " +
			"Keras model with model.export(dir) (Keras 3) or tf_keras model.save(dir) instead.");
	}
}
