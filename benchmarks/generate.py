"""Write a synthetic review of a given size, the same bytes for the same size and seed.

Every study has every field; themes form trees two or three levels deep; each study
is coded to about a tenth of the themes, mostly in the short form, with some long
codings carrying evidence. The output is a valid review with no warnings.

    python benchmarks/generate.py 10000 benchmarks/work/reviews/10000
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

SIZES = (16, 1_000, 10_000, 50_000)
SEED = 20240917

COUNTRIES = ["United States", "United Kingdom", "Australia", "Canada", "Ireland",
             "New Zealand", "Germany", "Netherlands", "Sweden", "Norway", "Denmark",
             "France", "Spain", "Italy", "Brazil", "South Africa", "Kenya", "India",
             "Japan", "Singapore"]
DESIGNS = ["qualitative", "quantitative", "mixed-methods"]
QUALITIES = ["good", "fair", "poor"]
SETTINGS = ["inpatient", "community", "primary-care", "forensic", "youth"]
SURNAMES = ["Berry", "Hayward", "Chandler", "Byrne", "Roennfeldt", "Wolf", "Linfoot",
            "Davidson", "Bellamy", "Mancini", "Gillard", "Edwards", "Müller", "Nakamura",
            "O'Brien", "Silva", "Okafor", "Lindqvist", "Dubois", "Rossi", "Kowalski"]
WORDS = ["role", "clarity", "training", "supervision", "readiness", "culture", "stigma",
         "recovery", "workload", "pay", "leadership", "support", "identity", "boundaries",
         "disclosure", "peer", "values", "policy", "funding", "networks", "wellbeing",
         "autonomy", "trust", "co-production", "power", "career", "retention", "safety"]


def themes_for(studies: int) -> int:
    """How many themes a review of this size has: 12 at 16 studies, 200 from 2,000 on."""
    return min(200, max(12, studies // 10))


def _q(text: str) -> str:
    """A double-quoted YAML scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


@dataclass
class _Theme:
    id: str
    label: str
    depth: int
    children: list[_Theme] = field(default_factory=list)
    codings: list[int] = field(default_factory=list)
    evidence: dict[int, str] = field(default_factory=dict)
    reported: bool = False


def _theme_tree(rng: random.Random, count: int) -> tuple[list[_Theme], list[_Theme]]:
    """Top-level themes and all themes in creation order, two or three levels deep."""
    top_count = max(3, count // 25)
    every: list[_Theme] = []
    top: list[_Theme] = []
    for number in range(1, count + 1):
        a, b = rng.sample(WORDS, 2)
        theme_id = f"t{number:03d}-{a}-{b}"
        if number <= top_count:
            theme = _Theme(theme_id, f"{a.capitalize()} and {b} {number}", 0)
            top.append(theme)
        else:
            # Each top theme gets a subtheme first, so every tree has at least two levels.
            parent = top[number - top_count - 1] if number <= 2 * top_count else rng.choice(
                [t for t in every if t.depth < 2])
            theme = _Theme(theme_id, f"{a.capitalize()} {b} {number}", parent.depth + 1)
            parent.children.append(theme)
        every.append(theme)
    return top, every


def _study_yaml(rng: random.Random, number: int) -> str:
    surnames = rng.sample(SURNAMES, rng.randint(1, 3))
    authors = ", ".join(_q(f"{name} {rng.choice('ABCDEFGHJKLMNPRSTW')}") for name in surnames)
    countries = rng.sample(COUNTRIES, 1 if rng.random() < 0.85 else 2)
    title_words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 6)))
    return (
        f"  - id: s{number:05d}\n"
        f"    ref: {number}\n"
        f"    authors: [{authors}]\n"
        f"    year: {rng.randint(1995, 2024)}\n"
        f"    title: {_q(title_words.capitalize())}\n"
        f"    countries: [{', '.join(_q(c) for c in countries)}]\n"
        f"    design: {rng.choice(DESIGNS)}\n"
        f"    quality: {rng.choice(QUALITIES)}\n"
        f"    attributes:\n"
        f"      setting: {rng.choice(SETTINGS)}\n"
        f"      lived_experience_coauthor: {_q(rng.choice(['yes', 'no']))}\n"
        f"    note: {_q(rng.choice(WORDS))}\n"
    )


def _theme_yaml(theme: _Theme, indent: int, lines: list[str]) -> None:
    pad = " " * indent
    lines.append(f"{pad}- id: {theme.id}\n")
    lines.append(f"{pad}  label: {_q(theme.label)}\n")
    lines.append(f"{pad}  description: {_q('Synthetic theme ' + theme.id)}\n")
    if theme.reported:
        lines.append(f"{pad}  reported: {len(_rolled_up(theme))}\n")
    if theme.codings:
        # Flow style, wrapped: the short form most reviews use for long lists.
        items = [f"s{study:05d}" if study not in theme.evidence else
                 f"{{study: s{study:05d}, evidence: {_q(theme.evidence[study])}}}"
                 for study in theme.codings]
        rows = [", ".join(items[at:at + 12]) for at in range(0, len(items), 12)]
        lines.append(f"{pad}  studies: [" + f",\n{pad}    ".join(rows) + "]\n")
    if theme.children:
        lines.append(f"{pad}  subthemes:\n")
        for child in theme.children:
            _theme_yaml(child, indent + 4, lines)


def _rolled_up(theme: _Theme) -> set[int]:
    found = set(theme.codings)
    for child in theme.children:
        found |= _rolled_up(child)
    return found


def generate(studies: int, seed: int = SEED) -> tuple[str, str]:
    """The text of studies.yaml and themes.yaml for a review of `studies` studies."""
    rng = random.Random(f"{seed}:{studies}")
    top, every = _theme_tree(rng, themes_for(studies))
    per_study = max(1, round(len(every) / 10))
    for number in range(1, studies + 1):
        for theme in rng.sample(every, per_study):
            theme.codings.append(number)
            if rng.random() < 0.05:
                theme.evidence[number] = f"Results, p. {rng.randint(2, 30)}"
    for index, theme in enumerate(every):
        if not theme.codings and not theme.children:
            theme.codings.append(index % studies + 1)
    for theme in every:
        theme.codings.sort()
        theme.reported = rng.random() < 0.2
    head = (
        "review:\n"
        f"  title: {_q(f'Synthetic review of {studies} studies')}\n"
        "  doi: \"10.1234/peersynth.synthetic\"\n"
        "  flow:\n"
        f"    records_screened: {studies * 30}\n"
        f"    full_text_assessed: {studies * 3}\n"
        f"    included: {studies}\n"
        "vocabularies:\n"
        f"  design: [{', '.join(DESIGNS)}]\n"
        f"  quality: [{', '.join(QUALITIES)}]\n"
        f"  setting: [{', '.join(SETTINGS)}]\n"
        "studies:\n"
    )
    studies_text = head + "".join(_study_yaml(rng, n) for n in range(1, studies + 1))
    lines = ["themes:\n"]
    for theme in top:
        _theme_yaml(theme, 2, lines)
    return studies_text, "".join(lines)


def write_review(folder: Path, studies: int, seed: int = SEED) -> Path:
    """Write the review into `folder` (created), skipping files already holding the text."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in zip(("studies.yaml", "themes.yaml"), generate(studies, seed), strict=True):
        path = folder / name
        data = text.encode("utf-8")
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
    return folder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("studies", type=int, help="number of studies")
    parser.add_argument("folder", type=Path, help="where to write studies.yaml and themes.yaml")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    write_review(args.folder, args.studies, args.seed)


if __name__ == "__main__":
    main()
