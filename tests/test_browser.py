"""The what-if web app in a real browser: ``xlcompliance whatif`` (Voila) + headless Chromium.

Runs whenever /usr/bin/chromium exists; in CI (CI=true) a missing Chromium is a failure, not a
skip (.ci/run installs it). The screenshot is saved to tests/artifacts/whatif_voila.png.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import xlcompliance
from xlcompliance.cli.whatif import free_port
from xlcompliance.core.scenarios import Levers, priority_list, what_if
from xlcompliance.io.sample import SAMPLE_AS_OF, sample_path
from xlcompliance.notebook.app import fmt_rate

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
START_TIMEOUT = 150  # s: Voila up and printing its URL
RENDER_TIMEOUT = 180_000  # ms: first page render (kernel start, sample assessment)
UPDATE_TIMEOUT = 90_000  # ms: one recomputation after a control moves
EXTRA = 5  # extra late orders set in the browser
# POP paid Mon 2024-05-06 10:00, standard 48 h -> deadline Wed 05-08 10:00: 19 on time, 1 late
HAND_CSV = "order_id,shop,channel,paid_at,last_month_sales,fulfilled_at\n" + "".join(
    f"o{i},S,POP,2024-05-06 10:00,50,{'2024-05-09 10:00' if i == 19 else '2024-05-07 10:00'}\n" for i in range(20)
)


def _need_browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CHROMIUM} is missing in CI (.ci/run installs Debian chromium)")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    pytest.importorskip("playwright")
    pytest.importorskip("voila")


@pytest.fixture()
def server():
    """``xlcompliance whatif --port P`` in its own process group; always terminated."""
    _need_browser()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "xlcompliance.cli", "whatif", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        url = None
        deadline = time.monotonic() + START_TIMEOUT
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            for line in list(lines):
                m = re.search(r"what-if app: (http://127\.0\.0\.1:\d+/)", line)
                if m:
                    url = m.group(1)
            time.sleep(0.2)
        assert url, f"no URL printed within {START_TIMEOUT} s:\n" + "".join(lines)
        assert url == f"http://127.0.0.1:{port}/"
        yield url, lines
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        reader.join(timeout=5)


def test_move_a_control_in_chromium(server, tmp_path):
    from playwright.sync_api import sync_playwright

    url, log = server
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1500})
            page.goto(url, timeout=RENDER_TIMEOUT)
            rate = page.locator(".xlc-rate-scenario")
            rate.wait_for(timeout=RENDER_TIMEOUT)
            before = rate.inner_text().strip()
            shop, month = page.locator(".xlc-results h4").inner_text().split(" · ")

            orders = xlcompliance.read_table(sample_path("orders.csv"), kind="orders")
            penalties = xlcompliance.read_table(sample_path("penalties.csv"), kind="penalties")
            assessed = xlcompliance.assess(orders, as_of=SAMPLE_AS_OF)
            base = what_if(assessed, penalties, shop=shop, month=month, as_of=SAMPLE_AS_OF)
            moved = what_if(assessed, penalties, shop=shop, month=month, levers=Levers(extra_late=EXTRA),
                            as_of=SAMPLE_AS_OF)
            assert before == fmt_rate(base.scenario["rate"])
            expected = fmt_rate(moved.scenario["rate"])
            assert expected != before

            handle = page.locator(".xlc-extra-late .noUi-handle")
            handle.focus()
            for _ in range(EXTRA):
                page.keyboard.press("ArrowRight")
            page.wait_for_function(
                "([sel, old]) => { const e = document.querySelector(sel); return e && e.innerText.trim() !== old; }",
                arg=[".xlc-rate-scenario", before], timeout=UPDATE_TIMEOUT,
            )
            assert page.locator(".xlc-extra-late .widget-readout").inner_text().strip() == str(EXTRA)
            page.wait_for_function(  # intermediate values may show while the keys are handled
                "([sel, want]) => document.querySelector(sel).innerText.trim() === want",
                arg=[".xlc-rate-scenario", expected], timeout=UPDATE_TIMEOUT,
            )
            assert rate.inner_text().strip() == expected
            assert page.locator(".xlc-late-allowed-scenario").inner_text().strip() == str(
                moved.scenario["late_allowed"])
            page.screenshot(path=str(ARTIFACTS / "whatif_voila.png"), full_page=True)

            # a user's export through the upload button: shop S, May 2024, 19 of 20 on time
            export = tmp_path / "export.csv"
            export.write_text(HAND_CSV, encoding="utf-8")
            with page.expect_file_chooser(timeout=UPDATE_TIMEOUT) as chooser:
                page.locator(".xlc-upload-orders").click()
            chooser.value.set_files(str(export))
            page.wait_for_function(
                "([sel, want]) => document.querySelector(sel).innerText.trim() === want",
                arg=[".xlc-rate-baseline", "95.00%"], timeout=UPDATE_TIMEOUT,
            )
            assert page.locator(".xlc-results h4").inner_text() == "S · 2024-05"
            assert page.locator(".xlc-qualifies-baseline").inner_text().startswith("yes")
            assert page.locator(".xlc-rate-scenario").inner_text().strip() == "95.00%"  # levers reset
            assert page.locator(".xlc-extra-late .widget-readout").inner_text().strip() == "0"
            page.screenshot(path=str(ARTIFACTS / "whatif_voila_upload.png"), full_page=True)
        finally:
            browser.close()


def test_as_of_and_download_in_chromium(server, tmp_path):
    """Type another as-of moment: the page re-assesses; click Download: the browser saves an xlsx
    holding the scenario on show and the priority list."""
    import openpyxl
    from playwright.sync_api import sync_playwright

    url, log = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1500}, accept_downloads=True)
            page.goto(url, timeout=RENDER_TIMEOUT)
            page.locator(".xlc-rate-scenario").wait_for(timeout=RENDER_TIMEOUT)
            box = page.locator(".xlc-as-of-text input")
            assert box.input_value() == f"{SAMPLE_AS_OF:%Y-%m-%d %H:%M:%S}"
            box.fill("2024-06-20 12:00")
            box.press("Enter")
            page.wait_for_function(
                "() => document.body.innerText.includes('as of 2024-06-20 12:00')", timeout=UPDATE_TIMEOUT,
            )
            page.locator(".xlc-download").click()
            link = page.locator(".xlc-download-link a")
            link.wait_for(timeout=UPDATE_TIMEOUT)
            with page.expect_download(timeout=UPDATE_TIMEOUT) as info:
                link.click()
            saved = tmp_path / info.value.suggested_filename
            info.value.save_as(saved)
            page.screenshot(path=str(ARTIFACTS / "whatif_voila_as_of.png"), full_page=True)
        finally:
            browser.close()
    assert saved.suffix == ".xlsx" and saved.name.startswith("whatif-")
    wb = openpyxl.load_workbook(saved)
    assert wb.sheetnames == ["Scenario", "Flips", "Curve", "Priority"]
    orders = xlcompliance.read_table(sample_path("orders.csv"), kind="orders")
    pending = priority_list(
        xlcompliance.assess(orders, as_of="2024-06-20 12:00"), as_of="2024-06-20 12:00"
    )
    ids = [r[0] for r in wb["Priority"].iter_rows(min_row=2, values_only=True)]
    assert ids == list(pending["order_id"])
