#!/usr/bin/env python3
"""Builds one small Keras 3 CNN and exports it the three ways users make TensorFlow SavedModels.

    conv3x3(C1)-BN-ReLU, conv3x3(C2)-BN-ReLU, GlobalAveragePooling, Dense(10), Softmax

  OUT/keras3-export/          model.export(dir)                       (Keras 3 ExportArchive)
  OUT/tf-keras-save/          tf_keras model.save(dir) (SavedModel)   (same weights, Keras 2)
  OUT/keras3-tf-saved-model-save/  tf.saved_model.save(model, dir)    (Keras 3 model, TF API)

Each folder gets an explain-cnn.json (mean 0, std 255: the model takes pixels / 255) so Explain CNN
loads it. Weights are random but fixed (--seed), and the BatchNormalization moving statistics are
set to non-trivial values, so a bundle whose variables are not restored gives different scores.
Also writes keras-reference.json (in OUT and in each bundle): the Keras scores of a fixed test
image (OUT/probe.png, a colour ramp whose formula is in the file), for loaders to compare against.

Needs tensorflow (2.16+) with keras 3, and tf_keras for the second form (skipped without it).
With --keras-file M.keras (and --mean/--std), that saved Keras 3 model is also exported with
model.export and tf.saved_model.save (OUT/<stem>-export, OUT/<stem>-tf-saved-model-save).

Usage: python make_exports.py OUT [--size 32] [--channels 4,8] [--seed 1]
                              [--keras-file M.keras --mean 127.5 --std 127.5 --labels L.txt]
"""
import argparse
import json
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

DESCRIPTOR = {"layout": "NHWC", "channelOrder": "RGB", "mean": [0, 0, 0],
              "std": [255, 255, 255], "resize": "stretch"}


def build(size, channels):
    inp = keras.Input((size, size, 3), name="image")
    x = inp
    for i, c in enumerate(channels, 1):
        x = keras.layers.Conv2D(c, 3, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = keras.layers.BatchNormalization(name=f"conv{i}_bn")(x)
        x = keras.layers.ReLU(name=f"conv{i}_relu")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dense(10, name="dense")(x)
    out = keras.layers.Softmax(name="softmax")(x)
    return keras.Model(inp, out, name="tiny_bn_cnn")


def randomise(model, seed):
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 1.5, gamma.shape).astype("float32"),
                               rng.normal(0, 0.2, beta.shape).astype("float32"),
                               rng.normal(0, 0.3, mean.shape).astype("float32"),
                               rng.uniform(0.5, 2.0, var.shape).astype("float32")])
        elif layer.get_weights():
            layer.set_weights([rng.normal(0, 0.5, w.shape).astype("float32")
                               for w in layer.get_weights()])


def tf_keras_copy(model, size, channels):
    try:
        import tf_keras
    except ImportError:
        return None
    L = tf_keras.layers
    inp = tf_keras.Input((size, size, 3), name="image")
    x = inp
    for i, c in enumerate(channels, 1):
        x = L.Conv2D(c, 3, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = L.BatchNormalization(name=f"conv{i}_bn")(x)
        x = L.ReLU(name=f"conv{i}_relu")(x)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    x = L.Dense(10, name="dense")(x)
    out = L.Softmax(name="softmax")(x)
    m = tf_keras.Model(inp, out, name="tiny_bn_cnn")
    for layer in model.layers:
        if layer.get_weights():
            m.get_layer(layer.name).set_weights(layer.get_weights())
    return m


def write_bundle(folder, name, provenance, **extra):
    d = dict(DESCRIPTOR, name=name, **extra)
    with open(os.path.join(folder, "explain-cnn.json"), "w") as f:
        json.dump(d, f, indent=2)
    with open(os.path.join(folder, "PROVENANCE.txt"), "w") as f:
        f.write(provenance)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--channels", default="4,8")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", default="", help="comma list of forms to write (default all)")
    ap.add_argument("--keras-file", help="also export this saved Keras 3 model both ways")
    ap.add_argument("--mean", type=float, default=0.0, help="descriptor mean for --keras-file")
    ap.add_argument("--std", type=float, default=255.0, help="descriptor std for --keras-file")
    ap.add_argument("--labels", help="labels file copied into the --keras-file bundles")
    a = ap.parse_args()
    if a.keras_file:
        export_keras_file(a)
        return
    channels = [int(c) for c in a.channels.split(",")]
    keras.utils.set_random_seed(a.seed)
    model = build(a.size, channels)
    randomise(model, a.seed)
    os.makedirs(a.out, exist_ok=True)

    # A fixed probe image: smooth colour ramps, bytes 0..255.
    yy, xx = np.mgrid[0:a.size, 0:a.size]
    img = np.stack([xx * 255 // (a.size - 1), yy * 255 // (a.size - 1),
                    (xx + yy) * 255 // (2 * a.size - 2)], -1).astype("uint8")
    keras.utils.save_img(os.path.join(a.out, "probe.png"), img, scale=False)
    probs = model(img[None].astype("float32") / 255.0, training=False).numpy()[0]
    logits_model = keras.Model(model.input, model.get_layer("dense").output)
    logits = logits_model(img[None].astype("float32") / 255.0, training=False).numpy()[0]

    recipe = (f"Made by tools/keras-exports/make_exports.py --size {a.size} --channels "
              f"{a.channels} --seed {a.seed} with tensorflow {tf.__version__}, keras "
              f"{keras.__version__}.\nModel: " + ", ".join(
                  f"conv3x3({c})-BN-ReLU" for c in channels) +
              ", GlobalAveragePooling2D, Dense(10), Softmax; input "
              f"{a.size}x{a.size}x3 = pixels/255; random weights (seeded), BN statistics "
              "non-trivial.\n")
    only = set(a.only.split(",")) if a.only else None
    forms = {}

    def fresh(name):
        d = os.path.join(a.out, name)
        shutil.rmtree(d, ignore_errors=True)
        return d

    if only is None or "keras3-export" in only:
        d = fresh("keras3-export")
        model.export(d, verbose=False)
        write_bundle(d, "tiny BN CNN (Keras 3 model.export)", recipe +
                     "Export call: model.export(dir) (Keras 3 ExportArchive).\n")
        forms["keras3-export"] = d
    if only is None or "tf-keras-save" in only:
        m2 = tf_keras_copy(model, a.size, channels)
        if m2 is not None:
            d = fresh("tf-keras-save")
            m2.save(d, save_format="tf")
            write_bundle(d, "tiny BN CNN (tf_keras model.save)", recipe +
                         "Export call: tf_keras model.save(dir, save_format='tf') of a Keras 2 "
                         "copy with the same weights.\n")
            forms["tf-keras-save"] = d
        else:
            print("tf_keras not installed: tf-keras-save skipped", file=sys.stderr)
    if only is None or "keras3-tf-saved-model-save" in only:
        d = fresh("keras3-tf-saved-model-save")
        tf.saved_model.save(model, d)
        write_bundle(d, "tiny BN CNN (tf.saved_model.save of a Keras 3 model)", recipe +
                     "Export call: tf.saved_model.save(model, dir) on the Keras 3 model.\n")
        forms["keras3-tf-saved-model-save"] = d

    reference = {"image": "probe.png: x[y][x] = (255*x//(size-1), 255*y//(size-1), "
                          "255*(x+y)//(2*size-2)) as float32, divided by 255",
                 "size": a.size, "logits": [float(v) for v in logits],
                 "probabilities": [float(v) for v in probs]}
    for d in [a.out] + list(forms.values()):
        with open(os.path.join(d, "keras-reference.json"), "w") as f:
            json.dump(dict(reference, forms=sorted(forms)) if d == a.out else reference, f,
                      indent=1)
    for name, d in forms.items():
        size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs)
        print(f"{name}: {d} ({size // 1024} KB)")
    print("logits", np.round(logits, 5).tolist())


def export_keras_file(a):
    model = keras.saving.load_model(a.keras_file, compile=False)
    stem = os.path.splitext(os.path.basename(a.keras_file))[0]
    extra = {"mean": [a.mean] * 3, "std": [a.std] * 3}
    if a.labels:
        extra["labels"] = "labels.txt"
    for form, save in (("export", lambda d: model.export(d, verbose=False)),
                       ("tf-saved-model-save", lambda d: tf.saved_model.save(model, d))):
        d = os.path.join(a.out, f"{stem}-{form}")
        shutil.rmtree(d, ignore_errors=True)
        save(d)
        call = "model.export(dir)" if form == "export" else "tf.saved_model.save(model, dir)"
        write_bundle(d, f"{stem} ({call})", f"{a.keras_file} exported with {call}, tensorflow "
                     f"{tf.__version__}, keras {keras.__version__}.\n", **extra)
        if a.labels:
            shutil.copy(a.labels, os.path.join(d, "labels.txt"))
        print(form, d)


if __name__ == "__main__":
    main()
