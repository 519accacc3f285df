"""Open a report.html in headless Chromium at given widths: screenshots, and whether the page overflows.

    python scripts/report_layout.py RUN_DIR/report.html --out /tmp/shots --widths 420 1400

For each width W it writes shot-W.png (the top of the page, W x 2400 px) and prints one JSON line:
{"width": W, "scroll_width": ..., "client_width": ..., "overflow": [elements wider than the viewport]}.
The page overflows horizontally when scroll_width > client_width. Exit status 1 when any width overflows,
2 when no Chromium is found. tests/report/test_html_layout.py runs the same measurement.
"""
from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["find_chromium", "measure", "screenshot"]

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

#: Headless Chromium lays a window out at least 500 px wide, so the page is measured inside an iframe of the
#: requested width (srcdoc: same origin, so the outer page can read it). The script reports the iframe root's
#: scroll and client widths and every element whose right edge passes the viewport, outside a horizontally
#: scrolling wrapper (which may be wide: it scrolls).
_PROBE = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">
<iframe id="page" style="width:%(width)dpx;height:1600px;border:0" srcdoc="%(srcdoc)s"></iframe>
<script>
document.getElementById('page').addEventListener('load', function () {
  var doc = this.contentDocument, de = doc.documentElement, win = this.contentWindow, out = [];
  doc.querySelectorAll('body *').forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.right > de.clientWidth + 0.5) {
      for (var p = el.parentElement; p; p = p.parentElement) {
        var ox = win.getComputedStyle(p).overflowX;
        if (ox === 'auto' || ox === 'scroll') return;
      }
      out.push({tag: el.tagName.toLowerCase(), id: el.id, cls: String(el.className), right: Math.round(r.right),
                text: (el.textContent || '').slice(0, 60)});
    }
  });
  var pre = document.createElement('pre');
  pre.id = 'layout-probe';
  pre.textContent = JSON.stringify({scroll_width: de.scrollWidth, client_width: de.clientWidth,
                                    body_scroll_width: doc.body.scrollWidth, overflow: out.slice(0, 20)});
  document.body.appendChild(pre);
});
</script></body></html>"""


def find_chromium() -> str | None:
    """The path of a Chromium/Chrome binary ($CHROMIUM first), or None."""
    env = os.environ.get("CHROMIUM")
    if env and shutil.which(env):
        return shutil.which(env)
    for name in _CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def _run(binary: str, width: int, height: int, args: list[str], timeout: float) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        cmd = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
               "--no-first-run", "--mute-audio", f"--user-data-dir={profile}", f"--window-size={width},{height}",
               "--virtual-time-budget=5000", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def measure(binary: str, page: Path, width: int, timeout: float = 120) -> dict:
    """Lay out `page` `width` CSS px wide and return the probe's numbers (see _PROBE)."""
    probe = _PROBE % {"width": width, "srcdoc": html.escape(Path(page).read_text(), quote=True)}
    with tempfile.TemporaryDirectory() as tmp:
        outer = Path(tmp) / "probe.html"
        outer.write_text(probe)
        res = _run(binary, max(width + 100, 800), 1700, ["--dump-dom", outer.as_uri()], timeout)
    m = re.search(r'<pre id="layout-probe">(.*?)</pre>', res.stdout, re.S)
    if not m:
        raise RuntimeError(f"no layout probe in Chromium's DOM (exit {res.returncode}): {res.stderr[-500:]}")
    out = json.loads(html.unescape(m.group(1)))
    out["width"] = width
    return out


def screenshot(binary: str, page: Path, width: int, png: Path, height: int = 2400, timeout: float = 120) -> Path:
    """A screenshot of the top `height` px of `page` laid out `width` px wide."""
    _run(binary, width, height, [f"--screenshot={Path(png).resolve()}", Path(page).resolve().as_uri()], timeout)
    if not Path(png).exists():
        raise RuntimeError(f"Chromium wrote no screenshot {png}")
    return Path(png)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("html", type=Path)
    ap.add_argument("--out", type=Path, default=Path("report-shots"))
    ap.add_argument("--widths", type=int, nargs="+", default=[420, 1400])
    ap.add_argument("--height", type=int, default=2400)
    a = ap.parse_args(argv)
    binary = find_chromium()
    if binary is None:
        print("no Chromium found (set CHROMIUM or install chromium)", file=sys.stderr)
        return 2
    a.out.mkdir(parents=True, exist_ok=True)
    bad = False
    for w in a.widths:
        m = measure(binary, a.html, w)
        shot = screenshot(binary, a.html, w, a.out / f"shot-{w}.png", a.height)
        m["screenshot"] = str(shot)
        bad |= m["scroll_width"] > m["client_width"]
        print(json.dumps(m))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
