"""Print the single-page build of the book to one PDF, with rendered mathematics (``make pdf``).

Opens ``_build/singlehtml/index.html`` (Sphinx's ``singlehtml`` builder: the whole book on
one page) in headless Chromium, waits until MathJax has typeset every formula and every image
has loaded, then prints the page through the DevTools protocol (``Page.printToPDF``). The
theme's print stylesheet hides the navigation; the book's (``book/_static/nnbook-print.css``)
wraps code and lets nothing scroll. Before printing, the page is laid out for print at the
width of the paper (:func:`prepare_print_layout`) and every display formula (MathJax 3's
CommonHTML output does not break lines) or table wider than the column is scaled to fit it. No network:
the page is read through ``file://`` with the vendored MathJax, and remote requests are blocked.

Usage::

    .venv/bin/python tests/print_pdf.py _build/singlehtml/index.html _build/nnbook.pdf
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_browser import INSPECT_PAGE, problems_from_events, problems_from_inspection  # noqa: E402
from chromium import Chromium  # noqa: E402

A4 = {"paperWidth": 8.27, "paperHeight": 11.69}  # inches
MARGINS = {f"margin{side}": 0.6 for side in ("Top", "Bottom", "Left", "Right")}
#: The width of the printed column in CSS pixels (96 per inch): the paper less its margins.
PRINT_WIDTH = int((A4["paperWidth"] - MARGINS["marginLeft"] - MARGINS["marginRight"]) * 96)

#: Scale every display formula, and every table, wider than its box down to the box (CSS
#: ``zoom``, which shrinks the layout box too, unlike a transform). Tables wrap their cells in
#: print (nnbook-print.css); one with a formula or a long name in a cell may still not fit.
#: Returns how many were scaled.
FIT_FORMULAS = """
(() => {
  let scaled = 0;
  const column = document.documentElement.clientWidth;
  const fit = (el, natural, box) => {
    if (box > 0 && natural > box + 1) {
      el.style.zoom = (0.98 * box / natural).toFixed(4);
      scaled += 1;
    }
  };
  for (const el of document.querySelectorAll('mjx-container[display="true"]')) {
    el.style.zoom = "";
    const box = el.parentElement ? el.parentElement.clientWidth : 0;
    const math = el.querySelector("mjx-math");
    fit(el, Math.max(el.scrollWidth, math ? math.getBoundingClientRect().width : 0), box);
  }
  for (const el of document.querySelectorAll("table")) {
    el.style.zoom = "";
    const rect = el.getBoundingClientRect();
    if (rect.width === 0) continue;
    const parent = el.parentElement ? el.parentElement.clientWidth : column;
    fit(el, Math.max(el.scrollWidth, rect.width), Math.min(parent, column - rect.left));
  }
  return scaled;
})()
"""


def prepare_print_layout(page) -> int:
    """Lay the loaded page out as it will be printed (print media, the paper's column width),
    scale the formulas that are too wide; returns how many were scaled."""
    page.send("Emulation.setEmulatedMedia", {"media": "print"})
    page.send("Emulation.setDeviceMetricsOverride",
              {"width": PRINT_WIDTH, "height": 1000, "deviceScaleFactor": 1, "mobile": False})  # fmt: skip
    return int(page.evaluate(FIT_FORMULAS, timeout=300))


def print_pdf(page_path: Path, pdf_path: Path) -> int:
    start = time.monotonic()
    with Chromium(timeout=300) as browser:
        page = browser.new_page()
        page.send("Network.setBlockedURLs", {"urls": ["http://*", "https://*", "ws://*", "wss://*"]})
        page.goto(page_path.resolve().as_uri(), timeout=300)
        result = page.evaluate(INSPECT_PAGE, timeout=600)
        # The theme's scripts expect a multi-page site (search index, navigation) and log
        # errors on the single page; they do not change what is printed. What must hold:
        # nothing fetched from the network, every formula typeset, every image loaded.
        network = [p for p in problems_from_events(page.events()) if p.startswith("network")]
        problems = network + problems_from_inspection(result)
        if problems:
            print(f"{page_path}:", *problems, sep="\n  ", file=sys.stderr)
            return 1
        scaled = prepare_print_layout(page)
        pdf = page.print_pdf(printBackground=True, displayHeaderFooter=False,
                             generateDocumentOutline=True, **A4, **MARGINS)  # fmt: skip
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    pdf_path.write_bytes(pdf)
    print(
        f"{pdf_path}: {len(pdf) / 1e6:.1f} MB, {result['typeset']} formulas and "
        f"{result['images']} images ({scaled} wide formulas and tables scaled to the column), "
        f"in {time.monotonic() - start:.0f} s"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path, help="the singlehtml build's index.html")
    parser.add_argument("pdf", type=Path)
    args = parser.parse_args(argv)
    if not args.page.is_file():
        print(f"{args.page}: not built (make pdf runs the singlehtml builder first)", file=sys.stderr)
        return 2
    return print_pdf(args.page, args.pdf)


if __name__ == "__main__":
    sys.exit(main())
