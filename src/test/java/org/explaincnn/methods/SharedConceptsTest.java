package org.explaincnn.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ImageProcessor;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import javax.imageio.ImageIO;

import org.explaincnn.SampleModel;
import org.explaincnn.TestData;
import org.explaincnn.cli.ExplainCli;
import org.explaincnn.core.Concepts;
import org.explaincnn.core.ExplainOptions;
import org.explaincnn.core.Explainer;
import org.explaincnn.core.Explanation;
import org.explaincnn.core.PreparedImage;
import org.explaincnn.core.TargetSpec;
import org.explaincnn.ij.ExplainJob;
import org.explaincnn.ij.ImageExplainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deep Feature Factorization with scope=folder on the sample MobileNet: one factorisation shared by
 * the images (the same concepts, numbers and classes in each, each image labelled from its own
 * rows of W), the per-image result when there is one image, the command line's files agreeing
 * with each other, and 200 images in a heap too small to hold them.
 */
@ExtendWith(SampleModel.class)
class SharedConceptsTest {

	static final ExplainOptions FOUR = ExplainOptions.DEFAULTS.withParam("concepts", "4");

	@TempDir
	Path tmp;

	/** A folder of one image: the same bits as the method on that image alone. */
	@Test
	void oneImageIsThePerImageResult() {
		PreparedImage both = SampleModel.both();
		SharedConcepts.Pool pool = SharedConcepts.pool(SampleModel.model(), FOUR);
		pool.add(List.of(both));
		SharedConcepts shared = pool.factorise();
		Explanation folder = shared.explanation(0, both, TargetSpec.top1());
		Explanation alone = Explainer.explain(SampleModel.model(), both, Methods.byName("dff"),
			TargetSpec.top1(), FOUR, System.nanoTime());
		assertEquals(alone.attributions.get(0).classIndex, folder.attributions.get(0).classIndex);
		assertArrayEquals(alone.attributions.get(0).map, folder.attributions.get(0).map);
		assertArrayEquals(alone.probabilities, folder.probabilities);
		Concepts a = Concepts.of(alone), f = Concepts.of(folder);
		assertEquals(a.relativeError, f.relativeError);
		assertEquals(a.concepts.size(), f.concepts.size());
		for (int n = 0; n < a.concepts.size(); n++) {
			Concepts.Concept x = a.concepts.get(n), y = f.concepts.get(n);
			assertArrayEquals(x.embedding, y.embedding, "concept " + (n + 1));
			assertArrayEquals(x.scores, y.scores, "concept " + (n + 1));
			assertArrayEquals(x.labels, y.labels, "concept " + (n + 1));
			assertEquals(x.area, y.area, "concept " + (n + 1));
		}
	}

	/**
	 * Three images in two batches: one set of concepts (the same embeddings and classes in every
	 * image), and each image labelled by its own rows: the espresso concept covers the coffee and
	 * hardly any of the cat, the cat concepts the reverse (rows taken from the wrong image would
	 * swap them).
	 */
	@Test
	void theImagesShareOneSetOfConcepts() {
		List<PreparedImage> images = List.of(SampleModel.both(), SampleModel.image("chelsea.png"),
			SampleModel.image("coffee.png"));
		SharedConcepts.Pool pool = SharedConcepts.pool(SampleModel.model(), FOUR);
		pool.add(images.subList(0, 2));
		pool.add(images.subList(2, 3));
		assertEquals(3 * 7 * 7, pool.rows(), "3 images x the layer's 7 x 7 positions");
		SharedConcepts shared = pool.factorise();
		assertEquals(3 * 7 * 7, shared.rows());
		List<Concepts> concepts = new ArrayList<>();
		for (int i = 0; i < images.size(); i++)
			concepts.add(Concepts.of(shared.explanation(i, images.get(i), TargetSpec.top1())));
		for (Concepts c : concepts.subList(1, 3))
			for (int n = 0; n < 4; n++) {
				Concepts.Concept first = concepts.get(0).concepts.get(n), here = c.concepts.get(n);
				assertSame(first.scores.length, here.scores.length);
				assertArrayEquals(first.embedding, here.embedding);
				assertArrayEquals(first.labels, here.labels);
				assertArrayEquals(first.scores, here.scores);
			}
		int espresso = conceptNamed(concepts.get(2), "espresso");
		double[] areas = shared.areas(2);
		assertTrue(areas[espresso - 1] > 0.9, "espresso concept on the coffee: " + Arrays.toString(
			areas));
		assertTrue(shared.areas(1)[espresso - 1] < 0.1, "espresso concept on the cat: " + Arrays
			.toString(shared.areas(1)));
		int cat = concepts.get(1).concepts.stream().max((x, y) -> Double.compare(x.area, y.area))
			.get().number;
		assertTrue(cat != espresso && concepts.get(1).concepts.get(cat - 1).labels[0].contains("cat"),
			"chelsea's largest concept is a cat: " + concepts.get(1));
		assertTrue(areas[cat - 1] < 0.1, "the cat concept on the coffee: " + Arrays.toString(areas));
		for (int i = 0; i < 3; i++)
			assertEquals(1, Arrays.stream(shared.areas(i)).sum(), 1e-9, "areas of image " + i);
	}

	/**
	 * Concepts do not depend on the class: two targets give one map (for the first target), the
	 * same as the top class's, not the same label image twice.
	 */
	@Test
	void severalTargetsGiveOneLabelImage() {
		Explanation two = Explainer.explain(SampleModel.model(), SampleModel.both(), Methods.byName(
			"dff"), TargetSpec.parse("tabby;boxer"), FOUR, System.nanoTime());
		assertEquals(1, two.attributions.size());
		assertTrue(two.attributions.get(0).label.contains("tabby"), two.attributions.get(0).label);
		Explanation top = Explainer.explain(SampleModel.model(), SampleModel.both(), Methods.byName(
			"dff"), TargetSpec.top1(), FOUR, System.nanoTime());
		assertArrayEquals(top.attributions.get(0).map, two.attributions.get(0).map);
	}

	/**
	 * A stack in Fiji with scope=folder: the planes share the concepts, so both.png and the coffee
	 * cup are mostly labelled by different concepts (each plane factorised alone would make its own
	 * largest region concept 1 in both).
	 */
	@Test
	void thePlanesOfAStackShareTheConcepts() {
		ImageProcessor both = IJ.openImage(TestData.sampleImage("both.png").toString()).getProcessor();
		ImageStack stack = new ImageStack(both.getWidth(), both.getHeight());
		stack.addSlice("both", both);
		stack.addSlice("coffee", IJ.openImage(TestData.sampleImage("coffee.png").toString())
			.getProcessor().resize(both.getWidth(), both.getHeight()));
		ImagePlus imp = new ImagePlus("two planes", stack);
		for (String scope : List.of("image", "folder")) {
			int[] largest = new int[2];
			ExplainJob job = new ExplainJob();
			job.model = TestData.sampleModel();
			job.stack = true;
			job.method = "dff";
			job.params.put("concepts", "4");
			job.params.put("scope", scope);
			ImagePlus heat = ImageExplainer.explain(imp, job, line -> {}, (d, t) -> {}, () -> false)
				.heatmap;
			for (int z = 0; z < 2; z++) {
				int[] count = new int[5];
				ImageProcessor ip = heat.getStack().getProcessor(z + 1);
				for (int i = 0; i < ip.getPixelCount(); i++)
					count[(int) ip.getf(i)]++;
				for (int n = 1; n <= 4; n++)
					if (count[n] > count[largest[z]]) largest[z] = n;
			}
			if (scope.equals("image")) assertArrayEquals(new int[] { 1, 1 }, largest, scope);
			else assertTrue(largest[0] != largest[1], scope + ": " + Arrays.toString(largest));
		}
	}

	static int conceptNamed(Concepts c, String label) {
		for (Concepts.Concept x : c.concepts)
			if (x.labels[0].equals(label)) return x.number;
		throw new AssertionError("no concept with top label " + label + ": " + c);
	}

	/**
	 * The command line over a folder: dff.concepts.csv and every image's concepts CSV name the same
	 * concepts, the area columns are the images' own, and those are the label images' pixel counts.
	 */
	@Test
	void theFolderCsvAgreesWithEveryImage() throws Exception {
		Path in = Files.createDirectories(tmp.resolve("in")), out = tmp.resolve("out");
		List<String> stems = List.of("both", "chelsea", "coffee");
		for (String s : stems)
			Files.copy(TestData.sampleImage(s + ".png"), in.resolve(s + ".png"));
		ByteArrayOutputStream o = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
		int code = ExplainCli.execute(new String[] { in.toString(), "--method", "dff", "--param",
			"scope=folder", "--param", "concepts=4", "--target", "tabby;boxer", "--batch", "2",
			"--out", out.toString() }, new PrintStream(o, true, StandardCharsets.UTF_8),
			new PrintStream(err, true, StandardCharsets.UTF_8));
		assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
		List<String[]> folder = rows(out.resolve("dff.concepts.csv"));
		assertEquals(5, folder.size(), "header and 4 concepts");
		List<String> header = Arrays.asList(folder.get(0));
		for (String stem : stems) {
			List<String[]> own = rows(out.resolve(stem + ".dff.concepts.csv"));
			int column = header.indexOf("area_" + stem);
			assertTrue(column > 0, String.join(",", header));
			ImagePlus labels = IJ.openImage(out.resolve(stem + ".dff.heatmap.tif").toString());
			assertEquals(1, labels.getStackSize(), "one label image whatever the targets");
			int[] count = new int[5];
			ImageProcessor ip = labels.getProcessor();
			for (int i = 0; i < ip.getPixelCount(); i++)
				count[(int) ip.getf(i)]++;
			for (int n = 1; n <= 4; n++) {
				String[] f = folder.get(n), mine = own.get(n);
				assertEquals(f[0], mine[0]);
				assertEquals(f[1], mine[1], "the concept's name");
				// concept,name,area,label_1,p_1,label_2,p_2 against concept,name,label_1,p_1,...
				assertEquals(Arrays.asList(f).subList(2, 6), Arrays.asList(mine).subList(3, 7));
				assertEquals(f[column], mine[2], stem + " concept " + n);
				assertEquals((double) count[n] / ip.getPixelCount(), Double.parseDouble(mine[2]), 1e-6,
					stem + " concept " + n);
			}
		}
		// Again without --overwrite: the results exist, and a factorisation without those images
		// would number the concepts differently, so the run stops in one line.
		ByteArrayOutputStream again = new ByteArrayOutputStream();
		assertEquals(2, ExplainCli.execute(new String[] { in.toString(), "--method", "dff", "--param",
			"scope=folder", "--out", out.toString() }, new PrintStream(new ByteArrayOutputStream()),
			new PrintStream(again, true, StandardCharsets.UTF_8)));
		String message = again.toString(StandardCharsets.UTF_8).strip();
		assertTrue(message.contains("scope=folder") && message.contains("--overwrite") && message
			.lines().count() == 1, message);
		String lines = o.toString(StandardCharsets.UTF_8);

		assertEquals(3, lines.lines().filter(l -> l.contains("top:")).count(),
			"one line per image, not per target: " + lines);
	}

	/** Comma-separated fields, the quoted ones (names with commas) kept whole without quotes. */
	static List<String[]> rows(Path csv) throws Exception {
		List<String[]> out = new ArrayList<>();
		for (String line : Files.readAllLines(csv)) {
			List<String> fields = new ArrayList<>();
			StringBuilder f = new StringBuilder();
			boolean quoted = false;
			for (char ch : line.toCharArray()) {
				if (ch == '"') quoted = !quoted;
				else if (ch == ',' && !quoted) {
					fields.add(f.toString());
					f.setLength(0);
				}
				else f.append(ch);
			}
			fields.add(f.toString());
			out.add(fields.toArray(new String[0]));
		}
		return out;
	}

	/**
	 * 200 images through the command line in a 200 MB heap: the 200 prepared images alone would
	 * take 200 x 2 x 224 x 224 x 3 floats (241 MB), so only the activations (200 x 7 x 7 x 512
	 * floats, 20 MB, then the pooled matrix in doubles) can be held; the factorised matrix is
	 * 200 x 49 rows.
	 */
	@Test
	void twoHundredImagesRunInABoundedHeap() throws Exception {
		Path in = Files.createDirectories(tmp.resolve("many")), out = tmp.resolve("many-out");
		BufferedImage cat = ImageIO.read(TestData.sampleImage("chelsea.png").toFile());
		BufferedImage small = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
		small.createGraphics().drawImage(cat, 0, 0, 64, 64, null);
		ImageIO.write(small, "png", in.resolve("img000.png").toFile());
		for (int i = 1; i < 200; i++)
			Files.copy(in.resolve("img000.png"), in.resolve(String.format("img%03d.png", i)));
		String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
		ProcessBuilder pb = new ProcessBuilder(java, "-Xmx200m", "-Djava.awt.headless=true",
			"--add-opens=java.base/java.lang=ALL-UNNAMED", "-cp", System.getProperty(
				"java.class.path"), "org.explaincnn.cli.ExplainCli", in.toString(), "--model", TestData
					.sampleModel().toString(), "--method", "dff", "--param", "scope=folder", "--outputs",
			"heatmap", "--out", out.toString());
		pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
		File log = tmp.resolve("many-log.txt").toFile();
		pb.redirectErrorStream(true).redirectOutput(log);
		long t0 = System.nanoTime();
		int code = pb.start().waitFor();
		double seconds = (System.nanoTime() - t0) / 1e9;
		String output = Files.readString(log.toPath());
		System.out.printf("DFF scope=folder, 200 images in -Xmx200m: %.1f s%n", seconds);
		assertEquals(0, code, output);
		assertTrue(output.contains("5 concepts shared by 200 images (9800 positions factorised"),
			output);
		output.lines().filter(l -> l.contains("concepts shared")).forEach(System.out::println);
		List<String[]> folder = rows(out.resolve("dff.concepts.csv"));
		assertEquals(2 + 2 * 2 + 200, folder.get(0).length, "concept, name, 2 labels, 200 areas");
		// The copies are the same image: about the same areas in each (not the same bits: each row
		// of W starts from its own random values, and NMF's rows for equal rows of A need not meet).
		for (String[] row : folder.subList(1, folder.size()))
			for (int i = 7; i < row.length; i++)
				assertEquals(Double.parseDouble(row[6]), Double.parseDouble(row[i]), 0.02, row[1]);
		assertTrue(Files.exists(out.resolve("img199.dff.heatmap.tif")));
	}
}
