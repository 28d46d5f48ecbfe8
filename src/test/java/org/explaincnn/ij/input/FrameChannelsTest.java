package org.explaincnn.ij.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.CompositeImage;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;

import java.util.ArrayList;
import java.util.List;

import org.explaincnn.core.ExplainException;
import org.explaincnn.core.ModelSpec;
import org.junit.jupiter.api.Test;

/** A channel-count mismatch is one clear line, with no contradictory log line before it. */
class FrameChannelsTest {

	private static ModelSpec spec(int channels, String order) {
		ModelSpec s = new ModelSpec();
		s.height = 8;
		s.width = 8;
		s.channels = channels;
		s.channelOrder = order;
		s.mean = new float[channels];
		s.std = new float[channels];
		java.util.Arrays.fill(s.std, 1f);
		return s;
	}

	@Test
	void twoChannelsForAThreeChannelModelIsOneLineAndNothingElse() {
		ImageStack stack = new ImageStack(8, 8);
		stack.addSlice(new ByteProcessor(8, 8));
		stack.addSlice(new ByteProcessor(8, 8));
		ImagePlus imp = new ImagePlus("two", stack);
		imp.setDimensions(2, 1, 1);
		imp = new CompositeImage(imp, CompositeImage.COMPOSITE);
		List<String> log = new ArrayList<>();
		ImagePlus two = imp;
		ExplainException e = assertThrows(ExplainException.class, () -> Frame.of(two, null, false,
			spec(3, "CHANNELS"), log::add));
		assertTrue(e.getMessage().contains("2 channels but the model expects 3") && e.getMessage()
			.contains("CHANNELS") && !e.getMessage().contains("\n"), e.getMessage());
		assertTrue(log.stream().noneMatch(l -> l.contains("grey") || l.contains("replicated")),
			"no contradictory line before the error: " + log);
	}

	@Test
	void whatIsDoneIsWhatIsLogged() {
		List<String> log = new ArrayList<>();
		Frame.of(new ImagePlus("rgb", new ColorProcessor(8, 8)), null, false, spec(1, "GRAY"),
			log::add);
		assertEquals(List.of("Image has 3 channels, the model takes 1: converted to grey (luminance)."),
			log);
		log.clear();
		Frame.of(new ImagePlus("grey", new ByteProcessor(8, 8)), null, false, spec(3, "RGB"),
			log::add);
		assertEquals(List.of("Image has 1 channel, the model takes 3: the channel is replicated."),
			log);
	}
}
