"""In a real browser: headless Chromium (Debian's ``chromium`` + ``chromium-driver``) against a real server.

Starts uvicorn on a free loopback port, opens the query UI, runs an example query and sees its rows,
opens an evidence page and sees its sentence, checks the pages fit a phone's width, and saves screenshots
to ``test-artifacts/``. Skipped only when Chromium is not installed (``.ci/run`` installs it).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.skipif(
        CHROMIUM is None or CHROMEDRIVER is None,
        reason="Chromium is not installed: `apt-get install -y chromium chromium-driver` (.ci/run does this)",
    ),
]
webdriver = pytest.importorskip("selenium.webdriver")
if TYPE_CHECKING:
    from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def server(live_server) -> str:
    """The session's real ``jakgraph serve`` process (tests/conftest.py), as a base URL without a slash."""
    return live_server.base.rstrip("/")


@pytest.fixture(scope="module")
def browser() -> Iterator[Chrome]:
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager download anything
    profile = tempfile.mkdtemp(prefix="jakgraph-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1366,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_query_ui_runs_an_example_and_shows_its_rows(server: str, browser: Chrome) -> None:
    browser.set_window_size(1366, 1000)
    browser.get(server + "/query")
    wait = WebDriverWait(browser, 60)
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#yasgui .CodeMirror")))
    assert len(browser.find_elements(By.CSS_SELECTOR, ".gallery li[data-slug]")) >= 15
    browser.find_element(By.CSS_SELECTOR, '.run-example[data-slug="drugs-used-in-savi"]').click()
    # the letter: ruxolitinib, baricitinib and tofacitinib were used in SAVI
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#yasgui .yasr table tbody tr")) >= 3)
    results = browser.find_element(By.CSS_SELECTOR, "#yasgui .yasr").text
    for drug in ("ruxolitinib", "baricitinib", "tofacitinib"):
        assert drug in results
    browser.save_screenshot(str(ARTIFACTS / "query-ui.png"))


def test_evidence_page_shows_its_sentence(server: str, browser: Chrome) -> None:
    browser.set_window_size(1366, 1000)
    browser.get(server + "/statement/savi-baricitinib")
    sentence = WebDriverWait(browser, 30).until(EC.visibility_of_element_located((By.ID, "supporting-text")))
    assert sentence.text.startswith("Baricitinib has also been found to be beneficial in the stabilisation")
    assert "Evidence card" in browser.find_element(By.CSS_SELECTOR, ".evidence-card").text
    browser.save_screenshot(str(ARTIFACTS / "evidence-card.png"))


@pytest.mark.parametrize("path,name", [("/", "home"), ("/statement/copa-ruxolitinib", "evidence-card-phone"),
                                        ("/query", "query-ui-phone")])
def test_pages_fit_a_phone(server: str, browser: Chrome, path: str, name: str) -> None:
    browser.set_window_size(390, 844)
    browser.get(server + path)
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")
    overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{path} is {overflow}px wider than the phone screen"
    browser.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def test_home_shows_the_figure(server: str, browser: Chrome) -> None:
    """The home page as a reader sees it: its title, the counts, the figure drawn at a readable size, the
    evidence cards."""
    browser.set_window_size(1366, 1000)
    browser.get(server + "/")
    title = WebDriverWait(browser, 30).until(EC.visibility_of_element_located((By.TAG_NAME, "h1")))
    assert title.text == "JAK inhibitors in monogenic type I interferonopathies"
    stats = {s.find_element(By.CSS_SELECTOR, ".what").text: s.find_element(By.CSS_SELECTOR, ".n").text
             for s in browser.find_elements(By.CSS_SELECTOR, ".stats .stat") if s.is_displayed()}
    assert stats.get("drugs") == "3"  # ruxolitinib, baricitinib, tofacitinib
    image = browser.find_element(By.CSS_SELECTOR, 'img[src="/figures/figure-1.svg"]')
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", image))
    assert image.is_displayed()
    assert image.size["width"] >= 600, f"the figure is drawn {image.size['width']}px wide"
    cards = [c for c in browser.find_elements(By.CSS_SELECTOR, ".cards .card") if c.is_displayed()]
    assert len(cards) >= 9  # one per disease treated in the letter
    assert "STING-associated vasculopathy with onset in infancy" in browser.find_element(By.CSS_SELECTOR, ".cards").text
    browser.save_screenshot(str(ARTIFACTS / "home.png"))
