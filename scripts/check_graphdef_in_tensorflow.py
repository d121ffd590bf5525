#!/usr/bin/env python3
"""Loads a GraphDef that Lumen wrote (`graph.serializedGraphDef()`, train-digits' graph.pb) into
TensorFlow with tf.compat.v1.import_graph_def, and reports whether TensorFlow accepts it.

Lumen's TensorFlow-compatible export (the default) loads for graphs of TensorFlow ops; graphs holding
Lumen-only ops (the gradient helpers such as SumToShapeOf) do not. TensorFlow is not a dependency:

    scripts/setup   # TensorFlow goes into .venv-tf
    .venv-tf/bin/python scripts/check_graphdef_in_tensorflow.py graph.pb
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402

tf1 = tf.compat.v1
tf1.disable_eager_execution()
graph_def = tf1.GraphDef.FromString(open(sys.argv[1], "rb").read())
with tf1.Graph().as_default() as graph:
    try:
        tf1.import_graph_def(graph_def, name="")
    except Exception as error:  # noqa: BLE001
        print(f"TensorFlow rejected {sys.argv[1]}: {error}")
        sys.exit(1)
print(f"TensorFlow imported {sys.argv[1]}: {len(graph.get_operations())} ops")
