"""REFI-QDA export and import: the files written validate against the official schemas,
are the same bytes on every run, and read back to the same review; hand-made exports in
each program's shape import to what was worked out by hand; hostile files are refused."""

from __future__ import annotations

import io
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import peersynth.cli.exchange  # noqa: F401 - registers export and import
from peersynth import analysis
from peersynth.exchange import model, refi
from peersynth.exchange.problems import CODES
from peersynth.review import Review
from reviewkit import DATA, REPO, load, run, small, write_review

SCHEMAS = REPO.parent / "shared" / "refi"
FIXTURES = REPO / "tests" / "data" / "exchange"
_compiled: dict[str, Any] = {}


def _schema(name: str) -> Any:
    if not (SCHEMAS / name).exists():
        pytest.skip(f"the REFI-QDA schemas are not in {SCHEMAS} (they sit beside the repo)")
    if name not in _compiled:
        xmlschema = pytest.importorskip("xmlschema")
        _compiled[name] = xmlschema.XMLSchema(str(SCHEMAS / name))
    return _compiled[name]


def _assert_valid_codebook(data: bytes) -> None:
    _schema("Codebook.xsd").validate(data.decode("utf-8"))


def _assert_valid_project(data: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(data))
    _schema("Project.xsd").validate(archive.read("project.qde").decode("utf-8"))
    return archive


def _zip(folder: Path) -> bytes:
    """A .qdpx of a fixture folder, as a QDA program would write it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------
# Export


def test_export_qdc_of_the_shipped_review_is_valid_and_the_same_every_run(
        tmp_path: Path) -> None:
    first = run("export", "qdc", "--data", DATA)
    second = run("export", "qdc", "--data", DATA, "--output", tmp_path / "a.qdc")
    assert first.exit_code == 0, first.stderr
    assert second.exit_code == 0, second.stderr
    data = (tmp_path / "a.qdc").read_bytes()
    assert data == first.stdout.encode("utf-8")
    _assert_valid_codebook(data)
    assert b"<Sets" not in data


def test_export_qdpx_of_the_shipped_review_is_valid_and_the_same_every_run(
        tmp_path: Path) -> None:
    for name in ("a.qdpx", "b.qdpx"):
        result = run("export", "qdpx", "--data", DATA, "--output", tmp_path / name)
        assert result.exit_code == 0, result.stderr
    data = (tmp_path / "a.qdpx").read_bytes()
    assert data == (tmp_path / "b.qdpx").read_bytes()
    archive = _assert_valid_project(data)
    # project.qde and one text per study, in a flat sources/ folder.
    names = archive.namelist()
    assert names[0] == "project.qde"
    assert len(names) == 17
    assert all(name.startswith("sources/") and name.count("/") == 1 for name in names[1:])


def test_qdpx_needs_output_and_never_overwrites_without_force(tmp_path: Path) -> None:
    assert run("export", "qdpx", "--data", DATA).exit_code == 2
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "r.qdpx"
    target.write_bytes(b"mine")
    result = run("export", "qdpx", "--data", DATA, "--output", target)
    assert result.exit_code == 2
    assert "already exists" in result.stderr
    assert target.read_bytes() == b"mine"
    assert run("export", "qdpx", "--data", DATA, "--output", target, "--force").exit_code == 0
    assert target.read_bytes()[:2] == b"PK"
    assert [p.name for p in target.parent.iterdir()] == ["r.qdpx"]  # no temporary file left


def test_guids_are_uuid5_of_the_review_and_the_theme_id() -> None:
    review = load(DATA)
    info = review.studies_file.review
    assert info is not None
    assert info.doi is not None
    doi = info.doi
    namespace = uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, "urn:peersynth:review"), doi)
    expected = str(uuid.uuid5(namespace, "theme\x1frole-clarity"))
    codes = {code.name: code for top in model.codebook(review) for code in top.walk()}
    assert codes["Role clarity"].guid == expected


def test_a_parent_without_codings_of_its_own_is_not_codable(tmp_path: Path) -> None:
    folder = write_review(tmp_path / "r", """\
        studies:
          - id: a
        """, """\
        themes:
          - id: parent
            label: Parent
            subthemes:
              - id: child
                label: Child
                studies: [a]
          - id: empty
            label: Empty leaf
        """)
    codes = {code.name: code for top in model.codebook(load(folder)) for code in top.walk()}
    assert not codes["Parent"].codable
    assert codes["Child"].codable
    assert codes["Empty leaf"].codable  # a leaf is where codings go
    assert codes["Parent"].color == codes["Child"].color == "#E69F00"
    data = refi.codebook_bytes(model.codebook(load(folder)))
    assert b'name="Parent" isCodable="false"' in data
    _assert_valid_codebook(data)


def test_positions_count_code_points_and_the_selection_is_the_evidence(tmp_path: Path) -> None:
    folder = write_review(tmp_path / "r", """\
        studies:
          - id: a
            ref: 1
            authors: [Åberg K]
            year: 2020
        """, """\
        themes:
          - id: t
            label: Théme
            studies:
              - study: a
                evidence: "😀 peers 😀"
                note: checked
          - id: u
            label: Bare
            studies: [a]
        """)
    project = model.project(load(folder))
    [source] = project.sources
    # "[1] Åberg K. 2020.\n" is 19 code points, then "\n", then "Théme: " (7): the
    # evidence starts at 27 and is 9 code points long (each emoji is one).
    assert source.text == "[1] Åberg K. 2020.\n\nThéme: 😀 peers 😀\n\nBare\n"
    first, second = source.selections
    assert (first.start, first.end) == (27, 36)
    assert first.description == "checked"
    assert (second.start, second.end) == (38, 42)
    archive = _assert_valid_project(refi.project_bytes(project))
    text = archive.read(f"sources/{source.guid}.txt").decode("utf-8")
    assert text[27:36] == "😀 peers 😀"


def test_text_xml_cannot_hold_is_replaced_so_the_file_stays_valid(tmp_path: Path) -> None:
    folder = write_review(tmp_path / "r", """\
        review:
          title: "Bell \\a in the title"
        studies:
          - id: a
        """, """\
        themes:
          - id: t
            label: "Tab\\tand bell \\a"
            description: "bell \\a"
            studies:
              - study: a
                evidence: "x \\a y"
        """)
    review = load(folder)
    _assert_valid_codebook(refi.codebook_bytes(model.codebook(review)))
    archive = _assert_valid_project(refi.project_bytes(model.project(review)))
    assert "Bell \ufffd in the title" in archive.read("project.qde").decode("utf-8")


_labels = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12).filter(
    lambda text: text.strip() != "")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(labels=st.lists(_labels, min_size=1, max_size=4), evidence=st.text(max_size=20),
       year=st.integers(1000, 9999), setting=st.one_of(st.integers(0, 99), _labels))
def test_generated_reviews_export_to_valid_files(labels: list[str], evidence: str, year: int,
                                                 setting: int | str) -> None:
    from peersynth.review import Coding, StudiesFile, Study, Theme, ThemesFile

    studies = [Study("a", ref=1, year=year, attributes={"setting": setting}),
               Study("b", countries=["Chile", "Peru"], design="qualitative")]
    themes = [Theme(f"t{index}", label, label, [Coding("a", evidence or None), "b"],
                    subthemes=[Theme(f"s{index}", label)])
              for index, label in enumerate(labels)]
    review = Review(StudiesFile(None, {}, studies), ThemesFile(themes))
    _assert_valid_codebook(refi.codebook_bytes(model.codebook(review)))
    project = model.project(review)
    archive = _assert_valid_project(refi.project_bytes(project))
    # Every selection, read back from the file, is its coding's evidence (or label).
    for source in project.sources:
        text = archive.read(f"sources/{source.guid}.txt").decode("utf-8")
        assert [text[s.start:s.end] for s in source.selections] == [
            model.xml_text(evidence.strip()) if source.name == "a" and evidence.strip()
            else model.xml_text(theme.label)
            for theme in themes if any(c.study == source.name for c in theme.codings)]


# ---------------------------------------------------------------------------
# Round trips


def _figures(review: Review) -> tuple[Any, ...]:
    """What the reports print, by label: tally, numeric citations and the matrix."""
    tally = [(row.label, row.depth, row.total.n, row.total.N, row.total.studies)
             for row in analysis.tally(review).rows]
    cites = [(row.label, row.citation.text) for row in analysis.citations(review).rows]
    matrix = analysis.matrix(review)
    return (tally, cites, [head.label for head in matrix.themes],
            [(row.id, row.ref, row.label, row.cells, row.total) for row in matrix.rows])


@pytest.mark.parametrize("which", ["shipped", "small"])
def test_review_to_qdpx_to_review_keeps_tally_citations_and_matrix(
        tmp_path: Path, which: str) -> None:
    folder = DATA if which == "shipped" else small(tmp_path)
    assert run("export", "qdpx", "--data", folder, "--output", tmp_path / "r.qdpx"
               ).exit_code == 0
    result = run("import", "qdpx", tmp_path / "r.qdpx", "--into", tmp_path / "back")
    assert result.exit_code == 0, result.stderr
    assert run("validate", tmp_path / "back").exit_code == 0
    original, back = load(folder), load(tmp_path / "back")
    assert _figures(back) == _figures(original)
    assert [s.attributes for s in back.studies] == [s.attributes for s in
                                                    original.in_reference_order]
    # Evidence and notes come back too, and a second export keeps every GUID.
    coded = {(t.label, c.study): (c.evidence, c.note)
             for t, _ in original.themes_file.walk() for c in t.codings}
    assert {(t.label, c.study): (c.evidence, c.note)
            for t, _ in back.themes_file.walk() for c in t.codings} == coded
    assert [c.guid for top in model.codebook(back) for c in top.walk()] == \
        [c.guid for top in model.codebook(original) for c in top.walk()]


def test_review_to_qdc_to_themes_keeps_ids_and_codings(tmp_path: Path) -> None:
    folder = small(tmp_path)
    before = _figures(load(folder))
    assert run("export", "qdc", "--data", folder, "--output", tmp_path / "c.qdc").exit_code == 0
    refused = run("import", "qdc", tmp_path / "c.qdc", "--into", folder)
    assert refused.exit_code == 2
    assert "already exist" in refused.stderr
    result = run("import", "qdc", tmp_path / "c.qdc", "--into", folder, "--force")
    assert result.exit_code == 0, result.stderr
    assert "5 keep the id and codings" in result.stderr
    assert run("validate", folder).exit_code == 0
    after = load(folder)
    assert _figures(after) == before
    assert [t.id for t, _ in after.themes_file.walk()] == ["access", "cost", "insurance",
                                                            "trust", "stigma"]
    assert all(t.refi_guid for t, _ in after.themes_file.walk())


# ---------------------------------------------------------------------------
# Import of each program's shape


def _import(tmp_path: Path, name: str) -> tuple[Any, Any, str]:
    (tmp_path / f"{name}.qdpx").write_bytes(_zip(FIXTURES / name))
    result = run("import", "qdpx", tmp_path / f"{name}.qdpx", "--into", tmp_path / name)
    assert result.exit_code == 0, result.stderr
    assert run("validate", tmp_path / name).exit_code == 0
    return (_yaml(tmp_path / name / "studies.yaml"), _yaml(tmp_path / name / "themes.yaml"),
            result.stderr)


def test_nvivo_project(tmp_path: Path) -> None:
    studies, themes, said = _import(tmp_path, "nvivo")
    assert studies == {
        "review": {"title": "Peer work synthesis"},
        "studies": [
            {"id": "smith-2019", "year": 2019, "countries": ["Australia"],
             "design": "qualitative", "attributes": {"Sample size": 24}},
            {"id": "jones-2021", "countries": ["United Kingdom", "Ireland"],
             "design": "mixed-methods"}]}
    guid = "A1000000-0000-4000-8000-00000000000"
    # Selections counted in code points: "Café staff said: " is 17 of them (18 bytes).
    assert themes == {"themes": [
        {"id": "barriers", "label": "Barriers", "description": "What stood in the way.",
         "subthemes": [{"id": "stigma", "label": "Stigma", "studies": [
             {"study": "smith-2019", "evidence": "peers felt excluded [...] More stigma."}],
             "refi_guid": guid + "2"}],
         "refi_guid": guid + "1"},
        {"id": "training", "label": "Training",
         "studies": [{"study": "jones-2021", "evidence": "Training"}],
         "refi_guid": guid + "3"}]}
    assert "read 2 studies (from cases), 3 codes, 2 study x theme codings" in said
    assert "'Study design' -> design" in said
    assert "'Sample size' -> attribute Sample size" in said
    assert "1 Notes, 1 Users" in said


def test_atlas_ti_project_named_after_the_project_with_braced_guids(tmp_path: Path) -> None:
    studies, themes, said = _import(tmp_path, "atlas")
    assert studies == {"review": {"title": "Peer work"},
                       "studies": [{"id": "d1-lee-2020"}, {"id": "d2-park-2022"}]}
    assert themes["themes"][0] == {
        "id": "role-clarity", "label": "Role clarity",
        "studies": [{"study": "d1-lee-2020", "evidence": "Roles were vague"},
                    {"study": "d2-park-2022", "evidence": "Unclear role"}],
        "refi_guid": "{0A2B3C4D-1111-4222-8333-000000000001}"}
    # After an emoji (one code point, two UTF-16 units) the positions still land.
    assert themes["themes"][1]["studies"] == [
        {"study": "d1-lee-2020", "evidence": "The manager backed peers."}]
    assert "the project file is Peer work.qde" in said
    assert "the colours of 2 codes" in said


def test_maxqda_project_with_variables_on_sources(tmp_path: Path) -> None:
    studies, themes, said = _import(tmp_path, "maxqda")
    assert studies == {
        "review": {"title": "Peer integration"},
        "vocabularies": {"quality": ["good", "fair", "poor", "High"]},
        "studies": [
            {"id": "garcia-2018", "year": 2018, "quality": "High",
             "attributes": {"Peer-led": "yes"}},
            {"id": "okafor-2020"}]}
    # The PDF selection's coding counts, without evidence.
    assert themes["themes"][0]["studies"] == [
        {"study": "garcia-2018", "evidence": "Supervision by a peer helped"}, "okafor-2020"]
    assert "error" not in said
    assert "warning[bad-value]" in said
    assert "<FloatValue> 'twenty'" in said
    assert "declared in vocabularies.quality: 'High'" in said


def test_qualcoder_project_reports_what_it_cannot_count(tmp_path: Path) -> None:
    studies, themes, said = _import(tmp_path, "qualcoder")
    assert studies["studies"] == [{"id": "chen2017", "countries": ["Singapore"]},
                                  {"id": "ali2016"}]
    [organisation] = themes["themes"]
    assert "studies" not in organisation
    assert organisation["subthemes"][0]["studies"] == [
        {"study": "chen2017", "evidence": "Champions"}, "ali2016"]
    lines = said.splitlines()
    qde = (tmp_path / "qualcoder.qdpx").as_posix() + "!project.qde"
    assert any(line.startswith(f"{qde}:17:1: warning[unknown-reference]") and
               "9e0f6f0a-1c2d-4e5f-8a9b-0000000000ff" in line for line in lines)
    assert any(line.startswith(f"{qde}:19:1: warning[missing-source]") and
               "ali2016.txt" in line for line in lines)
    assert any(line.startswith(f"{qde}:22:1: warning[unlinked-source]") for line in lines)


def test_codebooks_from_qualcoder_and_taguette(tmp_path: Path) -> None:
    result = run("import", "qdc", FIXTURES / "qualcoder.qdc", "--into", tmp_path / "q")
    assert result.exit_code == 0, result.stderr
    themes = _yaml(tmp_path / "q" / "themes.yaml")
    assert themes == {"themes": [
        {"id": "organisation", "label": "Organisation",
         "subthemes": [{"id": "champions", "label": "Champions",
                        "description": "Named champions.",
                        "refi_guid": "9e0f6f0a-1c2d-4e5f-8a9b-0000000000c2"}],
         "refi_guid": "{9e0f6f0a-1c2d-4e5f-8a9b-0000000000c1}"}]}
    assert ":6:1: warning[duplicate-guid]" in result.stderr
    taguette = run("import", "qdc", FIXTURES / "taguette.qdc", "--into", tmp_path / "t")
    assert taguette.exit_code == 0, taguette.stderr
    assert "1 Sets" in taguette.stderr  # its empty <Sets/> is read and left out
    assert _yaml(tmp_path / "t" / "themes.yaml")["themes"][0]["label"] == "interesting"


# ---------------------------------------------------------------------------
# Hostile and broken input


def _qdpx(tmp_path: Path, members: dict[str, bytes]) -> Path:
    path = tmp_path / "x.qdpx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="4ad1e9b6-6c1f-4f7e-9a34-7a0b2c3d4e5f"
 name="&lol2;" isCodable="true"/></Codes></CodeBook>
"""
_EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="4ad1e9b6-6c1f-4f7e-9a34-7a0b2c3d4e5f"
 name="&x;" isCodable="true"/></Codes></CodeBook>
"""


@pytest.mark.parametrize("data", [_BOMB, _EXTERNAL], ids=["entity-bomb", "external-entity"])
def test_entities_are_refused(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "x.qdc").write_bytes(data)
    result = run("import", "qdc", tmp_path / "x.qdc", "--into", tmp_path / "out")
    assert result.exit_code == 1
    assert ":2:1: error[xml-doctype]" in result.stderr
    assert "nothing was written" in result.stderr
    assert not (tmp_path / "out").exists()
    packed = _qdpx(tmp_path, {"project.qde": data.replace(b"CodeBook", b"Project")})
    assert "error[xml-doctype]" in run("import", "qdpx", packed, "--into", tmp_path / "o"
                                       ).stderr


def test_malformed_xml_names_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "x.qdc").write_bytes(
        b'<?xml version="1.0"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0">\n  <Codes>\n'
        b'  </Code>\n</CodeBook>\n')
    result = run("import", "qdc", tmp_path / "x.qdc", "--into", tmp_path / "out")
    assert result.exit_code == 1
    assert f"{(tmp_path / 'x.qdc').as_posix()}:4:" in result.stderr
    assert "error[xml-syntax]" in result.stderr


def test_a_project_root_given_as_a_codebook_is_named(tmp_path: Path) -> None:
    (tmp_path / "x.qdc").write_bytes(b'<Project xmlns="urn:QDA-XML:project:1.0" name="p"/>')
    result = run("import", "qdc", tmp_path / "x.qdc", "--into", tmp_path / "out")
    assert result.exit_code == 1
    assert ":1:1: error[not-refi] the root element is <Project>" in result.stderr


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/evil", "sources/../../evil",
                                  "C:/evil.txt"])
def test_zip_members_outside_the_folder_are_refused(tmp_path: Path, name: str) -> None:
    packed = _qdpx(tmp_path, {"project.qde": b"<Project/>", name: b"x"})
    result = run("import", "qdpx", packed, "--into", tmp_path / "out")
    assert result.exit_code == 1
    assert "error[unsafe-zip-path]" in result.stderr
    assert not (tmp_path / "out").exists()


def test_enormous_members_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    packed = _qdpx(tmp_path, {"project.qde": _zip_project_text(b" " * 5000)})
    monkeypatch.setenv("PEERSYNTH_MAX_FILE_BYTES", "4000")
    result = run("import", "qdpx", packed, "--into", tmp_path / "out")
    assert result.exit_code == 1
    assert "error[zip-member-too-large]" in result.stderr
    assert "'project.qde' holds more than 4000 bytes" in result.stderr


def _zip_project_text(padding: bytes) -> bytes:
    return (b'<Project xmlns="urn:QDA-XML:project:1.0" name="p"><CodeBook><Codes>'
            b'<Code guid="4ad1e9b6-6c1f-4f7e-9a34-7a0b2c3d4e5f" name="c" isCodable="true"/>'
            b"</Codes></CodeBook></Project>" + padding)


@pytest.mark.parametrize(("members", "code"), [
    ({}, "no-project-file"),
    ({"a.qde": b"<Project/>", "b.qde": b"<Project/>"}, "no-project-file"),
    ({"project.qde": b'<Project xmlns="urn:QDA-XML:project:1.0" name="p"/>'}, "no-codes"),
])
def test_projects_without_what_they_need(tmp_path: Path, members: dict[str, bytes],
                                         code: str) -> None:
    result = run("import", "qdpx", _qdpx(tmp_path, members), "--into", tmp_path / "out")
    assert result.exit_code == 1
    assert f"error[{code}]" in result.stderr


def test_a_file_that_is_no_zip(tmp_path: Path) -> None:
    (tmp_path / "x.qdpx").write_bytes(b"not a zip")
    result = run("import", "qdpx", tmp_path / "x.qdpx", "--into", tmp_path / "out")
    assert result.exit_code == 1
    assert "error[not-a-zip]" in result.stderr
    missing = run("import", "qdpx", tmp_path / "none.qdpx", "--into", tmp_path / "out")
    assert missing.exit_code == 3
    assert "does not exist" in missing.stderr


def test_every_problem_code_is_documented() -> None:
    page = (REPO / "docs" / "exchange.md").read_text(encoding="utf-8")
    for code in CODES:
        assert f"`{code}`" in page, code
