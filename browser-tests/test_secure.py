"""The board over HTTPS with an access token, in a real browser (headless chromium via
chromedriver): the login page, the cookie that replaces the token, the dashboard and its live
stream over TLS. The certificate is made by the test; chromium trusts that certificate's key alone
(--ignore-certificate-errors-spki-list), never certificate errors in general.
Run by scripts/browser-test (after `swift build --product board`)."""

import base64
import hashlib
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from selenium.webdriver.common.by import By  # noqa: E402

import harness  # noqa: E402
from harness import ROOT, wait  # noqa: E402

TOKEN = "browser-test-token"


def make_certificate(directory):
    """A self-signed EC certificate for 127.0.0.1 and localhost; returns (cert, key, SPKI hash)."""
    cert, key = directory / "board.crt", directory / "board.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    public = subprocess.run(["openssl", "x509", "-in", str(cert), "-pubkey", "-noout"], check=True,
                            capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=public, check=True,
                         capture_output=True).stdout
    return cert, key, base64.b64encode(hashlib.sha256(der).digest()).decode()


class SecureBoardTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="lumen-secure-"))
        cls.cert, key, spki = make_certificate(cls.tmp)
        args = [harness.board_binary(), "--logdir", str(ROOT / "fixtures" / "interop"), "--port", "0",
                "--tls-cert", str(cls.cert), "--tls-key", str(key), "--token", TOKEN]
        cls.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = cls.process.stdout.readline()
        match = re.search(r"(https://127\.0\.0\.1:\d+/)", line)
        if not match:
            cls.process.kill()
            raise RuntimeError(f"the board did not print an https URL: {line!r}")
        cls.url = match.group(1)
        cls.context = ssl.create_default_context(cafile=str(cls.cert))
        cls.driver = harness.browser(extra=(f"--ignore-certificate-errors-spki-list={spki}",))

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.process.terminate()
        cls.process.wait(10)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def api(self, endpoint):
        request = urllib.request.Request(self.url + "api/" + endpoint, headers={"Authorization": f"Bearer {TOKEN}"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=self.context))
        with opener.open(request, timeout=10) as response:
            import json
            return json.loads(response.read())

    def test_1_login_then_dashboard_over_https(self):
        driver = self.driver
        driver.get(self.url)
        # Without the token: the login page, and nothing of the runs.
        field = wait(driver, "document.querySelector('input[name=token]')", message="the login page")
        self.assertNotIn("tensorboardx", driver.page_source.lower())
        field.send_keys(TOKEN)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait(driver, "window.__lumen && document.querySelector('#tabs button')", timeout=20, message="the dashboard")
        # The token left the address bar, and page scripts can't read the cookie that holds it.
        self.assertEqual(driver.current_url, self.url)
        self.assertNotIn(TOKEN, driver.execute_script("return document.cookie"))
        self.assertEqual(driver.execute_script("return location.protocol"), "https:")
        # The runs the API serves are the ones the page lists.
        runs = [r["name"] for r in self.api("runs")]
        self.assertTrue(runs)
        text = wait(driver, "document.body.innerText", message="the page text")
        for run in runs:
            self.assertIn(run.split("/")[-1], text)
        self.assertEqual(driver.execute_script("return window.__lumenCSP"), [])

    def test_2_live_stream_opens_over_https_with_the_cookie(self):
        driver = self.driver
        driver.get(self.url + "?token=" + TOKEN)
        wait(driver, "window.__lumen && document.querySelector('#tabs button')", timeout=20, message="the dashboard")
        self.assertNotIn("token=", driver.current_url)
        driver.execute_script("window.__probe = new EventSource('/api/live');")
        wait(driver, "window.__probe.readyState === 1", message="/api/live to open")
        driver.execute_script("window.__probe.close()")

    def test_3_another_certificate_is_not_trusted(self):
        # A browser without the test's key in its list refuses the certificate: the switch trusts
        # that key only.
        plain = harness.browser()
        try:
            plain.get(self.url + "login")
            time.sleep(0.5)
            self.assertIsNone(plain.execute_script("return document.querySelector('input[name=token]')"))
        finally:
            plain.quit()


if __name__ == "__main__":
    unittest.main(verbosity=2)
