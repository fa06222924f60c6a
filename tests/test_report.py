"""peersynth report: the self-contained HTML page, checked as text and in a real browser
(headless Chromium, which .ci/run installs; those tests skip where it is absent).

The 1,000-study page is left out of the default run (about 4 s); run it with

    PEERSYNTH_SLOW=1 .venv/bin/pytest tests/test_report.py -k thousand
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peersynth.cli import app, register
from peersynth.report_html import CSP, build, template_text
from peersynth.validate import validate_folder

register()

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (.ci/run installs Debian's package)")

# The shipped review's ten themes, in tree order (data/themes.yaml; FACTS.md).
THEMES = ["Education and training", "Organisational readiness", "Role clarity",
          "Recruitment and induction", "Structural adjustments, resourcing and support",
          "Professional supervision",
          "Demonstrated commitment to peer integration and recovery practice",
          "Leadership", "Championing", "Consistent inclusion"]
# Anything the page could make the browser fetch: src=, href=, url(...), @import.
FETCH = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?|@import\s+["']?)"""
                   r"""\s*(?:https?:)?//""", re.IGNORECASE)


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def page() -> str:
    result = run("report", DATA, "--no-cache")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_page_fetches_nothing_and_forbids_fetching(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    # The attribute is escaped as any value (' as &#39;); the browser reads it back.
    assert (f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            in html.unescape(page))
    assert CSP == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    assert FETCH.search(page) is None
    assert "<script" not in page.lower()
    assert "<link" not in page.lower()
    # Every image is inline data; the only URLs left are XML namespace names.
    assert set(re.findall(r"https?://[^\s\"')]+", page)) == {
        "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert FETCH.search(template_text()) is None


def test_the_pattern_catches_what_would_fetch() -> None:
    for text in ['<img src="https://example.org/a.png">', "<a href='//cdn.example/x'>",
                 "background: url( http://x/y.png)", '@import "https://f/x.css"']:
        assert FETCH.search(text), text


def test_the_page_holds_flow_tables_themes_and_matrix(page: str) -> None:
    text = html.unescape(page)
    # FACTS.md: 5191 records screened, 154 reports assessed, 16 studies included.
    for line in ["Records screened: <strong>5191</strong>",
                 "Reports assessed for eligibility: <strong>154</strong>",
                 "Studies included in review: <strong>16</strong>"]:
        assert line in text
    for number in ("(n = 5191)", "(n = 154)", "(n = 16)"):  # the diagram's own text
        assert number in text
    for label in THEMES:
        assert label in text, label
    # Themes with their counts and citations (FACTS.md; cite role-clarity by hand).
    assert re.search(r'<th scope="row" class="depth-1">Role clarity</th><td class="r">'
                     r"12/16</td><td class=\"r\">75%</td><td>\[33\u201342, 44, 45\]</td>", text)
    assert re.search(r'<th scope="row">Demonstrated commitment to peer integration and '
                     r'recovery practice</th><td class="r">16/16</td>', text)
    # Table 1: one row a study, 16 studies, each heading its row.
    table_1 = text[text.index('<table id="table-1">'):]
    table_1 = table_1[:table_1.index("</table>")]
    assert table_1.count('<th scope="row"') == 16
    assert '<th scope="col">Country</th>' in table_1
    assert "Berry et al. 2011" in table_1
    # Quality: good 11, fair 5, poor 0 (FACTS.md).
    assert re.search(r'<th scope="row">good</th><td class="r">11</td><td class="r">69%</td>',
                     text)
    assert re.search(r'<th scope="row">fair</th><td class="r">5</td>', text)
    assert re.search(r'<th scope="row">poor</th><td class="r">0</td>', text)


def test_every_heat_map_cell_names_its_study_and_theme(page: str) -> None:
    matrix = page[page.index('aria-labelledby="matrix-title"'):]
    matrix = matrix[:matrix.index("</svg>")]
    tips = re.findall(r"<rect [^>]*><title>([^<]*)</title></rect>", matrix)
    assert len(tips) == 16 * 10  # every cell of 16 studies by 10 themes
    # Berry et al. 2011 is ref 44: cited for role clarity ([33-42, 44, 45]), not for
    # recruitment and induction ([35, 38, 39, 43, 47, 48]).
    assert "[44] Berry et al. 2011 \u00d7 Role clarity: coded" in tips
    assert "[44] Berry et al. 2011 \u00d7 Recruitment and induction: not coded" in tips
    assert sum(tip.endswith(": coded") for tip in tips) == sum(
        [12, 16, 12, 6, 11, 8, 16, 11, 6, 14])  # the tally's n of each theme


def test_figures_are_labelled_and_their_ids_unique(page: str) -> None:
    svgs = re.findall(r"<svg\b[^>]*>", page)
    assert len(svgs) == 4  # flow, tally, matrix, quality
    for opening in svgs:
        assert 'role="img"' in opening
        assert "aria-labelledby=" in opening
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    for target in re.findall(r'(?:url\(#|href="#)([^")]+)', page):
        assert target in ids, target
    assert "@media print" in page


def test_review_text_is_escaped_and_warnings_listed(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "review")
    themes = tmp_path / "review" / "themes.yaml"
    text = themes.read_text(encoding="utf-8")
    text = text.replace("label: Championing", 'label: "Championing <script>x</script> & co"')
    text += "  - id: nothing-yet\n    label: Nothing yet\n    studies: []\n"
    themes.write_text(text, encoding="utf-8")
    result = run("report", tmp_path / "review", "--no-cache")
    assert result.returncode == 0, result.stderr
    assert "<script" not in result.stdout
    assert "Championing &lt;script&gt;x&lt;/script&gt; &amp; co" in result.stdout
    assert "empty-theme" in result.stderr  # said, as every command says warnings
    warnings = result.stdout[result.stdout.index('<div class="warnings">'):]
    assert "<p>1 warning from <code>peersynth validate</code>:</p>" in warnings
    assert re.search(r"<li>[^<]*review/themes\.yaml:\d+:\d+: warning\[empty-theme\]", warnings)


def test_no_warnings_says_so(page: str) -> None:
    assert "None: <code>peersynth validate</code> found no problems." in page


def test_output_is_never_replaced_without_force(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    out.write_text("mine", encoding="utf-8")
    refused = run("report", DATA, "--output", out)
    assert refused.returncode == 2
    assert "already exists" in refused.stderr
    assert out.read_text(encoding="utf-8") == "mine"
    assert run("report", DATA, "--output", out, "--force").returncode == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_an_invalid_review_exits_1_without_a_page(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "review")
    studies = tmp_path / "review" / "studies.yaml"
    studies.write_text(studies.read_text(encoding="utf-8").replace(
        "id: ref33", "id: ref34", 1), encoding="utf-8")
    result = run("report", tmp_path / "review", "--no-cache")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "error(s); run `peersynth validate" in result.stderr


def test_the_command_loads_no_figure_or_template_code_until_run() -> None:
    code = ("import sys; from peersynth.cli import register; register(); "
            "print(sorted(m for m in ('jinja2', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def chromium(page: Path, tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium on a file, with everything that would reach the network off
    and the page's console written to stderr (lines with "CONSOLE")."""
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-default-apps",
         "--disable-extensions", f"--user-data-dir={tmp / 'profile'}",
         "--enable-logging=stderr", "--v=0", *extra, page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)


def console(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if ":CONSOLE" in line]


@needs_chromium
def test_chromium_shows_every_theme_and_the_flow(tmp_path: Path, page: str) -> None:
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    dom = chromium(path, tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    # A request the page made would be refused by its policy, and the refusal logged to
    # the console; so would any script error. There is none.
    assert console(dom) == []
    text = html.unescape(dom.stdout)
    for label in THEMES:
        assert label in text, label
    for number in ("5191", "154", "16"):
        assert f"<strong>{number}</strong>" in text
    shot = tmp_path / "report.png"
    drawn = chromium(path, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000",
                     "--hide-scrollbars")
    assert drawn.returncode == 0, drawn.stderr[-2000:]
    assert console(drawn) == []
    from PIL import Image

    with Image.open(shot) as image:
        assert image.size == (1280, 2000)
        # Not blank: the heading's blue and the text's ink are both there.
        colours = {colour for _, colour in image.convert("RGB").getcolors(1 << 20) or []}
        assert (255, 255, 255) in colours
        assert len(colours) > 50


@needs_chromium
def test_chromium_prints_the_page_on_a4(tmp_path: Path, page: str) -> None:
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    printed = chromium(path, tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert printed.returncode == 0, printed.stderr[-2000:]
    data = pdf.read_bytes()
    # The print stylesheet's @page: A4 (595 x 842 pt), and more than one page of it.
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)
    assert len(boxes) >= 2
    for width, height in boxes:
        assert round(float(width)) == 595
        assert round(float(height)) == 842


@needs_chromium
def test_chromium_reports_a_blocked_request(tmp_path: Path) -> None:
    # The check above could pass by the console never being read: a page that tries a
    # request under the same policy shows it is.
    path = tmp_path / "bad.html"
    path.write_text(f'<!DOCTYPE html><meta http-equiv="Content-Security-Policy" '
                    f'content="{CSP}"><img src="http://192.0.2.1/x.png" alt="x">',
                    encoding="utf-8")
    result = chromium(path, tmp_path, "--dump-dom")
    assert any("Content Security Policy" in line for line in console(result))


@needs_chromium
@pytest.mark.skipif(os.environ.get("PEERSYNTH_SLOW") != "1",
                    reason="about 4 s; PEERSYNTH_SLOW=1 runs it")
def test_chromium_renders_a_thousand_study_review(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import write_review
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    folder = write_review(tmp_path / "review", 1000)
    found = validate_folder(folder)
    assert found.review is not None
    path = tmp_path / "report.html"
    path.write_text(build(found.review, found.diagnostics), encoding="utf-8")
    dom = chromium(path, tmp_path, "--dump-dom")
    assert dom.returncode == 0
    assert console(dom) == []
    text = html.unescape(dom.stdout)
    for theme, _ in found.review.themes_file.walk():
        assert theme.label in text, theme.label
    assert "Studies included in review: <strong>1000</strong>" in text
    assert text.count('<th scope="row"') >= 1000


def test_a_long_theme_list_gets_its_table_without_the_bar_chart(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import peersynth.report_html as report_html

    found = validate_folder(DATA)
    assert found.review is not None
    monkeypatch.setattr(report_html, "TALLY_CHART_MAX", 9)  # the shipped review has 10
    page = build(found.review)
    assert 'aria-labelledby="tally-title"' not in page
    assert len(re.findall(r"<svg\b", page)) == 3  # flow, matrix, quality
    assert page.count('<tr><th scope="row"') >= 10 + 16 + 3  # themes, Table 1, quality
    monkeypatch.setattr(report_html, "TALLY_CHART_MAX", 10)
    assert 'aria-labelledby="tally-title"' in build(found.review)


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(ink: str, paper: str) -> float:
    """WCAG 2's contrast ratio of two #rrggbb colours."""
    light, dark = sorted((_luminance(ink), _luminance(paper)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0  # WCAG's extremes
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the classic near miss


def test_text_colours_meet_wcag_aa() -> None:
    colours = dict(re.findall(r"--([a-z-]+): (#[0-9a-f]{6})", template_text()))
    pairs = [("ink", "#ffffff"), ("muted", "#ffffff"), ("accent", "#ffffff"),
             ("ink", colours["band"]), ("warn", colours["warn-bg"])]
    for ink, paper in pairs:
        assert contrast(colours[ink], paper) >= 4.5, (ink, paper)
