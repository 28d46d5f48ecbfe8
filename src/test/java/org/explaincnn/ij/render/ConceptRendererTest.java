package org.explaincnn.ij.render;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.process.ImageProcessor;
import ij.process.LUT;

import java.awt.Rectangle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.explaincnn.TestData;
import org.explaincnn.core.Attribution;
import org.explaincnn.core.Concepts;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explainer;
import org.explaincnn.core.Explanation;
import org.explaincnn.core.TargetSpec;
import org.explaincnn.ij.ExplainResult;
import org.explaincnn.ij.ModelCache;
import org.explaincnn.ij.input.Frame;
import org.explaincnn.ij.io.ResultFiles;
import org.explaincnn.methods.Methods;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deep Feature Factorization drawn and written: the label image with the concept colours, one ROI
 * per concept holding exactly its pixels and named by its classes, the legend, the per-concept
 * stack and the CSV agreeing with the concepts.
 */
class ConceptRendererTest {

	static ModelCache.Lease lease;
	static ExplainableModel model;
	static ImagePlus imp;
	static Explanation e;
	static Concepts concepts;

	@TempDir
	Path tmp;

	@BeforeAll
	static void explain() {
		lease = ModelCache.acquire(TestData.sampleModel());
		model = lease.model();
		imp = IJ.openImage(TestData.sampleImage("chelsea.png").toString());
		Frame f = Frame.of(imp, null, false, model.spec(), line -> {});
		e = Explainer.explain(model, f.prepared, Methods.byName("dff"), TargetSpec.top1(),
			ExplainOptions.DEFAULTS.withParam("concepts", "3"), System.nanoTime());
		concepts = Concepts.of(e);
	}

	@AfterAll
	static void returnModel() {
		lease.close();
	}

	static ExplainResult render() {
		return ExplanationRenderer.render(imp, e, model, RenderOptions.of("Fire", 0.5, "0.5", true,
			false, true));
	}

	@Test
	void heatmapIsTheLabelImageInTheConceptColours() {
		ExplainResult r = render();
		Attribution a = e.attributions.get(0);
		assertEquals(ImagePlus.GRAY32, r.heatmap.getType());
		assertArrayEquals(a.map, (float[]) r.heatmap.getProcessor().getPixels());
		LUT lut = r.heatmap.getProcessor().getLut();
		assertEquals(0, r.heatmap.getDisplayRangeMin());
		assertEquals(255, r.heatmap.getDisplayRangeMax());
		for (int n = 1; n <= 3; n++)
			assertEquals(ConceptRenderer.colour(n).getRGB(), lut.getRGB(n), "concept " + n);
		assertEquals("3", r.heatmap.getProp("ExplainCNN.concepts"));
	}

	/** One ROI per concept present, whose mask holds exactly the pixels labelled with it. */
	@Test
	void oneRoiPerConceptHoldsExactlyItsPixels() {
		ExplainResult r = render();
		Attribution a = e.attributions.get(0);
		List<Roi> rois = r.rois;
		int present = 0;
		for (Concepts.Concept c : concepts.concepts)
			if (c.area > 0) present++;
		assertEquals(present, rois.size());
		for (Roi roi : rois) {
			int n = Integer.parseInt(roi.getName().replaceAll("^concept (\\d+):.*", "$1"));
			Concepts.Concept c = concepts.concepts.get(n - 1);
			assertEquals(c.name(), roi.getName());
			assertTrue(roi.getName().matches("concept \\d+: [^,]+ \\d\\.\\d\\d, [^,]+ \\d\\.\\d\\d"),
				roi.getName());
			ImageProcessor mask = roi.getMask();
			Rectangle b = roi.getBounds();
			long inside = 0, labelled = 0;
			for (int y = 0; y < a.height; y++)
				for (int x = 0; x < a.width; x++) {
					boolean in = x >= b.x && y >= b.y && x < b.x + b.width && y < b.y + b.height && (mask ==
						null || mask.get(x - b.x, y - b.y) != 0);
					boolean is = a.map[y * a.width + x] == n;
					assertEquals(is, in, "concept " + n + " at " + x + "," + y);
					if (in) inside++;
					if (is) labelled++;
				}
			assertEquals(labelled, inside);
			assertEquals(c.area, (double) labelled / a.map.length, 1e-12);
		}
	}

	/**
	 * A live view: the next explanation is drawn into the heatmap already shown, and the input's
	 * overlay exchanges the old concepts for the new ones, keeping what else it had.
	 */
	@Test
	void updateRedrawsIntoTheShownHeatmapAndOverlay() {
		ImagePlus input = imp.duplicate();
		Overlay own = new Overlay(new Roi(1, 1, 5, 5));
		input.setOverlay(own);
		ExplainResult first = ExplanationRenderer.render(input, e, model, RenderOptions.of("Fire",
			0.5, "0.5", true, true, false));
		assertEquals(1 + first.inputOverlay.size(), input.getOverlay().size());
		Frame f = Frame.of(imp, null, false, model.spec(), line -> {});
		Explanation two = Explainer.explain(model, f.prepared, Methods.byName("dff"), TargetSpec
			.top1(), ExplainOptions.DEFAULTS.withParam("concepts", "2"), System.nanoTime());
		ExplainResult next = ExplanationRenderer.update(first, input, two, RenderOptions.of("Fire",
			0.5, "0.5", true, true, false));
		assertSame(first.heatmap, next.heatmap);
		assertArrayEquals(two.attributions.get(0).map, (float[]) next.heatmap.getProcessor()
			.getPixels());
		assertTrue(next.heatmap.getTitle().contains("2 concepts"), next.heatmap.getTitle());
		assertEquals(1 + next.inputOverlay.size(), input.getOverlay().size());
		// By identity: ImageJ's Roi.equals compares outlines, and the new map has the old one's.
		for (Roi old : first.inputOverlay)
			for (Roi now : input.getOverlay().toArray())
				assertTrue(now != old, "an old concept stayed on the input: " + old.getName());
	}

	/** The legend beside the image has each concept's colour swatch. */
	@Test
	void overlayPictureHasALegendWithEveryConceptColour() {
		ExplainResult r = render();
		ImageProcessor p = r.overlayPreview.getProcessor();
		assertEquals(imp.getHeight(), p.getHeight());
		assertTrue(p.getWidth() > imp.getWidth() + 100, "legend width");
		for (Concepts.Concept c : concepts.concepts) {
			int want = ConceptRenderer.colour(c.number).getRGB() & 0xffffff;
			boolean found = false;
			for (int y = 0; y < p.getHeight() && !found; y++)
				for (int x = imp.getWidth(); x < p.getWidth() && !found; x++)
					found = (p.get(x, y) & 0xffffff) == want;
			assertTrue(found, "no swatch of concept " + c.number);
		}
	}

	/** The concept maps stack and the CSV, next to the usual files, agree with the concepts. */
	@Test
	void conceptStackAndCsvAreWritten() throws Exception {
		ExplainResult r = render();
		List<Path> files = ResultFiles.write(r, tmp, "chelsea", null);
		Path tif = tmp.resolve("chelsea.dff.concepts.tif"), csv = tmp.resolve(
			"chelsea.dff.concepts.csv");
		assertTrue(files.contains(tif) && files.contains(csv), files.toString());
		ImagePlus stack = IJ.openImage(tif.toString());
		assertEquals(3, stack.getStackSize());
		for (int n = 1; n <= 3; n++) {
			assertEquals(concepts.concepts.get(n - 1).name(), stack.getStack().getSliceLabel(n));
			assertArrayEquals(concepts.concepts.get(n - 1).map(), (float[]) stack.getStack().getPixels(
				n));
		}
		List<String> lines = Files.readAllLines(csv);
		assertEquals("concept,name,area,label_1,probability_1,label_2,probability_2", lines.get(0));
		assertEquals(4, lines.size());
		double area = 0;
		for (int n = 1; n <= 3; n++) {
			Concepts.Concept c = concepts.concepts.get(n - 1);
			String[] f = lines.get(n).split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)");
			assertEquals(String.valueOf(n), f[0]);
			assertEquals("\"" + c.name() + "\"", f[1]);
			assertEquals(c.area, Double.parseDouble(f[2]), 1e-6);
			assertEquals(c.labels[0], f[3]);
			assertEquals(c.scores[0], Double.parseDouble(f[4]), 1e-6);
			area += Double.parseDouble(f[2]);
		}
		assertEquals(1, area, 1e-5);
	}
}
