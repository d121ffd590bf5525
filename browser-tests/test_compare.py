"""Comparing runs in a real browser: zoom fetches finer points, groups draw a band, another scalar as
the x axis, hparams value modes, filters and row focus, hidden runs / picked colours / pinned cards
surviving a reload, restart markers, and the export download. Run by scripts/browser-test."""

import csv
import io
import shutil
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

import harness  # noqa: E402
import logdirs  # noqa: E402
from harness import SCREENSHOTS, wait  # noqa: E402

SEEDS = [f"lr{lr}/seed{s}" for lr in (0.1, 0.01) for s in range(3)]


class CompareTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.logdir = Path(tempfile.mkdtemp(prefix="lumen-compare-"))
        logdirs.write_compare(cls.logdir)
        cls.board = harness.Board(cls.logdir, reload_interval=0)
        cls.board.wait_loaded()
        cls.driver = harness.browser()
        cls.downloads = Path(tempfile.mkdtemp(prefix="lumen-downloads-"))
        cls.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(cls.downloads)})
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.board.stop()
        shutil.rmtree(cls.logdir, ignore_errors=True)
        shutil.rmtree(cls.downloads, ignore_errors=True)

    def tearDown(self):
        hostile = self.driver.execute_script("return window.__lumenHostile || []")
        self.assertEqual(hostile, [], "errors or unexpected nodes on the page")

    # ---- helpers ----
    def open(self, query):
        self.driver.get(self.board.url + query)

    def card(self, tag):
        return self.driver.execute_script(
            "return [...document.querySelectorAll('#main .card.scalar')].find(c => c.dataset.tag === arguments[0])", tag)

    def shown_card(self, tag, condition="c.dataset.drawn === '1'"):
        card = wait(self.driver, lambda d: self.card(tag))
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", card)
        wait(self.driver, lambda d: d.execute_script(f"const c = arguments[0]; return {condition};", card))
        return card

    def steps(self, card, run):
        return self.driver.execute_script("const s = arguments[0].card.series.get(arguments[1]); return s ? [...s.step] : null", card, run)

    def drag(self, card, x_from, x_to):
        overlay = card.find_element(By.CSS_SELECTOR, "canvas.overlay")
        ActionChains(self.driver).move_to_element_with_offset(overlay, x_from, 0).click_and_hold() \
            .move_by_offset(x_to - x_from, 0).release().perform()

    # ---- tests ----
    def test_01_zoom_fetches_points_the_unzoomed_card_did_not_have(self):
        self.open("?tab=scalars&tagFilter=%5Eloss%24&runFilter=%5Elong%24")
        card = self.shown_card("loss", "c.dataset.drawn === '1' && c.dataset.loaded === '1'")
        before = self.steps(card, "long")
        self.assertLess(len(before), 2000)  # a card-wide sample of the 20,000 points
        self.drag(card, -4, 4)  # about 3,000 steps: fewer points than the card is wide
        wait(self.driver, lambda d: card.get_attribute("data-zoomed") == "1")
        wait(self.driver, lambda d: self.steps(card, "long") != before, message="the zoom did not fetch its window")
        after = self.steps(card, "long")
        window = self.driver.execute_script("return arguments[0].card.stepWindow", card)
        # every raw point of the window (steps go by 10) is there, and most were not in the sample
        self.assertEqual(after, list(range(int(window["start"]), int(window["end"]) + 1, 10)))
        self.assertGreater(len(set(after) - set(before)), len(after) // 2)
        served = self.board.api("scalars", run="long", tag="loss", start=int(window["start"]), end=int(window["end"]), smoothing=0.6)
        self.assertEqual([p[1] for p in served["points"]], after)
        self.driver.save_screenshot(str(SCREENSHOTS / "compare-zoom.png"))
        ActionChains(self.driver).move_to_element(card.find_element(By.CSS_SELECTOR, "canvas.overlay")).double_click().perform()
        wait(self.driver, lambda d: self.steps(card, "long") == before, message="the reset did not bring back the full series")

    def test_02_groups_draw_a_mean_and_band_from_the_aggregate(self):
        self.open("?tab=scalars&tagFilter=%5Eloss%24&runFilter=seed&groupBy=(.*)%2Fseed%5Cd%2B&band=std")
        card = self.shown_card("loss", "c.dataset.groups === '2' && c.dataset.drawn === '1'")
        legend = self.driver.execute_script("return [...arguments[0].querySelectorAll('.legend [data-group]')].map(s => s.dataset.group)", card)
        self.assertEqual(legend, ["lr0.01", "lr0.1"])
        width = self.driver.execute_script("return Math.round(arguments[0].querySelector('.chart').clientWidth)", card)
        served = self.board.api("aggregate", runs="seed", group=r"(.*)/seed\d+", tag="loss", stat="mean_std",
                                points=max(50, width), smoothing=0.6)
        drawn = self.driver.execute_script(
            "return arguments[0].card.groups.map(g => ({group: g.group, steps: [...g.step], mean: [...g.value], low: [...g.low], high: [...g.high]}))", card)
        self.assertEqual([g["group"] for g in drawn], [g["group"] for g in served])
        for got, want in zip(drawn, served):
            self.assertEqual(got["steps"], [p[0] for p in want["points"]])
            self.assertEqual(got["low"], [p[2] for p in want["points"]])
            self.assertEqual(got["high"], [p[3] for p in want["points"]])
        # the band is painted: pixels of the group's colour at low opacity between the lines
        painted = self.driver.execute_script("""
            const card = arguments[0].card; const L = card.lastLayout; const g = card.groups[0];
            const i = Math.floor(g.step.length / 3);
            const x = Math.round(L.px(g.step[i])); const y = Math.round((L.py(g.low[i]) + L.py(g.high[i])) / 2);
            const ctx = card.base.getContext('2d'); const d = ctx.getImageData(x * devicePixelRatio, y * devicePixelRatio, 1, 1).data;
            return d[3];""", card)
        self.assertGreater(painted, 20)
        Select(self.driver.find_element(By.ID, "band")).select_by_value("minmax")
        wait(self.driver, lambda d: d.execute_script(
            "const g = arguments[0].card.groups; return g && g.length === 2 && g[0].low[0] !== undefined", card))
        served = self.board.api("aggregate", runs="seed", group=r"(.*)/seed\d+", tag="loss", stat="min_max",
                                points=max(50, width), smoothing=0.6)
        wait(self.driver, lambda d: d.execute_script("return [...arguments[0].card.groups[0].high]", card) == [p[3] for p in served[0]["points"]])
        self.driver.save_screenshot(str(SCREENSHOTS / "compare-groups.png"))
        # the hparams table gets a row per group
        self.driver.find_element(By.ID, "tab-hparams").click()
        wait(self.driver, "document.querySelectorAll('table.hparams tr.group-row').length === 2")

    def test_03_another_scalar_as_the_x_axis(self):
        self.open("?tab=scalars&tagFilter=%5Eaccuracy%24&runFilter=seed")
        card = self.shown_card("accuracy", "c.dataset.drawn === '1' && c.dataset.loaded === '6'")
        Select(self.driver.find_element(By.ID, "x-axis")).select_by_value("scalar:tokens_seen")
        self.assertIn("xAxis=scalar%3Atokens_seen", self.driver.current_url)
        wait(self.driver, lambda d: d.execute_script(
            "return [...arguments[0].card.series.values()].every(s => s.xCache.has('scalar:tokens_seen'))", card))
        for run in SEEDS:
            seed = int(run[-1])
            pairs = self.driver.execute_script(
                "const s = arguments[0].card.series.get(arguments[1]); return [[...s.step], [...s.xs('scalar:tokens_seen')]]", card, run)
            for step, x in zip(*pairs):
                self.assertEqual(x, step * 512 * (1 + seed))
        x1 = self.driver.execute_script("return arguments[0].card.lastLayout.x1", card)
        self.assertEqual(x1, 297 * 512 * 3)  # seed2's last step × its tokens per step
        self.driver.find_element(By.ID, "x-log").click()
        wait(self.driver, lambda d: abs(d.execute_script("return arguments[0].card.lastLayout.x1", card) - __import__("math").log10(297 * 512 * 3)) < 1e-9)
        self.driver.save_screenshot(str(SCREENSHOTS / "compare-metric-x.png"))

    def test_04_hparams_value_modes_filters_and_row_focus(self):
        self.open("?tab=hparams")
        wait(self.driver, "document.querySelectorAll('table.hparams tbody tr[data-run]').length === 6")
        Select(self.driver.find_element(By.ID, "hparams-value")).select_by_value("at_best:loss:min")
        served = {r["run"]: r for r in self.board.api("hparams", value="at_best:loss:min")}

        def cells():
            return self.driver.execute_script(
                "return Object.fromEntries([...document.querySelectorAll('table.hparams tbody tr[data-run]')].map(r => "
                "[r.dataset.run, r.querySelector('td[data-column=\"m:accuracy\"]').textContent]))")
        wait(self.driver, lambda d: "hparamsValue=at_best" in d.current_url)
        wait(self.driver, lambda d: all(abs(float(cells()[run]) - served[run]["metrics"]["accuracy"]) < 1e-3 for run in served))
        # a metric range filter keeps the runs whose value lies inside it
        threshold = sorted(r["metrics"]["accuracy"] for r in served.values())[3]
        box = self.driver.find_element(By.CSS_SELECTOR, "input[data-filter='m:accuracy|min']")
        box.send_keys(str(threshold))
        expected = sorted(run for run, r in served.items() if r["metrics"]["accuracy"] >= threshold)
        wait(self.driver, lambda d: sorted(cells()) == expected)
        box2 = self.driver.find_element(By.CSS_SELECTOR, "input[data-filter='h:optimizer|text']")
        box2.send_keys("adam")
        expected = sorted(run for run in expected if not run.endswith("seed2"))
        wait(self.driver, lambda d: sorted(cells()) == expected)
        self.assertIn("hparamsColumns=", self.driver.current_url)
        # a click on a row focuses its run everywhere
        run = expected[0]
        self.driver.find_element(By.CSS_SELECTOR, f"table.hparams tbody tr[data-run='{run}']").click()
        wait(self.driver, lambda d: "focus=" in d.current_url)
        wait(self.driver, f"document.querySelector('#run-list li.focused')?.dataset.run === {run!r}")
        self.driver.save_screenshot(str(SCREENSHOTS / "compare-hparams.png"))
        self.driver.find_element(By.ID, "tab-scalars").click()
        card = self.shown_card("accuracy")
        self.assertEqual(self.driver.execute_script("return window.__lumen.state.focus"), run)
        self.assertTrue(card.is_displayed())

    def test_05_hidden_runs_colours_and_pins_survive_a_reload(self):
        self.open("?tab=scalars")
        self.shown_card("loss")
        self.driver.find_element(By.CSS_SELECTOR, "#run-list input[type=checkbox][data-run='long']").click()
        self.driver.find_element(By.CSS_SELECTOR, "#run-list button.color[data-color-run='restart']").click()
        self.driver.execute_script("""
            const input = document.getElementById('run-color');
            input.value = '#12ab34'; input.dispatchEvent(new Event('input'));""")
        wait(self.driver, "window.__lumen.runColor('restart') === '#12ab34'")
        card = self.card("tokens_seen")
        self.driver.execute_script("arguments[0].querySelector('button.pin').click()", card)
        wait(self.driver, "document.querySelector('#main section.pinned .card')?.dataset.tag === 'tokens_seen'")
        url = self.driver.current_url
        self.driver.get("about:blank")
        self.driver.get(url)
        wait(self.driver, "document.querySelector('#main section.pinned .card')?.dataset.tag === 'tokens_seen'")
        wait(self.driver, "document.querySelector(\"#run-list input[type=checkbox][data-run='long']\") !== null")
        self.assertFalse(self.driver.find_element(By.CSS_SELECTOR, "#run-list input[type=checkbox][data-run='long']").is_selected())
        self.assertEqual(self.driver.execute_script("return window.__lumen.runColor('restart')"), "#12ab34")
        self.assertEqual(self.driver.execute_script(
            "return getComputedStyle(document.querySelector(\"#run-list button.color[data-color-run='restart']\")).backgroundColor"),
            "rgb(18, 171, 52)")
        loss = self.shown_card("loss")
        legend = self.driver.execute_script("return [...arguments[0].querySelectorAll('.legend [data-run]')].map(s => s.dataset.run)", loss)
        self.assertNotIn("long", legend)
        # the copy button puts the run's path on the clipboard (or reports that it could not)
        self.driver.find_element(By.CSS_SELECTOR, "#run-list li[data-run='restart'] button.copy").click()
        wait(self.driver, "document.querySelector(\"#run-list li[data-run='restart']\").dataset.copied !== undefined")
        self.driver.save_screenshot(str(SCREENSHOTS / "compare-runs.png"))

    def test_06_restart_markers_and_purged_points(self):
        self.open("?tab=scalars&tagFilter=%5Eloss%24&runFilter=%5Erestart%24")
        card = self.shown_card("loss", "c.dataset.drawn === '1' && c.dataset.restarts === '1'")
        pixels = "return arguments[0].card.base.toDataURL()"
        before = self.driver.execute_script(pixels, card)
        self.driver.find_element(By.ID, "show-purged").click()
        wait(self.driver, lambda d: d.execute_script(pixels, card) != before, message="purged points were not drawn")
        restart = self.driver.execute_script("return arguments[0].card.series.get('restart').restarts[0]", card)
        self.assertEqual(restart["step"], 50)
        self.assertEqual(len(restart["purged"]), 50)

    def test_07_export_downloads_the_shown_runs_and_tags(self):
        self.open("?tab=scalars&tagFilter=%5Eloss%24&runFilter=seed&smoothing=0.6")
        self.shown_card("loss")
        link = self.driver.find_element(By.ID, "export-link")
        for f in self.downloads.iterdir():
            f.unlink()
        link.click()
        deadline = time.time() + 15
        files = []
        while time.time() < deadline:
            files = [f for f in self.downloads.iterdir() if f.suffix == ".csv"]
            if files:
                break
            time.sleep(0.1)
        self.assertTrue(files, "nothing was downloaded")
        self.assertEqual(files[0].name, "lumen-scalars-long.csv")
        time.sleep(0.3)
        rows = list(csv.reader(io.StringIO(files[0].read_text())))
        self.assertEqual(rows[0], ["run", "tag", "step", "wall_time", "value", "smoothed"])
        self.assertEqual(sorted({r[0] for r in rows[1:]}), sorted(SEEDS))
        self.assertEqual({r[1] for r in rows[1:]}, {"loss"})
        for run in SEEDS:
            served = self.board.api("scalars", run=run, tag="loss", smoothing=0.6)["points"]
            mine = [r for r in rows[1:] if r[0] == run]
            self.assertEqual([int(r[2]) for r in mine], [p[1] for p in served])
            for r, p in zip(mine, served):
                self.assertEqual(float(r[4]), p[2])
                self.assertAlmostEqual(float(r[5]), p[3], delta=abs(p[3]) * 1e-12)


class ManyRunsBoard:
    """A board and a browser on `write_many_runs` of RUNS runs of STEPS steps (a mixin of the
    test cases below)."""

    RUNS = 120
    STEPS = 40

    @classmethod
    def setUpClass(cls):
        cls.logdir = Path(tempfile.mkdtemp(prefix="lumen-many-runs-"))
        logdirs.write_many_runs(cls.logdir, runs=cls.RUNS, steps=cls.STEPS)
        cls.board = harness.Board(cls.logdir, reload_interval=0)
        cls.board.wait_loaded()
        cls.driver = harness.browser()

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.board.stop()
        shutil.rmtree(cls.logdir, ignore_errors=True)


class ManyRunsTests(ManyRunsBoard, unittest.TestCase):
    """A card of more than 100 runs draws its lines into pixels (raster.js) and fetches its series
    in a few `runs=` requests instead of one a run."""

    def test_01_each_run_is_drawn_at_its_value_in_its_colour(self):
        self.driver.get(self.board.url + "?tab=scalars&ignoreOutliers=0")
        card = wait(self.driver, lambda d: d.execute_script(
            "return [...document.querySelectorAll('#main .card.scalar')].find(c => c.dataset.drawn === '1')"))
        self.assertEqual(card.get_attribute("data-loaded"), str(self.RUNS))
        requests = self.driver.execute_script(
            "return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/scalars')).length")
        self.assertLess(requests, 5, "the series came one request a run")
        # For each run: the colour of the pixel at its value's row, in the middle of the plot.
        found = self.driver.execute_async_script("""
            const [card, done] = arguments;
            import('./js/raster.js').then(({ pixelColor }) => {
              const c = card.card; const L = c.lastLayout; const ratio = window.devicePixelRatio || 1;
              const canvas = c.lines; const ctx = canvas.getContext('2d');
              const x = Math.round(((L.left + L.right) / 2) * ratio);
              const column = ctx.getImageData(x, 0, 1, canvas.height).data;
              const rows = new Uint32Array(column.buffer);
              done(L.list.map((series) => {
                const y = Math.round(L.py(series.value[0]) * ratio);
                const want = pixelColor(c.colorOf(series));
                const near = [y - 1, y, y + 1].filter((r) => r >= 0 && r < rows.length).map((r) => rows[r]);
                return [series.run, near.includes(want)];
              }));
            });""", card)
        self.assertEqual(len(found), self.RUNS)
        missing = [run for run, ok in found if not ok]
        self.assertEqual(missing, [], "runs whose line is not at their value")

    def test_02_lines_drawn_top_down_match_the_painters_order(self):
        # raster.js draws the last line first and sets each pixel once, skipping the pixels lines
        # above have set; the reference is the painter's order: every line's pixels, first line
        # first, each over the last. Noisy lines crossing each other and the plot's edges, with
        # gaps (NaN), a lone point and a line three pixels wide on top.
        self.driver.get(self.board.url + "?tab=scalars")
        result = self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            import('./js/raster.js').then(({ PixelLines }) => {
              class Painter extends PixelLines {
                run(c, low, high, pixel) { for (let y = low; y <= high; y++) this.pixels[y * this.width + c] = pixel; }
                end() { for (const line of this.lines) this.trace(line); this.lines.length = 0; }
              }
              let seed = 7;
              const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
              const L = { left: 40, right: 380, top: 12, bottom: 190, x0: 0, x1: 199, y0: -0.2, y1: 1.2, log: false };
              const xs = Float64Array.from({ length: 220 }, (_, i) => i - 10);
              const lines = [];
              for (let k = 0; k < 300; k++) {
                const ys = new Float64Array(xs.length);
                let level = random();
                for (let i = 0; i < ys.length; i++) { level += (random() - 0.5) * 0.3; ys[i] = level + (random() - 0.5) * (k % 3) * 0.5; }
                if (k % 17 === 0) ys[50 + (k % 40)] = NaN;
                lines.push([ys, ((k * 2654435761) | 0xff000000) >>> 0]);
              }
              const canvas = document.createElement('canvas');
              canvas.width = 420; canvas.height = 220;
              const ctx = canvas.getContext('2d');
              const draw = (lines2) => {
                lines2.begin(420, 220, 1, L);
                for (const [ys, pixel] of lines) lines2.polyline(L, xs, ys, 0, xs.length, pixel);
                lines2.polyline(L, xs, lines[3][0], 120, 121, 0xff00ff00);
                for (const offset of [-1, 0, 1]) lines2.polyline(L, xs, lines[5][0], 0, xs.length, 0xff0000ff, offset);
                lines2.end(ctx);
                return lines2.pixels;
              };
              const top = draw(new PixelLines());
              const painted = draw(new Painter());
              let differ = 0; let set = 0;
              for (let i = 0; i < top.length; i++) { if (top[i] !== painted[i]) differ++; if (painted[i]) set++; }
              done({ differ, set, size: top.length });
            });""")
        self.assertGreater(result["set"], result["size"] // 4, "the lines set too few pixels to compare")
        self.assertEqual(result["differ"], 0, "pixels that differ from the painter's order")


class RunListAfterChartTests(ManyRunsBoard, unittest.TestCase):
    """With 250 runs, a first load of the scalars draws the chart first and then builds the run
    list and the legends (building 1,000 entries takes a core the server's first answers need);
    every run is listed, in the legend and drawn."""

    RUNS = 250
    STEPS = 5

    def test_the_chart_comes_before_the_run_list(self):
        self.driver.get(self.board.url + "?tab=scalars")
        wait(self.driver, "document.querySelector('#main .card.scalar[data-drawn=\"1\"]')")
        wait(self.driver, f"document.querySelectorAll('#run-list li').length === {self.RUNS}")
        wait(self.driver, f"document.querySelectorAll('#main .card.scalar .legend [data-run]').length === {self.RUNS}")
        perf = self.driver.execute_script("const p = window.__lumen.perf; return [p.firstChart, p.runList, p.legends]")
        self.assertTrue(None not in perf, f"times of the chart, the list and the legends: {perf}")
        self.assertGreaterEqual(perf[1], perf[0], "the run list was built before the first chart was drawn")
        self.assertGreaterEqual(perf[2], perf[0], "the legends were built before the first chart was drawn")
        legend = self.driver.execute_script("return [...document.querySelector('#main .card.scalar .legend').querySelectorAll('[data-run]')].map(s => s.dataset.run)")
        runs = self.driver.execute_script("return window.__lumen.runs")
        self.assertEqual(legend, runs)
        self.assertEqual(len(runs), self.RUNS)
        # the legend keeps the card's size (the room it had while it waited) and scrolls
        box = self.driver.execute_script(
            "const l = document.querySelector('#main .card.scalar .legend'); const em = parseFloat(getComputedStyle(l).fontSize);"
            "return [l.clientHeight, l.scrollHeight, 8.5 * em, l.classList.contains('waiting')]")
        self.assertAlmostEqual(box[0], box[2], delta=1.5, msg=f"legend height, scroll height, 8.5 em: {box}")
        self.assertGreater(box[1], 2 * box[0], f"a legend of {self.RUNS} runs should scroll: {box}")
        self.assertFalse(box[3])
        hostile = self.driver.execute_script("return window.__lumenHostile || []")
        self.assertEqual(hostile, [], "errors or unexpected nodes on the page")


if __name__ == "__main__":
    unittest.main(verbosity=2)
