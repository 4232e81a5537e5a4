"""Time to first map and per-interaction time, in headless Chromium.

Starts ``streamlit run app.py`` several times (a cold server each run), opens
the app as a first and as a later visitor, clicks the map centre and changes
the colouring, and reports medians. Prints the figures and writes them to
docs/benchmarks/app.md. Needs Debian's Chromium (/usr/bin/chromium) and
Playwright. Run:

    python benchmarks/bench_app.py [--runs 3]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--headless=new"]
CANVAS = "[data-testid=stDeckGlJsonChart] canvas"
RUNNING = ("() => !document.querySelector('[data-testid=stStatusWidget]') || "
           "!document.querySelector('[data-testid=stStatusWidget]').innerText"
           ".toLowerCase().includes('running')")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("streamlit did not start")


def first_map(browser, url: str) -> tuple[float, object]:
    # a fresh context per visitor: no cookies and no cached app files, like another person
    page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(CANVAS, timeout=60_000)
    return time.perf_counter() - start, page


def interaction(page, action) -> float:
    page.wait_for_function(RUNNING, timeout=60_000)
    page.wait_for_timeout(500)
    start = time.perf_counter()
    action()
    page.wait_for_timeout(100)  # let the rerun start
    page.wait_for_function(RUNNING, timeout=60_000)
    return time.perf_counter() - start


def one_run(url: str) -> dict[str, float]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        cold, page = first_map(browser, url)
        page.close()
        warm, page = first_map(browser, url)
        page.wait_for_timeout(1500)
        box = page.locator(CANVAS).first.bounding_box()
        click = interaction(page, lambda: page.mouse.click(
            box["x"] + box["width"] / 2, box["y"] + box["height"] / 2))
        select = page.locator("[data-testid=stSelectbox]").first

        def recolour() -> None:
            select.click()
            page.get_by_role("option").nth(1).click()

        colour = interaction(page, recolour)
        browser.close()
    return {"cold": cold, "warm": warm, "click": click, "colour": colour}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = []
    for _ in range(args.runs):
        port = free_port()
        server = start_server(port)
        try:
            runs.append(one_run(f"http://127.0.0.1:{port}/"))
        finally:
            server.terminate()
            server.wait()
    labels = {
        "cold": ("Eerste kaart, eerste bezoeker na serverstart", "< 3 s"),
        "warm": ("Eerste kaart, volgende bezoeker", "< 3 s"),
        "click": ("Klik op buurt → zijpaneel bijgewerkt", ""),
        "colour": ("Kleuring wisselen → kaart bijgewerkt", ""),
    }
    rows = []
    for key, (label, target) in labels.items():
        values = [r[key] for r in runs]
        rows.append(f"| {label} | {statistics.median(values):.2f} s | "
                    f"{min(values):.2f}–{max(values):.2f} s | {target} |")
    table = ("| meting | mediaan | spreiding | doel |\n|---|---|---|---|\n" + "\n".join(rows))
    text = (f"# App benchmark ({date.today().isoformat()})\n\n"
            f"`python benchmarks/bench_app.py --runs {args.runs}`: headless Chromium "
            "(software WebGL) on the 2-core development machine, a new server per run.\n\n"
            + table + "\n")
    out = REPO / "docs" / "benchmarks" / "app.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(table)
    print(f"\nwritten: {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
