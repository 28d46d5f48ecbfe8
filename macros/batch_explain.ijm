// Explain CNN batch macro: explains every image in a folder with one model and method, saves
// <name>.<method>.heatmap.tif, .overlay.png, .rois.zip and .json per image, and appends one row
// per image to explain.csv (file, predicted class, score, target, layer, time, status, reason).
// A file that is not a readable image gets a failed row with the reason and the others go on;
// headless (./explain --macro), a missing input folder or any failed file exits with code 2.
//
// In Fiji: Plugins > Macros > Run... and answer the dialog, or pass arguments.
// Headless, from the repository:
//   ./explain --macro macros/batch_explain.ijm "input=[sample-images] output=[batch-out] model=[sample-models/mobilenet_v1_0.50_224]"
// Optional keys: command=[Grad-CAM] target=[top1] layer=[auto] score=[logit] threshold=[0.5] lut=[Fire]

args = getArgument();
input = value(args, "input", "");
output = value(args, "output", "");
model = value(args, "model", "");
command = value(args, "command", "Grad-CAM");
target = value(args, "target", "top1");
layer = value(args, "layer", "auto");
score = value(args, "score", "logit");
threshold = value(args, "threshold", "0.5");
lut = value(args, "lut", "Fire");
if (input == "" || output == "" || model == "") {
	if (getInfo("macro.filepath") != "" && is("batch mode") == false && args == "") {
		input = getDirectory("Folder of images to explain");
		output = getDirectory("Folder for the results");
		model = getDirectory("Model folder");
	} else {
		exit("batch_explain needs input=[folder] output=[folder] model=[folder]");
	}
}
if (!File.isDirectory(input)) {
	problem = "batch_explain: input folder not found: " + input + "; pass input=[an existing folder]";
	call("org.explaincnn.cli.MacroStatus.fail", problem);
	exit(problem);
}
input = withSlash(input);
output = withSlash(output);
File.makeDirectory(output);
csv = output + "explain.csv";
if (!File.exists(csv))
	File.append("file,predicted,predicted_probability,target,target_index,score,probability,layer,method,ms,status,reason", csv);

setBatchMode(true);
files = getFileList(input);
count = 0;
failed = 0;
for (i = 0; i < files.length; i++) {
	name = files[i];
	if (!matches(toLowerCase(name), ".*\\.(png|jpg|jpeg|tif|tiff|gif|bmp)$")) continue;
	if (matches(toLowerCase(name), ".*\\.(heatmap\\.tif|overlay\\.png|panel\\.png)$")) continue;
	// open() would show a text file in an editor or stop the macro on a damaged image: check
	// first with the reader the command line uses (empty, truncated, not an image).
	problem = call("org.explaincnn.ij.input.ImageFileSource.problem", input + name);
	if (problem != "") {
		print(problem);
		File.append(name + ",,,,,,,,,,failed," + quote(problem), csv);
		failed++;
		continue;
	}
	before = nImages;
	open(input + name);
	if (nImages == before) {
		problem = "Cannot open " + input + name + " as an image";
		print(problem);
		File.append(name + ",,,,,,,,,,failed," + quote(problem), csv);
		failed++;
		continue;
	}
	original = getImageID();
	run(command, "model=[" + model + "] target=[" + target + "] layer=[" + layer + "] score=" + score +
		" threshold=[" + threshold + "] lut=[" + lut + "] opacity=0.5 rois output=[" + output + "]");
	// The heatmap is the active image; its properties carry the result. (Built-ins are assigned
	// to variables first: the macro interpreter does not pass them straight into functions.)
	predicted = Property.get("ExplainCNN.predictedLabel");
	predictedP = Property.get("ExplainCNN.predictedProbability");
	label = Property.get("ExplainCNN.label");
	index = Property.get("ExplainCNN.class");
	logit = Property.get("ExplainCNN.score");
	p = Property.get("ExplainCNN.probability");
	usedLayer = Property.get("ExplainCNN.layer");
	usedMethod = Property.get("ExplainCNN.method");
	ms = Property.get("ExplainCNN.ms");
	row = name + "," + quote(predicted) + "," + predictedP + "," + quote(label) + "," + index + "," +
		logit + "," + p + "," + quote(usedLayer) + "," + usedMethod + "," + ms + ",ok,";
	File.append(row, csv);
	close("*");
	count++;
}
setBatchMode(false);
print("Explained " + count + " images; results in " + output);
if (failed > 0)
	call("org.explaincnn.cli.MacroStatus.fail", failed + " file(s) in " + input +
		" could not be explained; see the failed rows in " + csv);

function value(text, key, fallback) {
	// key=[value with spaces] or key=value
	i = indexOf(" " + text, " " + key + "=");
	if (i < 0) return fallback;
	rest = substring(text, i + lengthOf(key) + 1);
	if (startsWith(rest, "[")) return substring(rest, 1, indexOf(rest, "]"));
	j = indexOf(rest, " ");
	if (j < 0) return rest;
	return substring(rest, 0, j);
}

function withSlash(dir) {
	if (endsWith(dir, "/") || endsWith(dir, File.separator)) return dir;
	return dir + File.separator;
}

function quote(s) {
	return "\"" + replace(s, "\"", "'") + "\"";
}
