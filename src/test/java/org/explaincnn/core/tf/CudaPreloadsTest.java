package org.explaincnn.core.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.bytedeco.javacpp.ClassProperties;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * On Linux (where the presets give the CUDA libraries these names), the engine start tells JavaCPP
 * that the CUDA preloads are not there instead of letting it search: that must be what its search
 * finds on this class path, and the list must name exactly CUDA libraries the presets preload (a
 * TensorFlow update with other CUDA versions would otherwise be searched for again, slowly).
 */
@EnabledOnOs(OS.LINUX)
class CudaPreloadsTest {

	private static final Class<?> PRESETS = org.tensorflow.internal.c_api.presets.tensorflow.class;

	/**
	 * The record reads the same with or without the skip (that is the point); what this guards is
	 * the reflection: a JavaCPP that keeps its record elsewhere would silently search again.
	 */
	@Test
	void javacppsRecordIsWhereTheSkipWritesIt() {
		TensorFlowRuntime.start();
		assertTrue(TensorFlowRuntime.cpuNatives());
		Map<String, URL[]> found = TensorFlowRuntime.javacppFoundLibraries();
		assertNotNull(found, "JavaCPP's record of searched libraries is not where it was");
		for (String cuda : TensorFlowRuntime.CUDA_PRELOADS)
			assertEquals(0, found.get(cuda).length, cuda);
		// TensorFlow itself was found and loaded as before.
		assertTrue(found.get("tensorflow_cc@.2").length > 0);
	}

	@Test
	void javacppsOwnSearchFindsNoneOfTheSkippedLibraries() {
		TensorFlowRuntime.start();
		ClassProperties p = Loader.loadProperties(PRESETS, Loader.loadProperties(), true);
		for (String cuda : TensorFlowRuntime.CUDA_PRELOADS) {
			URL[] found = Loader.findLibrary(PRESETS, p, cuda, false);
			assertEquals(0, found.length, cuda + " is on the class path: " + List.of(found));
		}
	}

	@Test
	void everyPreloadButTensorFlowsOwnLibrariesIsInTheList() {
		ClassProperties p = Loader.loadProperties(PRESETS, Loader.loadProperties(), true);
		List<String> preloads = new ArrayList<>(p.get("platform.preload"));
		preloads.addAll(p.get("platform.link"));
		List<String> notSkipped = new ArrayList<>(), names = new ArrayList<>();
		for (String preload : preloads) {
			String name = preload.replace("!", "");
			names.add(name);
			if (!TensorFlowRuntime.CUDA_PRELOADS.contains(name)) notSkipped.add(name);
		}
		// No name in the list that the presets no longer preload.
		assertTrue(names.containsAll(TensorFlowRuntime.CUDA_PRELOADS), "" + names);
		// What is left: TensorFlow itself (found in the natives jar) and JavaCPP's own JNI library.
		assertTrue(notSkipped.stream().allMatch(n -> n.startsWith("tensorflow") || n.startsWith(
			"jnijavacpp")), "preloads JavaCPP still searches for: " + notSkipped);
		assertTrue(notSkipped.stream().anyMatch(n -> n.startsWith("tensorflow_cc")), "" + notSkipped);
	}
}
