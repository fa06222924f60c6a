"""Small review folders written from YAML text in the test, and the CLI run on them."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from typer.testing import CliRunner, Result

from peersynth.cli import app, register
from peersynth.review import Review
from peersynth.validate import validate_folder

# Every command, as the installed `peersynth` registers them.
register()
REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
ENV = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb", "PEERSYNTH_DATA": None}

# Five studies: refs 1, 2, 3 and 5 and one without a ref; two with several countries;
# two that would both read "Byrne et al. 2019"; authors with diacritics; a
# vocabulary for the `setting` attribute; one study without a setting.
SMALL_STUDIES = """\
vocabularies:
  setting: [community, inpatient]
studies:
  - id: alpha
    ref: 1
    authors: [Ångström K, Nguyễn T]
    year: 2019
    countries: [Denmark]
    design: qualitative
    quality: good
    attributes: {setting: community}
  - id: beta
    ref: 2
    authors: [Byrne L, Wang Y, O'Shea P]
    year: 2019
    countries: [Australia]
    design: qualitative
    quality: fair
    attributes: {setting: inpatient}
  - id: gamma
    ref: 3
    authors: [Byrne L, Roennfeldt H, Smith J]
    year: 2019
    countries: [Australia, India]
    design: mixed-methods
    quality: good
    attributes: {setting: community}
  - id: delta
    ref: 5
    authors: [Müller A]
    year: 2021
    countries: [India, Denmark, Kenya]
    design: quantitative
    quality: good
  - id: epsilon
    year: 2020
    countries: [Denmark]
    design: qualitative
    quality: poor
    attributes: {setting: community}
"""

# Three levels: access > cost > insurance.
SMALL_THEMES = """\
themes:
  - id: access
    label: Access to care
    studies: [alpha]
    subthemes:
      - id: cost
        label: Cost
        studies: [beta]
        subthemes:
          - id: insurance
            label: Insurance cover
            studies:
              - study: gamma
                evidence: "p. 3"
              - beta
  - id: trust
    label: Trust
    studies: [alpha, beta, gamma, delta, epsilon]
  - id: stigma
    label: Stigma
    studies: [delta]
"""

runner = CliRunner(env=ENV)


def write_review(folder: Path, studies: str, themes: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "studies.yaml").write_text(textwrap.dedent(studies), encoding="utf-8")
    (folder / "themes.yaml").write_text(textwrap.dedent(themes), encoding="utf-8")
    return folder


def load(folder: Path) -> Review:
    report = validate_folder(folder)
    assert report.review is not None, [d.text() for d in report.diagnostics]
    return report.review


def small(tmp_path: Path) -> Path:
    return write_review(tmp_path / "small", SMALL_STUDIES, SMALL_THEMES)


def run(*args: str | Path) -> Result:
    return runner.invoke(app, [str(arg) for arg in args])


def plain_rows(text: str) -> list[list[str]]:
    """The cells of a plain table, header and rule lines dropped."""
    lines = text.splitlines()[2:]
    return [re.split(r" {2,}", line.strip()) for line in lines if not set(line) <= {"-", " "}]
