#!/usr/bin/env python3
"""Writes fixtures/graph_extras/: what TensorFlow writes beside the op graph, for the board's
conceptual-graph and step-statistics tests. Needs TensorFlow (the `.venv-tf` environment).

Usage: .venv-tf/bin/python scripts/make_graph_extras_fixture.py [OUTDIR]   (default: fixtures/graph_extras)

Runs:
  keras/       Keras's own `keras_model_summary` (what its TensorBoard callback writes with
               write_graph=True): tag "sequential" a Sequential MLP; tag "functional" a Functional
               model with two inputs, a Concatenate, and a nested Sequential block
  tf1_trace/   tf.compat.v1: the session graph of a small MLP and the RunMetadata of one step run
               with FULL_TRACE (FileWriter.add_run_metadata, tag "step_0")
"""
import os
import shutil
import sys

import numpy as np
import tensorflow as tf
import keras
from keras.src.callbacks.tensorboard import keras_model_summary

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "fixtures", "graph_extras")
    shutil.rmtree(out, ignore_errors=True)
    keras.utils.set_random_seed(3)

    sequential = keras.Sequential([
        keras.Input(shape=(8,)), keras.layers.Dense(16, activation="relu", name="hidden"),
        keras.layers.Dropout(0.1), keras.layers.Dense(3, name="logits"),
    ], name="mlp")
    left = keras.Input(shape=(4,), name="left")
    right = keras.Input(shape=(6,), name="right")
    joined = keras.layers.Concatenate(name="join")([left, right])
    block = keras.Sequential([keras.Input(shape=(10,)), keras.layers.Dense(5, name="inner_dense"),
                              keras.layers.ReLU(name="inner_relu")], name="block")
    output = keras.layers.Dense(1, name="score")(block(joined))
    functional = keras.Model(inputs=[left, right], outputs=output, name="two_towers")
    writer = tf.summary.create_file_writer(os.path.join(out, "keras"), filename_suffix=".fixture")
    with writer.as_default():
        keras_model_summary("sequential", sequential, step=0)
        keras_model_summary("functional", functional, step=0)
    writer.close()

    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 8], name="x")
        with tf.compat.v1.variable_scope("layer1"):
            w1 = tf.compat.v1.get_variable("w", initializer=tf.random.stateless_normal([8, 32], seed=[1, 2]))
            h = tf.nn.relu(tf.matmul(x, w1))
        with tf.compat.v1.variable_scope("layer2"):
            w2 = tf.compat.v1.get_variable("w", initializer=tf.random.stateless_normal([32, 4], seed=[3, 4]))
            y = tf.matmul(h, w2, name="logits")
        loss = tf.reduce_mean(tf.square(y), name="loss")
        init = tf.compat.v1.global_variables_initializer()
        with tf.compat.v1.Session(graph=graph) as session:
            session.run(init)
            options = tf.compat.v1.RunOptions(trace_level=tf.compat.v1.RunOptions.FULL_TRACE)
            metadata = tf.compat.v1.RunMetadata()
            session.run(loss, {x: np.ones((64, 8), np.float32)}, options=options, run_metadata=metadata)
            file_writer = tf.compat.v1.summary.FileWriter(os.path.join(out, "tf1_trace"), graph, filename_suffix=".fixture")
            file_writer.add_run_metadata(metadata, "step_0", 0)
            file_writer.close()

    # The writer's host name in each file name, replaced so the fixture names no machine.
    for directory, _, files in os.walk(out):
        for index, name in enumerate(sorted(files)):
            parts = name.split(".")
            if name.startswith("events.out.tfevents."):
                os.rename(os.path.join(directory, name),
                          os.path.join(directory, ".".join(parts[:4] + ["fixture", str(index), "fixture"])))
    print("wrote", out)


if __name__ == "__main__":
    main()
