"""Write docs/images/flow.svg and docs/images/matrix.svg, the README's figures, from the
shipped review: what `peersynth figure flow` and `peersynth figure matrix` draw.

Run `python docs/make_images.py` after changing the shipped review or a figure; a test
checks that the committed images equal what this produces (the figures are the same
bytes for the same review).
"""

from __future__ import annotations

from pathlib import Path

from peersynth.figures import Kind, render
from peersynth.validate import validate_folder

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
IMAGES = HERE / "images"
KINDS = (Kind.flow, Kind.matrix)


def images(data: Path = ROOT / "data") -> dict[str, bytes]:
    """Each README image's file name and bytes."""
    review = validate_folder(data).review
    if review is None:
        raise SystemExit(f"{data}: the review does not validate; run peersynth validate")
    return {f"{kind.value}.svg": render(kind, review, "svg") for kind in KINDS}


def main() -> None:
    IMAGES.mkdir(exist_ok=True)
    for name, data in images().items():
        (IMAGES / name).write_bytes(data)
        print(f"wrote {(IMAGES / name).relative_to(ROOT).as_posix()}")


if __name__ == "__main__":
    main()
