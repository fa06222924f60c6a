"""The PRISMA 2020 flow of a review: its boxes, the arithmetic between them, and the CSV
of the PRISMA2020 R package and Shiny app (Haddaway et al. 2022).

Box names are the package's data keys (`database_results`, `dbr_assessed`, ...). The
names peersynth used before them (`records_identified`, `full_text_assessed`,
`included`, ...) still work: each names the same box as a package key (`SAME_BOX`),
except `records_identified`, the total identified from databases and registers.
No I/O here, and no pydantic: this reads the records of `peersynth.review`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final

# Each earlier name and the package key of the box it names.
SAME_BOX: Final[dict[str, str]] = {
    "duplicates_removed": "duplicates",
    "reports_sought": "dbr_sought_reports",
    "reports_not_retrieved": "dbr_notretrieved_reports",
    "full_text_assessed": "dbr_assessed",
    "reports_excluded": "dbr_excluded",
    "included": "total_studies",
}

# Every flow field, in the order of the diagram, with its box text. The package's own
# wording where it has a box; PRISMA 2020's "reports", not PRISMA 2009's "full-text
# articles", since a study may have several reports.
LABELS: Final[dict[str, str]] = {
    "previous_studies": "Studies included in previous version of review",
    "previous_reports": "Reports of studies included in previous version of review",
    "records_identified": "Records identified",
    "database_results": "Records identified from databases",
    "register_results": "Records identified from registers",
    "website_results": "Records identified from websites",
    "organisation_results": "Records identified from organisations",
    "citations_results": "Records identified from citation searching",
    "duplicates_removed": "Duplicate records removed",
    "duplicates": "Duplicate records removed",
    "excluded_automatic": "Records marked as ineligible by automation tools",
    "excluded_other": "Records removed for other reasons",
    "records_screened": "Records screened",
    "records_excluded": "Records excluded",
    "reports_sought": "Reports sought for retrieval",
    "dbr_sought_reports": "Reports sought for retrieval",
    "reports_not_retrieved": "Reports not retrieved",
    "dbr_notretrieved_reports": "Reports not retrieved",
    "full_text_assessed": "Reports assessed for eligibility",
    "dbr_assessed": "Reports assessed for eligibility",
    "reports_excluded": "Reports excluded",
    "dbr_excluded": "Reports excluded",
    "other_sought_reports": "Reports sought for retrieval (other methods)",
    "other_notretrieved_reports": "Reports not retrieved (other methods)",
    "other_assessed": "Reports assessed for eligibility (other methods)",
    "other_excluded": "Reports excluded (other methods)",
    "new_studies": "New studies included in review",
    "new_reports": "Reports of new included studies",
    "included": "Studies included in review",
    "total_studies": "Total studies included in review",
    "total_reports": "Reports of total included studies",
}

# Fields that may be a list of parts (per source, or reasons with their counts).
SOURCES: Final = frozenset({"database_results", "register_results"})
REASONS: Final = frozenset({"dbr_excluded", "other_excluded", "reports_excluded"})


def count(value: Any) -> int | None:
    """A flow field's number: the count, or the sum of its parts' counts."""
    if value is None or isinstance(value, int):
        return None if value is None else int(value)
    return sum(int(part.n) for part in value)


def parts(value: Any) -> list[tuple[str, int]]:
    """A list field's parts as (source or reason, count); none for a plain count."""
    if value is None or isinstance(value, int):
        return []
    return [(part.name, part.n) for part in value]


def written(flow: Any, key: str) -> str | None:
    """The name under which the review gives box `key`: the key, or its earlier name."""
    if getattr(flow, key, None) is not None:
        return key
    for old, new in SAME_BOX.items():
        if new == key and getattr(flow, old, None) is not None:
            return old
    return None


def box(flow: Any, key: str) -> int | None:
    """The number in box `key` (a package key), under whichever name it is given."""
    name = written(flow, key)
    return None if name is None else count(getattr(flow, name))


@dataclass(frozen=True, slots=True)
class Rule:
    """`left` relation (the sum of `plus`) - (the sum of `minus`), all package keys.

    Checked when `left` and every name in `needs` are given, none in `unless`, at
    least one of `plus`, at least one of each group in `some`, and each group in
    `whole` is given whole or not at all. Other names left out count as 0.
    """

    left: str
    relation: str  # "=" or "<="
    plus: tuple[str, ...]
    minus: tuple[str, ...] = ()
    note: str = ""
    needs: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    some: tuple[tuple[str, ...], ...] = ()
    whole: tuple[tuple[str, ...], ...] = ()


_FEWER_SOUGHT: Final = "; fewer may be sought, never more"
_SEVERAL_REPORTS: Final = ("; a study can have several reports, so fewer studies may be "
                           "included, never more")
_REMOVED: Final = ("duplicates", "excluded_automatic", "excluded_other")
_COLUMNS: Final = (("dbr_assessed", "dbr_excluded"), ("other_assessed", "other_excluded"))
_ASSESSED: Final = ("dbr_assessed", "other_assessed")
_EXCLUDED: Final = ("dbr_excluded", "other_excluded")

RULES: Final[tuple[Rule, ...]] = (
    # Identification
    Rule("records_identified", "=", ("database_results", "register_results")),
    Rule("records_screened", "=", ("records_identified",), _REMOVED,
         needs=("records_identified",), some=(_REMOVED,)),
    Rule("records_screened", "=", ("database_results", "register_results"), _REMOVED,
         unless=("records_identified",), some=(_REMOVED,)),
    # Screening, databases and registers
    Rule("dbr_sought_reports", "<=", ("records_screened",), ("records_excluded",),
         _FEWER_SOUGHT, needs=("records_screened", "records_excluded")),
    Rule("dbr_assessed", "=", ("dbr_sought_reports",), ("dbr_notretrieved_reports",),
         needs=("dbr_sought_reports", "dbr_notretrieved_reports")),
    # Other methods
    Rule("other_sought_reports", "<=",
         ("website_results", "organisation_results", "citations_results"), (), _FEWER_SOUGHT),
    Rule("other_assessed", "=", ("other_sought_reports",), ("other_notretrieved_reports",),
         needs=("other_sought_reports", "other_notretrieved_reports")),
    # Included: reports assessed less those excluded, in each column
    Rule("new_reports", "=", _ASSESSED, _EXCLUDED, whole=_COLUMNS),
    Rule("new_studies", "<=", ("new_reports",), (), _SEVERAL_REPORTS),
    Rule("new_studies", "<=", _ASSESSED, _EXCLUDED, _SEVERAL_REPORTS,
         unless=("new_reports",), whole=_COLUMNS),
    # A review that is no update, stating no new studies: all it includes is new.
    Rule("total_studies", "<=", _ASSESSED, _EXCLUDED, _SEVERAL_REPORTS,
         unless=("new_studies", "new_reports", "previous_studies", "previous_reports"),
         whole=_COLUMNS),
    Rule("total_studies", "=", ("new_studies", "previous_studies"), (),
         needs=("new_studies",)),
    Rule("total_reports", "=", ("new_reports", "previous_reports"), (),
         needs=("new_reports",)),
)


@dataclass(frozen=True, slots=True)
class Problem:
    """Flow numbers that do not add up: at the field `name`, as the review writes it."""

    name: str
    message: str
    hint: str


def problems(flow: Any, line: Callable[[str], int]) -> Iterator[Problem]:
    """What does not add up in `flow`; `line` gives the line of a field of the flow."""
    yield from _same_boxes(flow, line)
    for rule in RULES:
        problem = _judge(rule, flow, line)
        if problem is not None:
            yield problem


def _same_boxes(flow: Any, line: Callable[[str], int]) -> Iterator[Problem]:
    """An earlier name and a package key both given for one box must agree; for a box of
    reasons, the reasons must add up to the count."""
    for old, new in SAME_BOX.items():
        first, second = getattr(flow, old, None), getattr(flow, new, None)
        if first is None or second is None or count(first) == count(second):
            continue
        yield Problem(old, f"{old} (line {line(old)}) is {_said(old, first)} but {new} "
                           f"(line {line(new)}), the same box, is {_said(new, second)}",
                      f"{old} is the earlier name of {new}: keep one of the two")


def _said(name: str, value: Any) -> str:
    if isinstance(value, int):
        return str(value)
    word = "reasons" if name in REASONS else "sources"
    return f"{count(value)} (the sum of its {len(value)} {word})"


def _judge(rule: Rule, flow: Any, line: Callable[[str], int]) -> Problem | None:
    def given(key: str) -> bool:
        return written(flow, key) is not None

    if not given(rule.left) or not all(map(given, rule.needs)) \
            or any(map(given, rule.unless)) or not any(map(given, rule.plus)) \
            or not all(any(map(given, group)) for group in rule.some):
        return None
    for group in rule.whole:
        if len({given(key) for key in group}) > 1:
            return None
    value = box(flow, rule.left)
    plus = [(key, box(flow, key)) for key in rule.plus if given(key)]
    minus = [(key, box(flow, key)) for key in rule.minus if given(key)]
    bound = sum(n or 0 for _, n in plus) - sum(n or 0 for _, n in minus)
    assert value is not None
    if value == bound or (rule.relation == "<=" and value < bound):
        return None
    name = written(flow, rule.left) or rule.left
    terms = [(written(flow, key) or key, n) for key, n in plus]
    words = [f"{terms[0][0]} {terms[0][1]} (line {line(terms[0][0])})"]
    words += [f"plus {key} {n} (line {line(key)})" for key, n in terms[1:]]
    words += [f"minus {written(flow, key) or key} {n} (line {line(written(flow, key) or key)})"
              for key, n in minus]
    if len(words) == 1:
        sentence = f"{name} (line {line(name)}) is {value} but {words[0]}{rule.note}"
    else:
        sentence = f"{name} (line {line(name)}) is {value} but {' '.join(words)} is " \
                   f"{bound}{rule.note}"
    names = [key for key, _ in terms] + [written(flow, key) or key for key, _ in minus]
    expression = " plus ".join(names[:len(terms)])
    if minus:
        expression += " minus " + " minus ".join(names[len(terms):])
    must = "is" if rule.relation == "=" else "is at most"
    return Problem(name, sentence,
                   f"{name} {must} {expression}: correct whichever number differs from the "
                   "flow diagram")


# ---------------------------------------------------------------------------
# The PRISMA2020 package's CSV

CSV_COLUMNS: Final = ("data", "node", "box", "description", "boxtext", "tooltips", "url", "n")

# The rows of the package's template (inst/shiny-examples/PRISMA_flowdiagram/www/PRISMA.csv,
# MIT licence), less `n`: the Shiny app and `PRISMA_data()` find each row by `data`.
TEMPLATE: Final[tuple[tuple[str, ...], ...]] = (
    ("NA", "node4", "prevstud", "Grey title box; Previous studies", "Previous studies",
     "Grey title box; Previous studies", "prevstud.html"),
    ("previous_studies", "node5", "box1", "Studies included in previous version of review",
     "Studies included in previous version of review",
     "Studies included in previous version of review", "previous_studies.html"),
    ("previous_reports", "NA", "box1",
     "Reports of studies included in previous version of review",
     "Reports of studies included in previous version of review", "NA",
     "previous_reports.html"),
    ("NA", "node6", "newstud",
     "Yellow title box; Identification of new studies via databases and registers",
     "Identification of new studies via databases and registers",
     "Yellow title box; Identification of new studies via databases and registers",
     "newstud.html"),
    ("database_results", "node7", "box2", "Records identified from: Databases", "Databases",
     "Records identified from: Databases", "database_results.html"),
    ("register_results", "NA", "box2", "Records identified from: Registers", "Registers",
     "NA", "NA"),
    ("NA", "node16", "othstud", "Grey title box; Identification of new studies via other "
     "methods", "Identification of new studies via other methods",
     "Grey title box; Identification of new studies via other methods", "othstud.html"),
    ("website_results", "node17", "box11", "Records identified from: Websites", "Websites",
     "Records identified from: Websites", "website_results.html"),
    ("organisation_results", "", "box11", "Records identified from: Organisations",
     "Organisations", "NA", "NA"),
    ("citations_results", "NA", "box11", "Records identified from: Citation searching",
     "Citation searching", "NA", "NA"),
    ("duplicates", "node8", "box3", "Duplicate records", "Duplicate records",
     "Duplicate records", "duplicates.html"),
    ("excluded_automatic", "NA", "box3", "Records marked as ineligible by automation tools",
     "Records marked as ineligible by automation tools", "NA", "NA"),
    ("excluded_other", "NA", "box3", "Records removed for other reasons",
     "Records removed for other reasons", "NA", "NA"),
    ("records_screened", "node9", "box4", "Records screened (databases and registers)",
     "Records screened", "Records screened (databases and registers)",
     "records_screened.html"),
    ("records_excluded", "node10", "box5", "Records excluded (databases and registers)",
     "Records excluded", "Records excluded (databases and registers)",
     "records_excluded.html"),
    ("dbr_sought_reports", "node11", "box6",
     "Reports sought for retrieval (databases and registers)", "Reports sought for retrieval",
     "Reports sought for retrieval (databases and registers)", "dbr_sought_reports.html"),
    ("dbr_notretrieved_reports", "node12", "box7",
     "Reports not retrieved (databases and registers)", "Reports not retrieved",
     "Reports not retrieved (databases and registers)", "dbr_notretrieved_reports.html"),
    ("other_sought_reports", "node18", "box12", "Reports sought for retrieval (other)",
     "Reports sought for retrieval", "Reports sought for retrieval (other)",
     "other_sought_reports.html"),
    ("other_notretrieved_reports", "node19", "box13", "Reports not retrieved (other)",
     "Reports not retrieved", "Reports not retrieved (other)",
     "other_notretrieved_reports.html"),
    ("dbr_assessed", "node13", "box8",
     "Reports assessed for eligibility (databases and registers)",
     "Reports assessed for eligibility",
     "Reports assessed for eligibility (databases and registers)", "dbr_assessed.html"),
    ("dbr_excluded", "node14", "box9", "Reports excluded (databases and registers): "
     "[separate reasons and numbers using ; e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]",
     "Reports excluded:", "Reports excluded (databases and registers): [separate reasons and "
     "numbers using ; e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx",
     "dbrexcludedrecords.html"),
    ("other_assessed", "node20", "box14", "Reports assessed for eligibility (other)",
     "Reports assessed for eligibility", "Reports assessed for eligibility (other)",
     "other_assessed.html"),
    ("other_excluded", "node21", "box15", "Reports excluded (other): [separate reasons and "
     "numbers using ; e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]", "Reports excluded",
     "Reports excluded (other): [separate reasons and numbers using ; e.g. Reason1, xxx; "
     "Reason2, xxx; Reason3, xxx", "other_excluded.html"),
    ("new_studies", "node15", "box10", "New studies included in review",
     "New studies included in review", "New studies included in review", "new_studies.html"),
    ("new_reports", "NA", "box10", "Reports of new included studies",
     "Reports of new included studies", "NA", "NA"),
    ("total_studies", "node22", "box16", "Total studies included in review",
     "Total studies included in review", "Total studies included in review",
     "total_studies.html"),
    ("total_reports", "NA", "box16", "Reports of total included studies",
     "Reports of total included studies", "NA", "NA"),
    ("identification", "node1", "identification", "Blue identification box",
     "Identification", "Blue identification box", "identification.html"),
    ("screening", "node2", "screening", "Blue screening box", "Screening",
     "Blue screening box", "screening.html"),
    ("included", "node3", "included", "Blue included box", "Included", "Blue included box",
     "included.html"),
)


def package_boxes(flow: Any) -> dict[str, int | list[tuple[str, int]]]:
    """The flow by package key: each box's count, or its reasons for the two boxes of
    excluded reports. `records_identified` fills `database_results` when the review
    splits it no further (the package has no box for the total)."""
    found: dict[str, int | list[tuple[str, int]]] = {}
    keys = [row[0] for row in TEMPLATE if row[0] not in ("NA", "identification",
                                                         "screening", "included")]
    for key in keys:
        name = written(flow, key)
        if name is None:
            continue
        value = getattr(flow, name)
        found[key] = parts(value) if key in REASONS and parts(value) else count(value) or 0
    identified = getattr(flow, "records_identified", None)
    if identified is not None and "database_results" not in found \
            and "register_results" not in found:
        found["database_results"] = identified
    return found


def _reason(text: str) -> str:
    # The package splits the reasons on "; " and a reason from its count on ",".
    return re.sub(r"\s*[,;]\s*", " - ", text)


def prisma_csv(flow: Any) -> str:
    """The flow as the PRISMA2020 package's CSV: the template's rows and columns, with
    `n` filled in; NA for a box the review does not state, which the package leaves out."""
    boxes = package_boxes(flow) if flow is not None else {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in TEMPLATE:
        value = boxes.get(row[0])
        if row[0] in ("NA", "identification", "screening", "included"):
            n = "0"  # title boxes: the template's own value
        elif value is None:
            n = "NA"
        elif isinstance(value, list):
            n = "; ".join(f"{_reason(reason)}, {number}" for reason, number in value)
        else:
            n = str(value)
        writer.writerow((*row, n))
    return out.getvalue()
