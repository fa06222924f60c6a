"""The number each study is cited and listed under.

- `ref`: the study's `ref` field, as the manuscript's reference list numbers it.
  Studies without one follow the highest ref, in file order.
- `order` with a manuscript: the order in which the manuscript first cites each study,
  read with the audit's reader (.md, .txt, .docx): numeric citations ("[33-35, 38]",
  by the studies' current refs), Pandoc citations ("[@berry2011; @byrne2021]", by
  key) and LaTeX ones ("\\cite{berry2011,byrne2021}"). Studies it never cites follow,
  in file order.
- `order` without one: file order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Final

from peersynth.analysis import PANDOC_INNER, citation_key
from peersynth.files import Limits
from peersynth.review import Study


class Numbering(str, Enum):
    ref = "ref"
    order = "order"


# A Pandoc citation key after '@' (bare or in braces), and a LaTeX \cite-family command.
_PANDOC: Final = re.compile(
    rf"(?<![\w.])@(?:\{{([^}}]+)\}}|(\w[\w{re.escape(PANDOC_INNER)}]*\w|\w))")
_LATEX: Final = re.compile(r"\\[a-zA-Z]*cite[a-zA-Z]*\*?(?:\[[^\]]*\]){0,2}\{([^}]*)\}")


@dataclass(slots=True)
class Numbers:
    """Each study's number by id, and the studies that got theirs only by following the
    others (no ref; never cited in the manuscript)."""

    by_id: dict[str, int] = field(default_factory=dict)
    appended: list[str] = field(default_factory=list)


def _append(numbers: Numbers, studies: Sequence[Study]) -> Numbers:
    last = max(numbers.by_id.values(), default=0)
    for study in studies:
        if study.id not in numbers.by_id:
            last += 1
            numbers.by_id[study.id] = last
            numbers.appended.append(study.id)
    return numbers


def by_ref(studies: Sequence[Study]) -> Numbers:
    numbers = Numbers({s.id: s.ref for s in studies if s.ref is not None})
    return _append(numbers, studies)


def by_file_order(studies: Sequence[Study]) -> Numbers:
    return Numbers({s.id: index for index, s in enumerate(studies, 1)})


def cited_order(studies: Sequence[Study], paragraphs: Sequence[str]) -> list[str]:
    """The ids of the studies `paragraphs` cite, in the order of first citation."""
    from peersynth.audit.patterns import recognise

    by_ref_number = {s.ref: s.id for s in studies if s.ref is not None}
    by_key = {citation_key(s): s.id for s in studies}
    seen: dict[str, None] = {}
    for text in paragraphs:
        found: list[tuple[int, str]] = []
        for claim in recognise(text):
            if claim.kind == "citation":
                found.extend((ref.start, by_ref_number[ref.value]) for ref in claim.refs
                             if ref.value in by_ref_number)
        for match in _PANDOC.finditer(text):
            key = match.group(1) or match.group(2)
            if key in by_key:
                found.append((match.start(), by_key[key]))
        for match in _LATEX.finditer(text):
            offset = match.start(1)
            for key in match.group(1).split(","):
                if key.strip() in by_key:
                    found.append((offset, by_key[key.strip()]))
                offset += len(key) + 1
        for _, study in sorted(found, key=lambda pair: pair[0]):
            seen.setdefault(study)
    return list(seen)


def by_manuscript(studies: Sequence[Study], manuscripts: Sequence[Path],
                  limits: Limits) -> Numbers:
    from peersynth.audit.documents import read_document

    paragraphs = [p.text for path in manuscripts
                  for p in read_document(path, limits).paragraphs]
    order = cited_order(studies, paragraphs)
    return _append(Numbers({study: index for index, study in enumerate(order, 1)}), studies)
