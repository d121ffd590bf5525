#!/usr/bin/env python3
"""Writes the event files of fixtures/interop/ with the reference writers themselves.

    .venv/bin/python scripts/make_interop_fixtures.py tensorboardx fixtures/interop
    .venv-tf/bin/python scripts/make_interop_fixtures.py tensorflow fixtures/interop

The first writes the tensorboardX runs (tensorboardX/, tensorboardX/lr/{sgd,adam}/,
tensorboardX/hparams/), the second the TensorFlow ones (tf1_filewriter_mlp/, tf2_summary/); each
replaces the runs it writes. Values come from seeded generators; wall times are the real ones, so
two runs give files that differ only there. The writer's host name in each file name is replaced by
`fixture`. fixtures/README.md lists what each run holds; after rewriting tf1_filewriter_mlp, run
scripts/make_graph_goldens.py, whose goldens are read from it.
"""
import glob
import math
import os
import shutil
import socket
import sys

import numpy as np


def rename_host(directory):
    """Replaces the host name in the event files' names under `directory` by `fixture`."""
    host = socket.gethostname()
    for path in glob.glob(os.path.join(directory, "**", "events.out.tfevents.*"), recursive=True):
        name = os.path.basename(path)
        if host in name:
            os.rename(path, os.path.join(os.path.dirname(path), name.replace(host, "fixture")))


def fresh(directory):
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    return directory


def tensorboardx_runs(out):
    from tensorboardX import SummaryWriter

    root = fresh(os.path.join(out, "tensorboardX"))
    rng = np.random.default_rng(0)
    writer = SummaryWriter(root)
    for step in range(20):
        loss = math.exp(-0.13 * step) + 0.02 * rng.standard_normal()
        writer.add_scalar("train/loss", loss, step)
        writer.add_scalar("train/accuracy", 1 - 0.5 * math.exp(-0.12 * step) + 0.01 * rng.standard_normal(), step)
        writer.add_scalars("lr", {"sgd": 0.1 * 0.9**step, "adam": 0.001 * 0.95**step}, step)
        if step % 5 == 0:
            writer.add_histogram("layer1/weights", rng.normal(0.05 * step, 1.0, size=500), step)
    writer.add_image("samples/input", rng.integers(0, 256, size=(3, 8, 8), dtype=np.uint8), 0)
    writer.add_text("notes", "first **run** of the fixture", 0)
    writer.add_hparams(
        {"lr": 0.1, "batch_size": 32, "optimizer": "sgd", "dropout": True},
        {"hparam/accuracy": 0.91, "hparam/loss": 0.27},
        name="hparams",
    )
    writer.close()
    rename_host(root)


def tensorflow_runs(out):
    import tensorflow as tf

    # TensorFlow 1: a FileWriter with the session's graph, then merged summaries per step.
    tf1 = fresh(os.path.join(out, "tf1_filewriter_mlp"))
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.set_random_seed(0)

        def dense(inputs, size, scope):
            fan_in = int(inputs.shape[1])
            limit = math.sqrt(6 / (fan_in + size))
            with tf.name_scope(scope):
                weights = tf.Variable(tf.random.uniform([fan_in, size], -limit, limit), name="weights")
                biases = tf.Variable(tf.zeros([size]), name="biases")
                return weights, tf.matmul(inputs, weights), biases

        with tf.name_scope("input"):
            x = tf.compat.v1.placeholder(tf.float32, [None, 784], name="x")
            y = tf.compat.v1.placeholder(tf.float32, [None, 10], name="y")
        w1, product, b1 = dense(x, 64, "layer1")
        with tf.name_scope("layer1/"):
            h1 = tf.nn.relu(product + b1, name="activation")
        w2, product, b2 = dense(h1, 10, "layer2")
        with tf.name_scope("layer2/"):
            logits = tf.add(product, b2, name="logits")
        with tf.name_scope("loss"):
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits), name="xent")
        with tf.name_scope("train"):
            train = tf.compat.v1.train.GradientDescentOptimizer(0.5).minimize(loss)
        with tf.name_scope("accuracy"):
            accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1)), tf.float32))
        # Summary ops take their tag from their op name, made unique in the graph: `loss` and
        # `layer1/weights` are taken, so the tags become `loss_1` and `layer1/weights_1`.
        tf.compat.v1.summary.scalar("loss", loss)
        tf.compat.v1.summary.scalar("accuracy", accuracy)
        tf.compat.v1.summary.histogram("layer1/weights", w1)
        tf.compat.v1.summary.histogram("layer1/activations", h1)
        tf.compat.v1.summary.histogram("layer2/weights", w2)
        merged = tf.compat.v1.summary.merge_all()
        rng = np.random.default_rng(1)
        with tf.compat.v1.Session() as session:
            writer = tf.compat.v1.summary.FileWriter(tf1, session.graph)
            session.run(tf.compat.v1.global_variables_initializer())
            for step in range(10):
                labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, size=8)]
                feed = {x: rng.random((8, 784), dtype=np.float32), y: labels}
                summary, _ = session.run([merged, train], feed_dict=feed)
                writer.add_summary(summary, step)
            writer.close()
    rename_host(tf1)

    # TensorFlow 2: tf.summary under a default file writer.
    tf2 = fresh(os.path.join(out, "tf2_summary"))
    rng = np.random.default_rng(2)
    writer = tf.summary.create_file_writer(tf2)
    with writer.as_default():
        for step in range(20):
            tf.summary.scalar("loss", math.exp(-0.1 * step), step=step)
            tf.summary.scalar("learning_rate", 0.01, step=step, description="constant LR")
            if step % 5 == 0:
                tf.summary.histogram("weights", rng.normal(0.1 * step, 1.0, size=200), step=step)
        tf.summary.image("samples", rng.random((2, 8, 8, 3)).astype(np.float32), step=0, max_outputs=2)
        tf.summary.text("notes", "written by `tf.summary`", step=0)
    writer.close()
    rename_host(tf2)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("tensorboardx", "tensorflow"):
        sys.exit(__doc__)
    (tensorboardx_runs if sys.argv[1] == "tensorboardx" else tensorflow_runs)(sys.argv[2])


if __name__ == "__main__":
    main()
