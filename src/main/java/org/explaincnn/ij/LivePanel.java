package org.explaincnn.ij;

import ij.IJ;
import ij.ImageListener;
import ij.ImagePlus;

import java.awt.BorderLayout;
import java.awt.Button;
import java.awt.Frame;
import java.awt.GraphicsEnvironment;
import java.awt.Label;
import java.awt.event.WindowAdapter;
import java.awt.event.WindowEvent;
import java.util.Locale;

import javax.swing.Timer;

import org.explaincnn.core.ExplainException;

/**
 * The small window of Live Explain: frames explained per second and latency, updated twice a
 * second, and Stop. Stop, closing the window or closing the image ends the live explanation
 * (its thread joined, the model returned) off the event thread.
 */
final class LivePanel {

	private LivePanel() {}

	static void open(ImagePlus imp, ExplainJob job) {
		if (GraphicsEnvironment.isHeadless()) throw new ExplainException("Live Explain needs a " +
			"display (it follows an image window); headless, use ./explain --watch DIR.");
		job.validate();
		job.startEngine();
		LiveExplainer live = LiveExplainer.start(imp, job, IJ::log, r -> {});
		Frame frame = new Frame("Live Explain - " + imp.getTitle());
		Label stats = new Label("starting...");
		Button stop = new Button("Stop");
		frame.add(stats, BorderLayout.CENTER);
		frame.add(stop, BorderLayout.SOUTH);
		Timer timer = new Timer(500, e -> stats.setText(String.format(Locale.ROOT,
			"%d frames, %.1f per second, latency %.0f ms (max %.0f ms)", live.explained(), live
				.framesPerSecond(), live.meanLatencyMs(), live.maxLatencyMs())));
		boolean[] stopped = { false };
		ImageListener[] listener = new ImageListener[1];
		Runnable end = () -> {
			synchronized (stopped) {
				if (stopped[0]) return;
				stopped[0] = true;
			}
			timer.stop();
			ImagePlus.removeImageListener(listener[0]);
			frame.dispose();
			new Thread(() -> {
				live.close();
				IJ.showStatus(String.format(Locale.ROOT, "Live Explain: %d frames explained",
					live.explained()));
			}, "explaincnn-live-stop").start();
		};
		listener[0] = new ImageListener() {

			@Override
			public void imageOpened(ImagePlus i) {}

			@Override
			public void imageUpdated(ImagePlus i) {}

			@Override
			public void imageClosed(ImagePlus i) {
				if (i == imp) end.run();
			}
		};
		ImagePlus.addImageListener(listener[0]);
		stop.addActionListener(e -> end.run());
		frame.addWindowListener(new WindowAdapter() {

			@Override
			public void windowClosing(WindowEvent e) {
				end.run();
			}
		});
		frame.setSize(420, 90);
		frame.setVisible(true);
		timer.start();
	}
}
