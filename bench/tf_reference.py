"""TensorFlow 1 graph-mode reference figures for lumen-bench's `graph` group, measured on this machine
in the same session (tf.compat.v1, eager execution disabled, intra- and inter-op threads = --threads).

Prints one `NAME: seconds` line per figure (medians of several runs):
  session-run     one Session.run of a tiny fed graph: two float32 [4] placeholders added, the sum
                  fetched, both fed
  graph-mlp-step  one training step (Session.run of the train op) of MLP 784-256-10, batch 64,
                  softmax cross-entropy, GradientDescentOptimizer
Run: python bench/tf_reference.py [--threads N]
"""
import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf1 = tf.compat.v1


def median_seconds(fn, iterations, runs=7):
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(iterations):
            fn()
        samples.append((time.perf_counter() - start) / iterations)
    return statistics.median(samples)


def config(threads):
    return tf1.ConfigProto(intra_op_parallelism_threads=threads, inter_op_parallelism_threads=threads)


def session_run(threads):
    graph = tf1.Graph()
    with graph.as_default():
        a = tf1.placeholder(tf.float32, [4], name="a")
        b = tf1.placeholder(tf.float32, [4], name="b")
        total = a + b
    session = tf1.Session(graph=graph, config=config(threads))
    feeds = {a: np.array([1, 2, 3, 4], np.float32), b: np.array([5, 6, 7, 8], np.float32)}
    return median_seconds(lambda: session.run(total, feeds), 5_000)


def mlp_step(threads):
    rng = np.random.RandomState(0)
    graph = tf1.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [None, 784], name="x")
        y = tf1.placeholder(tf.int64, [None], name="y")
        w1 = tf1.Variable(rng.normal(0, 0.05, (784, 256)).astype(np.float32), name="w1")
        b1 = tf1.Variable(np.zeros(256, np.float32), name="b1")
        w2 = tf1.Variable(rng.normal(0, 0.05, (256, 10)).astype(np.float32), name="w2")
        b2 = tf1.Variable(np.zeros(10, np.float32), name="b2")
        logits = tf.matmul(tf.nn.relu(tf.matmul(x, w1) + b1), w2) + b2
        loss = tf.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        train = tf1.train.GradientDescentOptimizer(0.01).minimize(loss)
        init = tf1.global_variables_initializer()
    session = tf1.Session(graph=graph, config=config(threads))
    session.run(init)
    feeds = {x: rng.normal(0, 1, (64, 784)).astype(np.float32), y: np.arange(64) % 10}
    return median_seconds(lambda: session.run(train, feeds), 200)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    tf1.disable_eager_execution()
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    print(f"session-run: {session_run(args.threads):.9f}", flush=True)
    print(f"graph-mlp-step: {mlp_step(args.threads):.9f}", flush=True)


if __name__ == "__main__":
    main()
