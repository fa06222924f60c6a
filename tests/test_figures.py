"""`peersynth figure`: every figure in every format, text and counts read back from the
SVG, the same bytes for the same review, PNGs of the size asked and not blank."""

from __future__ import annotations

import io
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peersynth.cli import app, register
from peersynth.figures import Kind, Labels, render
from peersynth.validate import validate_folder

register()
runner = CliRunner()
SHIPPED = Path(__file__).resolve().parent.parent / "data"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def review():  # type: ignore[no-untyped-def]
    report = validate_folder(SHIPPED)
    assert report.review is not None
    return report.review


def _texts(svg: bytes) -> list[str]:
    """Every line of text the SVG shows (text stays text: svg.fonttype none)."""
    root = ET.fromstring(svg)
    return [" ".join("".join(node.itertext()).split()) for node in root.iter(f"{SVG}text")]


def test_flow_diagram_shows_the_flow_numbers(review) -> None:  # type: ignore[no-untyped-def]
    texts = _texts(render(Kind.flow, review, "svg"))
    assert "Records screened (n = 5191)" in texts
    assert "Reports assessed for eligibility (n = 154)" in texts
    assert "Studies included in review (n = 16)" in texts
    # Phases with a box only: nothing is identified in the shipped flow.
    assert "Screening" in texts
    assert "Included" in texts
    assert "Identification" not in texts


def test_tally_shows_every_theme_with_its_count(review) -> None:  # type: ignore[no-untyped-def]
    texts = _texts(render(Kind.tally, review, "svg"))
    # Counts from ../shared/review/FACTS.md; percents rounded halves up.
    for label, count in (("Education and training", "12 (75%)"),
                         ("Role clarity", "12 (75%)"),
                         ("Professional supervision", "8 (50%)"),
                         ("Leadership", "11 (69%)"),
                         ("Consistent inclusion", "14 (88%)")):
        assert any(label in text for text in texts), label
        assert count in texts, label
    assert "16 (100%)" in texts  # Demonstrated commitment: all studies
    # Subthemes are indented under their parent, marked with a dash.
    assert any(text.endswith("\u2013 Role clarity") for text in texts)


def test_quality_and_countries_match_the_published_distributions(review) -> None:  # type: ignore[no-untyped-def]
    quality = _texts(render(Kind.quality, review, "svg"))
    assert {"good", "fair", "poor", "11 (69%)", "5 (31%)", "0 (0%)"} <= set(quality)
    countries = _texts(render(Kind.countries, review, "svg"))
    assert {"United States", "Australia", "7 (44%)", "3 (19%)", "2 (13%)"} <= set(countries)


def test_matrix_labels_each_study_and_theme(review) -> None:  # type: ignore[no-untyped-def]
    texts = _texts(render(Kind.matrix, review, "svg"))
    assert [f"[{n}]" for n in range(33, 49)] == [t for t in texts if t.startswith("[")]
    assert "\u2013 Role clarity (12)" in texts
    author_year = _texts(render(Kind.matrix, review, "svg", labels=Labels.author_year))
    assert "Byrne et al. 2021" in author_year


@pytest.mark.parametrize("kind", list(Kind))
def test_every_figure_is_the_same_bytes_each_time(review, kind: Kind) -> None:  # type: ignore[no-untyped-def]
    for fmt in ("svg", "pdf"):
        first = render(kind, review, fmt)
        assert first == render(kind, review, fmt), fmt
        assert b"CreationDate" not in first
        assert b"<dc:date>" not in first


def test_pdf_and_png_are_what_they_claim(review) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    assert render(Kind.flow, review, "pdf").startswith(b"%PDF-")
    png = render(Kind.tally, review, "png", width_mm=85)
    image = Image.open(io.BytesIO(png))
    # 85 mm at 300 dpi is 1003.9 pixels wide; matplotlib drops the fraction.
    assert image.size[0] == 1003
    assert image.info.get("dpi", (0, 0))[0] == pytest.approx(300, abs=1)
    colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None
    assert len(colours) > 10


def test_the_cli_writes_by_suffix_and_never_over_a_file(tmp_path: Path) -> None:
    target = tmp_path / "flow.svg"
    result = runner.invoke(app, ["figure", "flow", "--data", str(SHIPPED), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes().lstrip().startswith(b"<?xml")
    again = runner.invoke(app, ["figure", "flow", "--data", str(SHIPPED), "-o", str(target)])
    assert again.exit_code == 2
    assert "already exists" in again.stderr
    bad = runner.invoke(app, ["figure", "flow", "--data", str(SHIPPED),
                              "-o", str(tmp_path / "flow.gif")])
    assert bad.exit_code == 2
    assert "name the --output file .svg, .pdf or .png" in bad.stderr
    assert not (tmp_path / "flow.gif").exists()


def test_svg_goes_to_stdout_without_output() -> None:
    result = runner.invoke(app, ["figure", "quality", "--data", str(SHIPPED)])
    assert result.exit_code == 0
    assert re.search(r"<svg[^>]*>", result.stdout)


def test_a_large_review_draws_every_figure(tmp_path: Path) -> None:
    """500 studies: study labels give way to a range, and nothing fails."""
    studies = ["review:", "  flow:", "    records_screened: 900", "    included: 500",
               "studies:"]
    studies += [f"  - {{id: s{n}, ref: {n}, countries: [Country {n % 7}], quality: good}}"
                for n in range(1, 501)]
    themes = ["themes:", "  - id: a", "    label: A long theme label that has to be wrapped "
              "over several lines", f"    studies: [{', '.join(f's{n}' for n in range(1, 501))}]"]
    (tmp_path / "studies.yaml").write_text("\n".join(studies) + "\n")
    (tmp_path / "themes.yaml").write_text("\n".join(themes) + "\n")
    report = validate_folder(tmp_path)
    assert report.review is not None, [d.text() for d in report.diagnostics]
    texts = _texts(render(Kind.matrix, report.review, "svg"))
    assert "Studies 1\u2013500 in reference order" in texts
    for kind in Kind:
        assert render(kind, report.review, "png", width_mm=85)[:8] == b"\x89PNG\r\n\x1a\n"
        assert render(kind, report.review, "pdf").startswith(b"%PDF-")
        assert ET.fromstring(render(kind, report.review, "svg")).tag == f"{SVG}svg"


def test_width_sets_the_figure_width_in_millimetres(tmp_path: Path) -> None:
    from PIL import Image

    target = tmp_path / "tally.png"
    result = runner.invoke(app, ["figure", "tally", "--data", str(SHIPPED), "--width", "170",
                                 "-o", str(target)])
    assert result.exit_code == 0, result.output
    # 170 mm at 300 dpi is 2007.9 pixels; matplotlib drops the fraction.
    with Image.open(target) as image:
        assert image.size[0] == 2007


def test_a_character_the_font_lacks_is_one_plain_warning(tmp_path: Path) -> None:
    # DejaVu Sans, the figures' only font, has no CJK ideographs.
    folder = tmp_path / "review"
    shutil.copytree(SHIPPED, folder, ignore=shutil.ignore_patterns("coders"))
    themes = folder / "themes.yaml"
    themes.write_text(themes.read_text().replace(
        "label: Role clarity", 'label: "Role \u65e5\u672c clarity"', 1))
    result = runner.invoke(app, ["figure", "tally", str(folder), "--no-cache"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (
        "peersynth: warning: the figure's font (DejaVu Sans) cannot draw "
        "'\u65e5' (U+65E5), '\u672c' (U+672C): each is drawn as an empty box\n")
