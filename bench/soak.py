#!/usr/bin/env python3
"""A board left running on a job that is still writing: memory and open files over time.

Starts `board --logdir DIR --reload-interval 0.5` on an empty logdir, then, for SECONDS, writes
into it the way a training job does with tensorboardX (a new run every 30 s; each run five
scalars a step at about 200 steps/s, a histogram of 1,000 normal samples every 50 steps, a 32x32
image every 500 steps, a text every 700 steps) while a client polls the board's runs, tags,
status, two scalar cards (JSON with smoothing, and binary columns) and a histogram every 0.2 s.
Every 15 s it prints the board's resident memory, open file descriptors, the points it holds and
its store bytes (`/api/status`), and at the end the memory's growth a minute and the logdir's size.

  .venv/bin/python bench/soak.py [--board .build/release/board] [--seconds 240]
      [--no-histograms] [--no-images] [--no-poll]
"""

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import numpy as np
from tensorboardX import SummaryWriter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write(logdir, stop, histograms, images):
    run = 0
    while time.monotonic() < stop:
        writer = SummaryWriter(os.path.join(logdir, f"run{run:02d}"), flush_secs=1)
        run_end = min(stop, time.monotonic() + 30)
        step = 0
        while time.monotonic() < run_end:
            for k in range(5):
                writer.add_scalar(f"loss/{k}", random.random(), step)
            if histograms and step % 50 == 0:
                writer.add_histogram("weights", np.random.randn(1000), step)
            if images and step % 500 == 0:
                writer.add_image("samples", np.random.rand(3, 32, 32), step)
            if step % 700 == 0:
                writer.add_text("note", f"step {step}", step)
            step += 1
            time.sleep(0.004)
        writer.close()
        run += 1


def poll(base, stop, counts):
    paths = ["/api/runs", "/api/tags", "/api/status", "/api/scalars?runs=.&tag=loss/0&points=500&smoothing=0.6",
             "/api/scalars?runs=.&tag=loss/1&points=500&format=binary", "/api/histograms?run=run00&tag=weights"]
    while time.monotonic() < stop:
        for path in paths:
            try:
                urllib.request.urlopen(base + path, timeout=10).read()
                counts["ok"] += 1
            except urllib.error.HTTPError as error:
                # The histogram is not there until the writer's first one is read.
                key = "not yet there" if error.code == 404 else "failed"
                counts[key] = counts.get(key, 0) + 1
                if key == "failed":
                    counts["last error"] = f"{path}: {error}"
            except Exception as error:  # a failed request is counted and shown, not fatal
                counts["failed"] += 1
                counts["last error"] = f"{path}: {error}"
        time.sleep(0.2)


def status_of(pid, base):
    with open(f"/proc/{pid}/status") as f:
        rss = int(f.read().split("VmRSS:")[1].split()[0]) / 1024
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    try:
        status = json.load(urllib.request.urlopen(base + "/api/status", timeout=10))
    except Exception:
        status = {}
    return rss, fds, status.get("points"), status.get("storeBytes")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--board", default=os.path.join(ROOT, ".build", "release", "board"))
    parser.add_argument("--seconds", type=float, default=240)
    parser.add_argument("--no-histograms", action="store_true")
    parser.add_argument("--no-images", action="store_true")
    parser.add_argument("--no-poll", action="store_true")
    args = parser.parse_args()

    logdir = tempfile.mkdtemp(prefix="lumen-soak-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    board = subprocess.Popen([args.board, "--logdir", logdir, "--port", str(port), "--reload-interval", "0.5"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(500):
            try:
                urllib.request.urlopen(base + "/api/status", timeout=1).read()
                break
            except OSError:
                time.sleep(0.01)
        started = time.monotonic()
        stop = started + args.seconds
        counts = {"ok": 0, "failed": 0}
        threads = [threading.Thread(target=write, args=(logdir, stop, not args.no_histograms, not args.no_images))]
        if not args.no_poll:
            threads.append(threading.Thread(target=poll, args=(base, stop, counts)))
        for thread in threads:
            thread.start()
        samples = []
        while time.monotonic() < stop:
            time.sleep(min(15, max(0.0, stop - time.monotonic())))
            sample = status_of(board.pid, base)
            samples.append((time.monotonic() - started, *sample))
            print(f"{samples[-1][0]:6.0f} s  RSS {sample[0]:6.1f} MB  open files {sample[1]:3d}  "
                  f"points {sample[2]}  store bytes {sample[3]}", flush=True)
        for thread in threads:
            thread.join()
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(logdir) for f in files)
        # The growth is taken from the first minute on, past the start's allocations.
        first = next((s for s in samples if s[0] >= 60), samples[0])
        last = samples[-1]
        growth = (last[1] - first[1]) / ((last[0] - first[0]) / 60) if last[0] > first[0] else float("nan")
        print(f"board {args.board}: RSS {samples[0][1]:.1f} MB at {samples[0][0]:.0f} s, {first[1]:.1f} at "
              f"{first[0]:.0f} s, {last[1]:.1f} at {last[0]:.0f} s ({growth:.1f} MB a minute from {first[0]:.0f} s), "
              f"open files at most {max(s[2] for s in samples)}, logdir {size / 2**20:.1f} MiB; "
              f"requests {counts['ok']} answered, {counts['failed']} failed"
              + (f" (last: {counts['last error']})" if counts["failed"] else ""))
        if board.poll() is not None:
            print(f"the board exited with status {board.returncode}", file=sys.stderr)
            sys.exit(1)
    finally:
        board.terminate()
        board.wait()
        shutil.rmtree(logdir, ignore_errors=True)


if __name__ == "__main__":
    main()
