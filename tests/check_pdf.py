"""Check the book's PDF (``make pdf``): enough pages, every chapter, no raw TeX, nothing clipped.

A formula MathJax did not typeset reaches the PDF as its TeX source (``$$``, ``\\frac``,
``\\begin{...}``); ``pdftotext`` (Debian's ``poppler-utils``) extracts the text, in which
typeset mathematics shows as symbols, not as TeX commands.

Code listings are shown as they are, TeX in docstrings included: lines of the PDF that come
from a code block of the printed page (``--html``, the ``<pre>`` blocks of the singlehtml
build) are not reported.

Nothing is clipped (``--html``): the printed page is opened in headless Chromium, laid out
for print as ``tests/print_pdf.py`` lays it out (print media, the paper's column width, wide
formulas scaled), and every element of the print layout that holds code, a formula, an output
or a table is measured (:data:`MEASURE_LAYOUT`): one whose content is wider than its box (a
scroll box, printed clipped with a scrollbar) or that reaches past the column is reported.

Usage::

    .venv/bin/python tests/check_pdf.py _build/nnbook.pdf --html _build/singlehtml/index.html
"""

from __future__ import annotations

import argparse
import html
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_browser import INSPECT_PAGE  # noqa: E402
from chromium import Chromium  # noqa: E402
from print_pdf import prepare_print_layout  # noqa: E402

#: The elements of the print layout that must fit their box: code blocks, formulas, cell
#: outputs, tables and the theme's containers around them. Returns one entry per element too wide.
MEASURE_LAYOUT = r"""
(() => {
  const selector = 'pre, div.highlight, div.math, mjx-container[display="true"], table, '
    + '.cell_output, .output, .pst-scrollable-table-container, .table-wrapper';
  const column = document.documentElement.clientWidth;
  const found = [];
  for (const el of document.querySelectorAll(selector)) {
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;  // not printed (a folded cell)
    const overflowX = getComputedStyle(el).overflowX;
    const clipped = overflowX !== "visible" && el.scrollWidth > el.clientWidth + 1;
    const zoom = parseFloat(getComputedStyle(el).zoom) || 1;
    const right = Math.max(rect.right, rect.left + el.scrollWidth * zoom);
    if (clipped || right > column + 1) {
      const heading = (() => {
        for (let node = el; node; node = node.previousElementSibling || node.parentElement) {
          const h = node.matches && node.matches("section") ? node.querySelector("h1, h2, h3, h4") : null;
          if (h) return h.textContent.replace("#", "").trim();
        }
        return "";
      })();
      found.push({
        element: el.tagName.toLowerCase() + (el.className && typeof el.className === "string"
          ? "." + el.className.trim().split(/\s+/).join(".") : ""),
        text: el.textContent.replace(/\s+/g, " ").trim().slice(0, 70),
        content: Math.round(Math.max(el.scrollWidth, rect.width)),
        box: Math.round(clipped ? el.clientWidth : column - rect.left),
        section: heading.slice(0, 60),
      });
    }
  }
  return found;
})()
"""

# TeX that must never be visible to a reader. Code listings in the book do not contain
# these (a backslash-command inside a Python string would be the one exception to watch).
RAW_TEX = re.compile(r"\$\$|\\(?:frac|begin\{|end\{|sum_|mathbf|boldsymbol|partial|sigma|nabla|left[(\[]|right[)\]])")


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    match = re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)
    if not match:
        raise ValueError(f"pdfinfo printed no page count for {pdf}")
    return int(match.group(1))


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def code_text(page_html: str) -> str:
    """The text of every ``<pre>`` block of a page, whitespace collapsed, in one string."""
    blocks = re.findall(r"<pre\b[^>]*>(.*?)</pre>", page_html, re.S | re.I)
    return " \n ".join(_collapse(html.unescape(re.sub(r"<[^>]+>", "", b))) for b in blocks)


def raw_tex(text: str, code: str = "") -> list[str]:
    """Lines of ``text`` that still hold TeX source and are not part of the ``code`` text."""
    return [
        line.strip() for line in text.splitlines()
        if RAW_TEX.search(line) and _collapse(line) not in code
    ]  # fmt: skip


def chapter_titles(page_html: str) -> list[str]:
    """The titles of the book's parts and chapters on the printed page.

    On the single page, the book's title is ``<h1>``, parts and the front matter ``<h2>``,
    chapters ``<h3>``; section headings carry a permalink (the theme's own headings do not).
    """
    headings = re.findall(r"<h[1-3]\b[^>]*>(.*?)</h[1-3]>", page_html, re.S | re.I)
    titles = [h.split('<a class="headerlink"')[0] for h in headings if 'class="headerlink"' in h]
    clean = (_collapse(html.unescape(re.sub(r"<[^>]+>", "", t))).rstrip("#").strip() for t in titles)
    return [title for title in clean if title]


def missing_titles(text: str, titles: list[str]) -> list[str]:
    """The titles that do not occur in the PDF's text (whitespace and line breaks ignored)."""
    flat = _collapse(text)
    return [title for title in titles if _collapse(title) not in flat]


def too_wide(page_path: Path, timeout: float = 600) -> list[str]:
    """The elements of ``page_path``'s print layout that are wider than their box (see above)."""
    with Chromium(timeout=timeout) as browser:
        page = browser.new_page()
        page.send("Network.setBlockedURLs", {"urls": ["http://*", "https://*", "ws://*", "wss://*"]})
        page.goto(page_path.resolve().as_uri(), timeout=timeout)
        page.evaluate(INSPECT_PAGE, timeout=timeout)  # MathJax done, images loaded
        prepare_print_layout(page)
        found = page.evaluate(MEASURE_LAYOUT, timeout=timeout)
    return [
        f'{item["element"]} ({item["content"]} px in a {item["box"]} px box) in "{item["section"]}": {item["text"]}'
        for item in found
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf", type=Path)
    parser.add_argument("--html", type=Path, help="the printed page, for its code blocks")
    parser.add_argument("--min-pages", type=int, default=100)
    parser.add_argument("--no-layout", action="store_true", help="skip measuring the print layout")
    args = parser.parse_args(argv)
    pages = page_count(args.pdf)
    page_html = args.html.read_text(encoding="utf-8") if args.html else ""
    text = pdf_text(args.pdf)
    leftovers = raw_tex(text, code_text(page_html))
    titles = chapter_titles(page_html)
    status = 0
    if missing := missing_titles(text, titles):
        print(f"{args.pdf}: chapters missing:", *missing, sep="\n  ", file=sys.stderr)
        status = 1
    if pages < args.min_pages:
        print(f"{args.pdf}: {pages} pages, expected at least {args.min_pages}", file=sys.stderr)
        status = 1
    if leftovers:
        print(f"{args.pdf}: raw TeX in {len(leftovers)} lines:", *leftovers[:20],
              sep="\n  ", file=sys.stderr)  # fmt: skip
        status = 1
    wide = too_wide(args.html) if args.html and not args.no_layout else []
    if wide:
        print(f"{args.html}: {len(wide)} elements of the print layout wider than their box:", *wide[:40],
              sep="\n  ", file=sys.stderr)  # fmt: skip
        status = 1
    if status == 0:
        layout = ", nothing wider than its box" if args.html and not args.no_layout else ""
        print(f"{args.pdf}: {pages} pages, all {len(titles)} chapter titles, no raw TeX{layout}")
    return status


if __name__ == "__main__":
    sys.exit(main())
