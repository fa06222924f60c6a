"""The generated docs match the code, and the README's promises match .ci/run."""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peersynth.cli import app, register
from peersynth.diagnostics import CODES

# Every command, as the installed `peersynth` registers them.
register()
ROOT = Path(__file__).resolve().parent.parent


def _generator() -> object:
    path = ROOT / "docs" / "gen_diagnostics.py"
    spec = importlib.util.spec_from_file_location("gen_diagnostics", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_diagnostics_page_is_generated_from_the_registry() -> None:
    generator = _generator()
    committed = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert committed == generator.render(), "run: python docs/gen_diagnostics.py"  # type: ignore[attr-defined]


def test_diagnostics_page_documents_every_code_once() -> None:
    page = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (\S+)$", page, flags=re.M)
    assert headings == list(CODES)


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```(?:sh|bash)\n(.*?)```", readme, flags=re.S)
    assert block is not None, "the README opens with a shell block of set-up commands"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_readme_opens_with_two_setup_commands() -> None:
    commands = _readme_commands()
    assert len(commands) == 2
    assert "peersynth validate" in commands[0]
    assert "peersynth tally" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _readme_commands()[1] in ci


def _sample_runs() -> list[tuple[list[str], str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Sample output", 1)[1]
    block = section.split("```\n", 2)[1]
    runs: list[tuple[list[str], str]] = []
    for chunk in block.split("$ peersynth ")[1:]:
        command, _, output = chunk.partition("\n")
        runs.append((shlex.split(command), output))
    return runs


def test_readme_sample_output_is_what_the_commands_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    runs = _sample_runs()
    assert len(runs) >= 3
    for args, output in runs:
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, args
        assert result.stdout == output, args


def test_every_command_is_documented_with_an_example() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    reference = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    names = [command.name or (command.callback.__name__ if command.callback else "")
             for command in app.registered_commands]
    names += [group.typer_instance.info.name or "" for group in app.registered_groups
              if group.typer_instance is not None]
    assert set(names) == {"validate", "schema", "tally", "cite", "matrix", "studies", "init",
                          "audit", "references", "agree", "characteristics", "evidence",
                          "export", "import", "flow", "figure", "report", "findings"}
    for name in names:
        assert f"peersynth {name}" in readme, name
        assert f"`peersynth {name}" in reference, name
        result = CliRunner().invoke(app, [name, "--help"])
        assert result.exit_code == 0
        assert "Examples" in result.stdout, name
        assert f"peersynth {name}" in result.stdout, name


def test_readme_quotes_the_committed_benchmark_table() -> None:
    """Every ratio the README quotes is a ratio the committed results.md measured."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    results = (ROOT / "benchmarks" / "results.md").read_text(encoding="utf-8")
    measured = {row.split("|")[2].strip() for row in results.splitlines()
                if row.count("|") == 5 and "\u00d7" in row}
    quoted = re.findall(r"\d+\.\d+\u00d7", readme)
    assert quoted, "the README quotes the benchmark's ratios"
    assert set(quoted) <= measured


def test_readme_audit_example_is_what_audit_prints(tmp_path: Path) -> None:
    """The README's manuscript, audited against the shipped review, prints what it shows.
    Worked out by hand: role clarity is 12 of 16 in the Results section, so "11 of the
    16" is the one error; "eleven studies" is leadership's 11, and [44] is Berry et al."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Checking the manuscript", 1)[1]
    manuscript = re.search(r"```markdown\n(.*?)```", section, flags=re.S)
    shown = re.search(r"\$ peersynth audit manuscript\.md\n(.*?)```", section, flags=re.S)
    assert manuscript is not None
    assert shown is not None
    (tmp_path / "manuscript.md").write_text(manuscript.group(1), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["audit", str(tmp_path / "manuscript.md"),
                                 "--data", str(ROOT / "data")])
    assert result.exit_code == 1
    printed = (result.stdout + result.stderr).replace(f"{tmp_path.as_posix()}/", "")
    assert printed == shown.group(1)
    assert "the review has 12/16" in printed


def _audit_page() -> str:
    return (ROOT / "docs" / "audit.md").read_text(encoding="utf-8")


def test_audit_page_documents_every_finding_code() -> None:
    """Each code the audit can emit (its registry, which a judge test ties to the code
    that writes findings) has a row in docs/audit.md with its severity."""
    from peersynth.audit.judge import CODES

    rows = re.findall(r"^\| `([a-z-]+)` \| (error|warning|info) \|", _audit_page(), flags=re.M)
    assert dict(rows) == CODES
    assert len(rows) == len(CODES)


def _audit_example(tmp_path: Path, *args: str) -> str:
    page = _audit_page()
    manuscript = re.search(r"```markdown\n(.*?)```", page, flags=re.S)
    assert manuscript is not None
    (tmp_path / "manuscript.md").write_text(manuscript.group(1), encoding="utf-8")
    result = CliRunner().invoke(app, ["audit", str(tmp_path / "manuscript.md"),
                                      "--data", str(ROOT / "data"), *args])
    assert result.exit_code == 1
    return result.stdout.replace(f"{tmp_path.as_posix()}/", "")


def _keys(value: object) -> object:
    """The shape of a JSON value: its keys, nested; a list by its first object's."""
    if isinstance(value, dict):
        return {key: _keys(item) for key, item in value.items()}
    if isinstance(value, list):
        shapes = [_keys(item) for item in value if isinstance(item, dict)]
        return [shapes[0]] if shapes else []
    return None


def test_audit_page_json_is_what_audit_emits(tmp_path: Path) -> None:
    import json

    page = _audit_page()
    documented = re.search(r"```json\n(.*?)```", page, flags=re.S)
    assert documented is not None
    emitted = json.loads(_audit_example(tmp_path, "--format", "json"))
    shown = json.loads(documented.group(1))
    assert _keys(shown) == _keys(emitted)
    assert shown == emitted
    # The one-line shape the issue and --help give names the same keys.
    finding_keys = list(emitted["findings"][0])
    assert '"findings": [{' + ", ".join(f'"{k}"' for k in finding_keys) + "}]" in \
        " ".join(page.split())
    summary = '"summary": {' + ", ".join(f'"{k}"' for k in emitted["summary"]) + "}"
    assert summary in " ".join(page.split())


def test_audit_page_list_example_is_what_audit_prints(tmp_path: Path) -> None:
    shown = re.search(r"\$ peersynth audit manuscript\.md --list\n(.*?)```", _audit_page(),
                      flags=re.S)
    assert shown is not None
    assert _audit_example(tmp_path, "--list") == shown.group(1)


def test_readme_links_the_audit_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    prose = re.sub(r"```.*?```", "", readme, flags=re.S)  # its example has headings
    section = prose.split("## Checking the manuscript", 1)[1].split("\n## ", 1)[0]
    assert "(docs/audit.md)" in section


def test_readme_agreement_example_is_what_agree_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's agreement example on the shipped coders. Worked out by hand:
    coder-a codes leadership in 11 studies, coder-b in the same but ref48: 15 of 16
    agree; p_e = 11/16 x 10/16 + 5/16 x 6/16, so kappa = (15/16 - 35/64) / (29/64)."""
    monkeypatch.chdir(ROOT)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Intercoder agreement", 1)[1]
    shown = re.search(r"```\n\$ peersynth (agree[^\n]*)\n(.*?)```", section, flags=re.S)
    assert shown is not None
    result = CliRunner().invoke(app, shlex.split(shown.group(1)))
    assert result.exit_code == 0
    assert result.stdout == shown.group(2)
    assert "0.938      0.862" in shown.group(2)
    assert "ref48  coder-a   coder-b" in shown.group(2)
