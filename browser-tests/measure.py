"""Speed of the web UI measured in headless chromium (issue 7, point 9); figures are printed, never
asserted. Generates its own logdir: RUNS runs × TAGS scalar tags × STEPS steps, written with
TensorBoard's event writer (STEPS defaults to 5,000 rather than 50,000 to keep the Python writer
under a minute; the board downsamples every series to the card's width either way), and, when the
board serves /api/graph, a 5,000-op graph.

  .venv/bin/python browser-tests/measure.py [--runs 20] [--tags 10] [--steps 5000] [--trials 5]

With --logdir DIR it measures the scalars page on that logdir instead (nothing generated, no
graph), e.g. bench/board's generated logdirs: 20 runs x 10 tags x 50,000 steps (200 series of
50,000 points), or board-bench-logdir DIR --runs 1000 --tags 1 (1,000 runs on one card).
"""

import argparse
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
import logdirs  # noqa: E402

FIRST_CHART = """
const done = arguments[arguments.length - 1];
(function poll() {
  const mark = performance.getEntriesByName('lumen-first-chart')[0];
  const cards = [...document.querySelectorAll('#main .card.scalar')];
  const inView = cards.filter((c) => { const r = c.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; });
  if (mark && inView.length && inView.every((c) => c.dataset.drawn === '1')) {
    done({ first: mark.startTime, allVisible: performance.now(), visibleCards: inView.length, cards: cards.length });
  } else requestAnimationFrame(poll);
})();
"""

SLIDER_DRAG = """
const done = arguments[arguments.length - 1];
const frames = arguments[0];
const slider = document.getElementById('smoothing');
const app = window.__lumen;
app.perf.redraws.length = 0;
const stamps = [];
let i = 0;
function frame(t) {
  stamps.push(t);
  if (i >= frames) {
    const intervals = stamps.slice(1).map((s, k) => s - stamps[k]);
    done({ intervals, redraws: app.perf.redraws.slice() });
    return;
  }
  slider.value = String(0.2 + 0.75 * (i / frames));
  slider.dispatchEvent(new Event('input', { bubbles: true }));
  i += 1;
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);
"""

GRAPH_PAN = """
const done = arguments[arguments.length - 1];
const view = window.__lumen.view;
const frames = arguments[0];
const ctx = view.canvas.getContext('2d');
const stamps = []; const draws = [];
let i = 0;
function frame(t) {
  stamps.push(t);
  if (i >= frames) { done({ intervals: stamps.slice(1).map((s, k) => s - stamps[k]), draws }); return; }
  view.tx += 7; view.ty += 3; if (i % 20 === 10) { view.k *= 1.1; }
  const t0 = performance.now();
  view.draw(); ctx.getImageData(0, 0, 1, 1);  // the drawing, rasterized
  draws.push(performance.now() - t0);
  i += 1;
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);
"""


def write_run(args):
    logdir, r, tags, steps = args
    import numpy as np
    rng = np.random.default_rng(r)
    run = logdirs.Run(logdir, f"run{r:02d}")
    for t in range(tags):
        values = np.cumsum(rng.normal(0, 1, size=steps)) * 0.01 + np.exp(-np.arange(steps) / (steps / 4))
        for step in range(steps):
            run.scalar(f"group{t % 3}/tag{t}", step, values[step])
    run.close()


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--tags", type=int, default=10)
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--graph-ops", type=int, default=5000)
    parser.add_argument("--logdir", help="measure the scalars page on this existing logdir (kept)")
    args = parser.parse_args()
    given = args.logdir is not None
    logdir = Path(args.logdir) if given else Path(tempfile.mkdtemp(prefix="lumen-ui-measure-"))
    try:
        started = time.time()
        if not given:
            with multiprocessing.Pool(2) as pool:
                pool.map(write_run, [(str(logdir), r, args.tags, args.steps) for r in range(args.runs)])
            logdirs.write_big_graph(logdir, args.graph_ops)
            print(f"logdir: {args.runs} runs × {args.tags} tags × {args.steps} steps "
                  f"({args.runs * args.tags * args.steps:,} points) + a {args.graph_ops}-op graph, written in {time.time() - started:.1f} s")
        board = harness.Board(logdir, reload_interval=2)
        board.wait_loaded(600)
        runs_shown = args.runs
        if given:
            status = board.api("status")
            runs_shown = len(board.api("runs"))
            print(f"logdir {logdir}: {runs_shown} runs, {status.get('points', 0):,} scalar points")
        driver = harness.browser(1400, 1000)
        try:
            firsts, alls = [], []
            for _ in range(args.trials):
                driver.get("about:blank")
                driver.get(board.url + "?tab=scalars")
                result = driver.execute_async_script(FIRST_CHART)
                firsts.append(result["first"])
                alls.append(result["allVisible"])
            print(f"time to first drawn chart (navigation start → first chart on canvas), {args.trials} page loads: "
                  f"median {statistics.median(firsts):.0f} ms (min {min(firsts):.0f}, max {max(firsts):.0f}); "
                  f"the first load (a fresh board and a browser just started) {firsts[0]:.0f} ms")
            print(f"time until every chart in view is drawn ({result['visibleCards']} of {result['cards']} cards, "
                  f"{runs_shown} runs each): median {statistics.median(alls):.0f} ms")
            driver.set_script_timeout(120)
            drag = driver.execute_async_script(SLIDER_DRAG, 240)
            harness.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(harness.SCREENSHOTS / "scalars-20-runs.png"))
            iv, rd = drag["intervals"], drag["redraws"]
            print(f"smoothing slider dragged for {len(iv)} frames: frame time median {statistics.median(iv):.1f} ms, "
                  f"p95 {pct(iv, 0.95):.1f} ms, max {max(iv):.1f} ms; redrawing the charts in view took "
                  f"median {statistics.median(rd):.1f} ms, p95 {pct(rd, 0.95):.1f} ms per frame ({len(rd)} redraws)")
            if not given and board.has_endpoint("graph", run="big"):
                loads = []
                for _ in range(3):
                    driver.get("about:blank")
                    t0 = time.time()
                    driver.get(board.url + "?tab=graph&graphRun=big")
                    harness.wait(driver, "document.querySelector('.graph-canvas[data-loads]')", timeout=60)
                    loads.append(driver.execute_script("return performance.now()"))
                nodes = driver.execute_script("return document.querySelector('.graph-canvas').dataset.nodes")
                driver.execute_script("window.__lumen.view.expanded = new Set(); ")
                pan = driver.execute_async_script(GRAPH_PAN, 120)
                print(f"graph of {args.graph_ops} ops ({nodes} nodes shown, scopes collapsed): drawn {statistics.median(loads):.0f} ms after navigation; "
                      f"panning/zooming frame time median {statistics.median(pan['intervals']):.1f} ms, p95 {pct(pan['intervals'], 0.95):.1f} ms; "
                      f"draw + raster {statistics.median(pan['draws']):.1f} ms median")
                # every scope expanded, at every depth: every op on screen
                scopes = set()
                while True:
                    answer = board.api("graph", run="big", expand=",".join(sorted(scopes)))
                    found = {n["name"] for n in answer["nodes"] if n["op"] == "scope"}
                    if not found - scopes:
                        break
                    scopes |= found
                want = len(answer["nodes"])
                driver.execute_script("const v = window.__lumen.view; for (const s of arguments[0]) v.expanded.add(s); return v.load(true)", sorted(scopes))
                harness.wait(driver, f"+document.querySelector('.graph-canvas').dataset.nodes === {want}", timeout=60)
                pan = driver.execute_async_script(GRAPH_PAN, 120)
                print(f"  every scope expanded ({want} nodes, {len(answer['edges'])} edges): frame time median {statistics.median(pan['intervals']):.1f} ms, "
                      f"p95 {pct(pan['intervals'], 0.95):.1f} ms; draw + raster {statistics.median(pan['draws']):.1f} ms median")
                driver.execute_script("window.__lumen.view.fit(); window.__lumen.view.draw()")
                driver.save_screenshot(str(harness.SCREENSHOTS / "graph-5000-ops.png"))
            else:
                print("graph: /api/graph is not served by this board; not measured")
        finally:
            driver.quit()
            board.stop()
    finally:
        if not given:
            shutil.rmtree(logdir, ignore_errors=True)


if __name__ == "__main__":
    main()
