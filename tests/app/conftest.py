"""Fixtures for the app tests: a warm model, and a live server for the browser test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--headless=new",
]


@pytest.fixture(scope="session", autouse=True)
def warm_model():
    """Fit (or load) the default model once, so every AppTest run reuses it."""
    from citisens_core.model import default_model

    return default_model()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer at {url} within {timeout} s")


@pytest.fixture(scope="module")
def app_url():
    """Start ``streamlit run app.py`` on a free local port; stop it afterwards."""
    yield from serve_app()


def serve_app(**env_vars: str):
    """Serve the app on a free port with extra environment variables (a generator)."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), **env_vars}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/_stcore/health", 60)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by Playwright; skips with a reason when absent."""
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("Chromium not found at /usr/bin/chromium (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
            args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def real_cbs_optional() -> Path | None:
    """The real CBS samples folder, or None (the browser test then skips that step)."""
    folder = REPO.parent / "shared" / "real-cbs"
    return folder if folder.is_dir() else None
