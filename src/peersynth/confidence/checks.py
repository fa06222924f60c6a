"""Checks of findings.yaml against the review, and of the studies' JBI appraisal answers.

- `duplicate-finding-id`, `unknown-theme`, `unknown-study` (a study a finding lists),
  `study-not-in-themes` (warning: a listed study its themes do not hold).
- `unknown-judgement`: a method, confidence, level of concern, type of research or
  checklist answer outside its fixed scale; `unknown-field` for an appraisal question
  the checklist does not have, and for what the finding's method does not take.
- `missing-field`: what a judged assessment needs (the four components once CERQual
  confidence is judged; the credibility counts of a ConQual finding).
- `missing-explanation`: a component or the overall judgement without its explanation.
- `confidence-inconsistent` (warning): CERQual confidence higher than its serious
  concerns allow; the judgement is never changed.
- `missing-appraisal`: a contributing study of a ConQual finding without answers to
  questions 2, 3, 4, 6 and 7, so its score cannot be worked out.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from peersynth.checks import Context, check
from peersynth.confidence import rules
from peersynth.confidence.read import FindingsRead
from peersynth.confidence.records import COMPONENT_NAMES, CONQUAL, Assessment, Finding
from peersynth.diagnostics import Diagnostic
from peersynth.loading import Document, YamlPath
from peersynth.review import Theme
from peersynth.suggest import closest

# Registered under names of their own where a code is also another check's (the registry
# is by name): "findings-unknown-study" yields unknown-study.


def _found(ctx: Context) -> FindingsRead | None:
    return ctx.findings


def _hint(value: str, scale: Sequence[str]) -> str:
    near = closest(value, scale)
    listed = ", ".join(scale)
    return f"did you mean '{near[0]}'? one of: {listed}" if near else f"one of: {listed}"


@check("duplicate-finding-id")
def _duplicate_ids(ctx: Context) -> Iterator[Diagnostic]:
    read = _found(ctx)
    if read is None:
        return
    first: dict[str, YamlPath] = {}
    for finding, path in read.findings:
        if finding.id not in first:
            first[finding.id] = path
        elif not ctx.hidden(read.doc, "duplicate-finding-id", (*path, "id")):
            line = read.doc.position((*first[finding.id], "id"))[0]
            yield ctx.at(read.doc, "duplicate-finding-id", (*path, "id"),
                         f"finding id '{finding.id}' is already used at line {line}",
                         "give each finding its own id")


def _themes_by_id(ctx: Context) -> dict[str, Theme] | None:
    """Every theme by id, or None when themes.yaml could not be read whole enough to say
    which ids it holds."""
    if ctx.themes is None or ctx.no_id:
        return None
    return {theme.id: theme for theme, _ in ctx.theme_nodes}


@check("unknown-theme")
def _unknown_themes(ctx: Context) -> Iterator[Diagnostic]:
    read, themes = _found(ctx), _themes_by_id(ctx)
    if read is None or themes is None:
        return
    for finding, path in read.findings:
        for number, theme in enumerate(finding.themes):
            where = (*path, "themes", number)
            if theme in themes or ctx.hidden(read.doc, "unknown-theme", where):
                continue
            near = closest(theme, themes)
            yield ctx.at(read.doc, "unknown-theme", where,
                         f"'{theme}' is not a theme id in themes.yaml",
                         f"did you mean '{near[0]}'?" if near else
                         "name a theme (or subtheme) id from themes.yaml")


@check("findings-unknown-study")
def _unknown_studies(ctx: Context) -> Iterator[Diagnostic]:
    read = _found(ctx)
    # Not judged while some study's id could not be read: it may be the one meant.
    if read is None or not ctx.studies_read or ctx.unread_studies:
        return
    for finding, path in read.findings:
        for number, study in enumerate(finding.studies or ()):
            where = (*path, "studies", number)
            if study in ctx.all_study_ids or ctx.hidden(read.doc, "unknown-study", where):
                continue
            near = closest(study, ctx.all_study_ids)
            yield ctx.at(read.doc, "unknown-study", where,
                         f"'{study}' is not a study id",
                         f"did you mean '{near[0]}'?" if near else "add the study to "
                         "studies.yaml, or correct the id")


@check("study-not-in-themes")
def _outside_themes(ctx: Context) -> Iterator[Diagnostic]:
    read, themes = _found(ctx), _themes_by_id(ctx)
    if read is None or themes is None:
        return
    paths = {theme.id: path for theme, path in ctx.theme_nodes}
    for finding, path in read.findings:
        if finding.studies is None or any(theme not in themes for theme in finding.themes):
            continue
        held = rules.theme_studies(themes, finding)
        # Codings that could not be read under these themes may name the study.
        maybe = frozenset[str]().union(*(ctx.unreadable_under(paths[t])
                                         for t in finding.themes))
        for number, study in enumerate(finding.studies):
            where = (*path, "studies", number)
            if study in held or study in maybe or study not in ctx.all_study_ids \
                    or ctx.hidden(read.doc, "study-not-in-themes", where):
                continue
            names = ", ".join(f"'{t}'" for t in finding.themes)
            yield ctx.at(read.doc, "study-not-in-themes", where,
                         f"study '{study}' is not coded to {names} or to a theme below",
                         "code the study to the theme in themes.yaml, or remove it from "
                         "the finding's studies; it is left out of the finding")


def _judgement(ctx: Context, doc: Document, where: YamlPath, value: str, what: str,
               scale: Sequence[str]) -> Iterator[Diagnostic]:
    if value not in scale and not ctx.hidden(doc, "unknown-judgement", where):
        yield ctx.at(doc, "unknown-judgement", where, f"'{value}' is not {what}",
                     _hint(value, scale))


@check("unknown-judgement")
def _judgements(ctx: Context) -> Iterator[Diagnostic]:
    yield from _answers(ctx)
    read = _found(ctx)
    if read is None:
        return
    doc = read.doc
    for finding, path in read.findings:
        yield from _judgement(ctx, doc, (*path, "method"), finding.method, "a method",
                              rules.METHODS)
        item, base = finding.assessment, (*path, "assessment")
        if item is None:
            continue
        if item.confidence is not None:
            scale = rules.CONFIDENCE_VALUES if finding.method != CONQUAL \
                else (rules.NOT_ASSESSED,)
            yield from _judgement(ctx, doc, (*base, "confidence"), item.confidence,
                                  "a level of confidence" if finding.method != CONQUAL
                                  else "what a ConQual finding's confidence may say (its "
                                  "score is worked out)", scale)
        for name in COMPONENT_NAMES:
            component = getattr(item, name)
            if component is not None:
                yield from _judgement(ctx, doc, (*base, name, "concern"), component.concern,
                                      "a level of concern", rules.CONCERNS)
        if item.research is not None:
            yield from _judgement(ctx, doc, (*base, "research"), item.research,
                                  "a type of research ConQual ranks", tuple(rules.RESEARCH))


def _answers(ctx: Context) -> Iterator[Diagnostic]:
    """The studies' JBI checklist answers in studies.yaml."""
    doc = ctx.studies_doc
    for study, path in ctx.studies_with_paths():
        for question, answer in (study.appraisal or {}).items():
            if question in rules.QUESTIONS:
                yield from _judgement(ctx, doc, (*path, "appraisal", question), answer,
                                      "a checklist answer", rules.ANSWERS)


@check("findings-unknown-field")
def _unknown_questions_and_parts(ctx: Context) -> Iterator[Diagnostic]:
    doc = ctx.studies_doc
    for study, path in ctx.studies_with_paths():
        for question in study.appraisal or {}:
            where = (*path, "appraisal", question)
            if question not in rules.QUESTIONS \
                    and not ctx.hidden(doc, "unknown-field", where, key=True):
                near = closest(question, rules.QUESTIONS)
                yield ctx.at(doc, "unknown-field", where,
                             f"unknown question '{question}': the JBI checklist for "
                             "qualitative research has questions q1 to q10",
                             f"did you mean '{near[0]}'?" if near else None, key=True)
    read = _found(ctx)
    if read is None:
        return
    for finding, path in read.findings:
        item = finding.assessment
        if item is None or finding.method not in rules.METHODS:
            continue
        conqual = finding.method == CONQUAL
        wrong = [*COMPONENT_NAMES, "explanation"] if conqual else ["research", "credibility"]
        for name in wrong:
            where = (*path, "assessment", name)
            # A ConQual finding may explain itself; only its judgements are worked out.
            if getattr(item, name) is None or name == "explanation" \
                    or ctx.hidden(read.doc, "unknown-field", where, key=True):
                continue
            yield ctx.at(read.doc, "unknown-field", where, key=True, message=(
                f"'{name}' is not part of a ConQual assessment" if conqual
                else f"'{name}' is part of a ConQual assessment, not a CERQual one"),
                hint="ConQual takes research and credibility; peersynth works out the "
                     "score" if conqual else "write 'method: conqual' for a ConQual "
                     "assessment, or remove it")


def _assessed(item: Assessment) -> bool:
    return item.confidence != rules.NOT_ASSESSED


@check("findings-missing-field")
def _needed(ctx: Context) -> Iterator[Diagnostic]:
    read = _found(ctx)
    if read is None:
        return
    doc = read.doc
    for finding, path in read.findings:
        item = finding.assessment
        if item is None:
            if not ctx.hidden(doc, "missing-field", path):
                yield ctx.at(doc, "missing-field", path, "'assessment' is required",
                             "add 'assessment:'; one not made yet is written "
                             "'confidence: not-assessed' with an explanation")
            continue
        base = (*path, "assessment")
        wanted: list[str] = []
        if finding.method == CONQUAL:
            if _assessed(item) and item.credibility is None:
                wanted = ["credibility"]
        elif finding.method == "cerqual":
            if item.confidence is None:
                wanted = ["confidence"]
            elif item.confidence in rules.CONFIDENCE:
                wanted = [name for name in COMPONENT_NAMES if getattr(item, name) is None]
        if wanted and not ctx.hidden(doc, "missing-field", base):
            names = ", ".join(f"'{name}'" for name in wanted)
            yield ctx.at(doc, "missing-field", base,
                         f"{names} {'is' if len(wanted) == 1 else 'are'} required "
                         f"{_needed_because(finding, item)}", f"add {names}")


def _needed_because(finding: Finding, item: Assessment) -> str:
    if finding.method == CONQUAL:
        return "for a ConQual score (the number of unequivocal, credible and unsupported " \
            "findings aggregated into this one)"
    if item.confidence is None:
        return "(or 'confidence: not-assessed' while it is not assessed)"
    return f"once confidence is judged ('{item.confidence}')"


@check("missing-explanation")
def _explanations(ctx: Context) -> Iterator[Diagnostic]:
    read = _found(ctx)
    if read is None:
        return
    doc = read.doc
    for finding, path in read.findings:
        item, base = finding.assessment, (*path, "assessment")
        # A ConQual finding's explanation is its own to give, unless it is a placeholder.
        placeholder = finding.method == CONQUAL and item is not None \
            and item.confidence == rules.NOT_ASSESSED
        if item is None or (finding.method != "cerqual" and not placeholder):
            continue
        for name in COMPONENT_NAMES:
            component = getattr(item, name)
            if component is not None and component.explanation is None \
                    and not ctx.hidden(doc, "missing-explanation", (*base, name)):
                title = rules.COMPONENT_TITLES[name].lower()
                yield ctx.at(doc, "missing-explanation", (*base, name),
                             f"{title} has no explanation",
                             "say why in 'explanation:', as the evidence profile shows it")
        if item.confidence is not None and item.explanation is None \
                and not ctx.hidden(doc, "missing-explanation", (*base, "confidence")):
            yield ctx.at(doc, "missing-explanation", (*base, "confidence"),
                         f"confidence '{item.confidence}' has no explanation",
                         "say why in 'explanation:' beside it; the SoQF table prints it"
                         if item.confidence != rules.NOT_ASSESSED else
                         "say why it is not assessed, e.g. 'explanation: not assessed "
                         "in the article'")


@check("confidence-inconsistent")
def _consistency(ctx: Context) -> Iterator[Diagnostic]:
    read = _found(ctx)
    if read is None:
        return
    for finding, path in read.findings:
        item = finding.assessment
        if finding.method != "cerqual" or item is None \
                or item.confidence not in rules.CONFIDENCE:
            continue
        serious = [name for name in COMPONENT_NAMES
                   if (c := getattr(item, name)) is not None and c.concern == rules.SERIOUS]
        where = (*path, "assessment", "confidence")
        if not rules.inconsistent_with_concerns(item.confidence, len(serious)) \
                or ctx.hidden(read.doc, "confidence-inconsistent", where):
            continue
        titles = ", ".join(rules.COMPONENT_TITLES[name].lower() for name in serious)
        allowed = rules.highest_consistent(len(serious))
        yield ctx.at(read.doc, "confidence-inconsistent", where,
                     f"confidence '{item.confidence}' with serious concerns about "
                     f"{titles}: each serious concern should lower confidence at least "
                     f"one level from high, to '{allowed}' or lower",
                     "lower the confidence, or explain why these concerns do not lower it; "
                     "the judgement is kept as written")


@check("missing-appraisal")
def _appraisals(ctx: Context) -> Iterator[Diagnostic]:
    read, themes = _found(ctx), _themes_by_id(ctx)
    if read is None or themes is None:
        return
    by_id = {study.id: study for study in ctx.studies.studies}
    for finding, path in read.findings:
        item = finding.assessment
        if finding.method != CONQUAL or item is None or not _assessed(item):
            continue
        chosen = rules.contributing_ids(themes, finding)
        where = (*path, "method")
        for study_id in sorted(chosen):
            study = by_id.get(study_id)
            if study is None or rules.study_yes(study) is not None:
                continue
            if ctx.hidden(read.doc, "missing-appraisal", where):
                continue
            missing = [q for q in rules.DEPENDABILITY_QUESTIONS
                       if q not in (study.appraisal or {})]
            yield ctx.at(read.doc, "missing-appraisal", where,
                         f"study '{study_id}' has no answer to {', '.join(missing)} of the "
                         "JBI checklist, which ConQual's dependability needs",
                         f"add them under 'appraisal:' of '{study_id}' in studies.yaml")
