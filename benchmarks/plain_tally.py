"""The roll-up tally as a plain script would print it: the peer a reviewer could write.

    python benchmarks/plain_tally.py REVIEW-FOLDER

Each theme: the distinct studies coded to it or to any subtheme below it, over the
number of studies in studies.yaml, and the percent rounded half up, as `peersynth tally`
counts them. No checking at all; PyYAML's C loader, the cyclic collector off and
os._exit, as peersynth runs, so that only the work differs.
"""

import gc
import os
import sys

import yaml


# A bare dict: typing.Any would import typing, which nothing else here needs.
def tally(theme: dict, depth: int, total: int, lines: list[str]) -> set[str]:  # type: ignore[type-arg]
    found = {c["study"] if isinstance(c, dict) else c for c in theme.get("studies") or ()}
    at = len(lines)
    lines.append("")  # the parent's line goes above its subthemes'
    for sub in theme.get("subthemes") or ():
        found |= tally(sub, depth + 1, total, lines)
    percent = f"{(200 * len(found) + total) // (2 * total)}%" if total else "\u2013"
    lines[at] = f"{'  ' * depth}{theme['label']}\t{len(found)}/{total}\t{percent}"
    return found


gc.disable()
folder = sys.argv[1] if len(sys.argv) > 1 else "data"
with open(os.path.join(folder, "studies.yaml"), "rb") as f:
    studies = yaml.load(f, Loader=yaml.CSafeLoader)["studies"]
with open(os.path.join(folder, "themes.yaml"), "rb") as f:
    themes = yaml.load(f, Loader=yaml.CSafeLoader)["themes"]
lines: list[str] = []
for theme in themes:
    tally(theme, 0, len(studies), lines)
sys.stdout.write("\n".join(lines) + "\n")
sys.stdout.flush()
os._exit(0)
