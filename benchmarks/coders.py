"""Two coders' files for a generated review, for timing `peersynth agree`.

    .venv/bin/python benchmarks/coders.py benchmarks/work/reviews/10000

coder-a codes as themes.yaml does; coder-b leaves out 2% of those codings and adds as
many elsewhere (seeded), so the two disagree on about 4% of the codings.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

import yaml


def _write(themes: list[dict[str, Any]], out: list[str], indent: int) -> None:
    pad = " " * indent
    for theme in themes:
        out.append(f"{pad}- id: {theme['id']}")
        out.append(f"{pad}  label: {json.dumps(theme['label'], ensure_ascii=False)}")
        out.append(f"{pad}  studies: [{', '.join(theme['studies'])}]")
        if theme.get("subthemes"):
            out.append(f"{pad}  subthemes:")
            _write(theme["subthemes"], out, indent + 4)


def main(folder: Path) -> None:
    with open(folder / "themes.yaml", "rb") as handle:
        data = yaml.load(handle, Loader=yaml.CSafeLoader)
    with open(folder / "studies.yaml", "rb") as handle:
        ids = [s["id"] for s in yaml.load(handle, Loader=yaml.CSafeLoader)["studies"]]
    rng = random.Random(f"coders:{len(ids)}")

    def walk(themes: list[dict[str, Any]], change: bool) -> list[dict[str, Any]]:
        found = []
        for theme in themes:
            studies = [c if isinstance(c, str) else c["study"] for c in theme.get("studies", [])]
            if change:
                kept = [s for s in studies if rng.random() >= 0.02]
                taken = set(kept)
                added = [s for s in rng.sample(ids, len(studies) - len(kept)) if s not in taken]
                studies = kept + added
            found.append({"id": theme["id"], "label": theme["label"], "studies": studies,
                          "subthemes": walk(theme.get("subthemes", []), change)})
        return found

    where = folder / "coders"
    where.mkdir(exist_ok=True)
    for name, change in (("coder-a", False), ("coder-b", True)):
        out = ["themes:"]
        _write(walk(data["themes"], change), out, 2)
        (where / f"{name}.yaml").write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
