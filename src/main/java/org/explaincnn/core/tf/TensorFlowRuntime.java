package org.explaincnn.core.tf;

import ai.djl.engine.Engine;
import ai.djl.tensorflow.engine.javacpp.JavacppUtils;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.URL;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;

import org.bytedeco.javacpp.Loader;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.RewriterConfig;

import org.explaincnn.core.ExplainException;

/**
 * Starts DJL's TensorFlow engine without network access. DJL would download its natives from a CDN;
 * instead the shared libraries of {@code org.tensorflow:tensorflow-core-native} (on the class path)
 * are unpacked by JavaCPP and their folder is handed to DJL through {@code TENSORFLOW_LIBRARY_PATH}.
 */
public final class TensorFlowRuntime {

	private static final String NATIVE_PREFIX = "org/tensorflow/internal/c_api/";
	private static volatile Engine engine;

	private TensorFlowRuntime() {}

	/** Cache root for natives and converted models; {@code EXPLAIN_CNN_CACHE} overrides it. */
	public static Path cacheRoot() {
		String override = System.getenv("EXPLAIN_CNN_CACHE");
		if (override == null) override = System.getProperty("explaincnn.cache");
		if (override != null && !override.isBlank()) return Paths.get(override);
		return Paths.get(System.getProperty("user.home"), ".cache", "explain-cnn");
	}

	/**
	 * Starts the engine once per process. Thread counts of 0 mean "all cores". Later calls return
	 * the running engine; thread counts only apply to the first call.
	 */
	public static synchronized Engine start(int intraOpThreads, int interOpThreads) {
		if (engine != null) return engine;
		int cores = Runtime.getRuntime().availableProcessors();
		System.setProperty("ai.djl.offline", "true");
		setIfAbsent("ai.djl.tensorflow.num_intraop_threads",
			Integer.toString(intraOpThreads > 0 ? intraOpThreads : cores));
		setIfAbsent("ai.djl.tensorflow.num_interop_threads",
			Integer.toString(interOpThreads > 0 ? interOpThreads : cores));
		boolean ownNatives = System.getenv("TENSORFLOW_LIBRARY_PATH") == null && System.getProperty(
			"TENSORFLOW_LIBRARY_PATH") == null;
		if (ownNatives) System.setProperty("TENSORFLOW_LIBRARY_PATH", extractNatives().toString());
		// Quieter TensorFlow C++ logging unless the user asked for more.
		if (System.getenv("TF_CPP_MIN_LOG_LEVEL") == null) {
			setIfAbsent("org.bytedeco.javacpp.logger", "slf4j");
		}
		try {
			if (ownNatives && cpuNatives() && !Boolean.getBoolean(CUDA_SEARCH)) skipCudaSearch();
			engine = Engine.getEngine("TensorFlow");
		}
		catch (RuntimeException | UnsatisfiedLinkError e) {
			throw new ExplainException("TensorFlow could not start (" + firstLine(e) +
				"); make sure tensorflow-core-native for your platform is on the class path.", e);
		}
		return engine;
	}

	public static Engine start() {
		return start(0, 0);
	}

	/**
	 * DJL's session options (thread counts, devices) without Grappler's MLIR (TFG) passes and its
	 * conditional code motion: on the first run of each set of fetches they took 160 of Grappler's
	 * 200 ms on the sample MobileNet's gradient graph and changed nothing in it (graph sizes before
	 * and after equal in TensorFlow's log); the classic optimizers still run, and a folder's
	 * Grad-CAM and an Integrated Gradients map were the same pixels with and without them. With CPU
	 * natives the layout and memory optimizers are off too: they rearrange graphs for GPUs (layouts,
	 * swapping to host memory), changed no node of the gradient graph and took 38 of the 89 ms left.
	 */
	static ConfigProto sessionConfig() {
		start();
		ConfigProto djl = JavacppUtils.getSessionConfig();
		GraphOptions graph = djl.getGraphOptions();
		RewriterConfig.Builder rewrites = graph.getRewriteOptions().toBuilder()
			.setDisableTfgOptimizer(true).setExperimentalConditionalCodeMotion(
				RewriterConfig.Toggle.OFF);
		if (cpuNatives()) rewrites.setLayoutOptimizer(RewriterConfig.Toggle.OFF)
			.setMemoryOptimization(RewriterConfig.MemOptType.NO_MEM_OPT);
		return djl.toBuilder().setGraphOptions(graph.toBuilder().setRewriteOptions(rewrites)).build();
	}

	/** True when neither TensorFlow's GPU natives nor JavaCPP's CUDA presets are on the class path. */
	static boolean cpuNatives() {
		ClassLoader loader = TensorFlowRuntime.class.getClassLoader();
		return loader.getResource(NATIVE_PREFIX + "linux-x86_64-gpu/libjnitensorflow.so") == null &&
			loader.getResource("org/bytedeco/cuda/global/cudart.class") == null;
	}

	/** Set to true, JavaCPP looks for the CUDA libraries as it would ({@link #skipCudaSearch}). */
	public static final String CUDA_SEARCH = "explaincnn.cudaSearch";

	/**
	 * CUDA libraries that TensorFlow's JavaCPP presets preload on Linux (under these names; other
	 * platforms name them otherwise, and nothing is skipped there). CPU natives never use them, yet
	 * JavaCPP looks for each one (every name style, twice over the whole class path and the JDK's
	 * modules) and then tries to load it by name from the system library path: about 200 of the
	 * engine start's 800-1000 ms here, and a second on a class path the size of Fiji's.
	 */
	static final List<String> CUDA_PRELOADS = List.of("cudart@.11.0", "cublasLt@.11",
		"cublas@.11", "cufft@.10", "curand@.10", "cusolver@.10", "cusparse@.11", "cudnn@.8",
		"cudnn_ops_infer@.8", "cudnn_ops_train@.8", "cudnn_cnn_infer@.8", "cudnn_cnn_train@.8",
		"cudnn_adv_infer@.8", "cudnn_adv_train@.8", "nccl@.2", "nvrtc@.11.0", "nvinfer@.7",
		"myelin@.1");

	/**
	 * Writes "nothing found" for the CUDA preloads into JavaCPP's record of searched libraries, so
	 * that it neither searches for them nor loads them from the system library path (where a machine
	 * with CUDA installed would have put CUDA 11 libraries into a CPU run, to no use). Only for the
	 * natives of this class path without GPU support ({@link #cpuNatives}), and not when
	 * {@value #CUDA_SEARCH} is true. JavaCPP reads and writes its record without a lock: another
	 * library loading through JavaCPP at this very moment, in another thread, could race with it;
	 * in Fiji that is what the property is for. If the record is not where JavaCPP 1.5.10 keeps it,
	 * nothing changes.
	 */
	private static void skipCudaSearch() {
		Map<String, URL[]> found = javacppFoundLibraries();
		if (found == null) return;
		synchronized (Loader.class) {
			for (String cuda : CUDA_PRELOADS)
				found.putIfAbsent(cuda, new URL[0]);
		}
	}

	/** JavaCPP's map of library name to the files its search found, or null. */
	@SuppressWarnings("unchecked")
	static Map<String, URL[]> javacppFoundLibraries() {
		try {
			Field f = Loader.class.getDeclaredField("foundLibraries");
			f.setAccessible(true);
			return f.get(null) instanceof Map ? (Map<String, URL[]>) f.get(null) : null;
		}
		catch (ReflectiveOperationException | RuntimeException e) {
			return null;
		}
	}

	/** Version of the TensorFlow runtime, for manifests. */
	public static String tensorFlowVersion() {
		start();
		return TensorFlow.version();
	}

	public static String djlVersion() {
		return Engine.class.getPackage().getImplementationVersion() != null ? Engine.class
			.getPackage().getImplementationVersion() : "0.36.0";
	}

	private static void setIfAbsent(String key, String value) {
		if (System.getProperty(key) == null) System.setProperty(key, value);
	}

	static String firstLine(Throwable e) {
		return ExplainException.firstLine(e);
	}

	/**
	 * Finds the JNI library in the tensorflow-core-native jar and lets JavaCPP unpack it into its own
	 * cache, where JavaCPP will load all of TensorFlow from anyway: one copy on disk, not two.
	 */
	private static Path extractNatives() {
		ClassLoader loader = TensorFlowRuntime.class.getClassLoader();
		for (String classifier : new String[] { "linux-x86_64-gpu", "linux-x86_64",
			"macosx-arm64", "macosx-x86_64", "windows-x86_64" })
		{
			String folder = NATIVE_PREFIX + classifier + "/";
			for (String name : new String[] { "libjnitensorflow.so", "libjnitensorflow.dylib",
				"jnitensorflow.dll" })
			{
				URL jni = loader.getResource(folder + name);
				if (jni == null) continue;
				try {
					return Loader.cacheResource(jni).toPath().getParent();
				}
				catch (IOException e) {
					throw new ExplainException("Could not unpack the TensorFlow natives (" + e
						.getMessage() + "); set org.bytedeco.javacpp.cachedir to a writable folder.",
						e);
				}
			}
		}
		throw new ExplainException("TensorFlow natives are missing: add " +
			"org.tensorflow:tensorflow-core-native:1.0.0-rc.1 with your platform's classifier " +
			"(e.g. linux-x86_64) to the class path.");
	}

}
