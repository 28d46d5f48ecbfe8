package org.explaincnn.core.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.RewriterConfig;

/** Sessions skip Grappler's TFG passes and keep what DJL would have set. */
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
		assertEquals(Integer.getInteger("ai.djl.tensorflow.num_intraop_threads").intValue(), c
			.getIntraOpParallelismThreads());
		assertEquals(Integer.getInteger("ai.djl.tensorflow.num_interop_threads").intValue(), c
			.getInterOpParallelismThreads());
	}
}
