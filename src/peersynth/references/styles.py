"""Citations and reference lists in any CSL style, rendered by citeproc-py.

The studies become CSL-JSON items (their key, or id, as the item id; authors "Byrne L"
as family "Byrne" and given "L"), and citeproc-py renders them in the style file
given. Numbers are peersynth's, not citeproc-py's: a numeric style cites and lists a
study under the number the numbering gives it (its `ref`, or its place in the order
of first citation), where citeproc-py alone would number in the order of registering.

citeproc-py is imported here only, and this module only by `--csl` and `references`.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peersynth.analysis import citation_key, surname
from peersynth.errors import UsageError
from peersynth.review import Study


def csl_item(study: Study) -> dict[str, Any]:
    """A study as a CSL-JSON item, with only the fields it has."""
    item: dict[str, Any] = {"id": citation_key(study), "type": "article-journal"}
    if study.authors:
        item["author"] = [_csl_name(author) for author in study.authors]
    if study.year is not None:
        item["issued"] = {"date-parts": [[study.year]]}
    if study.title:
        item["title"] = study.title
    if study.journal:
        item["container-title"] = study.journal
    if study.doi:
        item["DOI"] = study.doi
    if not has_details(study):
        # Nothing to cite it by: its id stands in the author's place (a literal name, which
        # no style changes the case of), so it is cited and listed where it belongs
        # instead of as an empty entry; the commands say so on stderr.
        item["author"] = [{"literal": study.id}]
    return item


def has_details(study: Study) -> bool:
    """Whether a style has anything but a year to cite the study by."""
    return bool(study.authors or study.title or study.journal or study.doi)


def _csl_name(author: str) -> dict[str, str]:
    family = surname(author)
    given = author.replace(",", " ")[len(family):].strip() if author.startswith(family) \
        else ""
    return {"family": family, "given": given} if given else {"family": family}


@dataclass(frozen=True, slots=True)
class Rendered:
    """A study's place in the list, its number, and its reference as the style writes it."""

    study: str
    number: int
    text: str


class CslStyle:
    """A CSL style file, read once and checked to be one. `numeric`: whether its
    reference list prints each reference's number itself."""

    def __init__(self, path: Path) -> None:
        from citeproc import CitationStylesStyle

        try:
            data = path.read_bytes()
        except OSError as error:
            raise UsageError(f"cannot read the CSL style {path}: {error.strerror}",
                             "give the path of a .csl file, as found in the Zotero Style "
                             "Repository (https://www.zotero.org/styles)") from None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.style = CitationStylesStyle(io.BytesIO(data), validate=False)
        except Exception as error:  # lxml or citeproc-py on a file that is no CSL style
            raise UsageError(f"{path} is not a CSL style: {error}",
                             "give a .csl file from the Zotero Style Repository") from None
        if self.style.root.find("{http://purl.org/net/xbiblio/csl}citation") is None:
            raise UsageError(f"{path} is a dependent CSL style, which names its parent "
                             "instead of holding the rules",
                             "give the parent style it names in <link rel=\"independent-"
                             "parent\">")
        self.path = path
        listing = self.style.root.find("{http://purl.org/net/xbiblio/csl}bibliography")
        self.numeric = listing is not None and any(
            node.get("variable") == "citation-number" for node in listing.iter())

    def _bibliography(self, studies: Sequence[Study], numbers: Mapping[str, int]
                      ) -> tuple[Any, Callable[[Sequence[Study]], Any]]:
        """citeproc-py's bibliography of `studies`, and a maker of registered citations."""
        from citeproc import (
            Citation,
            CitationItem,
            CitationStylesBibliography,
            formatter,
        )
        from citeproc.source.json import CiteProcJSON

        class NumberedItem(CitationItem):  # type: ignore[misc]
            @property
            def number(self) -> int:
                return numbered[self.key]

        # citeproc-py keys items by their id in lower case.
        numbered = {citation_key(s).lower(): numbers[s.id] for s in studies}
        source = CiteProcJSON([csl_item(study) for study in studies])
        bibliography = CitationStylesBibliography(self.style, source, formatter.plain)

        def citation(group: Sequence[Study]) -> Any:
            # An item belongs to one citation, so each citation gets its own.
            made = Citation([NumberedItem(citation_key(s)) for s in group])
            bibliography.register(made)
            return made

        citation(studies)
        return bibliography, citation

    def cite(self, groups: Iterable[Sequence[Study]], everyone: Sequence[Study],
             numbers: Mapping[str, int]) -> list[str]:
        """The in-text citation of each group of studies, numbered by `numbers`."""
        bibliography, citation = self._bibliography(everyone, numbers)
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for group in groups:
                out.append(str(bibliography.cite(citation(group), lambda _item: None))
                           if group else "")
        return out

    def references(self, studies: Sequence[Study], numbers: Mapping[str, int]
                   ) -> list[Rendered]:
        """The reference list of `studies` in the style's order (a numeric style: by
        number; author-date: as the style sorts)."""
        ordered = sorted(studies, key=lambda s: numbers[s.id])
        bibliography, _citation = self._bibliography(ordered, numbers)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bibliography.sort()
            texts = [str(entry) for entry in bibliography.bibliography()]
        by_key = {citation_key(s).lower(): s for s in ordered}
        return [Rendered(by_key[item.key].id, numbers[by_key[item.key].id], text)
                for item, text in zip(bibliography.items, texts, strict=True)]
