"""Write a manuscript for a generated review: a Results section of about WORDS words.

It has the shape of the published Results section the audit is tested on: a
paragraph of flow figures and study characteristics, then a section per theme
(Markdown headings "Theme N: label", "Subtheme N: label") stating the theme's count
with its denominator and percent, and citing studies coded to it, by number and by
first author. Every figure is computed from the review's YAML (read with PyYAML, not
with peersynth), so the claims are consistent, except one theme count in every
ERROR_EVERY, made one too high, so the audit also reports errors as a real draft's
would.

    python benchmarks/manuscript.py benchmarks/work/reviews/10000 --words 10000
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

WORDS = 10_000
ERROR_EVERY = 40
SEED = 20240917
NAME = "manuscript.md"

_VERBS = ["described", "reported", "emphasised", "noted", "found", "highlighted"]
_TOPICS = ["shared decision-making", "team meetings", "role descriptions", "supervision",
           "induction", "workplace adjustments", "lived experience", "training sessions",
           "staff attitudes", "service users", "career pathways", "organisational policy"]


@dataclass
class _Section:
    label: str
    depth: int
    studies: set[str]  # coded to it or to any subtheme below it


def _load(path: Path) -> Any:
    with path.open("rb") as handle:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(handle, Loader=loader)  # a safe loader, C or Python


def _sections(themes: Sequence[dict[str, Any]], depth: int = 0) -> Iterator[_Section]:
    """Each theme in document order, with the studies coded to it or below it."""
    for theme in themes:
        own = {item if isinstance(item, str) else item["study"]
               for item in theme.get("studies") or ()}
        below = list(_sections(theme.get("subthemes") or (), depth + 1))
        rolled = set(own).union(*(s.studies for s in below if s.depth == depth + 1))
        yield _Section(theme["label"], depth, rolled)
        yield from below


def _percent(n: int, total: int) -> int:
    """n/N as a whole percent, halves up, as `peersynth tally` rounds."""
    return (200 * n + total) // (2 * total)


def _list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def manuscript_text(folder: Path, words: int = WORDS, seed: int = SEED) -> str:
    studies = _load(folder / "studies.yaml")
    themes = _load(folder / "themes.yaml")
    included = studies["studies"]
    total = len(included)
    by_id = {s["id"]: s for s in included}
    flow = studies.get("review", {}).get("flow", {})
    rng = random.Random(f"{seed}:{total}:{words}")

    single = Counter(s["countries"][0] for s in included if len(set(s["countries"])) == 1)
    several = sum(1 for s in included if len(set(s["countries"])) > 1)
    designs = Counter(s["design"] for s in included)
    qualities = Counter(s["quality"] for s in included)
    top = themes["themes"]
    countries = ", ".join(f"{name} (n = {count:,})" for name, count in single.most_common())
    opening = [
        "# Results",
        "",
        f"A total of {flow['records_screened']:,} records were screened, with "
        f"{flow['full_text_assessed']:,} full-text articles examined resulting in the inclusion "
        f"of {total:,} studies. Studies were conducted across {len(single)} main countries "
        f"including {countries}. {several:,} studies were conducted across multiple countries. "
        "Study designs were " + _list([f"{d} (n = {c:,})" for d, c in designs.most_common()])
        + ". Studies were appraised for quality and were rated as "
        + _list([f"{q} quality (n = {c:,})" for q, c in qualities.most_common()]) + ".",
        "",
        f"From the {total:,} included studies {len(top)} overarching themes were established.",
        "",
    ]
    sections = list(_sections(themes["themes"]))
    text = "\n".join(opening)
    budget = max(40, (words - len(text.split())) // len(sections))
    parts = [text]
    numbers = [0, 0, 0]
    for index, section in enumerate(sections):
        numbers[section.depth] += 1
        kind = "Theme" if section.depth == 0 else "Subtheme"
        marks = "#" * (section.depth + 2)
        refs = sorted(by_id[i]["ref"] for i in section.studies)
        n = len(refs) + (1 if index % ERROR_EVERY == ERROR_EVERY - 1 else 0)
        lines = [f"{marks} {kind} {numbers[section.depth]}: {section.label}", "",
                 f"{section.label} appeared in {n:,} of the {total:,} included articles "
                 f"({_percent(len(refs), total)}%) for this review."]
        used = len(lines[0].split()) + len(lines[-1].split())
        # Sentences run to about 18 words: stop when the next would overshoot by more
        # than half, so that the sections add up to about WORDS.
        while used + 9 < budget:
            cited = sorted(rng.sample(refs, min(len(refs), rng.randint(1, 4))))
            study = by_id[f"s{cited[0]:05d}"]
            first = study["authors"][0].rsplit(" ", 1)[0]
            verb, topic = rng.choice(_VERBS), rng.choice(_TOPICS)
            if rng.random() < 0.3:
                sentence = (f"{first} et al. [{cited[0]}] {verb} the place of {topic} in how "
                            "peer roles were taken up by the wider team.")
            else:
                sentence = (f"Research {verb} that {topic} shaped how peer workers were "
                            f"integrated into teams and services [{', '.join(map(str, cited))}].")
            lines[-1] += " " + sentence
            used += len(sentence.split())
        lines.append("")
        parts.append("\n".join(lines))
    return "\n".join(parts)


def write_manuscript(folder: Path, words: int = WORDS, seed: int = SEED) -> Path:
    """Write `manuscript.md` into the review's folder, unless it already holds the text."""
    path = folder / NAME
    data = manuscript_text(folder, words, seed).encode("utf-8")
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("folder", type=Path, help="a review written by generate.py")
    parser.add_argument("--words", type=int, default=WORDS)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    print(write_manuscript(args.folder, args.words, args.seed))


if __name__ == "__main__":
    main()
