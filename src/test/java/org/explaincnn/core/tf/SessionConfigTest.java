package org.explaincnn.core.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.RewriterConfig;

/**
 * Sessions skip Grappler's TFG passes (and with CPU natives its layout and memory passes) and keep
 * what DJL would have set.
 */
class SessionConfigTest {

	@Test
	void sessionsSkipTheTfgPassesAndKeepDjlsThreadCounts() {
		ConfigProto c = TensorFlowRuntime.sessionConfig();
		RewriterConfig rewrites = c.getGraphOptions().getRewriteOptions();
		assertTrue(rewrites.getDisableTfgOptimizer());
		assertEquals(RewriterConfig.Toggle.OFF, rewrites.getExperimentalConditionalCodeMotion());
		// The classic optimizers still run: a batch through the sample frozen graph needs them
		// (with them off, its Reshape to a batch of 1 fails on a batch of 16).
		assertFalse(rewrites.getDisableMetaOptimizer());
		// With CPU natives (this build's), the GPU-minded layout and memory optimizers are off too;
		// the remapper, which fuses convolutions with their bias and activation, stays on.
		boolean cpu = TensorFlowRuntime.cpuNatives();
		assertEquals(cpu ? RewriterConfig.Toggle.OFF : RewriterConfig.Toggle.DEFAULT, rewrites
			.getLayoutOptimizer());
		assertEquals(cpu ? RewriterConfig.MemOptType.NO_MEM_OPT
			: RewriterConfig.MemOptType.DEFAULT_MEM_OPT, rewrites.getMemoryOptimization());
		assertEquals(RewriterConfig.Toggle.DEFAULT, rewrites.getRemapping());
		assertEquals(Integer.getInteger("ai.djl.tensorflow.num_intraop_threads").intValue(), c
			.getIntraOpParallelismThreads());
		assertEquals(Integer.getInteger("ai.djl.tensorflow.num_interop_threads").intValue(), c
			.getInterOpParallelismThreads());
	}
}
