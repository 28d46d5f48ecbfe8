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
		if (System.getenv("TENSORFLOW_LIBRARY_PATH") == null &&
			System.getProperty("TENSORFLOW_LIBRARY_PATH") == null)
		{
			System.setProperty("TENSORFLOW_LIBRARY_PATH", extractNatives().toString());
		}
		// Quieter TensorFlow C++ logging unless the user asked for more.
		if (System.getenv("TF_CPP_MIN_LOG_LEVEL") == null) {
			setIfAbsent("org.bytedeco.javacpp.logger", "slf4j");
		}
		try {
			skipCudaSearch();
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
	 * Grad-CAM and an Integrated Gradients map were the same pixels with and without them.
	 */
	static ConfigProto sessionConfig() {
		start();
		ConfigProto djl = JavacppUtils.getSessionConfig();
		GraphOptions graph = djl.getGraphOptions();
		RewriterConfig rewrites = graph.getRewriteOptions().toBuilder().setDisableTfgOptimizer(true)
			.setExperimentalConditionalCodeMotion(RewriterConfig.Toggle.OFF).build();
		return djl.toBuilder().setGraphOptions(graph.toBuilder().setRewriteOptions(rewrites)).build();
	}

	/**
	 * CUDA libraries that TensorFlow's JavaCPP presets preload on every platform. CPU natives never
	 * use them, yet JavaCPP looks for each one (every name style, twice over the whole class path and
	 * the JDK's modules) before giving up: about 200 of the engine start's 800-1000 ms here.
	 */
	static final List<String> CUDA_PRELOADS = List.of("cudart@.11.0", "cublasLt@.11",
		"cublas@.11", "cufft@.10", "curand@.10", "cusolver@.10", "cusparse@.11", "cudnn@.8",
		"cudnn_ops_infer@.8", "cudnn_ops_train@.8", "cudnn_cnn_infer@.8", "cudnn_cnn_train@.8",
		"cudnn_adv_infer@.8", "cudnn_adv_train@.8", "nccl@.2", "nvrtc@.11.0", "nvinfer@.7",
		"myelin@.1");

	/**
	 * Gives JavaCPP's record of searched libraries, for the CUDA preloads, what its own search puts
	 * there with CPU natives (nothing found), so it does not search: the record ends up as it would
	 * have, only sooner. JavaCPP searches as before with GPU natives, with JavaCPP's CUDA presets on
	 * the class path (whose libraries its search would find), and if its record is not where this
	 * version keeps it. On a class path the size of Fiji's the search took a second.
	 */
	private static void skipCudaSearch() {
		ClassLoader loader = TensorFlowRuntime.class.getClassLoader();
		boolean cpuOnly = loader.getResource(NATIVE_PREFIX + "linux-x86_64-gpu/libjnitensorflow.so") ==
			null && loader.getResource("org/bytedeco/cuda/global/cudart.class") == null;
		Map<String, URL[]> found = cpuOnly ? javacppFoundLibraries() : null;
		if (found != null) {
			synchronized (Loader.class) {
				for (String cuda : CUDA_PRELOADS)
					found.putIfAbsent(cuda, new URL[0]);
			}
		}
	}

	/** JavaCPP's map of library name to the files its search found, or null. */
	@SuppressWarnings("unchecked")
	private static Map<String, URL[]> javacppFoundLibraries() {
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
