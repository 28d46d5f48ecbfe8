package org.explaincnn.core.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.javacpp.ClassProperties;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Test;

/**
 * The engine start tells JavaCPP that the CUDA preloads are not there instead of letting it search:
 * that must be what its search finds, and the list must name every CUDA library the presets preload
 * (a TensorFlow update with other CUDA versions would otherwise be searched for again, slowly).
 */
class CudaPreloadsTest {

	private static final Class<?> PRESETS = org.tensorflow.internal.c_api.presets.tensorflow.class;

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
		List<String> notSkipped = new ArrayList<>();
		for (String preload : preloads) {
			String name = preload.replace("!", "");
			if (!TensorFlowRuntime.CUDA_PRELOADS.contains(name)) notSkipped.add(name);
		}
		// What is left: TensorFlow itself (found in the natives jar) and JavaCPP's own JNI library.
		assertTrue(notSkipped.stream().allMatch(n -> n.startsWith("tensorflow") || n.startsWith(
			"jnijavacpp")), "preloads JavaCPP still searches for: " + notSkipped);
		assertTrue(notSkipped.stream().anyMatch(n -> n.startsWith("tensorflow_cc")), "" + notSkipped);
	}
}
