"""The example review folders under tests/data and what each must produce."""

from __future__ import annotations

import shutil
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
VALID = DATA / "valid"
INVALID = DATA / "invalid"
# A case folder may hold only the file it breaks; the other comes from this review.
BASE = VALID / "minimal"
FILES = ("studies.yaml", "themes.yaml")


def case_names(kind: Path) -> list[str]:
    return sorted(path.name for path in kind.iterdir() if path.is_dir())


def assemble(case: Path, into: Path) -> Path:
    """A complete review folder for `case`, completed from the base review."""
    into.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        source = case / name if (case / name).exists() else BASE / name
        shutil.copyfile(source, into / name)
    # Any other file of the case (a bibliography) comes along.
    for other in case.iterdir():
        if other.is_file() and other.name not in (*FILES, "expected.txt", "env"):
            shutil.copyfile(other, into / other.name)
    return into


def case_env(case: Path) -> dict[str, str]:
    env_file = case / "env"
    if not env_file.exists():
        return {}
    lines = env_file.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line)


def expected(case: Path) -> list[str]:
    return sorted(line for line in (case / "expected.txt").read_text().splitlines() if line)
