"""REFI-QDA files: the codebook (.qdc, XML) and the project (.qdpx, a ZIP holding
project.qde and sources/), written from and read into the exchange model.

Written with lxml, whose output is byte for byte the same for the same tree; the ZIP's
members have fixed dates and order, so an export made twice is the same file. Read with
lxml set never to fetch, load a DTD or expand an entity, and with its limits on huge
documents on; a DOCTYPE is refused outright (REFI files have none, and one is how an
entity bomb or an external entity arrives). ZIP members are read by name, never
extracted, each bounded in size; a member whose path leaves the folder is refused.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final

from lxml import etree

from peersynth import __version__
from peersynth.diagnostics import Diagnostic, Severity
from peersynth.escape import xml_safe
from peersynth.exchange.model import (
    Case,
    Code,
    Project,
    Selection,
    Source,
    Value,
    Variable,
    VariableValue,
    guid_key,
    xml_text,
)
from peersynth.exchange.problems import problem

CODEBOOK_NS: Final = "urn:QDA-XML:codebook:1.0"
PROJECT_NS: Final = "urn:QDA-XML:project:1.0"
PROJECT_FILE: Final = "project.qde"
ORIGIN: Final = f"peersynth {__version__}"
# A ZIP's members all get this date: the earliest a ZIP can hold, and the same every run.
_ZIP_DATE: Final = (1980, 1, 1, 0, 0, 0)
GUID: Final = re.compile(r"\{?[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\}?")


# ---------------------------------------------------------------------------
# Writing


def _element(parent: etree._Element, ns: str, tag: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{ns}}}{tag}", attributes)


def _codes(parent: etree._Element, ns: str, codes: tuple[Code, ...]) -> None:
    holder = _element(parent, ns, "Codes")
    for code in codes:
        _code(holder, ns, code)


def _code(parent: etree._Element, ns: str, code: Code) -> None:
    attributes = {"guid": code.guid, "name": xml_text(code.name),
                  "isCodable": "true" if code.codable else "false"}
    if code.color:
        attributes["color"] = code.color
    made = _element(parent, ns, "Code", **attributes)
    if code.description:
        _element(made, ns, "Description").text = xml_text(code.description)
    for child in code.children:
        _code(made, ns, child)


def _serialise(root: etree._Element) -> bytes:
    text = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    # A codebook may go to stdout: no raw control or bidi character, as in every output.
    return xml_safe(text.decode("utf-8")).encode("utf-8")


def codebook_bytes(codes: tuple[Code, ...]) -> bytes:
    """A REFI codebook (.qdc). Sets are left out, never written empty (which the schema
    refuses)."""
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", {"origin": ORIGIN},
                         nsmap={None: CODEBOOK_NS})  # type: ignore[dict-item]
    _codes(root, CODEBOOK_NS, codes)
    return _serialise(root)


_VALUE_ELEMENTS: Final = {"Text": "TextValue", "Integer": "IntegerValue", "Float": "FloatValue",
                          "Boolean": "BooleanValue", "Date": "DateValue",
                          "DateTime": "DateTimeValue"}


def _value_text(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return xml_text(str(value))


def project_file_name(source: Source) -> str:
    return f"{source.guid}.txt"


def project_bytes(project: Project) -> bytes:
    """A REFI project (.qdpx): project.qde and one sources/GUID.txt per text source."""
    ns = PROJECT_NS
    root = etree.Element(f"{{{ns}}}Project", {"name": project.name, "origin": ORIGIN},
                         nsmap={None: ns})  # type: ignore[dict-item]
    user = project.user
    if user is not None:
        root.set("creatingUserGUID", user)
        _element(_element(root, ns, "Users"), ns, "User", guid=user, name="peersynth")
    _codes(_element(root, ns, "CodeBook"), ns, project.codes)
    kinds = {variable.guid: variable.kind for variable in project.variables}
    if project.variables:
        holder = _element(root, ns, "Variables")
        for variable in project.variables:
            _element(holder, ns, "Variable", guid=variable.guid, name=xml_text(variable.name),
                     typeOfVariable=variable.kind)
    if project.cases:
        holder = _element(root, ns, "Cases")
        for case in project.cases:
            made = _element(holder, ns, "Case", guid=case.guid, name=xml_text(case.name))
            for code in case.codes:
                _element(made, ns, "CodeRef", targetGUID=code)
            for value in case.values:
                entry = _element(made, ns, "VariableValue")
                _element(entry, ns, "VariableRef", targetGUID=value.variable)
                _element(entry, ns, _VALUE_ELEMENTS[kinds[value.variable]]).text = \
                    _value_text(value.value)
            for ref in case.sources:
                _element(made, ns, "SourceRef", targetGUID=ref)
    members: list[tuple[str, bytes]] = []
    if project.sources:
        holder = _element(root, ns, "Sources")
        for source in project.sources:
            name = project_file_name(source)
            made = _element(holder, ns, "TextSource", guid=source.guid,
                            name=xml_text(source.name), plainTextPath=f"internal://{name}")
            for selection in source.selections:
                attributes = {"guid": selection.guid, "startPosition": str(selection.start),
                              "endPosition": str(selection.end)}
                if user is not None:
                    attributes["creatingUser"] = user
                chosen = _element(made, ns, "PlainTextSelection", **attributes)
                if selection.description:
                    _element(chosen, ns, "Description").text = selection.description
                for index, code in enumerate(selection.codes):
                    coding = _element(chosen, ns, "Coding",
                                      guid=_coding_guid(selection.guid, index))
                    if user is not None:
                        coding.set("creatingUser", user)
                    _element(coding, ns, "CodeRef", targetGUID=code)
            members.append((f"sources/{name}", (source.text or "").encode("utf-8")))
    return zip_bytes([(PROJECT_FILE, _serialise(root)), *members])


def _coding_guid(selection: str, index: int) -> str:
    """A coding's GUID from its selection's (which is already stable): the last digits
    changed by the coding's place, so the two never collide."""
    tail = (int(selection[-12:], 16) + index + 1) % (1 << 48)
    return f"{selection[:-12]}{tail:012x}"


def zip_bytes(members: list[tuple[str, bytes]]) -> bytes:
    """A ZIP of `members` in the order given, each with the same fixed date and mode: the
    same members make the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, whatever system writes it
            archive.writestr(info, data)
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# Reading


@dataclass
class Read:
    """What reading a file found: the project (a codebook is a project of codes only),
    what was left out and why, and the problems with their positions."""

    project: Project | None = None
    ignored: dict[str, int] = field(default_factory=dict)
    colours: int = 0
    notes: list[str] = field(default_factory=list)
    project_file: str = ""  # what diagnostics in the project's XML name as their file
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)

    def summary(self) -> list[str]:
        lines = list(self.notes)
        if self.ignored:
            lines.append("left out (peersynth has no place for them): " + ", ".join(
                f"{count} {name}" for name, count in sorted(self.ignored.items())))
        if self.colours:
            lines.append(f"left out: the colours of {self.colours} codes (themes have none)")
        return lines


class _Reader:
    def __init__(self, file: str, data: bytes, found: Read) -> None:
        self.file = file
        self.found = found
        self.lines = data.decode("utf-8", "replace").splitlines()

    def at(self, element: etree._Element) -> tuple[int, int]:
        """The line and column of `element`'s start tag."""
        line = _line(element) or 1
        name = etree.QName(element).localname
        if 0 < line <= len(self.lines):
            match = re.search(rf"<(?:[\w.-]+:)?{re.escape(name)}\b", self.lines[line - 1])
            if match is not None:
                return line, match.start() + 1
        return line, 1

    def warn(self, code: str, element: etree._Element, message: str,
             hint: str | None = None) -> None:
        line, column = self.at(element)
        self.found.diagnostics.append(problem(code, self.file, line, column, message, hint))

    def ignore(self, element: etree._Element) -> None:
        name = etree.QName(element).localname
        self.found.ignored[name] = self.found.ignored.get(name, 0) + 1

    def guid(self, element: etree._Element, attribute: str = "guid") -> str | None:
        value = element.get(attribute)
        name = etree.QName(element).localname
        if value is None:
            self.warn("missing-attribute", element, f"<{name}> has no {attribute}; left out")
            return None
        if not GUID.fullmatch(value.strip()):
            self.warn("invalid-guid", element,
                      f"<{name}> {attribute}={value!r} is not a GUID; left out",
                      "a GUID is 8-4-4-4-12 hex digits, perhaps in braces")
            return None
        return value.strip()


def _line(element: etree._Element) -> int:
    line = element.sourceline
    return line if isinstance(line, int) else 0


def _children(element: etree._Element) -> Iterator[tuple[str, etree._Element]]:
    for child in element:
        if isinstance(child.tag, str):
            yield etree.QName(child).localname, child


def parse_xml(file: str, data: bytes, found: Read) -> etree._Element | None:
    """The document's root, or None with the reason among `found`'s diagnostics."""
    head = data[:data.find(b">", data.find(b"<!DOCTYPE")) + 1] if b"<!DOCTYPE" in data \
        else b""
    if head:
        line = data[:data.find(b"<!DOCTYPE")].count(b"\n") + 1
        found.diagnostics.append(_doctype(file, line))
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        line, column = error.position if error.position else (error.lineno or 1, 1)
        found.diagnostics.append(problem("xml-syntax", file, line or 1, column or 1,
                                         f"not well-formed XML: {error.msg}"))
        return None
    # A DOCTYPE in an encoding the byte scan cannot see (UTF-16).
    if getattr(root.getroottree().docinfo, "doctype", ""):
        found.diagnostics.append(_doctype(file, 1))
        return None
    return root


def _doctype(file: str, line: int) -> Diagnostic:
    return problem("xml-doctype", file, line, 1,
                   "the file has a DOCTYPE, which REFI-QDA files never have: refused, as "
                   "its entities could expand without bound or read other files")


def read_codebook(file: str, data: bytes) -> Read:
    """A .qdc file, or the CodeBook inside a project."""
    found = Read()
    root = parse_xml(file, data, found)
    if root is None:
        return found
    reader = _Reader(file, data, found)
    name = etree.QName(root)
    if name.localname != "CodeBook":
        line, column = reader.at(root)
        found.diagnostics.append(problem(
            "not-refi", file, line, column,
            f"the root element is <{name.localname}>, not a REFI-QDA <CodeBook>",
            "a project (.qdpx) is read by `peersynth import qdpx`"
            if name.localname == "Project" else None))
        return found
    _namespace(reader, root, CODEBOOK_NS)
    codes: tuple[Code, ...] = ()
    for tag, child in _children(root):
        if tag == "Codes":
            codes = _read_codes(reader, child, set())
        else:
            reader.ignore(child)
    found.project = _with_codes(reader, root, Project("", _flatten(codes)))
    return found


def _namespace(reader: _Reader, root: etree._Element, expected: str) -> None:
    """A namespace other than REFI 1.0's is read by element names all the same (older
    exports and hand-written files leave it out), and said in the summary."""
    namespace = etree.QName(root).namespace
    if namespace != expected:
        reader.found.notes.append(f"<{etree.QName(root).localname}> is in namespace "
                                  f"{namespace or 'none'}, not {expected}: read by element "
                                  "names")


def _with_codes(reader: _Reader, root: etree._Element, project: Project) -> Project | None:
    if not any(True for _ in (code for top in project.codes for code in top.walk())):
        line, column = reader.at(root)
        reader.found.diagnostics.append(problem(
            "no-codes", reader.file, line, column, "the file holds no Code to import"))
        return None
    return project


def _read_codes(reader: _Reader, holder: etree._Element, seen: set[str]) -> tuple[Code, ...]:
    codes: list[Code] = []
    for tag, child in _children(holder):
        if tag != "Code":
            reader.ignore(child)
            continue
        code = _read_code(reader, child, seen)
        if code is not None:
            codes.append(code)
    return tuple(codes)


def _read_code(reader: _Reader, element: etree._Element, seen: set[str]) -> Code | None:
    guid = reader.guid(element)
    name = (element.get("name") or "").strip()
    description: str | None = None
    children: list[Code] = []
    for tag, child in _children(element):
        if tag == "Description":
            description = (child.text or "").strip() or None
        elif tag == "Code":
            made = _read_code(reader, child, seen)
            if made is not None:
                children.append(made)
        else:
            reader.ignore(child)
    if guid is None:
        if children:
            reader.warn("missing-attribute", element,
                        f"the {len(children)} codes under it are read as top-level codes")
        return None if not children else Code("", "", children=tuple(children))
    if guid_key(guid) in seen:
        reader.warn("duplicate-guid", element,
                    f"<Code> guid {guid} is already another code's; this one is left out")
        return None
    seen.add(guid_key(guid))
    if not name:
        name = "Unnamed code"
        reader.warn("missing-attribute", element,
                    f"<Code> {guid} has no name; imported as {name!r}")
    if element.get("color"):
        reader.found.colours += 1
    codable = (element.get("isCodable") or "true").strip().lower() not in ("false", "0")
    return Code(guid, name, codable, description, None, tuple(children),
                _line(element))


def _flatten(codes: tuple[Code, ...]) -> tuple[Code, ...]:
    """Codes whose GUID was missing stand for their children, lifted to their place."""
    made: list[Code] = []
    for code in codes:
        if code.guid:
            made.append(Code(code.guid, code.name, code.codable, code.description,
                             code.color, _flatten(code.children), code.line))
        else:
            made.extend(_flatten(code.children))
    return tuple(made)


# Bounds on a project ZIP: every member read is at most the file limit, and at most this
# many members are looked at (a ZIP of a million empty files is refused, not walked).
MAX_MEMBERS: Final = 100_000


def read_project(file: str, data: bytes | Path, *, max_bytes: int) -> Read:
    """A .qdpx file (its bytes, or its path: a project with media may be larger than any
    member peersynth reads): its project.qde (or the one .qde file at its top, as ATLAS.ti
    names it after the project) and the plain texts of its sources."""
    found = Read()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        found.diagnostics.append(problem("not-a-zip", file, 1, 1,
                                         f"not a REFI-QDA project (a ZIP file): {error}"))
        return found
    if len(members) > MAX_MEMBERS:
        found.diagnostics.append(problem(
            "zip-member-too-large", file, 1, 1,
            f"the ZIP holds {len(members)} members, over the limit of {MAX_MEMBERS}"))
        return found
    names: dict[str, zipfile.ZipInfo] = {}
    for info in members:
        if _unsafe(info.filename):
            found.diagnostics.append(problem(
                "unsafe-zip-path", file, 1, 1,
                f"the ZIP member {info.filename!r} lies outside the project's folder: "
                "refused", "a REFI project holds project.qde and sources/ only"))
            return found
        names[info.filename] = info
    qde = [name for name in names if "/" not in name.rstrip("/") and
           name.lower().endswith(".qde")]
    chosen = PROJECT_FILE if PROJECT_FILE in names else qde[0] if len(qde) == 1 else None
    if chosen is None:
        found.diagnostics.append(problem(
            "no-project-file", file, 1, 1,
            "the ZIP holds no project.qde" if not qde else
            f"the ZIP holds {len(qde)} .qde files and none is project.qde: "
            + ", ".join(sorted(qde))))
        return found
    if chosen != PROJECT_FILE:
        found.notes.append(f"the project file is {chosen}, read as project.qde")
    where = found.project_file = f"{file}!{chosen}"

    def member(name: str) -> bytes | None:
        info = names.get(name)
        if info is None:
            return None
        with archive.open(info) as stream:
            read = stream.read(max_bytes + 1)
        if len(read) > max_bytes:
            raise _TooLarge(name)
        return read

    try:
        qde_bytes = member(chosen)
        assert qde_bytes is not None
        root = parse_xml(where, qde_bytes, found)
        if root is None:
            return found
        reader = _Reader(where, qde_bytes, found)
        project = _read_project(reader, root, member)
    except _TooLarge as error:
        found.diagnostics.append(problem(
            "zip-member-too-large", file, 1, 1,
            f"the ZIP member {error.args[0]!r} holds more than {max_bytes} bytes: refused",
            "raise PEERSYNTH_MAX_FILE_BYTES if the project is meant to be this large"))
        return found
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
        found.diagnostics.append(problem("not-a-zip", file, 1, 1,
                                         f"a member of the ZIP cannot be read: {error}"))
        return found
    found.project = project
    return found


class _TooLarge(Exception):
    pass


def _unsafe(name: str) -> bool:
    """A member name that would land outside the folder it is extracted to."""
    parts = name.replace("\\", "/").split("/")
    return (name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) is not None
            or ".." in parts or "\x00" in name)


def _read_project(reader: _Reader, root: etree._Element,
                  member: Callable[[str], bytes | None]) -> Project | None:
    name = etree.QName(root)
    if name.localname != "Project":
        line, column = reader.at(root)
        reader.found.diagnostics.append(problem(
            "not-refi", reader.file, line, column,
            f"the root element is <{name.localname}>, not a REFI-QDA <Project>"))
        return None
    _namespace(reader, root, PROJECT_NS)
    codes: tuple[Code, ...] = ()
    variables: list[Variable] = []
    cases: list[Case] = []
    sources: list[Source] = []
    seen: set[str] = set()
    for tag, child in _children(root):
        if tag == "CodeBook":
            for inner, holder in _children(child):
                if inner == "Codes":
                    codes = _read_codes(reader, holder, seen)
                else:
                    reader.ignore(holder)
        elif tag == "Variables":
            variables.extend(_read_variables(reader, child))
        elif tag == "Cases":
            cases.extend(_read_cases(reader, child))
        elif tag == "Sources":
            sources.extend(_read_sources(reader, child, member))
        else:
            reader.ignore(child)
    project = Project(root.get("name") or "", _flatten(codes), tuple(variables), tuple(cases),
                      tuple(sources), origin=root.get("origin") or "")
    return _with_codes(reader, root, project)


def _read_variables(reader: _Reader, holder: etree._Element) -> Iterator[Variable]:
    for tag, child in _children(holder):
        if tag != "Variable":
            reader.ignore(child)
            continue
        guid = reader.guid(child)
        name = (child.get("name") or "").strip()
        if guid is None:
            continue
        if not name:
            reader.warn("missing-attribute", child, f"<Variable> {guid} has no name; left out")
            continue
        yield Variable(guid, name, child.get("typeOfVariable") or "Text",
                       _line(child))


def _read_values(reader: _Reader, element: etree._Element) -> Iterator[VariableValue]:
    """The VariableValue children of a case or a source."""
    for tag, child in _children(element):
        if tag != "VariableValue":
            continue
        ref: str | None = None
        value: Value | None = None
        for inner, part in _children(child):
            if inner == "VariableRef":
                ref = reader.guid(part, "targetGUID")
            elif inner.endswith("Value"):
                value = _typed(reader, inner, part)
        if ref is not None and value is not None:
            yield VariableValue(ref, value, _line(child))


def _typed(reader: _Reader, kind: str, element: etree._Element) -> Value | None:
    text = (element.text or "").strip()
    if not text:
        return None
    try:
        if kind == "IntegerValue":
            return int(text)
        if kind == "FloatValue":
            number = Decimal(text)
            if not number.is_finite():
                raise InvalidOperation
            return int(number) if number == number.to_integral_value() else float(number)
        if kind == "BooleanValue":
            if text.lower() not in ("true", "false", "1", "0"):
                raise ValueError
            return text.lower() in ("true", "1")
    except (ValueError, InvalidOperation):
        reader.warn("bad-value", element, f"<{kind}> {text!r} is not a value of its type; "
                    "left out")
        return None
    return text  # TextValue, DateValue, DateTimeValue: kept as written


def _refs(reader: _Reader, element: etree._Element, tag: str) -> tuple[str, ...]:
    found: list[str] = []
    for inner, child in _children(element):
        if inner == tag:
            guid = reader.guid(child, "targetGUID")
            if guid is not None:
                found.append(guid)
    return tuple(found)


def _read_cases(reader: _Reader, holder: etree._Element) -> Iterator[Case]:
    for tag, child in _children(holder):
        if tag != "Case":
            reader.ignore(child)
            continue
        guid = reader.guid(child)
        if guid is None:
            continue
        for inner, part in _children(child):
            if inner not in ("CodeRef", "VariableValue", "SourceRef", "SelectionRef"):
                reader.ignore(part)
        yield Case(guid, (child.get("name") or "").strip() or guid_key(guid),
                   _refs(reader, child, "CodeRef"), tuple(_read_values(reader, child)),
                   _refs(reader, child, "SourceRef"), _refs(reader, child, "SelectionRef"),
                   _line(child))


def _codings(reader: _Reader, element: etree._Element) -> tuple[str, ...]:
    """The codes of the Coding children of `element`."""
    found: list[str] = []
    for tag, child in _children(element):
        if tag != "Coding":
            continue
        refs = _refs(reader, child, "CodeRef")
        if not refs:
            reader.warn("missing-attribute", child, "<Coding> has no CodeRef; left out")
        found.extend(refs)
    return tuple(found)


def _read_sources(reader: _Reader, holder: etree._Element,
                  member: Callable[[str], bytes | None]) -> Iterator[Source]:
    for tag, child in _children(holder):
        guid = reader.guid(child)
        if guid is None:
            continue
        name = (child.get("name") or "").strip() or guid_key(guid)
        values = tuple(_read_values(reader, child))
        if tag != "TextSource":
            # PDF, picture, audio, video: every coding inside counts, without evidence.
            codes = tuple(code for part in child.iter() if isinstance(part.tag, str)
                          and etree.QName(part).localname == "Coding"
                          for code in _refs(reader, part, "CodeRef"))
            yield Source(guid, name, None, (), codes, values, _line(child))
            continue
        selections: list[Selection] = []
        for inner, part in _children(child):
            if inner != "PlainTextSelection":
                continue
            selection = _read_selection(reader, part)
            if selection is not None:
                selections.append(selection)
        text = _source_text(reader, child, member, bool(selections))
        yield Source(guid, name, text, tuple(selections), _codings(reader, child), values,
                     _line(child))


def _read_selection(reader: _Reader, element: etree._Element) -> Selection | None:
    guid = reader.guid(element) or ""
    try:
        start = int(element.get("startPosition", ""))
        end = int(element.get("endPosition", ""))
    except ValueError:
        start = end = -1
        reader.warn("bad-position", element, "<PlainTextSelection> has no whole-number "
                    "startPosition and endPosition: its codings count, without evidence")
    description = None
    for tag, child in _children(element):
        if tag == "Description":
            description = (child.text or "").strip() or None
    return Selection(guid, start, end, _codings(reader, element), description,
                     _line(element))


def _source_text(reader: _Reader, element: etree._Element,
                 member: Callable[[str], bytes | None], needed: bool) -> str | None:
    for tag, child in _children(element):
        if tag == "PlainTextContent":
            return child.text or ""
    path = element.get("plainTextPath") or ""
    if not path.startswith("internal://"):
        if needed:
            reader.warn("missing-source", element,
                        f"<TextSource> {element.get('name')!r} has no plain text inside the "
                        "project" + (f" ({path!r} is outside it)" if path else "")
                        + ": its codings count, without evidence")
        return None
    name = "sources/" + path[len("internal://"):]
    data = member(name)
    if data is None:
        reader.warn("missing-source", element,
                    f"{name} is not in the project: the codings of <TextSource> "
                    f"{element.get('name')!r} count, without evidence")
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        reader.warn("bad-value", element, f"{name} is not UTF-8 text: its codings count, "
                    "without evidence")
        return None
