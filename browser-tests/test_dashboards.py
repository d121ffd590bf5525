"""The PR Curves, Audio and Custom Scalars dashboards, the HParams plots, the scalar chart's
non-finite markers and the status line's ignored summaries, in headless chromium against a logdir
written with TensorBoard's own protos (logdirs.write_dashboards). Each check compares the page with
the JSON API it is served from and with what the logdir holds. Run by scripts/browser-test."""

import math
import shutil
import sys
import tempfile
import time
import unittest
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

import harness  # noqa: E402
import logdirs  # noqa: E402
import test_board  # noqa: E402
from harness import SCREENSHOTS, wait  # noqa: E402

# Pixels of a canvas inside the box (x0, y0)-(x1, y1) (CSS pixels; the whole canvas when omitted) whose
# colour is close to `color` and whose alpha is at least `minAlpha`.
COLOR_PIXELS = """
const [canvas, color, minAlpha, box] = arguments;
const ratio = canvas.width / canvas.clientWidth;
const [x0, y0, x1, y1] = box ? box.map((v) => Math.round(v * ratio)) : [0, 0, canvas.width, canvas.height];
const data = canvas.getContext('2d').getImageData(x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0)).data;
const probe = document.createElement('canvas').getContext('2d');
probe.fillStyle = color; probe.fillRect(0, 0, 1, 1);
const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
let n = 0;
for (let i = 0; i < data.length; i += 4)
  if (data[i + 3] >= minAlpha && Math.abs(data[i] - r) < 30 && Math.abs(data[i + 1] - g) < 30 && Math.abs(data[i + 2] - b) < 30) n++;
return n;
"""


class NewDashboardTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.logdir = Path(tempfile.mkdtemp(prefix="lumen-dashboards-"))
        cls.runs, cls.clips = logdirs.write_dashboards(cls.logdir)
        for run in cls.runs.values():
            run.close()
        cls.board = harness.Board(cls.logdir)
        cls.board.wait_loaded()
        cls.driver = harness.browser()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.board.stop()
        shutil.rmtree(cls.logdir, ignore_errors=True)

    # ---- helpers ----
    def open(self, query=""):
        self.driver.get(self.board.url + query)
        wait(self.driver, "window.__lumen && document.querySelector('#tabs button')", message="the page did not start")

    def need(self, endpoint, **params):
        if not self.board.has_endpoint(endpoint, **params):
            self.skipTest(f"/api/{endpoint} is not served by this board")

    def color_pixels(self, canvas, run, box=None, min_alpha=200):
        color = self.driver.execute_script("return window.__lumen.runColor(arguments[0])", run)
        return self.driver.execute_script(COLOR_PIXELS, canvas, color, min_alpha, box)

    def assert_safe(self):
        self.assertIsNone(self.driver.execute_script("return window.__lumenPwned"))
        self.assertEqual(self.driver.execute_script("return window.__lumenHostile"), [], "a script error or hostile element")
        self.assertEqual(self.driver.execute_script("return window.__lumenCSP"), [], "the Content-Security-Policy blocked something")

    def screenshot(self, name):
        self.driver.execute_script("document.getElementById('main').scrollTop = 0; document.getElementById('tooltip').hidden = true")
        time.sleep(0.3)
        self.driver.save_screenshot(str(SCREENSHOTS / f"dashboard-{name}.png"))

    def hover_canvas(self, canvas, x, y):
        """Moves the mouse to (x, y) in the canvas's CSS pixels."""
        width, height = self.driver.execute_script("return [arguments[0].clientWidth, arguments[0].clientHeight]", canvas)
        ActionChains(self.driver).move_to_element_with_offset(canvas, int(round(x - width / 2)), int(round(y - height / 2))).perform()

    def tooltip_rows(self):
        return self.driver.execute_script(
            "return [...document.querySelectorAll('#tooltip tbody tr')].map(r => ({...r.dataset, cells: [...r.children].map(c => c.textContent)}))")

    # ---- tests ----
    def test_01_pr_curve_is_drawn_with_a_step_slider_and_tooltip(self):
        self.need("prcurves", run="alpha", tag="classifier/pr")
        tags = self.board.api("tags")
        runs = [r for r in ("alpha", "beta", "gamma", "delta") if "classifier/pr" in tags[r]["prCurves"]]
        self.assertEqual(runs, ["alpha", "beta", "gamma"])
        self.open("?tab=prcurves")
        card = wait(self.driver, "[...document.querySelectorAll('#main .card.prcurve')].find(c => c.dataset.tag === 'classifier/pr' && c.dataset.drawn === '1')")
        self.assertEqual(card.get_attribute("data-loaded"), "3")
        served = {run: self.board.api("prcurves", run=run, tag="classifier/pr") for run in runs}
        self.assertEqual(card.get_attribute("data-step"), str(served["alpha"][-1]["step"]))
        canvas = card.find_element(By.TAG_NAME, "canvas")
        for run in runs:
            self.assertGreater(self.color_pixels(canvas, run), 60, f"{run}'s curve is not drawn")
        self.screenshot("prcurves")
        # the slider moves every curve to the first step
        before = self.driver.execute_script("return arguments[0].toDataURL()", canvas)
        card.find_element(By.CSS_SELECTOR, "input[type=range]").send_keys(Keys.HOME)
        wait(self.driver, lambda d: card.get_attribute("data-step") == str(served["alpha"][0]["step"]))
        wait(self.driver, lambda d: d.execute_script("return arguments[0].toDataURL()", canvas) != before, message="the curve did not change with the step")
        # the tooltip at one of alpha's thresholds shows that threshold's values and counts
        entry = served["alpha"][0]
        i = len(entry["thresholds"]) // 2
        x, y = self.driver.execute_script("const F = arguments[0].card.frame; return [F.px(arguments[1]), F.py(arguments[2])]",
                                          card, entry["recall"][i], entry["precision"][i])
        self.hover_canvas(canvas, x, y)
        wait(self.driver, "!document.getElementById('tooltip').hidden && document.getElementById('tooltip').dataset.tag === 'classifier/pr'")
        row = next(r for r in self.tooltip_rows() if r["run"] == "alpha")
        j = int(row["index"])
        # the row is the threshold under the pointer (or one drawn at the same place)
        self.assertAlmostEqual(entry["recall"][j], entry["recall"][i], delta=0.02)
        self.assertAlmostEqual(entry["precision"][j], entry["precision"][i], delta=0.02)
        self.assertEqual(float(row["threshold"]), entry["thresholds"][j])
        self.assertEqual(float(row["precision"]), entry["precision"][j])
        self.assertEqual(float(row["recall"]), entry["recall"][j])
        cells = row["cells"]
        self.assertEqual([float(c) for c in cells[4:8]], [entry["truePositives"][j], entry["falsePositives"][j],
                                                          entry["trueNegatives"][j], entry["falseNegatives"][j]])
        self.assertEqual(int(cells[8]), entry["step"])
        # from the keyboard: → goes to alpha's first threshold, → again to its second
        self.driver.execute_script("arguments[0].focus()", canvas)
        for k in (0, 1):
            canvas.send_keys(Keys.ARROW_RIGHT)
            wait(self.driver, lambda d: any(r["run"] == "alpha" and float(r["recall"]) == entry["recall"][k]
                                            and float(r["precision"]) == entry["precision"][k] for r in self.tooltip_rows()),
                 message=f"the tooltip at alpha's threshold {k}")
        canvas.send_keys(Keys.ESCAPE)
        wait(self.driver, "document.getElementById('tooltip').hidden")
        self.assert_safe()

    def test_02_audio_player_plays_the_written_clip(self):
        self.need("audio", run="alpha", tag="speech/sample")
        self.open("?tab=audio")
        cards = wait(self.driver, "(() => { const c = [...document.querySelectorAll('#main .card.audio')]; return c.length === 2 && c.every(x => x.dataset.duration) && c; })()",
                     message="two audio cards with their clips' durations")
        self.assertEqual(sorted(c.get_attribute("data-run") for c in cards), ["alpha", "beta"])
        self.screenshot("audio")
        for card in cards:
            run = card.get_attribute("data-run")
            served = self.board.api("audio", run=run, tag="speech/sample")
            self.assertEqual(card.get_attribute("data-step"), str(served[-1]["step"]))
            player = card.find_element(By.TAG_NAME, "audio")
            src = self.driver.execute_script("return arguments[0].src", player)
            with self.board.opener.open(src, timeout=10) as response:
                self.assertEqual(response.status, 200)
                self.assertEqual(response.headers.get("Content-Type"), "audio/wav")
                self.assertEqual(response.read(), self.clips[(run, served[-1]["step"])])
            frames = {"alpha": 24000, "beta": 24000}[run]
            self.assertAlmostEqual(float(card.get_attribute("data-duration")), frames / 8000, delta=0.01)
            self.assertIn("8,000 Hz", card.text)
            self.assertIn(f"step {served[-1]['step']}", card.text)
            self.assertIsNone(self.driver.execute_script("return arguments[0].error", player))
        # the slider picks the first clip: a 1 s clip
        card = next(c for c in cards if c.get_attribute("data-run") == "beta")
        card.find_element(By.CSS_SELECTOR, "input[type=range]").send_keys(Keys.HOME)
        wait(self.driver, lambda d: card.get_attribute("data-step") == "0" and card.get_attribute("data-duration"))
        self.assertAlmostEqual(float(card.get_attribute("data-duration")), 1.0, delta=0.01)
        self.assert_safe()

    def test_03_custom_scalars_draw_the_layout(self):
        self.need("customscalars")
        layout = self.board.api("customscalars")
        self.assertEqual([c["title"] for c in layout["categories"]], ["losses", "bands"])
        self.open("?tab=customscalars")
        wait(self.driver, "document.querySelectorAll('#main .card.custom-scalar').length === 3")
        self.assertEqual(self.driver.execute_script("return [...document.querySelectorAll('#main details.category')].map(d => d.dataset.title)"),
                         ["losses", "bands"])
        for card in self.driver.find_elements(By.CSS_SELECTOR, "#main .card.custom-scalar"):
            self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", card)
            wait(self.driver, lambda d: card.get_attribute("data-drawn") == "1")
        # the multiline chart's regex "loss/.*" takes loss/eval and loss/train of every run
        multi = self.driver.find_element(By.CSS_SELECTOR, "#main .card.custom-scalar[data-title='train and eval']")
        legend = self.driver.execute_script("return [...arguments[0].querySelectorAll('.legend [data-run]')].map(s => [s.dataset.run, s.dataset.tag])", multi)
        self.assertEqual(sorted(map(tuple, legend)), sorted((r, t) for r in ("alpha", "beta", "gamma", "delta") for t in ("loss/eval", "loss/train")))
        # the margin chart: a band per run between bounds/lower and bounds/upper
        margin = self.driver.find_element(By.CSS_SELECTOR, "#main .card.custom-scalar.margin")
        self.assertEqual(margin.get_attribute("data-bands"), "4")
        self.screenshot("customscalars")
        # with one run: the band's tint lies between the value line and the upper bound, and not above it
        self.open("?tab=customscalars&sel=1&run=alpha")
        margin = wait(self.driver, "document.querySelector('#main .card.custom-scalar.margin')")
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", margin)
        wait(self.driver, lambda d: margin.get_attribute("data-drawn") == "1" and margin.get_attribute("data-bands") == "1")
        points = {name: {p[1]: p[2] for p in self.board.api("scalars", run="alpha", tag=f"bounds/{name}")["points"]} for name in ("mean", "upper")}
        step = 33
        x, y_mean, y_upper = self.driver.execute_script(
            "const F = arguments[0].card.frame; return [F.px(arguments[1]), F.py(arguments[2]), F.py(arguments[3])]",
            margin, step, points["mean"][step], points["upper"][step])
        self.assertGreater(y_mean - y_upper, 8, "the band is too thin to check")
        canvas = margin.find_element(By.TAG_NAME, "canvas")
        mid = (y_mean + y_upper) / 2
        inside = self.color_pixels(canvas, "alpha", [x - 1, mid - 2, x + 2, mid + 2], min_alpha=20)
        above = self.color_pixels(canvas, "alpha", [x - 1, y_upper - 8, x + 2, y_upper - 4], min_alpha=20)
        self.assertGreater(inside, 0, "no band between the value and the upper bound")
        self.assertEqual(above, 0, "the band reaches above the upper bound")
        # its tooltip gives value, lower and upper at the step under the pointer
        self.hover_canvas(canvas, x, mid)
        wait(self.driver, "!document.getElementById('tooltip').hidden && document.getElementById('tooltip').dataset.chart === 'mean with bounds'")
        row = self.tooltip_rows()[0]
        self.assertEqual(row["run"], "alpha")
        lower = {p[1]: p[2] for p in self.board.api("scalars", run="alpha", tag="bounds/lower")["points"]}
        s = int(row["step"])
        self.assertAlmostEqual(float(row["cells"][2]), points["mean"][s], delta=abs(points["mean"][s]) * 1e-5)
        self.assertAlmostEqual(float(row["cells"][3]), lower[s], delta=abs(lower[s]) * 1e-5)
        self.assertAlmostEqual(float(row["cells"][4]), points["upper"][s], delta=abs(points["upper"][s]) * 1e-5)
        self.assert_safe()

    def test_04_non_finite_points_are_marked_on_the_edges(self):
        served = self.board.api("scalars", run="alpha", tag="unstable/loss")["points"]
        by_step = {p[1]: p[2] for p in served}
        if by_step[40] is None:
            self.skipTest("this board still serves non-finite scalars as null")
        self.assertEqual([by_step[s] for s in sorted(logdirs.NON_FINITE)], ["NaN", "NaN", "Infinity", "-Infinity"])
        self.open("?tab=scalars&tagFilter=unstable&smoothing=0")
        card = wait(self.driver, "[...document.querySelectorAll('#main .card.scalar')].find(c => c.dataset.tag === 'unstable/loss' && c.dataset.drawn === '1')")
        self.assertEqual(card.get_attribute("data-non-finite"), str(len(logdirs.NON_FINITE)))
        # the y range holds only the finite values (1.00 … 1.99), so nothing is drawn at 0
        y0, y1 = self.driver.execute_script("const L = arguments[0].card.lastLayout; return [L.y0, L.y1]", card)
        finite = [v for v in by_step.values() if isinstance(v, float) or isinstance(v, int)]
        self.assertGreater(y0, min(finite) - 0.1 * (max(finite) - min(finite)))
        self.assertLess(y1, max(finite) + 0.1 * (max(finite) - min(finite)))
        overlay = card.find_element(By.CSS_SELECTOR, "canvas.overlay")
        lines = card.find_element(By.CSS_SELECTOR, "canvas.layer")
        geometry = self.driver.execute_script("const L = arguments[0].card.lastLayout; return {top: L.top, bottom: L.bottom, xs: arguments[1].map(s => L.px(s))}",
                                              card, [40, 70, 90])
        top, bottom = geometry["top"], geometry["bottom"]
        x_nan, x_pos, x_neg = geometry["xs"]
        self.assertGreater(self.color_pixels(lines, "alpha", [x_nan - 6, top, x_nan + 6, top + 13]), 5, "no NaN marker on the top edge")
        self.assertGreater(self.color_pixels(lines, "alpha", [x_pos - 6, top, x_pos + 6, top + 13]), 5, "no +inf marker on the top edge")
        self.assertGreater(self.color_pixels(lines, "alpha", [x_neg - 6, bottom - 13, x_neg + 6, bottom]), 5, "no -inf marker on the bottom edge")
        self.assertEqual(self.color_pixels(lines, "alpha", [x_neg - 6, top, x_neg + 6, top + 13]), 0, "-inf marked on the top edge")
        self.screenshot("scalars-non-finite")
        for step, x, shown in ((40, x_nan, "NaN"), (70, x_pos, "+∞"), (90, x_neg, "−∞")):
            self.driver.execute_script("document.getElementById('tooltip').hidden = true")
            self.hover_canvas(overlay, x, (top + bottom) / 2)
            wait(self.driver, "!document.getElementById('tooltip').hidden && document.getElementById('tooltip').dataset.tag === 'unstable/loss'")
            row = self.tooltip_rows()[0]
            self.assertEqual(int(row["step"]), step)
            self.assertEqual(row["cells"][2], shown)
            self.assertTrue(math.isnan(float(row["value"])) if shown == "NaN" else float(row["value"]) == float(by_step[step]))
        self.assert_safe()

    def test_05_parallel_coordinates_brush_hides_runs(self):
        rows = self.board.api("hparams")
        self.assertEqual(sorted(r["run"] for r in rows), ["alpha", "beta", "delta", "gamma"])
        self.open("?tab=hparams")
        canvas = wait(self.driver, "document.querySelector('.hparams-plots .parallel canvas[data-drawn]')")
        self.assertEqual(sorted(canvas.get_attribute("data-shown").split("\n")), ["alpha", "beta", "delta", "gamma"])
        hps = {k for r in rows for k in r["hparams"]}
        metrics = {k for r in rows for k in r["metrics"]}
        matrix = self.driver.find_element(By.CSS_SELECTOR, ".hparams-plots .scatter-matrix canvas")
        self.assertEqual(int(matrix.get_attribute("data-cells")), len(hps) * len(metrics))
        for row in rows:
            self.assertGreater(self.color_pixels(canvas, row["run"]), 30, f"{row['run']}'s line is not drawn")
            self.assertGreater(self.color_pixels(matrix, row["run"]), 30, f"{row['run']}'s points are not drawn")
        self.screenshot("hparams-plots")
        # brush the lr axis around the largest learning rate: only that run stays
        best = max(rows, key=lambda r: r["hparams"]["lr"])
        at = self.driver.execute_script(
            "const p = window.__lumen.view.plots; const a = p.axes.find(a => a.column.id === 'h:lr');"
            "return p.rows.map(r => [r.run, a.at(r)]);")
        fractions = dict(at)
        others = [f for run, f in fractions.items() if run != best["run"]]
        low = (fractions[best["run"]] + max(others)) / 2
        start = self.driver.execute_script("return window.__lumen.view.plots.parallel.axisPoint('h:lr', 1)")
        end = self.driver.execute_script("return window.__lumen.view.plots.parallel.axisPoint('h:lr', arguments[0])", low)
        ActionChains(self.driver).move_to_element_with_offset(canvas, 0, 0).perform()
        from selenium.webdriver.common.actions.action_builder import ActionBuilder
        actions = ActionBuilder(self.driver)
        actions.pointer_action.move_to_location(int(start["x"]), int(start["y"])).pointer_down()
        actions.pointer_action.move_to_location(int(start["x"]), int((start["y"] + end["y"]) / 2))
        actions.pointer_action.move_to_location(int(end["x"]), int(end["y"])).pointer_up()
        actions.perform()
        wait(self.driver, lambda d: canvas.get_attribute("data-shown") == best["run"], message="the brush did not leave only the best run")
        table_runs = self.driver.execute_script("return [...document.querySelectorAll('#main table.hparams tbody tr')].map(r => r.dataset.run)")
        self.assertEqual(table_runs, [best["run"]])
        canvas = self.driver.find_element(By.CSS_SELECTOR, ".hparams-plots .parallel canvas")
        for row in rows:
            count = self.color_pixels(canvas, row["run"])
            if row["run"] == best["run"]:
                self.assertGreater(count, 30)
            else:
                self.assertLess(count, 5, f"{row['run']} is still drawn in its colour after the brush")
        self.screenshot("hparams-brushed")
        # a click on the axis clears its brush
        harness.click_at(self.driver, start["x"], (start["y"] + end["y"]) / 2)
        wait(self.driver, lambda d: d.find_element(By.CSS_SELECTOR, ".hparams-plots .parallel canvas").get_attribute("data-shown").count("\n") == 3)
        wait(self.driver, "document.querySelectorAll('#main table.hparams tbody tr').length === 4")
        self.assert_safe()

    def test_06_status_line_names_ignored_summaries(self):
        status = self.board.api("status")
        if "ignored" not in status:
            self.skipTest("this board does not report ignored summaries yet")
        mine = [i for i in status["ignored"] if i["plugin"] == logdirs.UNKNOWN_PLUGIN]
        self.assertEqual([(i["run"], i["events"]) for i in mine], [("beta", 3)])
        self.open()
        wait(self.driver, f"document.getElementById('status').textContent.includes({logdirs.UNKNOWN_PLUGIN!r})")
        text = self.driver.find_element(By.ID, "status").text
        self.assertIn(f"{logdirs.UNKNOWN_PLUGIN} (3 events, 1 run)", text)
        self.assertIn(f"{status['events']:,} events", text)
        self.assertIn("beta", self.driver.find_element(By.ID, "status").get_attribute("title"))
        # counts are grouped as Python's "{:,}" groups them
        values = [0, 7, 999, 1000, 12345, -1234567, 50101000, 2.5]
        got = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "import('./js/format.js').then((m) => done(arguments[0].map((v) => m.formatCount(v))))", values)
        self.assertEqual(got, [f"{v:,}" for v in values])

    def test_07_graph_colours_by_step_statistics_and_shows_the_keras_model(self):
        tags = self.board.api("tags")["alpha"]
        if "runMetadata" not in tags or "conceptualGraphs" not in tags:
            self.skipTest("this board does not serve RunMetadata or Keras models yet")
        self.assertEqual((tags["runMetadata"], tags["conceptualGraphs"]), (["step_1"], ["keras"]))
        served = self.board.api("graph", run="alpha", stats="step_1", expand="layer1")
        stats = {n["name"]: n for n in served["nodes"] if n.get("computeMicros") is not None}
        self.assertEqual(stats["layer1/MatMul"]["computeMicros"], logdirs.STEP_STATS["layer1/MatMul"][2])
        self.open("?tab=graph&graphRun=alpha&graphColor=compute")
        box = wait(self.driver, "document.querySelector('.graph-canvas[data-stats=\"step_1\"]')", message="the graph with step statistics")
        self.assertFalse(self.driver.find_element(By.ID, "graph-stats-row").get_attribute("hidden"))
        point = self.driver.execute_script("return window.__lumen.view.nodeClientCenter('layer1')")
        harness.click_at(self.driver, point["x"], point["y"])
        wait(self.driver, lambda d: box.get_attribute("data-expanded") == "layer1")
        # the slowest op has the darkest colour of the scale, an op without statistics none
        colors = self.driver.execute_script(
            "const v = window.__lumen.view; return Object.fromEntries(v.graph.nodes.map(n => [n.name, v.colorOf(n)]))")
        slowest = max(stats, key=lambda name: stats[name]["computeMicros"])
        self.assertEqual(slowest, "layer1/MatMul")
        self.assertEqual(colors[slowest], self.driver.execute_script("return import('./js/graphstats.js').then(m => m.statsColor(1))"))
        self.assertIsNone(colors["layer1/weights"])
        for name in ("layer1/add", "layer1/Relu"):
            self.assertIsNotNone(colors[name])
            self.assertNotEqual(colors[name], colors[slowest])
        self.assertIn("800 µs", self.driver.find_element(By.CSS_SELECTOR, ".graph-legend").text)
        point = self.driver.execute_script("return window.__lumen.view.nodeClientCenter('layer1/MatMul')")
        harness.click_at(self.driver, point["x"], point["y"])
        details = wait(self.driver, "document.querySelector('.graph-details[data-selected=\"layer1/MatMul\"]')")
        self.assertEqual(details.find_element(By.CSS_SELECTOR, "dd.compute").text, "800 µs")
        self.assertEqual(details.find_element(By.CSS_SELECTOR, "dd.memory").text, "8 KiB")
        self.driver.find_element(By.ID, "graph-fit").click()
        self.screenshot("graph-compute-time")
        # memory: the largest allocations are darkest
        Select(self.driver.find_element(By.ID, "graph-color")).select_by_visible_text("Memory")
        wait(self.driver, lambda d: "graphColor=memory" in d.current_url)
        wait(self.driver, lambda d: "8 KiB" in d.find_element(By.CSS_SELECTOR, ".graph-legend").text)
        # the Keras model: one node per layer, connected in order
        keras = self.board.api("graph", run="alpha", conceptual="true", expand="mlp")
        Select(self.driver.find_element(By.ID, "graph-kind")).select_by_visible_text("Keras model: keras")
        wait(self.driver, lambda d: box.get_attribute("data-conceptual") == "keras")
        served = self.board.api("graph", run="alpha", conceptual="true")
        wait(self.driver, lambda d: box.get_attribute("data-nodes") == str(len(served["nodes"])))
        self.assertIn("graphKind=keras", self.driver.current_url)
        names = {n["name"] for n in keras["nodes"]}
        self.assertTrue({"mlp/pixels", "mlp/hidden", "mlp/dropout", "mlp/logits"} <= names, names)
        edges = {(e["source"], e["target"]) for e in keras["edges"]}
        self.assertTrue({("mlp/pixels", "mlp/hidden"), ("mlp/hidden", "mlp/dropout"), ("mlp/dropout", "mlp/logits")} <= edges, edges)
        if served["nodes"] and any(n["name"] == "mlp" for n in served["nodes"]):
            point = self.driver.execute_script("return window.__lumen.view.nodeClientCenter('mlp')")
            harness.click_at(self.driver, point["x"], point["y"])
            wait(self.driver, lambda d: box.get_attribute("data-nodes") == str(len(keras["nodes"])))
        self.assertIn("no step statistics", self.driver.find_element(By.CSS_SELECTOR, ".graph-legend").text)
        self.driver.find_element(By.ID, "graph-fit").click()
        self.screenshot("graph-keras")
        self.assert_safe()


class RealFileDashboardTests(test_board.DashboardChecks, unittest.TestCase):
    """Every tab, the new ones included, on the plugin fixtures written by PyTorch, tensorboardX and
    TensorFlow (fixtures/plugins) and on what TensorFlow writes beside the op graph
    (fixtures/graph_extras: Keras models, a traced step's RunMetadata)."""

    @classmethod
    def setUpClass(cls):
        cls.driver = harness.browser()

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()

    def check(self, logdir, name):
        """Runs the checks of every tab on a board serving `logdir`; returns its /api/tags."""
        if not logdir.is_dir():
            self.skipTest(f"{logdir.name} is not in this checkout")
        self.board = harness.Board(logdir)
        self.screenshot_dir = Path(tempfile.mkdtemp(prefix="lumen-real-shots-"))
        try:
            self.board.wait_loaded()
            self.check_all_tabs(name)
            return self.board.api("tags")
        finally:
            self.board.stop()
            shutil.rmtree(self.screenshot_dir, ignore_errors=True)

    def test_plugin_fixtures_show_every_tab(self):
        tags = self.check(harness.ROOT / "fixtures" / "plugins", "plugins")
        self.assertTrue(any(t.get("prCurves") for t in tags.values()) and any(t.get("audio") for t in tags.values())
                        and any(t.get("customScalars") for t in tags.values()), "the fixtures lack a PR curve, audio or a layout")

    def test_graph_extras_fixtures_show_the_graph_tab(self):
        tags = self.check(harness.ROOT / "fixtures" / "graph_extras", "graph-extras")
        self.assertTrue(any(t.get("conceptualGraphs") for t in tags.values()) and any(t.get("runMetadata") for t in tags.values()))


if __name__ == "__main__":
    unittest.main(verbosity=2)
