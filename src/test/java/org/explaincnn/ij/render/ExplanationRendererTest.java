package org.explaincnn.ij.render;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.ImageRoi;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import ij.process.LUT;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.explaincnn.TestData;
import org.explaincnn.core.Attribution;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.ExplainableModel;
import org.explaincnn.core.Explainer;
import org.explaincnn.core.Explanation;
import org.explaincnn.core.TargetSpec;
import org.explaincnn.ij.ExplainResult;
import org.explaincnn.ij.Luts;
import org.explaincnn.ij.ModelCache;
import org.explaincnn.ij.input.Frame;
import org.explaincnn.methods.Methods;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Drawing apart from running: a fresh rendering, and a live update into what is already shown. */
class ExplanationRendererTest {

	static ModelCache.Lease lease;
	static ExplainableModel model;
	static Explanation tabby, boxer;

	@BeforeAll
	static void explain() {
		lease = ModelCache.acquire(TestData.sampleModel());
		model = lease.model();
		ImagePlus imp = both();
		Frame f = Frame.of(imp, null, false, model.spec(), line -> {});
		tabby = Explainer.explain(model, f.prepared, Methods.byName("gradcam"), TargetSpec.parse(
			"tabby"), ExplainOptions.DEFAULTS, System.nanoTime());
		boxer = Explainer.explain(model, f.prepared, Methods.byName("gradcam"), TargetSpec.parse(
			"boxer"), ExplainOptions.DEFAULTS, System.nanoTime());
	}

	@AfterAll
	static void returnModel() {
		lease.close();
	}

	static ImagePlus both() {
		return IJ.openImage(TestData.sampleImage("both.png").toString());
	}

	static RenderOptions options(boolean drawOnInput, boolean preview) {
		return RenderOptions.of("Fire", 0.5, "0.5", true, drawOnInput, preview);
	}

	@Test
	void updateRedrawsIntoTheShownObjectsAsAFreshRenderingWould() {
		ImagePlus live = both();
		Roi mine = new Roi(1, 2, 3, 4);
		live.setOverlay(new Overlay(mine));
		ExplainResult shown = ExplanationRenderer.render(live, tabby, model, options(true, true));
		ExplainResult updated = ExplanationRenderer.update(shown, live, boxer, options(true, true));

		ImagePlus freshInput = both();
		ExplainResult fresh = ExplanationRenderer.render(freshInput, boxer, model, options(true,
			true));
		assertSame(shown.heatmap, updated.heatmap, "the heatmap a window shows is reused");
		assertArrayEquals((float[]) fresh.heatmap.getProcessor().getPixels(), (float[]) updated.heatmap
			.getProcessor().getPixels(), 0f);
		assertEquals(fresh.heatmap.getTitle(), updated.heatmap.getTitle());
		assertEquals(fresh.heatmap.getDisplayRangeMax(), updated.heatmap.getDisplayRangeMax(), 0);
		assertEquals("boxer", updated.heatmap.getProp("ExplainCNN.label"));
		assertEquals(names(fresh.rois), names(updated.rois));
		assertEquals(names(List.of(fresh.heatmap.getOverlay().toArray())), names(List.of(
			updated.heatmap.getOverlay().toArray())));
		assertArrayEquals((int[]) fresh.overlayPreview.getProcessor().getPixels(),
			(int[]) updated.overlayPreview.getProcessor().getPixels());

		// The input's overlay: the user's ROI, then exactly what a fresh rendering adds; the old
		// map and ROIs are gone.
		List<Roi> onInput = List.of(live.getOverlay().toArray());
		assertSame(mine, onInput.get(0));
		List<Roi> ours = onInput.subList(1, onInput.size());
		assertEquals(names(List.of(freshInput.getOverlay().toArray())), names(ours));
		assertEquals(updated.inputOverlay, ours);
		assertEquals(1, ours.stream().filter(r -> r instanceof ImageRoi).count());
		assertArrayEquals((int[]) ((ImageRoi) freshInput.getOverlay().get(0)).getProcessor()
			.getPixels(), (int[]) ((ImageRoi) ours.get(0)).getProcessor().getPixels());
		assertTrue(ours.stream().noneMatch(r -> r.getName() != null && r.getName().startsWith(
			"tabby")));
	}

	@Test
	void whatIsNotAskedForIsNotDrawnAndTheRestIsUnchanged() {
		ImagePlus untouched = both(), drawn = both();
		ExplainResult bare = ExplanationRenderer.render(untouched, tabby, model, options(false,
			false));
		ExplainResult full = ExplanationRenderer.render(drawn, tabby, model, options(true, true));
		assertNull(untouched.getOverlay(), "nothing drawn on the input");
		assertNull(bare.overlayPreview);
		assertTrue(bare.inputOverlay.isEmpty());
		assertNotEquals(null, drawn.getOverlay());
		assertArrayEquals((float[]) full.heatmap.getProcessor().getPixels(), (float[]) bare.heatmap
			.getProcessor().getPixels(), 0f);
		assertEquals(names(full.rois), names(bare.rois));
	}

	@Test
	void theOverlayPictureIsWhatImageJDrawsForTheMapOverlay() {
		for (double opacity : new double[] { 0.5, 0.8 }) {
			RenderOptions o = RenderOptions.of("Fire", opacity, "0.5", false, false, true);
			ExplainResult r = ExplanationRenderer.render(both(), tabby, model, o);
			// ImageJ's own drawing of the same map: the coloured ImageRoi overlay, flattened.
			ImagePlus reference = both();
			Attribution a = tabby.attributions.get(0);
			reference.setOverlay(new Overlay(ExplanationRenderer.colouredRoi(a.map, a.width, a.height, r
				.heatmap.getDisplayRangeMin(), r.heatmap.getDisplayRangeMax(), ExplanationRenderer.lutFor(
					tabby, o), opacity, "map")));
			int[] want = (int[]) reference.flatten().getProcessor().getPixels();
			int[] got = (int[]) r.overlayPreview.getProcessor().getPixels();
			int[] input = (int[]) both().getProcessor().getPixels();
			assertEquals(want.length, got.length);
			int worst = 0, coloured = 0;
			for (int i = 0; i < want.length; i++) {
				for (int shift = 0; shift <= 16; shift += 8)
					worst = Math.max(worst, Math.abs((want[i] >> shift & 0xff) - (got[i] >> shift & 0xff)));
				if ((got[i] & 0xffffff) != (input[i] & 0xffffff)) coloured++;
			}
			// Java2D rounds its blending in 8-bit steps.
			assertTrue(worst <= 1, "opacity " + opacity + ": off by " + worst);
			// The map covers the cat: most pixels are coloured, not all (weak evidence stays clear).
			assertTrue(coloured > want.length / 4 && coloured < want.length, "coloured " + coloured);
		}
	}

	@Test
	void roiOutlinesInTheOverlayPictureAreWhatFlatteningTheOverlayDraws() {
		for (Explanation e : List.of(tabby, boxer)) {
			RenderOptions plain = RenderOptions.of("Fire", 0.5, "0.5", false, false, true);
			RenderOptions outlined = RenderOptions.of("Fire", 0.5, "0.5", true, false, true);
			ExplainResult without = ExplanationRenderer.render(both(), e, model, plain);
			ExplainResult with = ExplanationRenderer.render(both(), e, model, outlined);
			assertTrue(with.rois.size() > 0);
			// ImageJ's drawing of the same ROIs: the map picture with them as overlay, flattened.
			ImagePlus reference = without.overlayPreview.duplicate();
			Overlay rois = new Overlay();
			with.rois.forEach(r -> rois.add((Roi) r.clone()));
			reference.setOverlay(rois);
			int[] want = (int[]) reference.flatten().getProcessor().getPixels();
			int[] got = (int[]) with.overlayPreview.getProcessor().getPixels();
			assertArrayEquals(want, got);
			assertNotEquals(Arrays.hashCode(got), Arrays.hashCode((int[]) without.overlayPreview
				.getProcessor().getPixels()), "the outlines are drawn");
		}
	}

	@Test
	void overlayColoursAreImageJsConversionOfTheMapThroughTheLut() {
		SplittableRandom random = new SplittableRandom(11);
		int w = 37, h = 23;
		for (String name : List.of("Fire", "Grays", "Ice", "Spectrum", "3-3-2 RGB", "Red/Green")) {
			LUT lut = Luts.byName(name);
			for (int trial = 0; trial < 5; trial++) {
				float[] map = new float[w * h];
				for (int i = 0; i < map.length; i++)
					map[i] = (float) (random.nextDouble() * 4 - 1);
				map[3] = Float.NaN;
				double lo = trial == 0 ? -1 : 0, hi = trial == 1 ? 1.5 : 3;
				// ImageJ's own conversion: 8-bit levels over lo..hi, shown through the LUT as RGB.
				FloatProcessor fp = new FloatProcessor(w, h, map.clone());
				fp.setMinAndMax(lo, hi);
				ImageProcessor bytes = fp.convertToByteProcessor(true);
				bytes.setLut(lut);
				int[] want = (int[]) bytes.convertToColorProcessor().getPixels();
				double floor = ExplanationRenderer.OVERLAY_FLOOR * Math.max(Math.abs(lo), Math.abs(hi));
				for (int i = 0; i < want.length; i++)
					if (Math.abs(map[i]) < floor) want[i] = 0;
				float[] before = map.clone();
				int[] got = (int[]) ExplanationRenderer.coloured(map, w, h, lo, hi, lut).getPixels();
				assertArrayEquals(want, got, name + " trial " + trial);
				assertArrayEquals(before, map, "the map is not changed");
			}
		}
	}

	/**
	 * The blend is the rounded mix of each channel, pixel by pixel, whatever opacity came before
	 * (its table of mixes is remade when the opacity changes); near-black colours are not drawn and
	 * the base keeps its alpha.
	 */
	@Test
	void blendIsTheRoundedMixOfEveryChannel() {
		SplittableRandom random = new SplittableRandom(5);
		for (double opacity : new double[] { 0.5, 0.8, 0.5, 0.01, 1 }) {
			int[] base = new int[5000], colours = new int[base.length];
			for (int i = 0; i < base.length; i++) {
				base[i] = random.nextInt();
				colours[i] = i % 10 == 0 ? random.nextInt(2) * 0x010101 : random.nextInt() & 0xffffff;
			}
			int[] want = base.clone();
			for (int i = 0; i < want.length; i++) {
				int c = colours[i], d = want[i];
				if ((c >> 16 & 0xff) + (c >> 8 & 0xff) + (c & 0xff) <= 3) continue;
				int out = d & 0xff000000;
				for (int shift = 16; shift >= 0; shift -= 8) {
					int under = d >> shift & 0xff, over = c >> shift & 0xff;
					out |= (int) Math.round(under + (over - under) * opacity) << shift;
				}
				want[i] = out;
			}
			ExplanationRenderer.blend(base, colours, opacity);
			assertArrayEquals(want, base, "opacity " + opacity);
		}
	}

	@Test
	void selectGivesTheElementSortingGives() {
		SplittableRandom random = new SplittableRandom(7);
		for (int trial = 0; trial < 200; trial++) {
			float[] v = new float[1 + random.nextInt(300)];
			for (int i = 0; i < v.length; i++) // few distinct values too: ties must not matter
				v[i] = trial % 2 == 0 ? (float) random.nextDouble() : random.nextInt(4);
			float[] sorted = v.clone();
			Arrays.sort(sorted);
			int k = random.nextInt(v.length);
			assertEquals(sorted[k], ExplanationRenderer.select(v.clone(), k), 0f);
		}
	}

	static List<String> names(List<Roi> rois) {
		List<String> out = new ArrayList<>();
		for (Roi r : rois)
			out.add(r.getName() + " " + r.getBounds() + " " + r.getPosition());
		return out;
	}
}
