"""Check that the built book works offline: no network resources, and math renders.

1. Scans every HTML and CSS file of the built book for resources fetched from the network
   (``<script src>``, ``<link href>``, ``<img src>``, CSS ``url()``/``@import`` with
   ``http(s)://`` or ``//``). Plain links (``<a href>``) are fine.
2. Opens a built page through ``file://`` in headless Chromium (Debian's ``chromium``), lets
   the vendored MathJax run, dumps the DOM and counts the ``<mjx-container`` elements MathJax
   created. Exits non-zero when there are none: the page then shows raw TeX to a reader.

Usage (after ``make html``)::

    python tests/check_offline_math.py                 # _build/html, page intro.html
    python tests/check_offline_math.py _build/html/api.html --min 1

Counting in the dumped DOM matters: ``grep -c mjx-container`` on the HTML file would also
count the CSS and find nothing rendered at all.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PAGE = ROOT / "_build" / "html" / "intro.html"


_RESOURCE_TAG = re.compile(
    r"<(?:script|link|img|iframe|source|embed|object|audio|video|track)\b[^>]*?"
    r"\b(?:src|href|data|srcset)\s*=\s*[\"']?\s*((?:https?:)?//[^\"'\s>]+)",
    re.IGNORECASE,
)
_CSS_URL = re.compile(r"(?:url\(\s*[\"']?|@import\s+[\"'])\s*((?:https?:)?//[^\"')\s]+)", re.IGNORECASE)


def find_network_references(html_dir: Path) -> list[str]:
    """Return ``"file: url"`` for every resource the built book would fetch from the network."""
    found = []
    for path in sorted(html_dir.rglob("*")):
        if path.suffix == ".html":
            text = path.read_text(encoding="utf-8", errors="replace")
            urls = _RESOURCE_TAG.findall(text) + _CSS_URL.findall(text)
        elif path.suffix == ".css":
            urls = _CSS_URL.findall(path.read_text(encoding="utf-8", errors="replace"))
        else:
            continue
        found += [f"{path.relative_to(html_dir)}: {url}" for url in urls]
    return found


def find_chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise SystemExit("no chromium found: apt-get install chromium")


def dump_dom(page: Path, chromium: str, budget_ms: int = 10000) -> str:
    """Return the DOM of ``page`` after scripts ran, as Chromium serialises it."""
    with tempfile.TemporaryDirectory(prefix="nnbook-chromium-") as profile:
        cmd = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={budget_ms}",
            "--dump-dom",
            page.resolve().as_uri(),
        ]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"chromium exited with {result.returncode}")
    return result.stdout


def count_rendered_math(dom: str) -> int:
    return len(re.findall(r"<mjx-container\b", dom))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", nargs="?", type=Path, default=DEFAULT_PAGE)
    parser.add_argument("--min", type=int, default=1, help="fewest rendered formulas accepted")
    args = parser.parse_args(argv)
    if not args.page.is_file():
        print(f"{args.page}: not built (run `make html`)", file=sys.stderr)
        return 2
    html_dir = args.page.resolve().parent
    while html_dir.parent != html_dir and not (html_dir / "_static").is_dir():
        html_dir = html_dir.parent
    network = find_network_references(html_dir)
    if network:
        print("resources fetched from the network:", *network, sep="\n  ", file=sys.stderr)
        return 1
    print(f"{html_dir}: no resource is fetched from the network")
    dom = dump_dom(args.page, find_chromium())
    count = count_rendered_math(dom)
    errors = re.findall(r"<mjx-merror[^>]*>", dom)
    print(f"{args.page}: {count} <mjx-container> elements rendered by MathJax offline")
    if errors:
        print(f"{len(errors)} MathJax errors in the page", file=sys.stderr)
        return 1
    if count < args.min:
        print(f"expected at least {args.min}: math does not render offline", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
