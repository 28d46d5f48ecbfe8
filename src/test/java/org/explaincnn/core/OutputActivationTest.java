package org.explaincnn.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The output activation rules of {@link SpecResolver} without TensorFlow: the descriptor wins, then
 * the op the graph shows, then one unit means a binary sigmoid, else softmax; a binary head is two
 * classes whose labels come from one or two lines; and the descriptor field is checked.
 */
class OutputActivationTest {

	@TempDir
	Path tmp;

	private static ModelDescriptor descriptor(String activation) {
		ModelDescriptor d = new ModelDescriptor();
		d.activation = activation;
		return d;
	}

	@Test
	void theDescriptorWinsAndIsNotAnAssumption() {
		ModelSpec s = new ModelSpec();
		assertEquals(1, SpecResolver.resolveActivation(s, descriptor("softmax"), null, 1));
		assertEquals(ModelSpec.Activation.SOFTMAX, s.activation);
		assertFalse(s.binary);
		assertTrue(s.assumptions.isEmpty());
		ModelSpec sig = new ModelSpec();
		assertEquals(5, SpecResolver.resolveActivation(sig, descriptor("Sigmoid"),
			ModelSpec.Activation.SOFTMAX, 5));
		assertEquals(ModelSpec.Activation.SIGMOID, sig.activation);
		assertFalse(sig.binary);
		ModelSpec none = new ModelSpec();
		assertEquals(1, SpecResolver.resolveActivation(none, descriptor("none"), null, 1));
		assertEquals(ModelSpec.Activation.NONE, none.activation);
		assertFalse(none.binary);
	}

	@Test
	void inferredFromTheGraphThenFromTheUnitCount() {
		ModelSpec shownSigmoid = new ModelSpec();
		assertEquals(3, SpecResolver.resolveActivation(shownSigmoid, descriptor(null),
			ModelSpec.Activation.SIGMOID, 3));
		assertEquals(ModelSpec.Activation.SIGMOID, shownSigmoid.activation);
		assertFalse(shownSigmoid.binary);
		assertEquals(List.of("sigmoid outputs (a Sigmoid op on the scores): 3 independent classes " +
			"(multi-label)"), shownSigmoid.assumptions);

		ModelSpec oneSigmoid = new ModelSpec();
		assertEquals(2, SpecResolver.resolveActivation(oneSigmoid, descriptor(null),
			ModelSpec.Activation.SIGMOID, 1));
		assertTrue(oneSigmoid.binary);

		ModelSpec oneUnit = new ModelSpec();
		assertEquals(2, SpecResolver.resolveActivation(oneUnit, descriptor(null), null, 1));
		assertEquals(ModelSpec.Activation.SIGMOID, oneUnit.activation);
		assertTrue(oneUnit.binary);
		assertEquals(List.of("one output unit: a sigmoid logit (binary classifier); set " +
			"\"activation\" in explain-cnn.json if it is not"), oneUnit.assumptions);

		ModelSpec softmax = new ModelSpec();
		assertEquals(10, SpecResolver.resolveActivation(softmax, descriptor(null),
			ModelSpec.Activation.SOFTMAX, 10));
		assertEquals(ModelSpec.Activation.SOFTMAX, softmax.activation);

		ModelSpec plain = new ModelSpec();
		assertEquals(4, SpecResolver.resolveActivation(plain, descriptor(null), null, 4));
		assertEquals(ModelSpec.Activation.SOFTMAX, plain.activation, "as before: softmax");
		assertEquals(List.of("softmax over the 4 scores (no activation in the graph); set " +
			"\"activation\": \"sigmoid\" in explain-cnn.json if the classes are independent"),
			plain.assumptions);

		ModelSpec probabilitiesOnly = new ModelSpec();
		assertEquals(1, SpecResolver.resolveActivation(probabilitiesOnly, descriptor(null),
			ModelSpec.Activation.NONE, 1));
		assertFalse(probabilitiesOnly.binary, "probabilities serving as scores stay one score");
	}

	@Test
	void binaryLabelsFromOneOrTwoLines() throws Exception {
		ModelSpec one = binary();
		Path file = tmp.resolve("labels.txt");
		Files.writeString(file, "mitosis\n");
		SpecResolver.resolveClasses(one, 2, file);
		assertEquals(List.of("not mitosis", "mitosis"), one.labels.names());
		assertEquals(0, one.labels.indexOf("not mitosis"));
		assertEquals(1, one.labels.indexOf("mitosis"));

		ModelSpec two = binary();
		Files.writeString(file, "0:background\n1:mitotic figure\n");
		SpecResolver.resolveClasses(two, 2, file);
		assertEquals(List.of("background", "mitotic figure"), two.labels.names());

		ModelSpec numbered = binary();
		SpecResolver.resolveClasses(numbered, 2, null);
		assertEquals(List.of("class 0", "class 1"), numbered.labels.names());
		assertTrue(numbered.assumptions.contains("no labels file: classes are numbered (class 1 is " +
			"the positive class, logit > 0)"), numbered.assumptions.toString());

		Files.writeString(file, "a\nb\nc\n");
		String msg = assertThrows(ExplainException.class, () -> SpecResolver.resolveClasses(binary(), 2,
			file)).getMessage();
		assertEquals("Labels file labels.txt has 3 names but the model has one sigmoid output; give " +
			"the positive class (one line) or the negative and the positive class (two lines).", msg);
	}

	private static ModelSpec binary() {
		ModelSpec s = new ModelSpec();
		SpecResolver.resolveActivation(s, descriptor(null), null, 1);
		s.assumptions.clear();
		return s;
	}

	@Test
	void theDescriptorFieldIsChecked() throws Exception {
		Path file = tmp.resolve(ModelDescriptor.FILE_NAME);
		Files.writeString(file, "{\"activation\": \"sigmoid\"}");
		assertEquals("sigmoid", ModelDescriptor.read(file).activation);
		Files.writeString(file, "{\"activation\": \"relu\"}");
		assertEquals("\"activation\" in " + file + " is \"relu\"; use \"softmax\", \"sigmoid\" or " +
			"\"none\".", assertThrows(ExplainException.class, () -> ModelDescriptor.read(file))
				.getMessage());
		Files.writeString(file, "{\"activation\": 1}");
		assertEquals("\"activation\" in " + file + " must be a string, not 1; fix the field.",
			assertThrows(ExplainException.class, () -> ModelDescriptor.read(file)).getMessage());
	}
}
