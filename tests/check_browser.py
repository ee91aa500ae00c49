"""Open every page of the built book in headless Chromium, as a reader would, offline.

For each ``*.html`` page of ``_build/html`` (through ``file://``), checks that

- no request leaves the machine (anything but ``file:``, ``data:``, ``blob:``, ``about:``
  is reported; Chromium is also told to block ``http(s)``/``ws(s)``, so nothing is fetched);
- the console shows no error and no script throws (a missing local file is an error too);
- MathJax rendered every formula of the page (each ``.math`` element holds an
  ``<mjx-container>``; no ``<mjx-merror>``);
- every image loaded (``naturalWidth > 0``; lazy images are made eager first);

and that the offline search (``search.html?q=softmax``) lists at least one page.

Usage, after ``make html`` (``.ci/run`` does this; needs Debian's ``chromium``)::

    .venv/bin/python tests/check_browser.py               # every page of _build/html
    .venv/bin/python tests/check_browser.py _build/html --pages intro.html api.html

Exits 1 and lists each failure by page; prints one summary line otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chromium import Chromium, ChromiumError, Page  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_HTML = ROOT / "_build" / "html"
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:", "chrome:", "devtools:")
SEARCH_QUERY = "softmax"

# Runs in the page: waits for MathJax's first typesetting and for every image, then reports.
INSPECT_PAGE = """
(async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const images = Array.from(document.images);
  await Promise.all(images.map(img => {
    if (img.complete) return null;
    img.loading = "eager";
    return new Promise(done => {
      img.addEventListener("load", done); img.addEventListener("error", done);
      setTimeout(done, 10000);
    });
  }));
  const math = Array.from(document.querySelectorAll(".math"));
  return {
    mathjax: Boolean(window.MathJax && MathJax.startup),
    math: math.length,
    typeset: math.filter(el => el.querySelector("mjx-container")).length,
    merrors: document.querySelectorAll("mjx-merror").length,
    images: images.length,
    broken: images.filter(img => !(img.complete && img.naturalWidth > 0))
                  .map(img => img.getAttribute("src")),
  };
})()
"""

COUNT_SEARCH_RESULTS = """
new Promise(done => {
  const started = Date.now();
  const poll = () => {
    const items = document.querySelectorAll("#search-results li");
    const status = document.querySelector("#search-results .search-summary, #search-results p");
    const finished = status && /found|did not match/i.test(status.textContent);
    if (items.length > 0 && finished || Date.now() - started > 20000) {
      done(items.length);
    } else {
      setTimeout(poll, 100);
    }
  };
  poll();
})
"""


@dataclass
class PageReport:
    page: str
    problems: list[str] = field(default_factory=list)
    formulas: int = 0
    images: int = 0


def problems_from_events(events: list[dict]) -> list[str]:
    """Console errors, exceptions, failed local loads and requests that would leave the machine."""
    problems = []
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if not url.startswith(LOCAL_SCHEMES):
                problems.append(f"network request: {url}")
        elif method == "Network.loadingFailed" and not params.get("blockedReason"):
            problems.append(f"failed to load: {params.get('errorText')} ({params.get('type')})")
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            problems.append(f"uncaught exception: {text}")
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            text = " ".join(str(arg.get("value", arg.get("description", ""))) for arg in params["args"])
            problems.append(f"console.{params['type']}: {text}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            problems.append(f"console error: {entry['text']} {entry.get('url', '')}".strip())
    return problems


def problems_from_inspection(result: dict) -> list[str]:
    problems = []
    if result["math"] and not result["mathjax"]:
        problems.append(f"{result['math']} formulas but MathJax did not load")
    elif result["typeset"] < result["math"]:
        problems.append(f"MathJax typeset {result['typeset']} of {result['math']} formulas")
    if result["merrors"]:
        problems.append(f"{result['merrors']} MathJax errors")
    problems += [f"image not loaded: {src}" for src in result["broken"]]
    return problems


def check_page(page: Page, path: Path, html_dir: Path) -> PageReport:
    report = PageReport(str(path.relative_to(html_dir)))
    try:
        page.goto(path.resolve().as_uri())
        result = page.evaluate(INSPECT_PAGE, timeout=90)
    except ChromiumError as error:
        report.problems.append(str(error))
        return report
    time.sleep(0.05)  # let late console messages arrive
    report.problems += problems_from_events(page.events())
    report.problems += problems_from_inspection(result)
    report.formulas, report.images = result["typeset"], result["images"]
    return report


def check_search(page: Page, html_dir: Path, query: str = SEARCH_QUERY) -> PageReport:
    report = PageReport(f"search.html?q={query}")
    page.goto((html_dir / "search.html").resolve().as_uri() + f"?q={query}")
    count = page.evaluate(COUNT_SEARCH_RESULTS, timeout=60)
    report.problems += problems_from_events(page.events())
    if not count:
        report.problems.append(f"the offline search found nothing for {query!r}")
    report.images = count  # reported as the number of results
    return report


def book_pages(html_dir: Path) -> list[Path]:
    skip = {"_static", "_sources", "_downloads", "_images", "_modules"}
    return sorted(p for p in html_dir.rglob("*.html") if not skip & set(p.relative_to(html_dir).parts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html_dir", nargs="?", type=Path, default=DEFAULT_HTML)
    parser.add_argument("--pages", nargs="*", help="pages relative to html_dir (default: all)")
    args = parser.parse_args(argv)
    html_dir = args.html_dir.resolve()
    if not (html_dir / "index.html").is_file():
        print(f"{html_dir}: not built (run `make html`)", file=sys.stderr)
        return 2
    pages = [html_dir / p for p in args.pages] if args.pages else book_pages(html_dir)
    start = time.monotonic()
    with Chromium() as browser:
        page = browser.new_page()
        page.send("Network.setBlockedURLs", {"urls": ["http://*", "https://*", "ws://*", "wss://*"]})
        reports = [check_page(page, path, html_dir) for path in pages]
        search = check_search(page, html_dir)
    failed = [r for r in [*reports, search] if r.problems]
    for report in failed:
        print(f"{report.page}:", *report.problems, sep="\n  ", file=sys.stderr)
    formulas = sum(r.formulas for r in reports)
    images = sum(r.images for r in reports)
    print(
        f"{len(reports)} pages in {time.monotonic() - start:.0f} s: {formulas} formulas rendered "
        f"by MathJax, {images} images loaded, the search for {SEARCH_QUERY!r} found "
        f"{search.images} pages; {len(failed)} with problems"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
