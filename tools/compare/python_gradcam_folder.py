#!/usr/bin/env python3
"""The Python side of the comparison: Grad-CAM for the top-1 class of every image of a folder,
written as a user of Xplique would write it, one 32-bit float TIFF per image at the image's size.

Usage: python_gradcam_folder.py IMAGE_DIR --model MODEL.keras --out DIR
                                [--engine xplique|tape] [--batch 32] [--layer conv_pw_13_relu]

--engine xplique (default): xplique.attributions.GradCAM(model, conv_layer=..., batch_size=32);
  Xplique needs the targets as one-hot vectors, so the top-1 class comes from a model.predict()
  first (one forward pass more than Explain CNN, which picks top-1 inside its gradient run), and
  it returns the maps bicubically resized to the model input (224x224).
--engine tape: the same in plain TensorFlow (the Keras Grad-CAM tutorial's GradientTape on a
  model with two outputs), top-1 chosen inside the same pass; maps stay 7x7 until the final
  resize. A reference for what the library adds.
Both then resize each map to the image's size (PIL, bilinear, mode 'F') and write
<stem>.gradcam.heatmap.tif with tifffile. The same steps as the whole Java job: start, load the
model, read the images, explain, write the files.
"""
import argparse
import os
import time

T0 = time.perf_counter()
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
import tifffile  # noqa: E402
from PIL import Image  # noqa: E402

T_IMPORT = time.perf_counter()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("images")
    ap.add_argument("--model", required=True, help=".keras file")
    ap.add_argument("--out", default="python-out")
    ap.add_argument("--engine", choices=["xplique", "tape"], default="xplique")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--layer", default="conv_pw_13_relu")
    ap.add_argument("--labels", help="labels.txt (default: beside the model's SavedModel bundle)")
    args = ap.parse_args()
    times = {"import": T_IMPORT - T0}

    t = time.perf_counter()
    model = keras.models.load_model(args.model, compile=False)
    labels_file = args.labels or os.path.join(os.path.splitext(args.model)[0], "labels.txt")
    labels = open(labels_file).read().splitlines() if os.path.exists(labels_file) else None
    times["load model"] = time.perf_counter() - t

    t = time.perf_counter()
    files = sorted(os.path.join(args.images, f) for f in os.listdir(args.images)
                   if f.lower().endswith((".png", ".jpg", ".jpeg", ".tif", ".tiff")))
    sizes, batch = [], []
    for f in files:
        img = Image.open(f).convert("RGB")
        sizes.append(img.size)
        batch.append(np.asarray(img.resize((224, 224), Image.BILINEAR), dtype=np.float32))
    x = keras.applications.mobilenet.preprocess_input(np.stack(batch))  # (x / 127.5) - 1
    times["read+preprocess"] = time.perf_counter() - t

    t = time.perf_counter()
    if args.engine == "xplique":
        from xplique.attributions import GradCAM
        logits = model.predict(x, batch_size=args.batch, verbose=0)
        top1 = logits.argmax(axis=1)
        targets = tf.one_hot(top1, logits.shape[1])
        explainer = GradCAM(model, conv_layer=args.layer, batch_size=args.batch)
        maps = explainer.explain(x, targets).numpy()[..., 0]  # (N, 224, 224)
    else:
        grad_model = keras.Model(model.inputs, [model.get_layer(args.layer).output, model.output])
        maps, top1 = [], []
        for i in range(0, len(x), args.batch):
            xb = tf.convert_to_tensor(x[i:i + args.batch])
            with tf.GradientTape() as tape:
                fmap, logits = grad_model(xb, training=False)
                cls = tf.argmax(logits, axis=1)
                score = tf.gather(logits, cls, axis=1, batch_dims=1)
            grads = tape.gradient(score, fmap)
            weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
            maps.append(tf.nn.relu(tf.reduce_sum(weights * fmap, axis=-1)).numpy())
            top1.append(cls.numpy())
        maps, top1 = np.concatenate(maps), np.concatenate(top1)
    times["explain"] = time.perf_counter() - t

    t = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)
    for f, size, m, c in zip(files, sizes, maps, top1):
        heat = np.asarray(Image.fromarray(m.astype(np.float32)).resize(size, Image.BILINEAR),
                          dtype=np.float32)
        stem = os.path.splitext(os.path.basename(f))[0]
        tifffile.imwrite(os.path.join(args.out, stem + ".gradcam.heatmap.tif"), heat)
        print(f"{os.path.basename(f):18s} top: {labels[c] if labels else c}")
    times["resize+write"] = time.perf_counter() - t
    times["total in process"] = time.perf_counter() - T0
    print("timings (s): " + ", ".join(f"{k} {v:.2f}" for k, v in times.items()))


if __name__ == "__main__":
    main()
