"""The board's web UI in a real browser (headless chromium via chromedriver): every dashboard
against the JSON API it is served from, hostile names and text, live updates, and screenshots.
Run by scripts/browser-test (after `swift build --product board`)."""

import math
import shutil
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

import harness  # noqa: E402
import logdirs  # noqa: E402
from harness import ROOT, SCREENSHOTS, wait  # noqa: E402

TAB_KINDS = {"scalars": "scalars", "histograms": "histograms", "distributions": "histograms",
             "images": "images", "audio": "audio", "text": "text", "prcurves": "prCurves"}
TAB_ORDER = ["scalars", "customscalars", "histograms", "distributions", "images", "audio", "text", "prcurves", "graph", "hparams",
             "projector", "mesh"]


def expected_tabs(tags):
    present = []
    for tab in TAB_ORDER:
        if tab in TAB_KINDS:
            has = any(t.get(TAB_KINDS[tab]) for t in tags.values())
        else:
            key = {"graph": "graph", "hparams": "hparams", "customscalars": "customScalars", "projector": "projector",
                   "mesh": "meshes"}[tab]
            has = any(t.get(key) for t in tags.values())
        if has:
            present.append(tab)
    return present


class DashboardChecks:
    """Checks shared by the fixture logdir and the logdir written by the test."""

    board: harness.Board
    driver = None

    def open(self, query=""):
        self.driver.get(self.board.url + query)
        wait(self.driver, "window.__lumen && document.querySelector('#tabs button')", message="the page did not start")

    def select_tab(self, tab):
        self.driver.find_element(By.ID, f"tab-{tab}").click()
        wait(self.driver, f"document.getElementById('main').dataset.tab === '{tab}'")

    def scroll_all(self):
        """Scrolls every card into view once so the lazy ones load."""
        for card in self.driver.find_elements(By.CSS_SELECTOR, "#main .card"):
            self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", card)
            time.sleep(0.02)
        self.driver.execute_script("document.getElementById('main').scrollTop = 0")

    def assert_safe(self):
        self.assertIsNone(self.driver.execute_script("return window.__lumenPwned"), "a dialog or hostile script ran")
        self.assertEqual(self.driver.execute_script("return window.__lumenHostile"), [],
                         "an element with script or an event handler was created from data, or a script error")
        self.assertEqual(self.driver.execute_script("return window.__lumenCSP"), [], "the Content-Security-Policy blocked something")

    def check_all_tabs(self, name):
        tags = self.board.api("tags")
        runs = [r["name"] for r in self.board.api("runs")]
        self.open()
        shown_tabs = self.driver.execute_script("return [...document.querySelectorAll('#tabs button')].map(b => b.dataset.tab)")
        self.assertEqual(shown_tabs, expected_tabs(tags))
        shown_runs = self.driver.execute_script("return [...document.querySelectorAll('#run-list input')].map(b => b.dataset.run)")
        self.assertEqual(shown_runs, runs)
        for tab in shown_tabs:
            self.select_tab(tab)
            if tab == "scalars":
                want = sorted({t for r in runs for t in tags[r]["scalars"]})
                wait(self.driver, f"document.querySelectorAll('#main .card.scalar').length === {len(want)}")
                self.scroll_all()
                cards = self.driver.execute_script(
                    "return [...document.querySelectorAll('#main .card.scalar')].map(c => [c.dataset.tag, "
                    "[...c.querySelectorAll('.legend [data-run]')].map(s => s.dataset.run)])")
                self.assertEqual(sorted(c[0] for c in cards), want)
                for tag, card_runs in cards:
                    self.assertEqual(card_runs, [r for r in runs if tag in tags[r]["scalars"]], tag)
                wait(self.driver, "[...document.querySelectorAll('#main .card.scalar')].every(c => c.dataset.drawn === '1')",
                     message="not every scalar chart was drawn")
            elif tab == "prcurves":
                want = sorted({t for r in runs for t in tags[r]["prCurves"]})
                wait(self.driver, f"document.querySelectorAll('#main .card.prcurve').length === {len(want)}")
                self.scroll_all()
                wait(self.driver, "[...document.querySelectorAll('#main .card.prcurve')].every(c => c.dataset.drawn === '1')")
            elif tab == "customscalars":
                charts = sum(len(c["charts"]) for c in self.board.api("customscalars")["categories"])
                wait(self.driver, f"document.querySelectorAll('#main .card.custom-scalar').length === {charts}")
            elif tab in TAB_KINDS:
                kind = TAB_KINDS[tab]
                want = sorted((t, r) for r in runs for t in tags[r][kind])
                selector = {"histograms": ".card.histograms", "distributions": ".card.distributions",
                            "images": ".card.image", "audio": ".card.audio", "text": ".card.text"}[tab]
                wait(self.driver, f"document.querySelectorAll('#main {selector}').length === {len(want)}")
                self.scroll_all()
                cards = self.driver.execute_script(
                    f"return [...document.querySelectorAll('#main {selector}')].map(c => [c.dataset.tag, c.dataset.run])")
                self.assertEqual(sorted(map(tuple, cards)), want)
                if tab in ("histograms", "distributions"):
                    wait(self.driver, f"[...document.querySelectorAll('#main {selector}')].every(c => c.dataset.drawn === '1')")
                    for tag, run in want:
                        steps = self.driver.execute_script(
                            f"return [...document.querySelectorAll('#main {selector}')].find(c => c.dataset.tag === arguments[0] && c.dataset.run === arguments[1]).dataset.steps",
                            tag, run)
                        self.assertEqual(int(steps), len(self.board.api(kind, run=run, tag=tag)))
                if tab == "images":
                    wait(self.driver, "[...document.querySelectorAll('#main .card.image img')].every(i => i.complete && i.naturalWidth > 0)")
                if tab == "text":
                    wait(self.driver, "[...document.querySelectorAll('#main .card.text')].every(c => c.dataset.entries !== undefined)")
            elif tab == "hparams":
                rows = self.board.api("hparams")
                wait(self.driver, f"document.querySelectorAll('#main table.hparams tbody tr').length === {len(rows)}")
            elif tab == "graph":
                # the first run with a graph; one with only a Keras model shows that model
                first = [r for r in runs if tags[r]["graph"] or tags[r].get("conceptualGraphs")][0]
                if not self.board.has_endpoint("graph", run=first):
                    continue
                served = self.board.api("graph", run=first, **({} if tags[first]["graph"] else {"conceptual": "true"}))
                wait(self.driver, f"document.getElementById('graph-run').value === {first!r}")
                wait(self.driver, f"document.querySelector('.graph-canvas') && document.querySelector('.graph-canvas').dataset.nodes === '{len(served['nodes'])}'")
                self.assertEqual(int(self.driver.execute_script("return document.querySelector('.graph-canvas').dataset.edges")), len(served["edges"]))
            self.driver.execute_script("document.getElementById('main').scrollTop = 0")
            time.sleep(0.2)
            self.driver.save_screenshot(str(self.screenshot_dir / f"{name}-{tab}.png"))
        self.assert_safe()


class FixtureTests(DashboardChecks, unittest.TestCase):
    """The interop fixtures: files written by tensorboardX and TensorFlow."""

    @classmethod
    def setUpClass(cls):
        cls.board = harness.Board(ROOT / "fixtures" / "interop")
        cls.board.wait_loaded()
        cls.driver = harness.browser()
        cls.screenshot_dir = Path(tempfile.mkdtemp(prefix="lumen-fixture-shots-"))

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.board.stop()
        shutil.rmtree(cls.screenshot_dir, ignore_errors=True)

    def test_every_tab_renders_the_fixture_runs(self):
        self.check_all_tabs("fixtures")


class PathPrefixTests(DashboardChecks, unittest.TestCase):
    """The fixtures served under --path-prefix, as behind a reverse proxy: every tab works there."""

    @classmethod
    def setUpClass(cls):
        cls.board = harness.Board(ROOT / "fixtures" / "interop", extra=("--path-prefix", "/team/board"))
        cls.board.wait_loaded()
        cls.driver = harness.browser()
        cls.screenshot_dir = Path(tempfile.mkdtemp(prefix="lumen-prefix-shots-"))

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.board.stop()
        shutil.rmtree(cls.screenshot_dir, ignore_errors=True)

    def test_every_tab_renders_under_the_prefix(self):
        self.assertTrue(self.board.url.endswith("/team/board/"), self.board.url)
        self.check_all_tabs("prefix")
        self.assertTrue(self.driver.current_url.startswith(self.board.url))


class WrittenLogdirTests(DashboardChecks, unittest.TestCase):
    """A logdir written by the test with TensorBoard's own event writer, appended to while the
    page is open."""

    @classmethod
    def setUpClass(cls):
        cls.logdir = Path(tempfile.mkdtemp(prefix="lumen-browser-"))
        cls.runs = logdirs.write_demo(cls.logdir)
        cls.board = harness.Board(cls.logdir)
        cls.board.wait_loaded()
        cls.driver = harness.browser()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        cls.screenshot_dir = SCREENSHOTS

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.board.stop()
        for run in cls.runs.values():
            run.close()
        shutil.rmtree(cls.logdir, ignore_errors=True)

    # ---- helpers ----
    def card(self, tag, kind="scalar"):
        return self.driver.execute_script(
            f"return [...document.querySelectorAll('#main .card.{kind}')].find(c => c.dataset.tag === arguments[0])", tag)

    # The chart's canvases (grid and raw lines, smoothed lines; not the hover layer) composited.
    COMPOSITE = """
        const layers = [...arguments[0].querySelectorAll('.chart canvas:not(.overlay), canvas')].filter((c, i, a) => a.indexOf(c) === i && !c.classList.contains('overlay'));
        const out = document.createElement('canvas');
        out.width = layers[0].width; out.height = layers[0].height;
        const ctx = out.getContext('2d', { willReadFrequently: true });
        for (const layer of layers) ctx.drawImage(layer, 0, 0);
    """

    def canvas_pixels(self, card):
        return self.driver.execute_script(self.COMPOSITE + "return out.toDataURL();", card)

    def color_counts(self, card, runs):
        """Pixels of the base canvas close to each run's colour."""
        return self.driver.execute_script(self.COMPOSITE + """
            const data = ctx.getImageData(0, 0, out.width, out.height).data;
            const probe = document.createElement('canvas').getContext('2d');
            const counts = {};
            for (const run of arguments[1]) {
              probe.fillStyle = window.__lumen.runColor(run); probe.fillRect(0, 0, 1, 1);
              const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
              let n = 0;
              for (let i = 0; i < data.length; i += 4)
                if (data[i + 3] > 200 && Math.abs(data[i] - r) < 24 && Math.abs(data[i + 1] - g) < 24 && Math.abs(data[i + 2] - b) < 24) n++;
              counts[run] = n;
            }
            return counts;""", card, runs)

    def scalars_page(self, query="?tab=scalars"):
        self.open(query)
        wait(self.driver, "document.getElementById('main').dataset.tab === 'scalars'")
        card = wait(self.driver, lambda d: self.card("loss"))
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", card)
        wait(self.driver, lambda d: card.get_attribute("data-drawn") == "1" and card.get_attribute("data-loaded") == "3")
        return card

    # ---- tests ----
    def test_01_every_tab_renders_with_screenshots(self):
        self.check_all_tabs("dashboard")

    def test_02_scalar_chart_draws_each_run_and_asks_for_its_width(self):
        card = self.scalars_page()
        runs = ["eval", "train/adam", "train/sgd"]
        counts = self.color_counts(card, runs)
        for run in runs:
            self.assertGreater(counts[run], 100, f"too few pixels of {run}'s colour: {counts}")
        width = self.driver.execute_script("return Math.round(arguments[0].querySelector('.chart').clientWidth)", card)
        asked = self.driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/api/scalars') && n.includes('tag=loss'))")
        self.assertTrue(asked and all(f"points={width}" in n for n in asked), (width, asked))

    def test_03_smoothing_slider_changes_the_drawn_line(self):
        card = self.scalars_page()
        before = self.canvas_pixels(card)
        slider = self.driver.find_element(By.ID, "smoothing")
        slider.send_keys(Keys.END)  # the keyboard moves the slider to 0.999
        wait(self.driver, "document.getElementById('smoothing-value').textContent === '1.00'")
        wait(self.driver, lambda d: self.canvas_pixels(card) != before, message="smoothing did not change the chart")
        self.assertIn("smoothing=0.999", self.driver.current_url)
        slider.send_keys(Keys.HOME)
        wait(self.driver, "document.getElementById('smoothing-value').textContent === '0.00'")
        self.assertNotEqual(self.canvas_pixels(card), before)

    def test_03b_a_dragged_slider_leaves_its_last_value_in_the_url(self):
        # While dragged, the slider writes the URL at most once a second; the last value always
        # lands: at once when it is let go, else a second after the last move.
        self.scalars_page()
        drag = """
            const [values, release] = arguments;
            const slider = document.getElementById('smoothing');
            for (const v of values) { slider.value = v; slider.dispatchEvent(new Event('input', { bubbles: true })); }
            if (release) slider.dispatchEvent(new Event('change', { bubbles: true }));
            return new URLSearchParams(location.search).get('smoothing');"""
        self.assertEqual(self.driver.execute_script(drag, ["0.1", "0.2", "0.3", "0.42"], True), "0.42")
        written = self.driver.execute_script(drag, ["0.5", "0.6", "0.77"], False)
        self.assertNotEqual(written, "0.77", "every move wrote the URL")
        wait(self.driver, "new URLSearchParams(location.search).get('smoothing') === '0.77'", timeout=5,
             message="the last value never reached the URL")

    def test_03c_a_moving_slider_draws_lines_into_pixels_then_strokes_again(self):
        # Antialiased strokes of jagged lines rasterize slower than a frame in headless chromium:
        # while the slider moves the cards draw their lines as pixels, and strokes once it rests.
        self.scalars_page()
        modes = """[...document.querySelectorAll('#main .card.scalar[data-drawn="1"] canvas.layer')]
              .filter((c) => c.getBoundingClientRect().bottom > 0 && c.getBoundingClientRect().top < innerHeight)
              .map((c) => c.dataset.lines)"""
        before = self.driver.execute_script(f"return {modes}")
        self.assertTrue(before and all(m == "strokes" for m in before), before)
        during = self.driver.execute_async_script(f"""
            const done = arguments[arguments.length - 1];
            const slider = document.getElementById('smoothing');
            slider.value = '0.31'; slider.dispatchEvent(new Event('input', {{ bubbles: true }}));
            requestAnimationFrame(() => requestAnimationFrame(() => done({modes})));""")
        self.assertTrue(during and all(m == "pixels" for m in during), during)
        wait(self.driver, f"{modes}.every((m) => m === 'strokes')", timeout=5,
             message="the lines stayed pixels after the slider rested")

    def test_04_tooltip_shows_the_served_values(self):
        card = self.scalars_page("?tab=scalars&smoothing=0.6")
        overlay = card.find_element(By.CSS_SELECTOR, "canvas.overlay")
        width = self.driver.execute_script("return arguments[0].clientWidth", overlay)
        # near the first steps (where the debiasing matters) and in the middle
        for offset in (-width // 2 + 60, 40):
            self.driver.execute_script("document.getElementById('tooltip').hidden = true")
            ActionChains(self.driver).move_to_element_with_offset(overlay, offset, 0).perform()
            wait(self.driver, "!document.getElementById('tooltip').hidden && document.getElementById('tooltip').dataset.tag === 'loss'")
            rows = self.driver.execute_script(
                "return [...document.querySelectorAll('#tooltip tbody tr')].map(r => ({run: r.dataset.run, step: +r.dataset.step,"
                " value: +r.dataset.value, smoothed: +r.dataset.smoothed, shownValue: r.querySelector('.value').textContent,"
                " shownSmoothed: r.querySelector('.smoothed').textContent, shownStep: r.querySelector('.step').textContent}))")
            self.assertEqual(sorted(r["run"] for r in rows), ["eval", "train/adam", "train/sgd"])
            for row in rows:
                served = self.board.api("scalars", run=row["run"], tag="loss")["points"]
                steps = [p[1] for p in served]
                values = [p[2] for p in served]
                i = steps.index(row["step"])
                if offset < 0:
                    self.assertLess(i, 5, "the hover near the left edge should pick one of the first points")
                self.assertEqual(row["value"], values[i])
                self.assertEqual(int(row["shownStep"]), row["step"])
                self.assertAlmostEqual(float(row["shownValue"]), values[i], delta=abs(values[i]) * 1e-5)
                want = harness.smooth(values, 0.6)[i]
                self.assertAlmostEqual(row["smoothed"], want, delta=abs(want) * 1e-9)
                self.assertAlmostEqual(float(row["shownSmoothed"]), want, delta=abs(want) * 1e-5)
        ActionChains(self.driver).move_by_offset(0, 300).perform()

    def test_05_drag_zooms_and_double_click_resets(self):
        card = self.scalars_page()
        overlay = card.find_element(By.CSS_SELECTOR, "canvas.overlay")
        before = self.canvas_pixels(card)
        ActionChains(self.driver).move_to_element_with_offset(overlay, -150, -60).click_and_hold() \
            .move_by_offset(120, 80).release().perform()
        wait(self.driver, lambda d: card.get_attribute("data-zoomed") == "1")
        self.assertNotEqual(self.canvas_pixels(card), before)
        ActionChains(self.driver).move_to_element(overlay).double_click().perform()
        wait(self.driver, lambda d: card.get_attribute("data-zoomed") is None)
        wait(self.driver, lambda d: self.canvas_pixels(card) == before, message="reset did not restore the view")

    def test_06_state_lives_in_the_url(self):
        self.scalars_page()
        self.driver.find_element(By.ID, "tag-filter").send_keys("^loss$")
        wait(self.driver, "document.querySelectorAll('#main .card.scalar').length === 1")
        self.driver.find_element(By.CSS_SELECTOR, "#run-list input[data-run='eval']").click()
        url = self.driver.current_url
        self.assertIn("tagFilter=%5Eloss%24", url)
        self.assertIn("sel=1", url)
        self.driver.get("about:blank")
        self.driver.get(url)
        wait(self.driver, "document.querySelectorAll('#main .card.scalar').length === 1")
        self.assertEqual(self.driver.find_element(By.ID, "tag-filter").get_attribute("value"), "^loss$")
        self.assertFalse(self.driver.find_element(By.CSS_SELECTOR, "#run-list input[data-run='eval']").is_selected())
        card = self.card("loss")
        wait(self.driver, lambda d: card.get_attribute("data-drawn") == "1")
        legend = self.driver.execute_script("return [...arguments[0].querySelectorAll('.legend [data-run]')].map(s => s.dataset.run)", card)
        self.assertEqual(legend, ["train/adam", "train/sgd"])
        self.driver.find_element(By.ID, "runs-all").click()
        wait(self.driver, "document.querySelectorAll('#main .card.scalar .legend [data-run]').length === 3")
        self.assertNotIn("sel=1", self.driver.current_url)
        # None with a run filter deselects only the runs the filter shows
        self.driver.find_element(By.ID, "run-filter").send_keys("^train")
        wait(self.driver, "document.querySelector('#run-list li[data-run=\"eval\"]').hidden")
        self.driver.find_element(By.ID, "runs-none").click()
        self.driver.find_element(By.ID, "run-filter").clear()
        self.driver.execute_script("document.getElementById('run-filter').dispatchEvent(new Event('input'))")
        wait(self.driver, "!document.querySelector('#run-list li[data-run=\"eval\"]').hidden")
        checked = self.driver.execute_script("return [...document.querySelectorAll('#run-list input')].filter(b => b.checked).map(b => b.dataset.run)")
        self.assertEqual(checked, ["eval"])
        wait(self.driver, "[...document.querySelectorAll('#main .card.scalar .legend')].every(l => [...l.querySelectorAll('[data-run]')].map(s => s.dataset.run).join() === 'eval')")
        self.driver.find_element(By.ID, "runs-all").click()
        wait(self.driver, "document.querySelectorAll('#main .card.scalar .legend [data-run]').length === 3")

    def test_07_hostile_tag_and_text_stay_text(self):
        self.open("?tab=scalars")
        card = wait(self.driver, lambda d: self.card(logdirs.HOSTILE_TAG))
        self.assertEqual(card.find_element(By.TAG_NAME, "h3").text, logdirs.HOSTILE_TAG)
        self.assertEqual(self.driver.execute_script("return document.querySelectorAll('#main img').length"), 0)
        self.select_tab("text")
        entry = wait(self.driver, lambda d: d.execute_script(
            "const c = [...document.querySelectorAll('#main .card.text')].find(c => c.dataset.run === 'train/adam');"
            "return c && c.dataset.entries === '1' && c;"))
        markdown = entry.find_element(By.CSS_SELECTOR, ".markdown")
        text = markdown.get_attribute("textContent")
        self.assertIn("<script>window.__lumenPwned = 'script'</script>", text)
        self.assertIn("<img src=x onerror=\"window.__lumenPwned='img'\">", text)
        self.assertEqual(self.driver.execute_script("return arguments[0].querySelectorAll('script, img, iframe').length", markdown), 0)
        links = self.driver.execute_script("return [...arguments[0].querySelectorAll('a')].map(a => [a.textContent, a.href])", markdown)
        self.assertEqual(links, [["good link", "https://example.com/docs"]])
        self.assertEqual(self.driver.execute_script(
            "return [...arguments[0].querySelectorAll('table tr')].map(r => [...r.children].map(c => c.textContent))", markdown),
            [["metric", "value"], ["loss", "0.25"], ["acc", "0.91"]])
        self.assertEqual(markdown.find_element(By.CSS_SELECTOR, "pre code").get_attribute("textContent"), 'print("<b>not bold</b>")')
        self.assertEqual(markdown.find_element(By.TAG_NAME, "h1").text, "Notes with markup that must stay text")
        self.assert_safe()

    def test_08_histograms_offset_and_overlay(self):
        self.open("?tab=histograms")
        card = wait(self.driver, "[...document.querySelectorAll('#main .card.histograms')].find(c => c.dataset.run === 'eval' && c.dataset.drawn === '1')")
        offset = self.canvas_pixels(card)
        Select(self.driver.find_element(By.ID, "histogram-mode")).select_by_visible_text("Overlay")
        wait(self.driver, lambda d: self.canvas_pixels(card) != offset, message="overlay mode did not redraw")
        self.assertIn("histogramMode=overlay", self.driver.current_url)
        served = self.board.api("histograms", run="eval", tag="weights/layer1")
        self.assertIn(f"{len(served)} steps, {served[0]['step']}–{served[-1]['step']}", card.text)
        self.select_tab("distributions")
        card = wait(self.driver, "[...document.querySelectorAll('#main .card.distributions')].find(c => c.dataset.run === 'eval' && c.dataset.drawn === '1')")
        dist = self.board.api("distributions", run="eval", tag="weights/layer1")[-1]
        self.assertIn(f"at step {dist['step']}", card.text)
        median = float(card.text.split("median ")[1].split(",")[0])
        self.assertAlmostEqual(median, dist["percentiles"][4], delta=abs(dist["percentiles"][4]) * 1e-5)

    def test_09_images_step_slider_and_actual_size(self):
        self.open("?tab=images")
        card = wait(self.driver, "[...document.querySelectorAll('#main .card.image')].find(c => c.dataset.run === 'train/sgd' && c.dataset.step)")
        served = self.board.api("images", run="train/sgd", tag="samples")
        self.assertEqual(card.get_attribute("data-step"), str(served[-1]["step"]))
        slider = card.find_element(By.CSS_SELECTOR, "input[type=range]")
        slider.send_keys(Keys.HOME)
        wait(self.driver, lambda d: card.get_attribute("data-step") == str(served[0]["step"]))
        img = card.find_element(By.TAG_NAME, "img")
        wait(self.driver, lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img) == served[0]["width"])
        self.assertIn(f"index={served[0]['index']}", img.get_attribute("src"))
        img.click()
        wait(self.driver, lambda d: card.get_attribute("data-actual-size") == "1")
        self.assertEqual(self.driver.execute_script("return arguments[0].getBoundingClientRect().width", img), served[0]["width"])

    def test_10_hparams_table_sorts_and_filters(self):
        self.open("?tab=hparams")
        rows = self.board.api("hparams")
        wait(self.driver, f"document.querySelectorAll('#main table.hparams tbody tr').length === {len(rows)}")
        header = self.driver.find_element(By.CSS_SELECTOR, "th[data-column='m:loss'] button")
        header.click()
        order = self.driver.execute_script("return [...document.querySelectorAll('#main table.hparams tbody tr')].map(r => r.dataset.run)")
        self.assertEqual(order, [r["run"] for r in sorted(rows, key=lambda r: r["metrics"]["loss"])])
        self.driver.find_element(By.CSS_SELECTOR, "th[data-column='m:loss'] button").click()
        order = self.driver.execute_script("return [...document.querySelectorAll('#main table.hparams tbody tr')].map(r => r.dataset.run)")
        self.assertEqual(order, [r["run"] for r in sorted(rows, key=lambda r: -r["metrics"]["loss"])])
        cells = self.driver.execute_script(
            "return [...document.querySelectorAll('#main table.hparams tbody tr')].map(r => [r.dataset.run, r.querySelector('[data-column=\"h:batch\"]').textContent])")
        self.assertEqual(sorted(cells), sorted([r["run"], str(int(r["hparams"]["batch"]))] for r in rows))
        self.driver.find_element(By.ID, "hparams-filter").send_keys("adam")
        wait(self.driver, "document.querySelectorAll('#main table.hparams tbody tr').length === 1")

    def test_11_graph_expands_a_scope(self):
        if not self.board.has_endpoint("graph", run="train/adam"):
            self.skipTest("/api/graph is not served by this board yet")
        self.open("?tab=graph&graphRun=train%2Fadam")
        box = wait(self.driver, "document.querySelector('.graph-canvas[data-nodes]')")
        served = self.board.api("graph", run="train/adam")
        self.assertEqual(int(box.get_attribute("data-nodes")), len(served["nodes"]))
        scope = next(n for n in served["nodes"] if n["op"] == "scope" and n["name"] == "layer1")
        point = self.driver.execute_script("return window.__lumen.view.nodeClientCenter('layer1')")
        harness.click_at(self.driver, point["x"], point["y"])
        expanded = self.board.api("graph", run="train/adam", expand="layer1")
        wait(self.driver, lambda d: box.get_attribute("data-expanded") == "layer1" and int(box.get_attribute("data-nodes")) == len(expanded["nodes"]))
        names = {n["name"] for n in expanded["nodes"]}
        self.assertIn("layer1/MatMul", names)
        self.assertGreater(len(expanded["nodes"]), len(served["nodes"]))
        self.assertIsNotNone(scope)
        # the details of an op: click it
        point = self.driver.execute_script("return window.__lumen.view.nodeClientCenter('layer1/MatMul')")
        harness.click_at(self.driver, point["x"], point["y"])
        details = wait(self.driver, "document.querySelector('.graph-details[data-selected=\"layer1/MatMul\"]')")
        node = next(n for n in expanded["nodes"] if n["name"] == "layer1/MatMul")
        self.assertEqual(details.find_element(By.CSS_SELECTOR, "dd.op").text, node["op"])
        self.assertIn("/device:GPU:0", details.find_element(By.CSS_SELECTOR, "dd.device").text)
        # search finds a node inside a collapsed scope by expanding it
        search = self.driver.find_element(By.ID, "graph-search")
        search.send_keys("loss/Mean", Keys.ENTER)
        wait(self.driver, "document.querySelector('.graph-details[data-selected=\"loss/Mean\"]')")
        # a bare op name hidden in collapsed scopes (layer2/logits) is found through the server's search
        self.assertEqual(self.board.api("graph", run="train/adam", search="biasadd")["matches"][0]["name"], "layer2/logits/BiasAdd")
        search.clear()
        search.send_keys("biasadd", Keys.ENTER)
        wait(self.driver, "document.querySelector('.graph-details[data-selected=\"layer2/logits/BiasAdd\"]')")
        self.driver.find_element(By.ID, "graph-fit").click()
        time.sleep(0.2)
        self.driver.save_screenshot(str(SCREENSHOTS / "dashboard-graph-expanded.png"))

    def test_12_dark_theme_follows_the_system(self):
        self.open("?tab=scalars")
        light = self.driver.execute_script("return getComputedStyle(document.body).backgroundColor")
        self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        try:
            wait(self.driver, f"getComputedStyle(document.body).backgroundColor !== '{light}'")
            card = wait(self.driver, lambda d: self.card("loss"))
            wait(self.driver, lambda d: card.get_attribute("data-drawn") == "1")
            time.sleep(0.3)
            self.driver.save_screenshot(str(SCREENSHOTS / "dashboard-scalars-dark.png"))
        finally:
            self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]})

    def test_13_keyboard_switches_tabs(self):
        self.open("?tab=scalars")
        tab = self.driver.find_element(By.ID, "tab-scalars")
        tab.send_keys(Keys.ARROW_RIGHT)
        wait(self.driver, "document.getElementById('main').dataset.tab === 'histograms'")
        self.assertEqual(self.driver.switch_to.active_element.get_attribute("id"), "tab-histograms")
        # a chart's points from the keyboard: Home, then → moves along the steps with the tooltip
        card = self.scalars_page()
        overlay = card.find_element(By.CSS_SELECTOR, "canvas.overlay")
        self.driver.execute_script("arguments[0].focus()", overlay)
        served = [p[1] for p in self.board.api("scalars", run="eval", tag="loss")["points"]]
        overlay.send_keys(Keys.HOME)
        wait(self.driver, "!document.getElementById('tooltip').hidden")
        overlay.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
        steps = self.driver.execute_script("return [...document.querySelectorAll('#tooltip tbody tr')].map(r => +r.dataset.step)")
        self.assertIn(served[2], steps)
        overlay.send_keys(Keys.ESCAPE)
        wait(self.driver, "document.getElementById('tooltip').hidden")

    def test_14_axes_scales_and_outliers(self):
        card = self.scalars_page()
        before = self.canvas_pixels(card)
        for select, label, query in (("x-axis", "Relative time", "xAxis=relative"), ("x-axis", "Wall time", "xAxis=wall"),
                                     ("y-scale", "Logarithmic", "yScale=log")):
            Select(self.driver.find_element(By.ID, select)).select_by_visible_text(label)
            wait(self.driver, lambda d: query in d.current_url)
            wait(self.driver, lambda d: self.canvas_pixels(card) != before, message=f"{label} did not redraw")
            before = self.canvas_pixels(card)
        spiky = wait(self.driver, lambda d: self.card("metrics/spiky"))
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", spiky)
        wait(self.driver, lambda d: spiky.get_attribute("data-drawn") == "1")
        top = "return 10 ** arguments[0].card.lastLayout.y1"  # the y scale is logarithmic here
        self.assertGreater(self.driver.execute_script(top, spiky), 1000)
        self.driver.find_element(By.ID, "ignore-outliers").click()
        wait(self.driver, lambda d: "ignoreOutliers=1" in d.current_url)
        wait(self.driver, lambda d: d.execute_script(top, spiky) < 10, message="the spike still sets the range")

    def test_15_downloads_give_the_served_series(self):
        card = self.scalars_page()
        card.find_element(By.CSS_SELECTOR, "details summary").click()  # the links are made when opened
        read = "return [...arguments[0].querySelectorAll('details a')].map(a => [a.textContent, a.href, a.download])"
        wait(self.driver, lambda d: len(d.execute_script(read, card)) == 6, message="no download links")
        links = self.driver.execute_script(read, card)
        csv = next(l for l in links if l[0] == "CSV" and "run=train%2Fsgd" in l[1])
        json_link = next(l for l in links if l[0] == "JSON" and "run=train%2Fsgd" in l[1])
        self.assertTrue(csv[2].endswith(".csv") and json_link[2].endswith(".json"))
        served_csv = self.board.get("api/scalars", run="train/sgd", tag="loss", format="csv")
        self.assertEqual(self.board.opener.open(csv[1]).read(), served_csv)
        served = self.board.api("scalars", run="train/sgd", tag="loss")
        import json as _json
        self.assertEqual(_json.loads(self.board.opener.open(json_link[1]).read())["points"], served["points"])
        self.assertEqual(len(served["points"]), served["total"])

    def test_16_markdown_renderer_builds_only_safe_nodes(self):
        self.open()
        cases = self.driver.execute_async_script(r"""
            const done = arguments[arguments.length - 1];
            import('./js/markdown.js').then(({ renderMarkdown }) => {
              const html = (text) => renderMarkdown(text).innerHTML;
              done({
                js: html('[a](JaVaScRiPt:alert(1)) [b](java\tscript:alert(1)) [c](data:text/html,x) [d](vbscript:x)'),
                relative: html('[rel](/runs/a?b=1) [abs](https://example.com/x "T")'),
                auto: html('see <http://example.com/a> and <javascript:alert(1)>'),
                lists: html('- a\n- b\n\n1. one\n2. two'),
                nested: html('**bold _it_** and ~~gone~~ and `<b>code</b>`'),
                quote: html('> quoted *text*'),
                raw: html('<b onmouseover="x()">raw</b>'),
                table: html('| a | b |\n|:--|--:|\n| 1 | 2 |'),
              });
            });""")
        for case in ("js", "relative", "auto", "lists", "nested", "quote", "raw", "table"):
            self.assertNotIn("javascript:", cases[case].lower().replace("&lt;javascript:alert(1)&gt;", ""), case)
        self.assertEqual(cases["js"].count("<a"), 0)
        self.assertIn(f'<a href="{self.board.url}runs/a?b=1"', cases["relative"])
        self.assertIn('<a href="https://example.com/x" rel="noopener noreferrer nofollow" target="_blank" title="T">abs</a>', cases["relative"])
        self.assertIn('<a href="http://example.com/a"', cases["auto"])
        self.assertIn("&lt;javascript:alert(1)&gt;", cases["auto"])
        self.assertEqual(cases["lists"], "<ul><li>a</li><li>b</li></ul><ol><li>one</li><li>two</li></ol>")
        self.assertEqual(cases["nested"], "<p><strong>bold <em>it</em></strong> and <del>gone</del> and <code>&lt;b&gt;code&lt;/b&gt;</code></p>")
        self.assertEqual(cases["quote"], "<blockquote><p>quoted <em>text</em></p></blockquote>")
        self.assertEqual(cases["raw"], '<p>&lt;b onmouseover="x()"&gt;raw&lt;/b&gt;</p>')
        self.assertEqual(cases["table"], '<table><thead><tr><th align="left">a</th><th align="right">b</th></tr></thead>'
                                         '<tbody><tr><td align="left">1</td><td align="right">2</td></tr></tbody></table>')
        self.assert_safe()

    def test_20_live_points_tags_and_runs_appear_without_reload(self):
        card = self.scalars_page("?tab=scalars")
        self.driver.execute_script("window.__lumenSamePage = true")
        before = self.canvas_pixels(card)
        overlay = card.find_element(By.CSS_SELECTOR, "canvas.overlay")
        self.driver.execute_script("arguments[0].focus()", overlay)
        run = self.runs["train/adam"]
        run.scalar("loss", 400, 5.0)
        run.flush()
        late = None
        try:
            wait(self.driver, "(() => { const s = [...document.querySelectorAll('#main .card.scalar')].find(c => c.dataset.tag === 'loss').card.series.get('train/adam');"
                              " return s && s.step[s.step.length - 1] === 400 && s.value[s.value.length - 1] === 5; })()",
                 timeout=20, message="the appended point did not reach the chart")
            wait(self.driver, lambda d: self.canvas_pixels(card) != before)
            self.assertTrue(self.driver.execute_script("return document.activeElement === arguments[0]", overlay),
                            "a live update took the keyboard focus away")
            run.scalar("live/new_tag", 1, 0.5)
            run.flush()
            late = logdirs.Run(self.logdir, "late")
            late.scalar("loss", 0, 1.0)
            late.scalar("loss", 1, 0.5)
            late.flush()
            wait(self.driver, "[...document.querySelectorAll('#main .card.scalar')].some(c => c.dataset.tag === 'live/new_tag')", timeout=20)
            wait(self.driver, "document.querySelector('#run-list input[data-run=\"late\"]')", timeout=20)
            wait(self.driver, "[...document.querySelectorAll('#main .card.scalar')].find(c => c.dataset.tag === 'loss').querySelector('.legend [data-run=\"late\"]')", timeout=20)
            self.assertTrue(self.driver.execute_script("return window.__lumenSamePage === true"), "the page reloaded")
            self.assertGreater(self.driver.execute_script("return window.__lumen.liveMessages"), 0)
        finally:
            if late:
                late.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
