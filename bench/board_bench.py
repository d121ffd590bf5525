#!/usr/bin/env python3
"""The board benchmark: Lumen's `board` and TensorBoard 2.21 (`--load_fast=true`, its Rust data
server) side by side, in one run, on the same generated logdir. Called by `bench/board`, which
builds the binaries first.

For each form of the logdir (plain and gzip) and each repeat, every server is started fresh and
measured for:
  load    seconds from process start until every series' final step is served: each of the
          RUNS x TAGS scalar series is polled until its last point has step STEPS-1, one request
          a tag for all runs (Lumen: /api/scalars?runs=.&tag=&points=2; TensorBoard: POST
          /data/plugin/scalars/scalars_multirun, which returns its reservoir sample, whose last
          point is the newest).
          Each poll round stops at the first tag not yet complete and the next starts 10 ms later,
          so polling takes little CPU from the server while it loads; the figure includes the
          final round, which checks every series (Lumen also checks `total`: every point is kept);
  cpu     the CPU time (user + system) the server's process tree used until then, which depends
          less than the wall time on what else the machine runs;
  rss     peak resident memory of the process tree (the server and its children), sampled from
          /proc every 10 ms over the whole life of the process (load, queries and wrk);
  query   latency of a 1,000-point scalar query (request sent to response read, not parsed),
          median of QUERIES requests over a kept-alive connection, cycling over the series (Lumen: points=1000; TensorBoard: its scalars route,
          which returns its 1,000-point sample); also as wrk's median with one connection for 3 s;
  rps     requests/s under `wrk -t2 -c64 -dWRK_SECONDS` on one scalar query URL (the first repeat).
Medians over the repeats are printed as one table: figure, Lumen, TensorBoard, ratio, aim.

The page cache is warmed (every file read once) before each start, so both servers read from
memory. Stock TensorBoard cannot read gzip event files, so the gzip form is measured for Lumen only.
"""

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Logdirs in other writers' layouts, written by bench/layout_logdir.py with their protobuf classes.
LAYOUTS = ["tf2", "tf2-float-val", "tf1", "pytorch", "tensorboardx"]


def generate(directory, args, form):
    """Generates the logdir of `form` (plain or gzip: Lumen's writer, by board-bench-logdir; a
    layout of LAYOUTS: bench/layout_logdir.py) unless an identical one is already there."""
    stamp = os.path.join(directory, ".bench-stamp")
    params = f"{args.runs} {args.tags} {args.steps} {args.histogram_every} {form}"
    if os.path.exists(stamp) and open(stamp).read() == params:
        return
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    started = time.monotonic()
    shape = ["--runs", str(args.runs), "--tags", str(args.tags), "--steps", str(args.steps),
             "--histogram-every", str(args.histogram_every)]
    if form in LAYOUTS:
        command = [os.path.join(args.venv, "bin", "python"), os.path.join(ROOT, "bench", "layout_logdir.py"), directory,
                   "--layout", form] + shape
    else:
        command = [os.path.join(args.bin, "board-bench-logdir"), directory] + shape + [
            "--compression", "none" if form == "plain" else "gzip"]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()
    print(f"# generated ({time.monotonic() - started:.1f} s): {out}", file=sys.stderr)
    with open(stamp, "w") as f:
        f.write(params)


def warm(directory):
    """Reads every file once so both servers start from the page cache."""
    total = 0
    for root, _, files in os.walk(directory):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                while chunk := f.read(1 << 22):
                    total += len(chunk)
    return total


def logdir_bytes(directory):
    return sum(os.path.getsize(os.path.join(root, name))
               for root, _, files in os.walk(directory) for name in files if "tfevents" in name)


class TreeMemory(threading.Thread):
    """Samples the summed VmRSS of a process and its descendants every 10 ms; keeps the peak."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self.stop = threading.Event()

    def tree(self):
        pids, frontier = [self.pid], [self.pid]
        while frontier:
            pid = frontier.pop()
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as f:
                        children = [int(c) for c in f.read().split()]
                    pids += children
                    frontier += children
            except OSError:
                pass
        return pids

    def summed(self, name, parse):
        """The sum of `parse(text of /proc/PID/name)` over the tree; processes gone meanwhile count 0."""
        total = 0
        for pid in self.tree():
            try:
                with open(f"/proc/{pid}/{name}") as f:
                    total += parse(f.read())
            except (OSError, IndexError, ValueError):
                pass
        return total

    def sample(self):
        """The summed VmRSS of the tree, in kB."""
        return self.summed("status", lambda text: int(text.split("VmRSS:", 1)[1].split()[0]))

    def cpu_seconds(self):
        """User plus system CPU time of the process tree so far."""
        fields = lambda text: text.rsplit(")", 1)[1].split()
        ticks = self.summed("stat", lambda text: int(fields(text)[11]) + int(fields(text)[12]))  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def run(self):
        while not self.stop.is_set():
            self.peak_kb = max(self.peak_kb, self.sample())
            time.sleep(0.01)


class Client:
    """One kept-alive HTTP connection; reconnects after a failure."""

    def __init__(self, port):
        self.port = port
        self.connection = None

    def request(self, method, path, body=None, headers=None):
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.connection.request(method, path, body=body, headers=headers or {})
            response = self.connection.getresponse()
            data = response.read()
            return response.status, data
        except (OSError, http.client.HTTPException):
            if self.connection is not None:
                self.connection.close()
            self.connection = None
            return None, b""

    def close(self):
        if self.connection is not None:
            self.connection.close()


class Lumen:
    name = "Lumen"

    def __init__(self, args):
        self.args = args

    def command(self, logdir, port):
        return [os.path.join(self.args.bin, "board"), "--logdir", logdir, "--port", str(port)]

    def query_path(self, run, tag, points):
        q = urllib.parse.urlencode({"run": run, "tag": tag, "points": points})
        return f"/api/scalars?{q}"

    def complete_runs(self, client, tag, runs, last_step):
        # One request a tag for every run, as TensorBoard's scalars_multirun is asked (every run of
        # the generated logdir is one of `runs`).
        q = urllib.parse.urlencode({"runs": ".", "tag": tag, "points": 2})
        status, body = client.request("GET", f"/api/scalars?{q}")
        done = set()
        if status == 200:
            for answer in json.loads(body):
                points = answer["points"]
                # Every point kept: the series holds all STEPS points, the last at step STEPS-1.
                if points and points[-1][1] == last_step and answer["total"] == last_step + 1:
                    done.add(answer["run"])
        return done

    def thousand_points(self, run, tag):
        return self.query_path(run, tag, 1000)

    @staticmethod
    def store_figures(client):
        """/api/status's store figures once every series is complete."""
        status, body = client.request("GET", "/api/status")
        if status != 200:
            return {}
        answer = json.loads(body)
        points = answer.get("points") or 0
        return {"slow_path_events": answer.get("slowPathEvents"), "points": points,
                "bytes_per_point": answer["storeBytes"] / points if points and "storeBytes" in answer else None}

    @staticmethod
    def count(body):
        return len(json.loads(body)["points"])


class TensorBoard:
    name = "TensorBoard"

    def __init__(self, args):
        self.args = args

    def command(self, logdir, port):
        return [os.path.join(self.args.venv, "bin", "tensorboard"), "--logdir", logdir, "--load_fast=true",
                "--port", str(port), "--host", "127.0.0.1"]

    def query_path(self, run, tag):
        return "/data/plugin/scalars/scalars?" + urllib.parse.urlencode({"run": run, "tag": tag})

    def complete_runs(self, client, tag, runs, last_step):
        body = urllib.parse.urlencode([("tag", tag)] + [("runs", r) for r in runs])
        status, data = client.request("POST", "/data/plugin/scalars/scalars_multirun", body=body,
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        done = set()
        if status == 200:
            for run, points in json.loads(data).items():
                if points and points[-1][1] == last_step:
                    done.add(run)
        return done

    def thousand_points(self, run, tag):
        return self.query_path(run, tag)  # its reservoir holds 1,000 points per series

    @staticmethod
    def store_figures(client):
        return {}

    @staticmethod
    def count(body):
        return len(json.loads(body))


def wrk_median_ms(url, seconds):
    """The median latency wrk reports with one connection (one request at a time)."""
    out = subprocess.run(["wrk", "-t1", "-c1", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True).stdout
    match = re.search(r"^\s*50%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    if not match:
        return None
    return float(match.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[match.group(2)]


def wrk(url, seconds):
    out = subprocess.run(["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(rps.group(1)) if rps else None,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def measure(server, logdir, args, run_wrk):
    runs = [f"run{r:02d}" for r in range(args.runs)]
    tags = [f"scalar/{t}" for t in range(args.tags)]
    last_step = args.steps - 1
    port = free_port()
    warm(logdir)
    started = time.monotonic()
    process = subprocess.Popen(server.command(logdir, port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    memory = TreeMemory(process.pid)
    memory.start()
    client = Client(port)
    result = {}
    try:
        pending = {tag: set(runs) for tag in tags}
        deadline = started + args.timeout
        while any(pending.values()):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{server.name}: not every series complete after {args.timeout} s: "
                                   f"{sum(map(len, pending.values()))} series pending")
            if process.poll() is not None:
                raise RuntimeError(f"{server.name} exited with {process.returncode}")
            if "up" not in result and client.request("GET", "/")[0] is not None:
                result["up"] = time.monotonic() - started  # the server answers (diagnostic)
            for tag in tags:
                if pending[tag]:
                    pending[tag] -= server.complete_runs(client, tag, sorted(pending[tag]), last_step)
                    if pending[tag]:
                        break  # poll again from here after a pause, so polling takes little CPU
            if any(pending.values()):
                time.sleep(0.01)
        result["load"] = time.monotonic() - started
        result["load_cpu"] = memory.cpu_seconds()
        result.update(server.store_figures(client))

        latencies = []
        series = [(run, tag) for run in runs for tag in tags]
        for i in range(args.queries):
            run, tag = series[i % len(series)]
            path = server.thousand_points(run, tag)
            t = time.perf_counter()
            status, body = client.request("GET", path)
            latencies.append(time.perf_counter() - t)  # request and whole response, not parsing
            count = server.count(body) if status == 200 else 0
            if status != 200 or count == 0:
                raise RuntimeError(f"{server.name}: query {run} {tag} gave status {status}, {count} points")
        result["query_ms"] = statistics.median(latencies) * 1e3
        result["query_points"] = count

        client.close()
        url = f"http://127.0.0.1:{port}{server.thousand_points(runs[0], tags[0])}"
        result["query_wrk_ms"] = wrk_median_ms(url, 3)
        if run_wrk:
            result.update(wrk(url, args.wrk_seconds))
    finally:
        client.close()
        memory.stop.set()
        memory.join()
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
    result["rss_mb"] = memory.peak_kb / 1024
    return result


def median(results, key):
    values = [r[key] for r in results if r.get(key) is not None]
    return statistics.median(values) if values else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default=os.environ.get("LUMEN_BOARD_BENCH_DIR", "/tmp/lumen-board-bench"),
                        help="where the logdirs are generated (kept between runs)")
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "release"))
    parser.add_argument("--venv", default=os.environ.get("LUMEN_VENV", os.path.join(ROOT, ".venv")))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--tags", type=int, default=10)
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--histogram-every", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument("--forms", default=",".join(["plain", "gzip"] + LAYOUTS),
                        help="plain and gzip: Lumen's writer; " + ", ".join(LAYOUTS) + ": those writers' layouts")
    parser.add_argument("--layout-steps", type=int, default=None,
                        help="steps of the other writers' layouts (default: --steps); Python writes them, slowly")
    parser.add_argument("--servers", default="lumen,tensorboard")
    parser.add_argument("--figure-lines", action="store_true",
                        help="print `NAME: ours=… ref=… ratio=… aim=…` lines (bench/run's format) instead of the table")
    args = parser.parse_args()

    servers = {"lumen": Lumen(args), "tensorboard": TensorBoard(args)}
    chosen = [servers[s] for s in args.servers.split(",")]
    rows = []
    base_args = args
    for form in base_args.forms.split(","):
        args = argparse.Namespace(**vars(base_args))
        if form in LAYOUTS and args.layout_steps:
            args.steps = args.layout_steps
        logdir = os.path.join(args.dir, form)
        if form == "pytorch" and subprocess.run([os.path.join(args.venv, "bin", "python"), "-c", "import torch"],
                                                 capture_output=True).returncode != 0:
            print("# pytorch: torch is not installed (scripts/setup installs it); layout skipped", file=sys.stderr)
            continue
        generate(logdir, args, form)
        size = logdir_bytes(logdir)
        print(f"# {form}: {args.runs} runs x {args.tags} tags x {args.steps} steps, {size / 1e6:.0f} MB", file=sys.stderr)
        results = {}
        for server in chosen:
            if server.name == "TensorBoard" and form == "gzip":
                continue  # stock TensorBoard does not read gzip event files
            results[server.name] = []
            for repeat in range(args.repeats):
                r = measure(server, logdir, args, run_wrk=repeat == 0)
                print(f"# {form} {server.name} #{repeat + 1}: " + json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}),
                      file=sys.stderr)
                results[server.name].append(r)
        rows.append((form, size, results, args.steps))
    args = base_args

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    load_average = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nmachine: {cpu}, {os.cpu_count()} cores, {platform.platform()}, load average {load_average}; "
          f"{args.runs} runs x {args.tags} tags x {args.steps:,} steps ({args.runs * args.tags * args.steps:,} scalar points), "
          f"histograms every {args.histogram_every} steps; medians of {args.repeats} starts; wrk -t2 -c64 -d{args.wrk_seconds}s once")
    if not args.figure_lines:
        print("| figure | Lumen | TensorBoard | ratio | aim |")
        print("| --- | --- | --- | --- | --- |")

    def fmt(value, digits):
        return "n/a" if value is None else f"{value:,.{digits}f}"

    for form, size, results, steps in rows:
        lumen = results.get("Lumen", [])
        tb = results.get("TensorBoard", [])
        label = f"{form} ({size / 1e6:.0f} MB)" if steps == args.steps else f"{form} ({steps:,} steps, {size / 1e6:.0f} MB)"
        # The aims: for the benchmark logdir (10 M points), and for the one ten times its size (100 M).
        large = args.runs * args.tags * steps >= 100_000_000
        load_aim, rss_aim = ("≤ 5 s, ≥ 10×", "≤ 750 MB, all points kept") if large else ("≤ 0.5 s, ≥ 10×", "≤ 250 MB, all points kept")
        specs = [
            ("load", f"{label}: start → every series' last step served (s)", 2, "TB/Lumen", load_aim),
            ("load_cpu", f"{label}: CPU time of the process tree until then (s)", 2, "TB/Lumen", "—"),
            ("rss_mb", f"{label}: peak RSS of the process tree (MB)", 0, "TB/Lumen", rss_aim),
            ("query_ms", f"{label}: 1,000-point scalar query, median (ms)", 2, "TB/Lumen", "≤ 2 ms"),
            ("query_wrk_ms", f"{label}: the same query, median of wrk with 1 connection for 3 s (ms)", 2, "TB/Lumen", "≤ 2 ms"),
            ("rps", f"{label}: requests/s, wrk 64 connections", 0, "Lumen/TB", "—"),
            ("bytes_per_point", f"{label}: store bytes per scalar point (/api/status storeBytes / points)", 2, None, "≤ 5 bytes"),
            ("slow_path_events", f"{label}: events left to the general decoder (/api/status slowPathEvents)", 0, None, "—"),
        ]
        for key, title, digits, direction, aim in specs:
            ours, theirs = median(lumen, key), median(tb, key)
            ratio = None
            if ours is None and theirs is None:
                continue
            if ours and theirs and direction:
                ratio = theirs / ours if direction == "TB/Lumen" else ours / theirs
            ratio_text = "n/a" if ratio is None else f"{ratio:,.1f}× ({direction})"
            if args.figure_lines:
                name = "board " + title.replace(": ", " — ")
                print(f"{name}: ours={fmt(ours, digits)} ref={fmt(theirs, digits)} (TensorBoard --load_fast) "
                      f"ratio={'n/a' if ratio is None else f'{ratio:.1f}'} aim={aim}")
            else:
                print(f"| {title} | {fmt(ours, digits)} | {fmt(theirs, digits)} | {ratio_text} | {aim} |")


if __name__ == "__main__":
    main()
