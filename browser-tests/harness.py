"""The browser-test harness: finds the board built by `swift build`, starts it on a logdir on a free
port, opens headless Debian chromium through chromedriver (selenium), and reads the JSON API the
page is checked against."""

import json
import os
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[1]
# Every run saves its screenshots under .build/screenshots/; LUMEN_UPDATE_SCREENSHOTS=1 writes them
# to docs/screenshots/ instead (the ones README shows), so a plain test run leaves the tree clean.
SCREENSHOTS = ROOT / ("docs/screenshots" if os.environ.get("LUMEN_UPDATE_SCREENSHOTS") else ".build/screenshots")

# Injected before the page's own scripts: any dialog, or any <script>, <iframe>, <object>, <embed>
# or element with an on* attribute added to the document after it loaded, is recorded.
WATCHDOG = """
window.__lumenPwned = undefined;
window.__lumenHostile = [];
window.__lumenCSP = [];
document.addEventListener('securitypolicyviolation', (e) => window.__lumenCSP.push(`${e.violatedDirective} ${e.blockedURI}`));
window.addEventListener('error', (e) => window.__lumenHostile.push(`uncaught: ${e.message}`));
window.addEventListener('unhandledrejection', (e) => window.__lumenHostile.push(`unhandled rejection: ${e.reason}`));
for (const name of ['alert', 'confirm', 'prompt']) window[name] = () => { window.__lumenPwned = name; };
new MutationObserver((mutations) => {
  for (const m of mutations) for (const node of m.addedNodes) {
    if (node.nodeType !== 1) continue;
    for (const e of [node, ...node.querySelectorAll('*')]) {
      const bad = ['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED'].includes(e.tagName)
        || [...e.attributes].some((a) => a.name.toLowerCase().startsWith('on'))
        || (e.tagName === 'A' && /^\\s*javascript:/i.test(e.getAttribute('href') || ''));
      if (bad && !(e.tagName === 'SCRIPT' && e.src && e.src.endsWith('/js/main.js'))) window.__lumenHostile.push(e.outerHTML.slice(0, 200));
    }
  }
}).observe(document, { childList: true, subtree: true });
"""


def board_binary():
    """The `board` executable: $LUMEN_BOARD, else the one in `swift build --show-bin-path`."""
    if os.environ.get("LUMEN_BOARD"):
        return os.environ["LUMEN_BOARD"]
    bin_path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
    path = Path(bin_path) / "board"
    if not path.exists():
        raise RuntimeError(f"{path} is missing: run `swift build --product board` first")
    return str(path)


class Board:
    """A board process serving `logdir` on a free port."""

    def __init__(self, logdir, reload_interval=0.3, extra=()):
        args = [board_binary(), "--logdir", str(logdir), "--port", "0", "--reload-interval", str(reload_interval)]
        if os.environ.get("LUMEN_ASSETS"):
            args += ["--assets", os.environ["LUMEN_ASSETS"]]
        self.process = subprocess.Popen(args + list(extra), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/\S*)", line)  # with --path-prefix, the prefix too
        if not match:
            self.process.kill()
            raise RuntimeError(f"the board did not print its URL: {line!r}")
        self.url = match.group(1)
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy for localhost

    def get(self, path, **params):
        query = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
        with self.opener.open(self.url + path + (f"?{query}" if query else ""), timeout=10) as response:
            return response.read()

    def api(self, endpoint, **params):
        return json.loads(self.get(f"api/{endpoint}", **params))

    def has_endpoint(self, endpoint, **params):
        try:
            self.get(f"api/{endpoint}", **params)
            return True
        except urllib.error.HTTPError as error:
            return "no such endpoint" not in error.read().decode(errors="replace")

    def wait_loaded(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.api("status").get("firstLoadDone"):
                return
            time.sleep(0.1)
        raise TimeoutError("the board's first load did not finish")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def chromedriver_path():
    for candidate in (os.environ.get("CHROMEDRIVER"), shutil.which("chromedriver"), "/usr/lib/chromium/chromedriver"):
        if candidate and os.path.exists(candidate):
            return candidate
    raise RuntimeError("chromedriver not found: scripts/setup installs Debian's chromium-driver")


def browser(width=1400, height=1000, dark=False, extra=()):
    """Headless chromium with the watchdog installed on every new document; `extra` are more
    command-line switches."""
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={width},{height}", "--force-device-scale-factor=1", "--hide-scrollbars",
                     *extra):
        options.add_argument(argument)
    chromium = shutil.which("chromium")
    if chromium:
        options.binary_location = chromium
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(chromedriver_path()), options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCHDOG})
    if dark:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    return driver


def wait(driver, condition, timeout=15, message=""):
    """Waits until the JavaScript expression `condition` (or a callable) is truthy; returns its value.
    On a timeout the error says what the page showed and what the browser logged."""
    test = (lambda d: d.execute_script(f"return ({condition});")) if isinstance(condition, str) else condition
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.05).until(test)
    except TimeoutException:
        shown = driver.execute_script("return location.href + '\\n' + (document.getElementById('main')?.innerText || '').slice(0, 600)")
        logs = "\n".join(str(entry) for entry in driver.get_log("browser"))
        raise AssertionError(f"timed out after {timeout}s waiting for {message or condition}\npage: {shown}\nbrowser log:\n{logs}") from None


def smooth(values, weight):
    """TensorBoard's debiased exponential moving average (the reference for the page's smoothing)."""
    if not values:
        return []
    if all(v == values[0] for v in values) or weight <= 0:
        return list(values)
    out, last, count = [], 0.0, 0
    for v in values:
        if v != v or v in (float("inf"), float("-inf")):
            out.append(v)
            continue
        last = last * weight + (1 - weight) * v
        count += 1
        out.append(last / (1 - weight ** count))
    return out


def click_at(driver, x, y):
    """A real mouse click at viewport coordinates (x, y)."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(int(x), int(y)).click()
    actions.perform()
