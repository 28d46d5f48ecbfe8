package org.explaincnn.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model bundles are downloaded and shared: the files a descriptor names stay inside the bundle,
 * only regular files are read, and a descriptor with a wrong field gets one line naming that
 * field. None of this needs TensorFlow: {@link ModelBundle#at} only reads files.
 */
class BundleFilesTest {

	@TempDir
	Path tmp;

	private Path bundle(String name, String descriptor) throws Exception {
		Path dir = Files.createDirectories(tmp.resolve(name));
		Files.write(dir.resolve("model.pb"), new byte[] { 1, 2, 3 });
		if (descriptor != null) Files.writeString(dir.resolve(ModelDescriptor.FILE_NAME), descriptor);
		return dir;
	}

	private static String refused(Path bundle, String... expected) {
		ExplainException e = assertThrows(ExplainException.class, () -> ModelBundle.at(bundle));
		String msg = e.getMessage();
		assertTrue(!msg.contains("\n"), "one line: " + msg);
		for (String part : expected)
			assertTrue(msg.contains(part), "'" + part + "' missing from: " + msg);
		return msg;
	}

	@Test
	void labelsOutsideTheBundleAreRefused() throws Exception {
		Files.writeString(tmp.resolve("secret.txt"), "root:x:0:0\n");
		refused(bundle("up", "{\"labels\": \"../secret.txt\"}"), "\"labels\"", "outside the model folder");
		refused(bundle("deep", "{\"labels\": \"../../../../../../../../etc/passwd\"}"),
			"outside the model folder");
		refused(bundle("absolute", "{\"labels\": \"" + tmp.resolve("secret.txt") + "\"}"),
			"outside the model folder");
	}

	@Test
	void modelOutsideTheBundleIsRefused() throws Exception {
		Path other = bundle("other", null);
		refused(bundle("m", "{\"model\": \"../other/model.pb\"}"), "\"model\"", "outside");
		refused(bundle("dev", "{\"model\": \"/dev/zero\"}"), "\"model\"", "outside");
		assertTrue(Files.exists(other.resolve("model.pb")));
	}

	@Test
	void linkOutOfTheBundleIsRefused() throws Exception {
		Files.writeString(tmp.resolve("names.txt"), "a\nb\n");
		Path b = bundle("link", "{\"labels\": \"labels.txt\"}");
		Files.createSymbolicLink(b.resolve("labels.txt"), tmp.resolve("names.txt"));
		refused(b, "\"labels\"", "outside the model folder");
	}

	@Test
	void filesInsideTheBundleAreFound() throws Exception {
		Path b = bundle("good", "{\"model\": \"./model.pb\", \"labels\": \"sub/../names.txt\"}");
		Files.writeString(b.resolve("names.txt"), "a\nb\n");
		ModelBundle bundle = ModelBundle.at(b);
		assertEquals(b.resolve("model.pb"), bundle.modelPath);
		assertEquals(b.resolve("names.txt"), bundle.labelsPath);
		assertEquals(ModelBundle.Format.FROZEN_GRAPH, bundle.format);
	}

	@Test
	void devicesAreNotRead() {
		Path zero = Paths.get("/dev/zero");
		if (!Files.exists(zero)) return; // not a Unix machine
		refused(zero, "not a regular file");
	}

	@Test
	void wrongFieldTypesNameTheField() throws Exception {
		refused(bundle("t1", "{\"std\": \"abc\"}"), "\"std\"", "a number or a list of numbers");
		refused(bundle("t2", "{\"input\": 3}"), "\"input\"", "a string");
		refused(bundle("t3", "{\"inputSize\": 224}"), "\"inputSize\"", "a list of whole numbers");
		refused(bundle("t4", "{\"scale\": [1, 2]}"), "\"scale\"", "a number");
		refused(bundle("t5", "[1, 2]"), "not a JSON object");
		refused(bundle("t6", "{\"input\": "), "not valid JSON");
	}

	@Test
	void unknownFieldsAreRefusedButPeopleMayAnnotate() throws Exception {
		refused(bundle("typo", "{\"logit\": \"scores\"}"), "Unknown field \"logit\"", "logits");
		ModelBundle ok = ModelBundle.at(bundle("notes", "{\"description\": \"my model\", " +
			"\"license\": \"MIT\", \"input\": \"x\"}"));
		assertEquals("x", ok.descriptor.input);
	}

	@Test
	void valuesThatMakeEveryMapNaNAreRefused() throws Exception {
		refused(bundle("std0", "{\"mean\": [0], \"std\": [0]}"), "\"std\"", "other than 0");
		// NaN is no JSON number; a number too large for a float becomes infinity.
		refused(bundle("stdnan", "{\"std\": [NaN]}"), "\"std\"", "must be a number");
		refused(bundle("stdinf", "{\"std\": [1e999]}"), "\"std\"", "finite");
		refused(bundle("meaninf", "{\"mean\": [-1e999]}"), "\"mean\"", "finite");
		refused(bundle("scale0", "{\"scale\": 0}"), "\"scale\"", "other than 0");
		refused(bundle("size0", "{\"inputSize\": [0, 224]}"), "\"inputSize\"", "at least 1");
	}

	@Test
	void oneNumberServesEveryChannel() throws Exception {
		ModelDescriptor d = ModelBundle.at(bundle("one", "{\"mean\": 127.5, \"std\": 127.5}"))
			.descriptor;
		assertArrayEquals(new float[] { 127.5f }, d.mean);
		assertArrayEquals(new float[] { 127.5f }, d.std);
	}
}
