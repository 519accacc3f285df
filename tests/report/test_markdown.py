"""report.md renders: well-formed GFM tables (every `|` in a cell escaped), anchors that resolve; report.html too."""
import re

import pytest

from verifier.report._format import md_cell

_SEP = re.compile(r"^\|(\s*:?-{3,}:?\s*\|)+$")


def _cells(row: str) -> list[str]:
    """A GFM table row split on its unescaped pipes (a `|` ends a cell even inside a code span)."""
    row = row.strip()
    assert row.startswith("|") and row.endswith("|") and not row.endswith("\\|"), row
    return re.split(r"(?<!\\)\|", row)[1:-1]


def _tables(md: str) -> list[tuple[int, list[str]]]:
    """(line number of the header, rows) of every table: a row of pipes followed by a separator row."""
    lines = md.splitlines()
    out, i = [], 0
    while i < len(lines) - 1:
        if lines[i].startswith("|") and _SEP.match(lines[i + 1].strip()):
            j = i + 2
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            out.append((i, lines[i:j]))
            i = j
        else:
            i += 1
    return out


def test_every_table_row_has_the_header_column_count(small_run):
    md = (small_run / "report.md").read_text()
    lines = md.splitlines()
    tables = _tables(md)
    assert len(tables) >= 10
    for start, rows in tables:
        assert start == 0 or lines[start - 1].strip() == "", f"table at line {start + 1} not after a blank line"
        n = len(_cells(rows[0]))
        assert len(_cells(rows[1])) == n
        for k, row in enumerate(rows[2:], start + 3):
            assert len(_cells(row)) == n, f"line {k}: {len(_cells(row))} cells, header has {n}: {row[:120]}"
    # every line that starts like a table row belongs to a table (no orphan rows from a broken table)
    in_tables = {start + k for start, rows in tables for k in range(len(rows))}
    assert not [i + 1 for i, ln in enumerate(lines) if ln.startswith("|") and i not in in_tables]
    # the norms in hypothesis and conclusion cells are escaped, not splitting cells
    assert "\\|\\|u(0)\\|\\|" in md


def test_a_markdown_renderer_sees_the_same_tables(small_run):
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py not installed")
    md = (small_run / "report.md").read_text()
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(md)
    rendered = re.findall(r"<table>(.*?)</table>", html, re.S)
    raw = _tables(md)
    assert len(rendered) == len(raw)
    for body, (_, rows) in zip(rendered, raw):
        trs = re.findall(r"<tr>(.*?)</tr>", body, re.S)
        assert len(trs) == len(rows) - 1
        n = len(_cells(rows[0]))
        assert all(len(re.findall(r"<t[hd][ >]", tr)) == n for tr in trs)
        assert "\\|" not in body      # escapes consumed by the renderer


def test_md_cell_escapes_pipes_once_and_keeps_rows_on_one_line():
    assert md_cell("||u(k)|| <= 2") == "\\|\\|u(k)\\|\\| <= 2"
    assert md_cell(md_cell("|x|")) == "\\|x\\|"
    assert md_cell("a\nb") == "a b"


def test_table_of_contents_anchors_resolve(small_run):
    md = (small_run / "report.md").read_text()
    ids = re.findall(r'<a id="([^"]+)"></a>', md)
    assert len(ids) == len(set(ids))
    links = re.findall(r"\]\(#([^)]+)\)", md)
    assert {"distance", "verdicts", "statements", "figures", "st-l3-6-i-vi"} <= set(links)
    assert set(links) <= set(ids), set(links) - set(ids)
    html = (small_run / "report.html").read_text()
    html_ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(html_ids) == len(set(html_ids))
    hrefs = re.findall(r'href="#([^"]+)"', html)
    assert set(links) <= set(hrefs) and set(hrefs) <= set(html_ids), set(hrefs) - set(html_ids)


def test_html_is_responsive(small_run):
    html = (small_run / "report.html").read_text()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert re.search(r"figure img \{[^}]*width: 100%", html) and re.search(r"\.scroll \{[^}]*overflow-x: auto", html)
    # every table sits in a horizontally scrolling wrapper
    assert html.count("<table") == html.count('<div class="scroll"><table')
