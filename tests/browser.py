"""A real headless Chromium for tests, driven over the DevTools protocol (the `websockets`
client Prefect already brings; no browser-automation package). Debian's
`chromium-headless-shell` (or `chromium`) is installed by `make browser`; without it the
tests that need a browser are skipped.

`open_page(url)` loads a page as an anonymous visitor (a fresh profile, no credentials),
then, inside the page, follows every link with `fetch()` — what clicking each one would
load — and returns the title, the visible text and each link's status and type."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
from websockets.sync.client import connect

CANDIDATES = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome")

FOLLOW_LINKS = """(async () => {
  const links = [];
  for (const a of document.querySelectorAll('a[href]')) {
    let status = 0, type = '';
    try { const r = await fetch(a.href, {credentials: 'omit'}); status = r.status;
          type = r.headers.get('content-type') || ''; await r.arrayBuffer(); }
    catch (e) { status = -1; type = String(e); }
    links.push({href: a.getAttribute('href'), url: a.href, status, type});
  }
  return {title: document.title, text: document.body ? document.body.innerText : '', url: location.href, links};
})()"""


def chromium() -> str | None:
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    def __init__(self):
        exe = chromium()
        if exe is None:
            raise RuntimeError("no Chromium")
        self.profile = Path(tempfile.mkdtemp(prefix="edumon-chromium-"))
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
             f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("Chromium did not start")
            time.sleep(0.1)
        self.port = int(port_file.read_text().split()[0])
        self._id = 0

    def _page_ws(self) -> str:
        for _ in range(50):
            targets = httpx.get(f"http://127.0.0.1:{self.port}/json/list", timeout=5).json()
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.1)
        raise RuntimeError("no page target")

    def _call(self, ws, method: str, params: dict | None = None, wait_event: str | None = None,
              timeout: float = 60) -> dict:
        self._id += 1
        my = self._id
        ws.send(json.dumps({"id": my, "method": method, "params": params or {}}))
        result, event_seen = None, wait_event is None
        deadline = time.monotonic() + timeout
        while result is None or not event_seen:
            msg = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if msg.get("id") == my:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                result = msg.get("result", {})
            elif wait_event and msg.get("method") == wait_event:
                event_seen = True
        return result

    def open_page(self, url: str) -> dict:
        with connect(self._page_ws(), max_size=None) as ws:
            self._call(ws, "Page.enable")
            nav = self._call(ws, "Page.navigate", {"url": url}, wait_event="Page.loadEventFired")
            if nav.get("errorText"):
                raise RuntimeError(f"navigation failed: {nav['errorText']}")
            out = self._call(ws, "Runtime.evaluate", {"expression": FOLLOW_LINKS, "awaitPromise": True,
                                                      "returnByValue": True})
            return out["result"]["value"]

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)
