"""report.html in a real (headless) Chromium: no horizontal overflow at 420 px, screenshots at 420 and 1400 px.

Skipped, with the reason, where no Chromium binary is found (install Debian's `chromium`, or set CHROMIUM).
The measuring code is scripts/report_layout.py, which also runs by hand on any report.
"""
import importlib.util
import struct
from pathlib import Path

import pytest

_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "report_layout.py"


def _layout():
    spec = importlib.util.spec_from_file_location("report_layout", _SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


layout = _layout()
CHROMIUM = layout.find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium binary found (apt-get install chromium, "
                                                         "or set CHROMIUM=/path/to/chrome)")


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.mark.parametrize("width", [420, 1400])
def test_no_horizontal_overflow(small_run, width):
    m = layout.measure(CHROMIUM, small_run / "report.html", width)
    assert m["client_width"] == width
    assert m["scroll_width"] <= m["client_width"], m
    assert m["overflow"] == [], m


def test_screenshots_at_420_and_1400(small_run, tmp_path):
    for width in (420, 1400):
        png = layout.screenshot(CHROMIUM, small_run / "report.html", width, tmp_path / f"shot-{width}.png", 1200)
        assert _png_size(png) == (width, 1200)
        assert png.stat().st_size > 10_000     # a rendered page, not a blank one
