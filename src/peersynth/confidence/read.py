"""Read findings.yaml into records, as studies.yaml and themes.yaml are read: through the
same positioned YAML reader and the same schema validation, a broken part left out of
its finding and reported at its place, never a finding left out for another's fault."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from peersynth.confidence import models
from peersynth.confidence.records import Finding, FindingsFile, findings_from
from peersynth.loading import Document, YamlPath

if TYPE_CHECKING:
    from peersynth.validate import _Shape


@dataclass
class FindingsRead:
    """What could be read of findings.yaml: each finding that could be judged, with its
    place in the file."""

    doc: Document
    findings: list[tuple[Finding, YamlPath]] = field(default_factory=list)
    # False when the file as a whole could not be read (its list is missing or broken).
    whole: bool = True

    @property
    def record(self) -> FindingsFile:
        return FindingsFile([finding for finding, _ in self.findings])


# A finding without these cannot be judged at all: it is reported, then left out.
_ESSENTIAL = frozenset({"id", "finding", "themes", "method"})


def read_findings(shape: _Shape) -> FindingsRead:
    """The findings of `shape.doc` whose essentials could be read; every problem reported
    through `shape`."""
    from peersynth.validate import _LEAVE_OUT  # validate imports this module

    out = FindingsRead(shape.doc)
    data = shape.doc.data
    if not isinstance(data, dict):
        shape.salvage(models.FindingsFile, data, (), lambda loc: None)
        out.whole = False
        return out
    shape.salvage(models.FindingsFile, {**data, "findings": []}
                  if isinstance(data.get("findings"), list) else data, (),
                  lambda loc: (loc[:1], [] if loc[0] == "findings" else _LEAVE_OUT)
                  if loc else None)
    items = data.get("findings")
    if not isinstance(items, list):
        out.whole = False
        return out

    def drop(loc: YamlPath) -> tuple[YamlPath, Any] | None:
        if not loc or loc[0] in _ESSENTIAL:
            return None
        if loc[0] == "assessment" and len(loc) > 1:
            return loc[:2], _LEAVE_OUT
        return loc[:1], _LEAVE_OUT

    for index, item in enumerate(items):
        path: YamlPath = ("findings", index)
        model = shape.salvage(models.Finding, item, path, drop)
        if model is not None:
            out.findings.append((findings_from({"findings": [model]}).findings[0], path))
    return out
