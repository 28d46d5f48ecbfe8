#!/usr/bin/env python3
"""Builds a Keras MobileNet v1 (alpha 0.5, 224x224x3, 1001 classes) carrying the weights of the
project's sample frozen graph, checks it against that graph and exports it twice:

  OUT/                      TF SavedModel (Keras 3 model.export) + explain-cnn.json + labels.txt:
                            the bundle Explain CNN (Java) loads
  OUT/../<name>.keras       the same model as a .keras file: what the Python job loads

Usage: python export_keras_mobilenet.py [--graph quantized_graph.pb] [--out DIR] [--images DIR]

The architecture is keras.applications.MobileNet(weights=None, classes=1001,
classifier_activation=None); its head (global average pool with keepdims, dropout, 1x1 conv with
bias, reshape) is TF-Slim's (avg pool, dropout, Conv2d_1c_1x1, squeeze), and its stride-2 padding
((0,1),(0,1) then 'valid') equals TF's 'SAME' on even sizes. The frozen graph has batch norm folded:
conv / pointwise weights already include the BN scale and are followed by an Add (bias);
depthwise convs are followed by Mul (scale) and Add (bias). So every Keras BN layer gets
gamma = scale (or 1), beta = bias, moving_mean = 0, moving_variance = 1 - epsilon.
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
from PIL import Image  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SAMPLE = os.path.join(REPO, "sample-models", "mobilenet_v1_0.50_224")


def graph_constants(pb):
    """Evaluates every weight tensor of the frozen graph (Dequantize included) by node name."""
    gd = tf.compat.v1.GraphDef()
    with open(pb, "rb") as f:
        gd.ParseFromString(f.read())
    g = tf.Graph()
    with g.as_default():
        tf.compat.v1.import_graph_def(gd, name="")
    ops = {n.name: n for n in gd.node}

    def weight_input(node_name, index):
        """The name of the input `index` of node_name, which must be a Const or a Dequantize."""
        src = ops[node_name].input[index].split(":")[0]
        assert ops[src].op in ("Const", "Dequantize"), (node_name, src, ops[src].op)
        return src

    return gd, g, ops, weight_input


def load_rgb_224(path):
    """What the Python job does: RGB, stretched to 224x224 (bilinear), float32 0..255."""
    img = Image.open(path).convert("RGB").resize((224, 224), Image.BILINEAR)
    return np.asarray(img, dtype=np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--graph", default=os.path.join(SAMPLE, "quantized_graph.pb"))
    ap.add_argument("--out", default="/work/cmp-scratch/keras_mobilenet_050")
    ap.add_argument("--images", default=os.path.join(REPO, "sample-images"))
    args = ap.parse_args()

    gd, g, ops, weight_input = graph_constants(args.graph)
    P = "MobilenetV1/MobilenetV1/"
    # node name -> which Const input holds what
    fetch = {}
    fetch["conv1/kernel"] = weight_input(P + "Conv2d_0/BatchNorm/batchnorm/mul_1", 1)
    fetch["conv1_bn/beta"] = weight_input(P + "Conv2d_0/BatchNorm/batchnorm/add_1", 1)
    for i in range(1, 14):
        d, p = f"Conv2d_{i}_depthwise", f"Conv2d_{i}_pointwise"
        fetch[f"conv_dw_{i}/kernel"] = weight_input(P + d + "/depthwise", 1)
        fetch[f"conv_dw_{i}_bn/gamma"] = weight_input(P + d + "/BatchNorm/batchnorm/mul_1", 1)
        fetch[f"conv_dw_{i}_bn/beta"] = weight_input(P + d + "/BatchNorm/batchnorm/add_1", 1)
        fetch[f"conv_pw_{i}/kernel"] = weight_input(P + p + "/BatchNorm/batchnorm/mul_1", 1)
        fetch[f"conv_pw_{i}_bn/beta"] = weight_input(P + p + "/BatchNorm/batchnorm/add_1", 1)
    fetch["conv_preds/kernel"] = weight_input("MobilenetV1/Logits/Conv2d_1c_1x1/convolution", 1)
    fetch["conv_preds/bias"] = weight_input("MobilenetV1/Logits/Conv2d_1c_1x1/BiasAdd", 1)
    with tf.compat.v1.Session(graph=g) as sess:
        values = dict(zip(fetch, sess.run([n + ":0" for n in fetch.values()])))

    model = keras.applications.MobileNet(input_shape=(224, 224, 3), alpha=0.5, weights=None,
                                         classes=1001, classifier_activation=None)
    used = set()
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            n = layer.gamma.shape[0]
            gamma = values.get(layer.name + "/gamma", np.ones(n, np.float32))
            beta = values[layer.name + "/beta"]
            used.update({layer.name + "/gamma", layer.name + "/beta"})
            layer.set_weights([gamma.reshape(n), beta.reshape(n), np.zeros(n, np.float32),
                               np.full(n, 1.0 - layer.epsilon, np.float32)])
        elif layer.weights:
            ws = [values[layer.name + "/kernel"]]
            used.add(layer.name + "/kernel")
            if len(layer.weights) == 2:
                ws.append(values[layer.name + "/bias"])
                used.add(layer.name + "/bias")
            for w, v in zip(layer.weights, ws):
                assert tuple(w.shape) == v.shape, (layer.name, w.shape, v.shape)
            layer.set_weights(ws)
    missing = set(values) - used
    assert not missing, missing
    print(f"copied {len(values)} weight tensors from {args.graph}")

    # Check: Keras logits == frozen graph logits on the sample images (same preprocessing).
    files = sorted(f for f in os.listdir(args.images) if f.lower().endswith((".png", ".jpg")))
    x = np.stack([load_rgb_224(os.path.join(args.images, f)) for f in files])
    x = keras.applications.mobilenet.preprocess_input(x)  # (x / 127.5) - 1
    k_logits = model.predict(x, verbose=0)
    with tf.compat.v1.Session(graph=g) as sess:  # the graph has batch 1
        g_logits = np.concatenate([sess.run("MobilenetV1/Predictions/Reshape:0",
                                            {"input:0": x[i:i + 1]}) for i in range(len(x))])
    labels = open(os.path.join(SAMPLE, "labels.txt")).read().splitlines()
    worst = 0.0
    for f, kl, gl in zip(files, k_logits, g_logits):
        d = float(np.max(np.abs(kl - gl)))
        worst = max(worst, d)
        print(f"{f:14s} max|keras-graph| logits = {d:.3g}  top1 keras {labels[kl.argmax()]!r} "
              f"({kl.max():.3f}), graph {labels[gl.argmax()]!r} ({gl.max():.3f})")
    print(f"max abs logit difference over {len(files)} images: {worst:.3g}")
    if worst > 1e-3:
        sys.exit("Keras and frozen-graph logits differ too much")

    # Export: SavedModel bundle for Java, .keras for Python.
    if os.path.exists(args.out):
        shutil.rmtree(args.out)
    model.export(args.out, format="tf_saved_model", verbose=False)
    keras_file = os.path.join(os.path.dirname(os.path.abspath(args.out)),
                              os.path.basename(os.path.normpath(args.out)) + ".keras")
    model.save(keras_file)
    shutil.copy(os.path.join(SAMPLE, "labels.txt"), args.out)
    descriptor = {
        "name": "MobileNet v1 0.50 224 (Keras 3 export of the sample model's weights)",
        "layout": "NHWC",
        "inputSize": [224, 224],
        "channelOrder": "RGB",
        "mean": [127.5, 127.5, 127.5],
        "std": [127.5, 127.5, 127.5],
        "resize": "stretch",
        "labels": "labels.txt",
    }
    with open(os.path.join(args.out, "explain-cnn.json"), "w") as f:
        json.dump(descriptor, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out} (SavedModel bundle) and {keras_file}")


if __name__ == "__main__":
    main()
