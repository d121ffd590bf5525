#!/usr/bin/env python3
"""The projector benchmark: Lumen's server-side PCA and Barnes-Hut t-SNE against scikit-learn's PCA
and t-SNE and openTSNE, on the same data in one run, and the Projector tab in headless chromium
(software WebGL): time to first frame and frame time while orbiting. Called by `bench/projector`,
which builds the release binaries first.

For each size N (default 100,000 and 1,000,000): an N x 64 float32 matrix of 10 Gaussian clusters
(seeded) is written as a raw `.bytes` tensor with a projector_config.pbtxt and an event file. Then:
  pca        seconds to the first 3 principal components: Lumen (lumen-bench --projector, LAPACK
             through OpenBLAS; also its exact SVD where the matrix is small enough for it) and
             sklearn.decomposition.PCA(n_components=3); median of RUNS
  tsne       seconds for 2-D t-SNE, perplexity 30, ITERATIONS iterations (the first 250 with early
             exaggeration 12), affinities included: Lumen (Barnes-Hut, theta 0.5), openTSNE
             (its default: FFT-accelerated interpolation, Annoy neighbours) and scikit-learn
             (Barnes-Hut, theta 0.5; only up to --sklearn-max points, above that it would run for
             hours); once per tool and size (each run is minutes long)
  browser    the release board serving the logdir, ?tab=projector opened in headless chromium:
             milliseconds from the view's creation to its first WebGL frame (loading the tensor,
             the server's PCA and its JSON included), and the median frame time of 60 frames
             orbiting the camera (each frame drawn and read back) with the renderer the view
             picks (on a software WebGL: its own point raster), with WebGL's point primitives
             as the ref; median of RUNS page loads
Every tool gets the same thread count (OPENBLAS_NUM_THREADS, n_jobs). Prints one line per figure:
`NAME: ours=… ref=… ratio=…` (ratio = reference time / our time: > 1 means Lumen is faster).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "browser-tests"))


def write_logdir(directory, n, d, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(10, d)).astype(np.float32)
    labels = rng.integers(0, 10, size=n)
    matrix = (centres[labels] + rng.normal(size=(n, d)).astype(np.float32)).astype("<f4")
    run = directory / "run"
    run.mkdir(parents=True, exist_ok=True)
    matrix.tofile(run / "tensors.bytes")
    (run / "labels.tsv").write_text("".join(f"c{label}\n" for label in labels))
    (run / "projector_config.pbtxt").write_text(
        f'embeddings {{\n  tensor_name: "points"\n  metadata_path: "labels.tsv"\n  tensor_shape: {n}\n  tensor_shape: {d}\n  tensor_path: "tensors.bytes"\n}}\n')
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter
    writer = EventFileWriter(str(run))
    writer.add_event(event_pb2.Event(step=0, wall_time=time.time(), summary=summary_pb2.Summary(
        value=[summary_pb2.Summary.Value(tag="loss", simple_value=1.0)])))
    writer.close()
    return run / "tensors.bytes", matrix


def timed(body):
    start = time.perf_counter()
    body()
    return time.perf_counter() - start


def lumen_figures(bench, path, n, d, iterations, runs, threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
    out = subprocess.run([bench, "--projector", str(path), str(n), str(d), str(iterations), str(runs), "1"],
                         check=True, capture_output=True, text=True, env=env).stdout
    figures = {}
    for line in out.splitlines():
        if line.startswith("projector-") and ":" in line:
            name, value = line.split(":", 1)
            figures[name.strip()] = float(value)
    return figures


def browser_figures(board_binary, logdir, runs):
    """Median first frame, and median orbit frame per renderer: the view's own choice (`auto`:
    the page's point raster on a software WebGL) and WebGL's point primitives (`points`)."""
    import harness
    os.environ["LUMEN_BOARD"] = board_binary
    board = harness.Board(logdir)
    first, frames = [], {"points": [], "auto": []}
    chosen = None
    try:
        board.wait_loaded(timeout=120)
        driver = harness.browser()
        driver.set_script_timeout(1200)  # 60 orbit frames take about a second each at 1,000,000 points as WebGL points
        try:
            for _ in range(runs):
                driver.get(board.url + "?tab=projector")
                harness.wait(driver, "Number(document.getElementById('main').dataset.frames || 0) > 0 && window.__lumen.view.pcaCache",
                             timeout=600, message="the first frame")
                first.append(driver.execute_script("return window.__lumen.view.perf.firstFrame"))
                for renderer in frames:
                    times = driver.execute_async_script(
                        "const done = arguments[arguments.length - 1]; const view = window.__lumen.view;"
                        f"view.settings.renderer = '{renderer}'; view.orbitBenchmark(60).then(done);")
                    frames[renderer].append(statistics.median(times[5:]))
                    if renderer == "auto":
                        chosen = driver.execute_script("return window.__lumen.view.renderer()")
        finally:
            driver.quit()
    finally:
        board.stop()
    return statistics.median(first), {name: statistics.median(times) for name, times in frames.items()}, chosen


def line(name, ours, ref=None, unit="s"):
    if ref is None:
        print(f"{name}: ours={ours:.4g}{unit}", flush=True)
    else:
        print(f"{name}: ours={ours:.4g}{unit} ref={ref:.4g}{unit} ratio={ref / ours:.3g}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--dims", type=int, default=64)
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--sklearn-max", type=int, default=100_000)
    parser.add_argument("--skip", nargs="*", default=[], help="parts to skip: pca tsne browser")
    parser.add_argument("--lumen-bench", required=True)
    parser.add_argument("--board", required=True)
    args = parser.parse_args()
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE as SklearnTSNE
    for n in args.sizes:
        directory = Path(tempfile.mkdtemp(prefix=f"lumen-projector-bench-{n}-"))
        try:
            path, matrix = write_logdir(directory, n, args.dims)
            print(f"# n={n} d={args.dims}", file=sys.stderr, flush=True)
            if "pca" not in args.skip or "tsne" not in args.skip:
                iterations = 0 if "tsne" in args.skip else args.iterations
                ours = lumen_figures(args.lumen_bench, path, n, args.dims, max(iterations, 1), args.runs, args.threads)
            if "pca" not in args.skip:
                reference = statistics.median(timed(lambda: PCA(n_components=3).fit_transform(matrix)) for _ in range(args.runs))
                line(f"projector-pca-{n}", ours[f"projector-pca-{n}"], reference)
                if f"projector-pca-exact-svd-{n}" in ours:
                    line(f"projector-pca-exact-svd-{n}", ours[f"projector-pca-exact-svd-{n}"], reference)
            if "tsne" not in args.skip:
                line(f"projector-tsne-affinities-{n}", ours[f"projector-tsne-affinities-{n}"])
                try:
                    import openTSNE
                    reference = timed(lambda: openTSNE.TSNE(
                        n_components=2, perplexity=30, early_exaggeration_iter=250, n_iter=max(0, args.iterations - 250),
                        n_jobs=args.threads, random_state=1).fit(matrix))
                    line(f"projector-tsne-{n}-vs-openTSNE", ours[f"projector-tsne-{n}"], reference)
                except ImportError:
                    print(f"projector-tsne-{n}-vs-openTSNE: openTSNE is not installed", flush=True)
                if n <= args.sklearn_max:
                    reference = timed(lambda: SklearnTSNE(n_components=2, perplexity=30, max_iter=args.iterations,
                                                          method="barnes_hut", angle=0.5, n_jobs=args.threads,
                                                          init="random", random_state=1).fit_transform(matrix))
                    line(f"projector-tsne-{n}-vs-sklearn", ours[f"projector-tsne-{n}"], reference)
                else:
                    line(f"projector-tsne-{n}", ours[f"projector-tsne-{n}"])
            if "browser" not in args.skip:
                first, frames, chosen = browser_figures(args.board, directory, args.runs)
                line(f"projector-browser-first-frame-{n}", first, unit="ms")
                print(f"# the view drew with its {chosen} renderer", flush=True)
                line(f"projector-browser-orbit-frame-{n}", frames["auto"], frames["points"], unit="ms")
        finally:
            shutil.rmtree(directory, ignore_errors=True)
    print(f"# machine: {os.cpu_count()} cores, {args.threads} threads", flush=True)


if __name__ == "__main__":
    main()
