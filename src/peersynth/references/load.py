"""The bibliography a review names, read as part of reading the review.

`review.bibliography` in studies.yaml names the file, relative to the review folder.
It is read once, through the same `ReviewFiles` as the two YAML files, so the cache
keys its answer on the very bytes that were linked. Anything wrong with the file
itself (missing, in a format its name does not tell, not UTF-8, an entry that cannot
be read) is a `bibliography-unreadable` error: at the `bibliography:` value when the
file cannot be read at all, else at the entry in the bibliography file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from peersynth.diagnostics import Diagnostic, make
from peersynth.files import Limits, ReviewFiles, display_name
from peersynth.loading import Document, YamlPath
from peersynth.references.bibliography import SUFFIXES, Bibliography, format_of, parse
from peersynth.references.link import Links, link
from peersynth.review import ReviewInfo, Study

BIBLIOGRAPHY_PATH: YamlPath = ("review", "bibliography")


@dataclass(slots=True)
class Loaded:
    """The bibliography (None when none is named or it could not be read), how the
    studies link to it, and the problems of the file itself."""

    bibliography: Bibliography | None = None
    links: Links | None = None
    problems: list[Diagnostic] = field(default_factory=list)


def load(files: ReviewFiles, limits: Limits, info: ReviewInfo | None,
         studies: Sequence[Study], doc: Document) -> Loaded:
    """Read the bibliography `info` names, if any, and link `studies` to its entries."""
    name = info.bibliography if info is not None else None
    if name is None:
        return Loaded()

    def at_value(message: str, hint: str) -> Loaded:
        line, column = doc.position(BIBLIOGRAPHY_PATH)
        return Loaded(problems=[make("bibliography-unreadable", doc.file, line, column,
                                     message, hint)])

    kind = format_of(name)
    if kind is None:
        known = ", ".join(sorted(SUFFIXES))
        return at_value(f"cannot tell the format of bibliography '{name}' from its name",
                        f"export it as BibTeX, BibLaTeX, RIS or CSL-JSON and name it {known}")
    shown = display_name(files.folder, name)
    data = files.extra(name, shown, limits)
    if isinstance(data, str):
        return at_value(f"cannot read bibliography '{name}': {data}",
                        "the path is relative to the review folder")
    if isinstance(data, list):  # too large: the file-too-large diagnostic, in its file
        return Loaded(problems=list(data))
    bibliography = parse(data, shown, kind)
    if not bibliography.readable:
        # Nothing to link to: the file's own error says it; no study is also "unknown".
        return Loaded(problems=list(bibliography.problems))
    return Loaded(bibliography, link(studies, bibliography), list(bibliography.problems))
