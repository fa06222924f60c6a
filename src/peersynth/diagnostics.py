"""Problems found in a review, as values, and the registry of their codes.

Every diagnostic code is declared once here, with a title and the fix; the
diagnostics page of the docs is generated from this registry and each code has
a failing example under ``tests/data/invalid/<code>/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

# A message quotes values from the files: escaped, they can neither break its one line
# nor drive the terminal.
from peersynth.escape import visible


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Code:
    id: str
    severity: Severity
    title: str
    fix: str


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    severity: Severity
    file: str
    line: int
    column: int
    message: str
    hint: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.column, self.code, self.message)

    def text(self) -> str:
        message = self.message if self.hint is None else f"{self.message} ({self.hint})"
        where = f"{self.file}:{self.line}:{self.column}"
        return visible(f"{where}: {self.severity.value}[{self.code}] {message}")


E = Severity.ERROR
W = Severity.WARNING

_CODES = [
    # Reading the files
    Code("file-too-large", E, "File larger than the size limit",
         "Split the review or raise the limit with PEERSYNTH_MAX_FILE_BYTES."),
    Code("not-utf8", E, "File is not UTF-8 text",
         "Save the file as UTF-8 (a byte-order mark is fine)."),
    Code("empty-file", E, "File holds no YAML document",
         "Add the top-level key the file needs (`studies:` or `themes:`)."),
    Code("yaml-syntax", E, "YAML syntax error",
         "Fix the YAML at the position shown; indentation and unclosed quotes are the usual "
         "causes."),
    Code("multiple-documents", E, "More than one YAML document in a file",
         "Remove the extra `---` separator: each file holds one document."),
    Code("duplicate-key", E, "The same key twice in one mapping",
         "Keep one of the two keys: YAML would silently keep only the last."),
    Code("yaml-tag", E, "YAML tag, merge key or complex key that peersynth does not read",
         "Remove the tag (`!!python/...`, `!!binary`, `<<`, `? [...]`) and write plain values."),
    Code("too-deep", E, "Nesting deeper than the depth limit",
         "Flatten the structure, or raise the limit with PEERSYNTH_MAX_DEPTH. A theme tree "
         "holds at most 100 levels of subthemes, whatever the limit."),
    Code("alias-limit", E, "Aliases expand beyond the expansion limit",
         "Write the values out instead of repeating large anchors. Aliases may add at most "
         "PEERSYNTH_MAX_ALIAS_NODES nodes, and repeat at most 8 times the file's own text "
         "(at least 64 KiB) and never more than PEERSYNTH_MAX_FILE_BYTES characters."),
    # Shape of each file
    Code("wrong-shape", E, "Document is not the mapping the file needs",
         "Start the file with its top-level key: `studies:` or `themes:`."),
    Code("unknown-field", E, "Field the format does not define",
         "Correct the spelling, or move reviewer-defined fields under `attributes:`."),
    Code("missing-field", E, "Required field absent", "Add the field."),
    Code("unquoted-string", E, "Text that YAML reads as a boolean, number, date or null",
         "Put the value in quotes, e.g. `\"NO\"`, so it stays text."),
    Code("wrong-type", E, "Value of the wrong type",
         "Write a value of the type named; quotes make a number text, so `year: \"2021\"` "
         "is text and `year: 2021` a number."),
    Code("invalid-id", E, "Id that is not a lowercase slug",
         "Use lowercase letters, digits and single hyphens or underscores, e.g. `ref44`."),
    Code("invalid-value", E, "Value out of range, or empty where text is needed",
         "Write a value in the range named: a four-digit `year`, a `ref` of 1 or more, flow "
         "counts of 0 or more, and no empty text or empty list."),
    # Cross-references and counts
    Code("duplicate-study-id", E, "Two studies with one id", "Give each study its own id."),
    Code("duplicate-theme-id", E, "Two themes with one id",
         "Theme ids are unique in the whole tree, subthemes included."),
    Code("duplicate-ref", E, "Two studies with one reference number",
         "Give each study the number of its own entry in the manuscript's reference list."),
    Code("unknown-study", E, "Coding names a study that is not in studies.yaml",
         "Correct the id, or add the study to studies.yaml."),
    Code("duplicate-coding", E, "A study listed twice under one theme",
         "Keep one entry; put several places of evidence in one `evidence` text."),
    Code("not-in-vocabulary", E, "Value outside its declared vocabulary",
         "Use a value of the vocabulary, or add the value to it. Declaring a vocabulary "
         "replaces its default list (design: qualitative, quantitative, mixed-methods; "
         "quality: good, fair, poor), so the hint shows the whole list to declare. A message "
         "names the first 8 values of a vocabulary and how many more there are."),
    Code("flow-mismatch", E, "The flow's studies included differ from the number of studies",
         "Make `review.flow.total_studies` (or its earlier name `included`) equal the "
         "number of studies listed."),
    Code("flow-arithmetic", E, "Flow counts that do not add up",
         "Checked when the numbers involved are given, by the PRISMA2020 package's keys "
         "(an earlier name counts as the key it stands for): `records_identified` = "
         "`database_results` + `register_results`; `records_screened` = records identified "
         "- `duplicates` - `excluded_automatic` - `excluded_other` (when any of these is "
         "given); `dbr_sought_reports` <= `records_screened` - `records_excluded`; "
         "`dbr_assessed` = `dbr_sought_reports` - `dbr_notretrieved_reports`; "
         "`other_sought_reports` <= `website_results` + `organisation_results` + "
         "`citations_results`; `other_assessed` = `other_sought_reports` - "
         "`other_notretrieved_reports`; `new_reports` = the reports assessed less those "
         "excluded, over both columns (a column given in part is not summed); "
         "`new_studies` <= `new_reports`, or without it the reports assessed less those "
         "excluded (a study can have several reports); `total_studies` = `new_studies` + "
         "`previous_studies`; `total_reports` = `new_reports` + `previous_reports`. A list "
         "of reasons counts their sum; an earlier name and its key given together must "
         "agree. The message names each number with its line. Correct whichever number "
         "differs from the PRISMA flow diagram."),
    Code("reported-count-mismatch", W,
         "A theme's `reported` count differs from its coded count",
         "When fewer studies are coded than reported, code the missing ones; when more, "
         "remove the codings the manuscript does not count there; or correct `reported` to "
         "what the manuscript states. Not judged while a coding under the theme that cannot "
         "be read names a study."),
    Code("uncoded-study", W, "Study coded to no theme",
         "Code the study to the themes it supports, or remove it if it is not included. Not "
         "judged for a study that a coding which cannot be read names."),
    Code("empty-theme", W, "Theme with no studies, directly or through subthemes",
         "Code the studies that support the theme, or remove the theme. Not judged while a "
         "coding under the theme cannot be read."),
    # The bibliography `review.bibliography` names
    Code("bibliography-unreadable", E,
         "Bibliography missing, in a format its name does not tell, or with an entry that "
         "cannot be read",
         "Name a file relative to the review folder, ending .bib (BibTeX or BibLaTeX), .ris "
         "or .json (CSL-JSON), as the reference manager exports it; the other entries are "
         "still read."),
    Code("duplicate-reference-key", E, "Two bibliography entries with one key",
         "Give each entry its own citation key in the reference manager, and export again."),
    Code("unknown-reference", E, "A study's key or DOI matches no bibliography entry",
         "Correct the key or DOI (the hint names the closest key), or add the reference "
         "to the reference manager and export the bibliography again."),
    Code("reference-used-twice", E, "Two studies name one bibliography entry",
         "Each study has its own entry: correct the key or DOI of one of them."),
    Code("reference-mismatch", W, "A study's field differs from its bibliography entry",
         "The study's own value is used. Correct whichever is out of date, or remove the "
         "study's field to take the entry's."),
    # findings.yaml: the review's findings and the confidence in each (docs/confidence.md)
    Code("duplicate-finding-id", E, "Two findings with one id", "Give each finding its own id."),
    Code("unknown-theme", E, "A finding names a theme that is not in themes.yaml",
         "Correct the id (the hint names the closest), or add the theme to themes.yaml."),
    Code("study-not-in-themes", W,
         "A finding lists a study that its themes do not hold",
         "A finding's own `studies` must be among the studies coded to its themes or to "
         "themes below them; the study is left out of the finding. Code it to the theme, "
         "or remove it from the list."),
    Code("unknown-judgement", E,
         "A judgement outside its fixed scale",
         "Use a value of the scale the hint lists: method `cerqual` or `conqual`; "
         "confidence `high`, `moderate`, `low`, `very-low` or `not-assessed` (a ConQual "
         "finding's is worked out, so only `not-assessed`); concern `no-or-very-minor`, "
         "`minor`, `moderate` or `serious`; research `qualitative` or `text-and-opinion`; "
         "a study's checklist answer `yes`, `no`, `unclear` or `not-applicable`."),
    Code("missing-explanation", E,
         "A CERQual component or the overall confidence without its explanation",
         "Add `explanation:` saying why; the SoQF table and the evidence profile print it. "
         "An assessment not made yet says so: `confidence: not-assessed` with "
         "`explanation: not assessed in the article`."),
    Code("confidence-inconsistent", W,
         "CERQual confidence higher than its serious concerns allow",
         "Each component with serious concerns should lower confidence by at least one "
         "level from high: `high` with one is flagged, `moderate` with two, and so on. "
         "Lower the confidence, or explain in its explanation why the concerns do not "
         "lower it; peersynth never changes the judgement."),
    Code("missing-appraisal", E,
         "A ConQual finding's study has no JBI checklist answers for dependability",
         "Give each contributing study its answers to questions 2, 3, 4, 6 and 7 of the "
         "JBI checklist for qualitative research under `appraisal:` in studies.yaml "
         "(`q2: \"yes\"` ...); peersynth works out the dependability from them."),
    Code("near-duplicate", W,
         "One value or attribute name written two ways (case, spacing, '-' or '_', "
         "a country's other name)",
         "Write the spelling the message names everywhere; the reports already count "
         "the spellings as one."),
]

CODES: dict[str, Code] = {code.id: code for code in _CODES}


def make(code: str, file: str, line: int, column: int, message: str,
         hint: str | None = None) -> Diagnostic:
    """A diagnostic of a registered code, at its registered severity."""
    return Diagnostic(code, CODES[code].severity, file, line, column, message, hint)
