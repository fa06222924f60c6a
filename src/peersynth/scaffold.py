"""`peersynth init`: a new review folder from commented templates or the shipped example.

Never overwrites: a file is linked into place only if its name is still free at
that moment, so a file created meanwhile is not clobbered either; if the second
file cannot be placed, the first is removed again and nothing is left behind.
"""

from __future__ import annotations

import os
import secrets
from importlib import resources
from pathlib import Path

from peersynth.errors import PeersynthError
from peersynth.files import FINDINGS_FILE, STUDIES_FILE, THEMES_FILE

STUDIES_TEMPLATE = """\
# The studies included in the review, one entry each. Check the folder with
# `peersynth validate --data DIR`; `peersynth schema studies` gives the full format.
review:                          # optional: the review itself
  title: "Title of the review"
  # doi: "10.xxxx/xxxxx"
  # bibliography: references.bib # optional: the reference manager's export (BibTeX,
  #                              # BibLaTeX, RIS or CSL-JSON), relative to this folder
  # flow:                        # optional PRISMA 2020 counts
  #   records_screened: 0
  #   full_text_assessed: 0
  #   included: 1                # must equal the number of studies below
# vocabularies:                  # optional; these are the defaults
#   design: [qualitative, quantitative, mixed-methods]
#   quality: [good, fair, poor]
studies:
  # An example study: replace it with the first study you include.
  - id: smith2020                # required: lowercase letters, digits, '-' or '_'; unique
    ref: 1                       # optional: its number in the manuscript's reference list
    # key: smith2020             # optional: its citation key in the bibliography (or doi:);
    #                            # authors, year, title and journal left out come from there
    authors: [Smith J, Jones K]  # optional: surname first, as in the reference list
    year: 2020
    title: "Title of the study"
    countries: [United Kingdom]  # one or more
    design: qualitative          # from the design vocabulary
    quality: good                # from the quality vocabulary
    # attributes:                # optional: your own fields, e.g. the setting
    #   setting: community
    # note: free text
    # appraisal:                 # optional: JBI checklist for qualitative research, by
    #   q2: "yes"                # question (q1 ... q10): yes, no, unclear, not-applicable;
    #   q4: unclear              # a ConQual assessment reads questions 2, 3, 4, 6 and 7
"""

THEMES_TEMPLATE = """\
# The themes of the synthesis and the studies coded to each. Subthemes nest to any
# depth; a theme counts the studies coded to it or to any of its subthemes.
themes:
  # An example theme: replace it with your own.
  - id: example-theme            # required: a lowercase slug, unique in the whole tree
    label: Example theme         # the name printed in tables and citations
    description: "What the theme is about."
    studies: [smith2020]         # study ids from studies.yaml
    # reported: 1                # optional: the count the manuscript states, checked
    # subthemes:
    #   - id: example-subtheme
    #     label: Example subtheme
    #     studies:
    #       - study: smith2020
    #         evidence: "Results, p. 4"   # optional: quote, page or section
"""


FINDINGS_TEMPLATE = """\
# The review's findings and the confidence in each (optional; delete the file if the
# review makes no assessment). Each finding rests on themes: its contributing studies
# are the studies coded to them (or the ones it lists, among those). docs/confidence.md
# describes the format; `peersynth findings` prints the Summary of Qualitative Findings.
findings:
  - id: example-finding          # required: a lowercase slug, unique
    finding: "The summarised review finding, in a sentence or two."
    themes: [example-theme]      # theme ids from themes.yaml (subthemes count too)
    # studies: [smith2020]       # optional: only these of the themes' studies
    # method: cerqual            # GRADE-CERQual (the default), or conqual (JBI ConQual)
    assessment:
      # An assessment not made yet says so, with why:
      confidence: not-assessed
      explanation: "Not assessed yet."
      # GRADE-CERQual: each component's concern (no-or-very-minor, minor, moderate,
      # serious) with its explanation, then the overall confidence (high, moderate,
      # low, very-low) with its explanation:
      # methodological_limitations:
      #   concern: minor
      #   explanation: "..."
      # coherence: {concern: no-or-very-minor, explanation: "..."}
      # adequacy: {concern: moderate, explanation: "..."}
      # relevance: {concern: minor, explanation: "..."}
      # confidence: moderate
      # explanation: "..."
      # JBI ConQual (method: conqual): the type of research and how many of the findings
      # aggregated into this one are of each credibility; dependability comes from each
      # study's `appraisal:` in studies.yaml, and peersynth works out the score:
      # research: qualitative      # or text-and-opinion
      # credibility: {unequivocal: 3, credible: 1, unsupported: 0}
"""


class FolderTaken(PeersynthError):
    """The folder already holds a review file (exit 1: refusing is the answer, not a crash)."""

    exit_code = 1


def template_files() -> dict[str, str]:
    return {STUDIES_FILE: STUDIES_TEMPLATE, THEMES_FILE: THEMES_TEMPLATE,
            FINDINGS_FILE: FINDINGS_TEMPLATE}


# The shipped review's bibliography, which its studies.yaml names.
EXAMPLE_BIBLIOGRAPHY = "references.bib"


def example_files() -> dict[str, str]:
    """The shipped example review, read from the installed package."""
    folder = resources.files("peersynth") / "example"
    return {name: (folder / name).read_text(encoding="utf-8")
            for name in (STUDIES_FILE, THEMES_FILE, FINDINGS_FILE, EXAMPLE_BIBLIOGRAPHY)}


def _taken(folder: Path, names: list[str]) -> FolderTaken:
    """The refusal, naming the files that exist and what to do next."""
    where = folder.as_posix()
    if len(names) == 1 and names[0] in (STUDIES_FILE, THEMES_FILE):
        [name] = names
        missing = THEMES_FILE if name == STUDIES_FILE else STUDIES_FILE
        return FolderTaken(
            f"{(folder / name).as_posix()} already exists (and {missing} does not); "
            "nothing was written: init never overwrites a file",
            f"to go on with this review, add {missing} yourself: `peersynth init NEW-DIR` "
            f"writes a commented one to copy from; to start afresh, move {name} out of "
            f"{where} or choose another folder")
    listed = " and ".join((folder / name).as_posix() for name in names)
    return FolderTaken(f"{listed} already exist; nothing was written",
                       f"{where} already holds a review: check it with `peersynth validate "
                       f"{where}`, or choose another folder for a new one")


def _place(path: Path, text: str) -> None:
    """Write `path` only if no file of that name exists, whole or not at all."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    # 0o666 less the umask, like any file the user creates (mkstemp would make it private).
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        try:
            # A hard link fails if the name exists, unlike os.replace.
            os.link(temporary, path)
        except FileExistsError:
            raise
        except OSError:
            # No hard links here (some network or FAT file systems): create exclusively.
            with open(path, "x", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
    finally:
        os.unlink(temporary)


def init(folder: Path, *, example: bool = False) -> list[Path]:
    """Create `folder` (and its parents) with studies.yaml and themes.yaml; the paths written."""
    contents = example_files() if example else template_files()
    if folder.exists() and not folder.is_dir():
        raise FolderTaken(f"{folder.as_posix()} is a file, not a folder",
                          "choose another name for the review folder")
    existing = [name for name in contents if (folder / name).exists()]
    if existing:
        raise _taken(folder, existing)
    written: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in contents.items():
            path = folder / name
            try:
                _place(path, text)
            except FileExistsError:
                raise _taken(folder, [name]) from None
            written.append(path)
    except OSError as error:
        for path in written:
            path.unlink(missing_ok=True)
        raise PeersynthError(f"cannot write in {folder.as_posix()}: {error.strerror or error}",
                             "check the folder's permissions, or choose another") from None
    except FolderTaken:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written
