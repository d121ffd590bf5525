#!/usr/bin/env python3
"""Writes fixtures/tf_frozen_mlp/: a small MLP built and frozen by TensorFlow 1 (tf.compat.v1), its
input and TensorFlow's output, and a TensorFlow histogram summary for the summary-op tests.

Needs TensorFlow, which the repository does not install:

    scripts/setup   # TensorFlow goes into .venv-tf
    .venv-tf/bin/python scripts/make_frozen_mlp.py

The graph: x [?,8] -> MatMul -> BiasAdd -> Relu -> MatMul -> AddV2 -> Reshape [-1,4] -> Softmax
("probs"), weights drawn from numpy seed 0 and frozen into Const nodes.
"""
import json
import os

import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
out = os.path.join(root, "fixtures", "tf_frozen_mlp")
os.makedirs(out, exist_ok=True)

rng = np.random.RandomState(0)
w1 = rng.normal(0, 0.5, (8, 16)).astype(np.float32)
b1 = rng.normal(0, 0.1, (16,)).astype(np.float32)
w2 = rng.normal(0, 0.5, (16, 4)).astype(np.float32)
b2 = rng.normal(0, 0.1, (4,)).astype(np.float32)
inputs = rng.normal(0, 1, (5, 8)).astype(np.float32)

graph = tf1.Graph()
with graph.as_default():
    x = tf1.placeholder(tf.float32, [None, 8], name="x")
    with tf1.variable_scope("layer1"):
        w = tf1.get_variable("w", initializer=w1)
        b = tf1.get_variable("b", initializer=b1)
        h = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w), b, data_format="NHWC"))
    with tf1.variable_scope("layer2"):
        w = tf1.get_variable("w", initializer=w2)
        b = tf1.get_variable("b", initializer=b2)
        logits = tf.add(tf.matmul(h, w), b, name="logits")
    flat = tf.reshape(logits, [-1, 4])
    probs = tf.nn.softmax(tf.identity(flat, name="logits_identity"), name="probs")
    with tf1.Session(graph=graph) as session:
        session.run(tf1.global_variables_initializer())
        frozen = tf1.graph_util.convert_variables_to_constants(session, graph.as_graph_def(), ["probs"])
        expected = session.run(probs, {x: inputs})
        expected_logits = session.run(logits, {x: inputs})

with open(os.path.join(out, "frozen_mlp.pb"), "wb") as f:
    f.write(frozen.SerializeToString())
with open(os.path.join(out, "frozen_mlp.pbtxt"), "w") as f:
    f.write(str(frozen))

# Reload the frozen graph in a fresh TensorFlow graph and check it gives the same output.
check = tf1.Graph()
with check.as_default():
    tf1.import_graph_def(frozen, name="")
    with tf1.Session(graph=check) as session:
        reloaded = session.run("probs:0", {"x:0": inputs})
assert np.allclose(reloaded, expected, atol=0, rtol=0)

# A histogram and a scalar summary, for the summary-op tests: values on bucket edges, zeros, negatives.
values = np.array([0.0, 0.0, 1.0, -1.0, 1e-12, 2.5, -3.25, 100.0, 0.5, 1.1, 7.0, -0.001], dtype=np.float32)
summary_graph = tf1.Graph()
with summary_graph.as_default():
    v = tf1.constant(values)
    tf1.summary.histogram("weights", v)
    tf1.summary.scalar("loss", tf1.constant(0.25))
    merged = tf1.summary.merge_all()
    with tf1.Session(graph=summary_graph) as session:
        serialized = session.run(merged)
summary = tf1.Summary.FromString(serialized)
histograms = {}
scalars = {}
for value in summary.value:
    if value.HasField("histo"):
        h = value.histo
        histograms[value.tag] = {
            "min": h.min, "max": h.max, "num": h.num, "sum": h.sum, "sum_squares": h.sum_squares,
            "bucket_limit": list(h.bucket_limit), "bucket": list(h.bucket),
        }
    else:
        scalars[value.tag] = value.simple_value

json.dump({
    "tensorflow_version": tf.__version__,
    "input_name": "x:0",
    "output_name": "probs:0",
    "logits_name": "logits:0",
    "input_shape": list(inputs.shape),
    "input": inputs.ravel().tolist(),
    "output_shape": list(expected.shape),
    "output": expected.ravel().tolist(),
    "logits": expected_logits.ravel().tolist(),
    "node_ops": [n.op for n in frozen.node],
    "summary_values": values.tolist(),
    "summary_histograms": histograms,
    "summary_scalars": scalars,
    "summary_tags_in_order": [value.tag for value in summary.value],
}, open(os.path.join(out, "expected.json"), "w"), indent=1)

print("wrote", out, "with ops", sorted({n.op for n in frozen.node}))
