package org.explaincnn.core.tf;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.NoSuchElementException;

import org.explaincnn.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.internal.c_api.TFJ_GraphId;

/**
 * A closed model leaves no wrapper in TF Java's registry of graphs: a stale entry would take the
 * registry slot of a graph made later at the same native address, whose custom gradients then
 * fail with "Graph not found" once the stale wrapper is collected.
 */
class GraphRegistryTest {

	@TempDir
	Path tmp;

	@Test
	void closingAModelForgetsItsGraphWrapper() throws Exception {
		Path dir = TinyModels.frozenBundle(tmp.resolve("gap"), new TinyModels.GapDense(5).graph(),
			"{\"mean\": [0], \"std\": [1], \"logits\": \"logits\"}");
		TFJ_GraphId id;
		try (TensorFlowModel m = TensorFlowModel.open(dir)) {
			Field nativeId = Graph.class.getDeclaredField("nativeId");
			nativeId.setAccessible(true);
			id = (TFJ_GraphId) nativeId.get(m.graph());
			assertSame(m.graph(), Graph.findGraph(id), "registered while open");
		}
		assertThrows(NoSuchElementException.class, () -> Graph.findGraph(id), "forgotten once closed");
	}
}
