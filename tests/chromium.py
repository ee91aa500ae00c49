"""A small Chrome DevTools Protocol client for Debian's headless ``chromium``, over a pipe.

Chromium started with ``--remote-debugging-pipe`` reads protocol commands from file
descriptor 3 and writes responses and events to descriptor 4, each message a JSON object
followed by a NUL byte. No WebDriver, no websocket library, no port: only the Python standard
library and the ``chromium`` package (``apt-get install chromium``), which ``.ci/run`` installs.

Used by ``tests/check_browser.py`` (every page of the built book, as a reader's browser sees
it) and ``tests/print_pdf.py`` (``make pdf``)::

    with Chromium() as browser:
        page = browser.new_page()
        page.goto(Path("_build/html/intro.html").resolve().as_uri())
        print(page.evaluate("document.title"))
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from typing import Any

# Flags that keep a headless Chromium from reaching the network on its own (update checks,
# sync, field trials) and make it run as root in a container.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-dev-shm-usage",
    "--metrics-recording-only",
    "--mute-audio",
    "--allow-file-access-from-files",  # the offline search loads searchindex.js via file://
]


class ChromiumError(RuntimeError):
    """The browser could not be started, or a protocol command failed or timed out."""


def find_chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise ChromiumError("no chromium found: apt-get install chromium")


class Chromium:
    """A headless Chromium with a throwaway profile, driven over ``--remote-debugging-pipe``."""

    def __init__(self, executable: str | None = None, timeout: float = 60.0) -> None:
        self.executable = executable or find_chromium()
        self.timeout = timeout
        self._next_id = 0
        self._buffer = b""
        self._events: list[dict[str, Any]] = []

    # -- process ---------------------------------------------------------------------------
    def __enter__(self) -> Chromium:
        self._profile = tempfile.TemporaryDirectory(prefix="nnbook-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire_fds() -> None:  # in the child: its fd 3 reads commands, fd 4 writes replies
            import fcntl

            read_end = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)  # out of the way of 3, 4
            write_end = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen(
            [self.executable, *CHROMIUM_FLAGS, "--remote-debugging-pipe",
             f"--user-data-dir={self._profile.name}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=wire_fds, pass_fds=(3, 4),  # kept open in the child after wire_fds
        )  # fmt: skip
        os.close(to_browser_r)
        os.close(from_browser_w)
        os.set_blocking(self._from_browser, False)
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except ChromiumError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_browser, self._from_browser):
            os.close(fd)
        if self.process.stderr:
            self.process.stderr.close()
        self._profile.cleanup()

    # -- protocol --------------------------------------------------------------------------
    def _read_messages(self, wait: float) -> None:
        import select

        ready, _, _ = select.select([self._from_browser], [], [], wait)
        if not ready:
            return
        try:
            chunk = os.read(self._from_browser, 1 << 20)
        except BlockingIOError:
            return
        if not chunk:
            raise ChromiumError(f"chromium exited (code {self.process.poll()})")
        self._buffer += chunk
        *messages, self._buffer = self._buffer.split(b"\0")
        self._events += [json.loads(message) for message in messages]

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float | None = None) -> dict[str, Any]:  # fmt: skip
        """Send a command and return its ``result``; events that arrive meanwhile are kept."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for index, event in enumerate(self._events):
                if event.get("id") == self._next_id:
                    del self._events[index]
                    if "error" in event:
                        raise ChromiumError(f"{method}: {event['error']}")
                    return event.get("result", {})
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ChromiumError(f"{method}: no answer within {timeout or self.timeout} s")
            self._read_messages(min(remaining, 0.5))

    def events(self, session: str | None = None) -> list[dict[str, Any]]:
        """Return and forget the events received so far (of one session, if given)."""
        self._read_messages(0)
        taken = [e for e in self._events if "method" in e and
                 (session is None or e.get("sessionId") == session)]  # fmt: skip
        self._events = [e for e in self._events if e not in taken]
        return taken

    def wait_for(self, predicate: Callable[[dict], bool], timeout: float) -> dict | None:
        """Wait for an event matching ``predicate``; return it (kept in the queue) or None."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self._events:
                if "method" in event and predicate(event):
                    return event
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self._read_messages(min(remaining, 0.2))

    def new_page(self) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})
        return Page(self, session["sessionId"])


class Page:
    """One tab: navigation, JavaScript evaluation, printing; protocol events collected."""

    def __init__(self, browser: Chromium, session: str) -> None:
        self.browser = browser
        self.session = session
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")

    def send(self, method: str, params: dict | None = None, timeout: float | None = None):
        return self.browser.send(method, params, session=self.session, timeout=timeout)

    def goto(self, url: str, timeout: float = 60.0) -> None:
        """Navigate and wait for the load event."""
        self.browser.events(self.session)  # drop the previous page's events
        self.send("Page.navigate", {"url": url})
        loaded = self.browser.wait_for(
            lambda e: e.get("sessionId") == self.session and e["method"] == "Page.loadEventFired", timeout
        )
        if loaded is None:
            raise ChromiumError(f"{url}: not loaded within {timeout} s")

    def evaluate(self, expression: str, timeout: float | None = None) -> Any:
        """Evaluate JavaScript (awaiting a returned promise) and return its JSON value."""
        result = self.send("Runtime.evaluate", {
            "expression": expression, "awaitPromise": True, "returnByValue": True,
        }, timeout=timeout)  # fmt: skip
        if "exceptionDetails" in result:
            raise ChromiumError(f"JavaScript error: {result['exceptionDetails']}")
        return result["result"].get("value")

    def events(self) -> list[dict[str, Any]]:
        return self.browser.events(self.session)

    def print_pdf(self, **options: Any) -> bytes:
        import base64

        result = self.send("Page.printToPDF", options, timeout=600)
        return base64.b64decode(result["data"])
