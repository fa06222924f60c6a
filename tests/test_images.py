"""The README's figures (docs/images) are what docs/make_images.py draws today."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_images_are_current() -> None:
    spec = importlib.util.spec_from_file_location("make_images", ROOT / "docs" / "make_images.py")
    assert spec is not None
    assert spec.loader is not None
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    drawn = maker.images()
    assert sorted(drawn) == ["flow.svg", "matrix.svg"]
    for name, data in drawn.items():
        committed = (ROOT / "docs" / "images" / name).read_bytes()
        assert committed == data, f"{name}: run python docs/make_images.py"


def test_the_readme_shows_them() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"!\[[^\]]+\]\((docs/images/[^)]+)\)", readme)
    assert shown == ["docs/images/flow.svg", "docs/images/matrix.svg"]
    for path in shown:
        assert (ROOT / path).is_file()
    # The flow diagram states the review's numbers (FACTS.md) as text.
    flow = (ROOT / "docs" / "images" / "flow.svg").read_text(encoding="utf-8")
    for number in ("5191", "154", "16"):
        assert f"(n = {number})" in flow
