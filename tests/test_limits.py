"""The reading limits: each enforced with its own code, set from the environment, and bounding.

"Bounded" is shown without timing anything: inputs that would take exponential
memory (billion laughs) or overflow the stack (deep nesting) if a limit leaked
are read here, and the largest ones run under an address-space ceiling.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from peersynth.errors import PeersynthError, UsageError
from peersynth.loading import (
    LIMIT_VARIABLES,
    Implicit,
    Limits,
    parse_text,
    read_document,
    resolve_plain,
)
from peersynth.validate import validate_folder
from validation_cases import VALID

ROOT = Path(__file__).resolve().parent.parent


def codes(text: str, limits: Limits | None = None) -> list[tuple[int, int, str]]:
    _doc, diagnostics = parse_text(text, "f.yaml", limits)
    return [(d.line, d.column, d.code) for d in diagnostics]


def review(tmp_path: Path, studies: bytes | str, themes: bytes | str | None = None) -> Path:
    folder = tmp_path / "review"
    folder.mkdir(exist_ok=True)
    for name, body in (("studies.yaml", studies),
                       ("themes.yaml", themes if themes is not None else
                        (VALID / "minimal" / "themes.yaml").read_bytes())):
        (folder / name).write_bytes(body.encode() if isinstance(body, str) else body)
    return folder


# --------------------------------------------------------------------------- from the environment


def test_defaults_when_the_environment_sets_nothing() -> None:
    assert Limits.from_env({}) == Limits()
    assert Limits() == Limits(max_file_bytes=64 * 1024 * 1024, max_depth=64,
                              max_alias_nodes=10_000)


@pytest.mark.parametrize(("field", "variable"), sorted(LIMIT_VARIABLES.items()))
def test_each_limit_is_set_by_its_variable(field: str, variable: str) -> None:
    assert getattr(Limits.from_env({variable: "7"}), field) == 7
    assert Limits.from_env({variable: ""}) == Limits()


@pytest.mark.parametrize("raw", ["0", "-1", "1.5", "ten", " 5", "²", "١٢", "9" * 5000])
def test_a_bad_value_is_a_usage_error_not_a_crash(raw: str) -> None:
    with pytest.raises(UsageError, match="PEERSYNTH_MAX_DEPTH"):
        Limits.from_env({"PEERSYNTH_MAX_DEPTH": raw})


def test_validate_reads_the_limits_from_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = VALID / "anchors-within-limits"
    assert validate_folder(folder).diagnostics == ()
    monkeypatch.setenv("PEERSYNTH_MAX_ALIAS_NODES", "1")
    assert [d.code for d in validate_folder(folder).diagnostics] == ["alias-limit"]
    monkeypatch.setenv("PEERSYNTH_MAX_ALIAS_NODES", "100")
    monkeypatch.setenv("PEERSYNTH_MAX_DEPTH", "2")
    assert {d.code for d in validate_folder(folder).diagnostics} == {"too-deep"}
    monkeypatch.setenv("PEERSYNTH_MAX_DEPTH", "100")
    monkeypatch.setenv("PEERSYNTH_MAX_FILE_BYTES", "60")
    assert [(d.file.rsplit("/", 1)[-1], d.line, d.column, d.code)
            for d in validate_folder(folder).diagnostics] == [
        ("studies.yaml", 1, 1, "file-too-large")]


def test_a_bad_variable_exits_2_on_the_command_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "peersynth", "validate", str(VALID / "minimal")],
        capture_output=True, text=True, env={**os.environ, "PEERSYNTH_MAX_DEPTH": "²"},
        timeout=120, check=False)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------- file size


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "studies.yaml"
    path.write_bytes(b"studies: []\n" + b"#" * 5000)
    doc, diagnostics = read_document(path, "studies.yaml", Limits(max_file_bytes=5000))
    assert doc is None
    assert [(d.line, d.column, d.code) for d in diagnostics] == [(1, 1, "file-too-large")]
    assert "5012 bytes" in diagnostics[0].message
    doc, diagnostics = read_document(path, "studies.yaml", Limits(max_file_bytes=5012))
    assert doc is not None
    assert diagnostics == []


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_is_refused_not_read_forever(tmp_path: Path) -> None:
    """A committed symbolic link to /dev/zero must not make CI read without end."""
    link = tmp_path / "studies.yaml"
    link.symlink_to("/dev/zero")
    with pytest.raises(PeersynthError, match="not a regular file"):
        read_document(link, "studies.yaml")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_is_refused_by_the_cached_commands_too(tmp_path: Path) -> None:
    folder = review(tmp_path, "studies: []\n")
    (folder / "studies.yaml").unlink()
    (folder / "studies.yaml").symlink_to("/dev/zero")
    code = textwrap.dedent("""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1024 * 2**20, 1024 * 2**20))
        from peersynth.cli import main
        sys.argv = ["peersynth", "tally", "--data", sys.argv[1]]
        main()
    """)
    result = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True,
                            text=True, timeout=120, check=False)
    assert "Traceback" not in result.stderr
    assert result.returncode == 3, result.stderr[-2000:]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    folder = review(tmp_path, "studies: []\n")
    (folder / "themes.yaml").unlink()
    os.mkfifo(folder / "themes.yaml")
    result = subprocess.run([sys.executable, "-m", "peersynth", "validate", str(folder)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 3, result.stderr
    assert "not a regular file" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_fifty_megabyte_scalar_is_read_within_a_memory_ceiling(tmp_path: Path) -> None:
    """Under the default limits, a 50 MB value costs a few times its size, no more."""
    folder = review(tmp_path, b"studies:\n  - id: s1\n    note: " + b"x" * 50_000_000 + b"\n"
                    b"  - id: " + b"Y" * 10_000_000 + b"\n")
    code = textwrap.dedent(f"""
        import resource, sys
        from pathlib import Path
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))
        from peersynth.validate import validate_folder
        from peersynth.render_diagnostics import as_text
        report = validate_folder(Path({str(folder)!r}))
        as_text(report)
        print(sorted({{d.code for d in report.diagnostics}}))
    """)
    if not hasattr(__import__("resource"), "RLIMIT_AS"):  # pragma: no cover
        pytest.skip("needs RLIMIT_AS")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "'invalid-id'" in result.stdout


# --------------------------------------------------------------------------- nesting depth


def nested(depth: int, kind: str) -> str:
    if kind == "flow-seq":
        return "[" * depth + "]" * depth
    if kind == "flow-map":
        return "{a: " * depth + "1" + "}" * depth
    if kind == "block-seq":
        return "- " * depth + "x"
    return "".join(" " * level + "a:\n" for level in range(depth)) + " " * depth + "b\n"


@pytest.mark.parametrize("kind", ["flow-seq", "flow-map", "block-seq", "block-map"])
@pytest.mark.parametrize("depth", [65, 1_001, 100_000])
def test_deep_nesting_is_too_deep_without_recursion(kind: str, depth: int) -> None:
    if kind == "block-map":
        depth = min(depth, 3_000)  # indentation grows as depth squared
    found = codes(nested(depth, kind))
    assert [code for _line, _column, code in found] == ["too-deep"]


@pytest.mark.parametrize("kind", ["flow-seq", "flow-map", "block-seq", "block-map"])
def test_the_depth_limit_is_exact(kind: str) -> None:
    assert codes(nested(8, kind), Limits(max_depth=8)) == []
    assert [c for *_, c in codes(nested(9, kind), Limits(max_depth=8))] == ["too-deep"]


def test_too_deep_points_at_the_first_level_too_many() -> None:
    # The mapping is level 1, so the 64th '[' (column 3 + 64) is level 65.
    assert codes("a: " + nested(100, "flow-seq")) == [(1, 67, "too-deep")]


def test_the_parsers_own_ceiling_is_too_deep_too() -> None:
    """libyaml stops at 1,000 levels, before the events reach a higher limit."""
    _doc, diagnostics = parse_text(nested(100_000, "flow-seq"), "f.yaml",
                                   Limits(max_depth=10**6))
    assert [d.code for d in diagnostics] == ["too-deep"]
    assert "1000 levels" in diagnostics[0].message


def test_deep_subthemes_within_a_raised_limit_do_not_crash(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = ["themes:"]
    indent = "  "
    for level in range(400):
        lines += [f"{indent}- id: t{level}", f"{indent}  label: T", f"{indent}  studies: [s1]",
                  f"{indent}  subthemes:"]
        indent += "    "
    lines.append(f"{indent}- {{id: last, label: L}}")
    folder = review(tmp_path, "studies:\n  - id: s1\n", "\n".join(lines) + "\n")
    monkeypatch.setenv("PEERSYNTH_MAX_DEPTH", "999")
    report = validate_folder(folder)
    assert report.errors >= 1  # the model's own recursion guard, reported as a value problem
    assert report.review is None


# --------------------------------------------------------------------------- aliases


def laughs(levels: int) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, levels)]
    return "\n".join(lines) + "\nstudies: *a" + str(levels - 1) + "\n"


def test_billion_laughs_stops_at_the_alias_limit() -> None:
    found = codes(laughs(10))  # 10**10 nodes if expanded
    assert [(line, code) for line, _column, code in found] == [(4, "alias-limit")]


def test_alias_expansion_counts_nested_aliases() -> None:
    """a1 is ten aliases of a0 (11 nodes each): 110; `studies: *a1` adds a1's 111: 221."""
    assert codes(laughs(2), Limits(max_alias_nodes=221)) == []
    assert codes(laughs(2), Limits(max_alias_nodes=220)) == [(3, 10, "alias-limit")]


def test_a_recursive_alias_is_an_error_not_a_loop() -> None:
    assert [c for *_, c in codes("a: &x [1, *x]\n")] == ["yaml-syntax"]


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("digits", [601, 4_301, 100_000])
def test_a_very_long_integer_is_not_converted_to_int(digits: int) -> None:
    """Python refuses int(text) past 4,300 digits; such a value is read as a float."""
    assert isinstance(resolve_plain("9" * digits), float)
    assert isinstance(resolve_plain("-" + "9" * digits), float)


def test_integers_up_to_six_hundred_characters_stay_integers() -> None:
    assert resolve_plain("9" * 600) == int("9" * 600)
    assert isinstance(resolve_plain("0" + "7" * 5000), Implicit)


def test_a_float_tag_on_a_long_integer_does_not_overflow() -> None:
    doc, diagnostics = parse_text("a: !!float 1" + "0" * 400 + "\n", "f.yaml")
    assert diagnostics == []
    assert doc is not None
    assert doc.data == {"a": float("inf")}


# --------------------------------------------------------------------------- alias expansion cost


def long_scalar_aliased(size: int, aliases: int) -> str:
    """One `size`-character scalar anchored once and aliased `aliases` times: small on disk,
    `size` * (`aliases` + 1) characters written out."""
    lines = ["studies:", "  - id: s0", f"    note: &long {'x' * size}"]
    lines += [f"  - id: s{n}\n    note: *long" for n in range(1, aliases + 1)]
    return "\n".join(lines) + "\n"


def test_aliases_of_a_long_scalar_count_their_characters() -> None:
    """200,000 characters aliased 1,000 times is 200 MB written out, from a 229 KB file: over
    a 1 MiB budget at the sixth alias (6 x 200,000 = 1,200,000 > 1,048,576), though its
    nodes (1,000) are within the node limit."""
    text = long_scalar_aliased(200_000, 1_000)
    assert len(text) < 230_000
    _doc, diagnostics = parse_text(text, "f.yaml", Limits(max_file_bytes=1024 * 1024))
    # Alias n is on line 3 + 2n; its '*' in column 11.
    assert [(d.line, d.column, d.code) for d in diagnostics] == [(15, 11, "alias-limit")]
    assert diagnostics[0].message == (
        "aliases here repeat 1,200,000 characters of text, more than the 1 MiB a file may hold")
    assert diagnostics[0].hint is not None
    assert "PEERSYNTH_MAX_FILE_BYTES" in diagnostics[0].hint


def test_the_character_budget_is_exact() -> None:
    """Five aliases of 1,000 characters: 5,000 characters repeated, allowed at a limit of 5,000
    and not at 4,999 (stated in bytes, as it is not a whole number of MiB)."""
    text = long_scalar_aliased(1_000, 5)
    assert codes(text, Limits(max_file_bytes=5_000)) == []
    _doc, diagnostics = parse_text(text, "f.yaml", Limits(max_file_bytes=4_999))
    assert [(d.line, d.column, d.code) for d in diagnostics] == [(13, 11, "alias-limit")]
    assert diagnostics[0].message == (
        "aliases here repeat 5,000 characters of text, more than the 4,999 bytes a file "
        "may hold")


def test_aliases_of_aliases_count_what_they_expand_to() -> None:
    """`b` is four aliases of a 100-character `a`: its list is 400 characters, and each
    `*b` repeats all 400: aliases in all repeat 4 x 100 + 3 x 400 = 1,600."""
    text = ("a: &a " + "x" * 100 + "\n"
            "b: &b [*a, *a, *a, *a]\n"
            "c: [*b, *b, *b]\n")
    assert codes(text, Limits(max_file_bytes=1_600)) == []
    # At 1,599 the third *b (column 13 of line 3) passes it: 400 + 400 + 400 + 400 = 1,600.
    assert codes(text, Limits(max_file_bytes=1_599)) == [(3, 13, "alias-limit")]


def test_a_mapping_anchor_counts_its_keys_and_values() -> None:
    """`&m {ab: cde, f: [gh]}` is 2 + 3 + 1 + 2 = 8 characters; two aliases repeat 16."""
    text = "m: &m {ab: cde, f: [gh]}\nn: [*m, *m]\n"
    assert codes(text, Limits(max_file_bytes=16)) == []
    assert codes(text, Limits(max_file_bytes=15)) == [(2, 9, "alias-limit")]


def test_a_review_with_a_few_small_anchors_validates_under_default_limits() -> None:
    assert validate_folder(VALID / "anchors-within-limits").diagnostics == ()


def test_a_megabyte_scalar_aliased_ten_thousand_times_is_refused_in_a_subprocess(
        tmp_path: Path) -> None:
    """The reported case: 1 MB aliased 9,999 times (1.3 MB on disk, 10 GB written out) ends
    with alias-limit under a memory ceiling, where it used to write a 10 GB cache entry."""
    folder = review(tmp_path, long_scalar_aliased(1_000_000, 9_999))
    code = textwrap.dedent("""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1024 * 2**20, 1024 * 2**20))
        from peersynth.cli import main
        sys.argv = ["peersynth", "tally", sys.argv[1]]
        main()
    """)
    result = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True,
                            text=True, timeout=120, check=False,
                            env={**os.environ, "PEERSYNTH_CACHE_DIR": str(tmp_path / "cache")})
    assert "Traceback" not in result.stderr
    assert "alias-limit" in result.stderr
    # The file's own 1.3 MB bounds what its aliases may repeat (8 times that) before the
    # 64 MiB size limit does.
    assert "more than 8 times the file's own" in result.stderr
    assert result.returncode == 1, result.stderr[-2000:]


def test_aliases_may_repeat_at_most_eight_times_the_files_own_text() -> None:
    """A 5,000-character scalar aliased 40 times: 200,000 characters from a file of 6,148,
    within the 64 MiB size limit but more than 8 x the file (or 64 KiB). Found by the long
    e2e fuzz run: such a file made `cite --format csv` print 26 MB for 250 KB."""
    text = long_scalar_aliased(5_000, 40)
    assert len(text) == 6_148
    _doc, diagnostics = parse_text(text, "f.yaml", Limits())
    # 13 aliases repeat 65,000 characters, past the 65,536 floor at the 14th (70,000):
    # alias n is on line 3 + 2n, its '*' in column 11.
    assert [(d.line, d.column, d.code) for d in diagnostics] == [(31, 11, "alias-limit")]
    assert diagnostics[0].message == (
        f"aliases here repeat 70,000 characters of text, more than 8 times the file's own "
        f"{len(text):,} (or 65,536 bytes, whichever is more)")
    # Thirteen aliases are within it.
    assert codes(long_scalar_aliased(5_000, 13), Limits()) == []
