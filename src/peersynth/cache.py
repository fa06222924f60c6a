"""Reuse the validated review while its files are unchanged: an on-disk cache outside the review.

A reviewer runs `tally` or `cite` many times on the same files, and reading the
YAML is by far the largest cost. After a review validates with no errors, its
models (and any warnings) are written as JSON to the user's cache directory;
the next run whose two files hash the same reads that entry instead.

- Key: the sha256 of both files' bytes, peersynth's version, Python's version,
  the reading limits and the folder (diagnostics name files by the folder given).
  One entry per folder, replaced when the files change, so the cache stays small.
- An entry is JSON, never pickle: a header line, then the body; the header holds
  the key and the sha256 of the body, and an entry that does not match is ignored.
  The body is the `model_dump(mode="json", exclude_unset=True)` of the review,
  rebuilt with `model_construct`: it was validated when it was written and its
  checksum shows it is unchanged since.
- Written atomically (a temporary file, then `os.replace`); never into the review
  folder; a cache directory that cannot be read or written only makes runs slower.
- A review with errors is never cached, and the result is always what
  `validate_folder` would return.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import types
import typing
from collections.abc import Callable
from dataclasses import astuple
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel

from peersynth import __version__
from peersynth.diagnostics import Diagnostic, Severity
from peersynth.errors import PeersynthError
from peersynth.files import STUDIES_FILE, THEMES_FILE, Limits, read_bytes
from peersynth.models import Review
from peersynth.report import Report

CACHE_ENV: Final = "PEERSYNTH_CACHE_DIR"
FORMAT: Final = 1
_MAGIC: Final = "peersynth-cache"


def cache_dir(environ: typing.Mapping[str, str] = os.environ) -> Path:
    """$PEERSYNTH_CACHE_DIR, else $XDG_CACHE_HOME/peersynth, else ~/.cache/peersynth."""
    explicit = environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    xdg = environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "peersynth"


def _read_files(folder: Path, limits: Limits) -> tuple[bytes, bytes] | None:
    """Both files' bytes, or None when either cannot be read or is over the size limit
    (validation then says why). Read as validation reads them: bounded, regular files only."""
    found: list[bytes] = []
    for name in (STUDIES_FILE, THEMES_FILE):
        try:
            data = read_bytes(folder / name, name, limits)
        except PeersynthError:
            return None
        if not isinstance(data, bytes):
            return None
        found.append(data)
    return found[0], found[1]


def content_digest(files: tuple[bytes, bytes], limits: Limits) -> str:
    """What a cached result depends on besides the folder: the bytes, the versions, the limits."""
    digest = hashlib.sha256()
    for part in (_MAGIC, str(FORMAT), __version__, sys.version, repr(astuple(limits))):
        digest.update(part.encode() + b"\0")
    for data in files:
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def entry_path(folder: Path, directory: Path) -> Path:
    """The one entry of this folder, as given and as resolved (diagnostics name the former)."""
    where = f"{folder.as_posix()}\0{folder.resolve().as_posix()}"
    return directory / f"{hashlib.sha256(where.encode()).hexdigest()[:32]}.json"


# Rebuilding models without validation, by their field annotations.

_Build = Callable[[Any], Any]
_BUILDERS: dict[Any, _Build] = {}


def _same(value: Any) -> Any:
    return value


def _builder(annotation: Any) -> _Build:
    """A function that turns the JSON form of `annotation` back into its Python value."""
    found = _BUILDERS.get(annotation)
    if found is None:
        found = _BUILDERS[annotation] = _make_builder(annotation)
    return found


def _make_builder(annotation: Any) -> _Build:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _builder(args[0])
    if origin is typing.Union or origin is types.UnionType:
        # JSON objects are the model arm; every other arm of our unions is a plain value.
        arm = _union_model(annotation)
        if arm is None:
            return _same
        build_model = _builder(arm)
        return lambda value: build_model(value) if type(value) is dict else value
    if origin is list:
        arm = _union_model(args[0])
        if arm is not None:
            # A list of short and long forms: only the JSON objects need building.
            build = _builder(arm)
            return lambda value: [build(v) if type(v) is dict else v for v in value]
        item = _builder(args[0])
        # A list or dict of plain values is used as JSON decoded it: a new object already.
        return _same if item is _same else lambda value: [item(element) for element in value]
    if origin is dict:
        item = _builder(args[1])
        return _same if item is _same else \
            lambda value: {key: item(element) for key, element in value.items()}
    model = _model_of(annotation)
    if model is not None:
        return _model_builder(model)
    return _same


def _union_model(annotation: Any) -> type[BaseModel] | None:
    """The model arm of a union of a model and plain values, if `annotation` is one."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        models = [m for m in map(_model_of, typing.get_args(annotation)) if m is not None]
        if len(models) == 1:
            return models[0]
    return None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


class _Plan(typing.NamedTuple):
    """How to rebuild one model class from its JSON form."""

    # Every field in declaration order, holding its plain default (None where there is
    # none: the JSON form of a validated model holds every required field).
    template: dict[str, Any]
    nested: list[tuple[str, _Build]]  # fields whose JSON form needs building
    factories: list[tuple[str, Callable[[], Any]]]  # defaults made anew for each model


def _plan(model: type[BaseModel]) -> _Plan:
    template: dict[str, Any] = {}
    nested: list[tuple[str, _Build]] = []
    factories: list[tuple[str, Callable[[], Any]]] = []
    for name, info in model.model_fields.items():
        factory = info.default_factory
        if factory is not None:
            template[name] = None
            factories.append((name, typing.cast(Callable[[], Any], factory)))
        else:
            template[name] = None if info.is_required() else info.default
        make = _builder(info.annotation)
        if make is not _same:
            nested.append((name, make))
    return _Plan(template, nested, factories)


def _model_builder(model: type[BaseModel]) -> _Build:
    """Builds `model` from its JSON form as `model_construct` would, without its per-call
    overhead (a large review has tens of thousands of models to rebuild)."""
    plan: list[_Plan] = []
    setattr_ = object.__setattr__
    new = model.__new__

    def build(value: Any) -> Any:
        if not plan:  # made on first use: a model may refer to itself
            plan.append(_plan(model))
        template, nested, factories = plan[0]
        state = {**template, **value}
        for name, make in nested:
            if name in value:
                state[name] = make(value[name])
        for name, factory in factories:
            if name not in value:
                state[name] = factory()
        instance = new(model)
        setattr_(instance, "__dict__", state)
        setattr_(instance, "__pydantic_fields_set__", set(value))
        setattr_(instance, "__pydantic_extra__", None)
        setattr_(instance, "__pydantic_private__", None)
        return instance

    return build


def dump_review(review: Review) -> Any:
    """The JSON-ready form of a validated review, holding only the fields its files set."""
    return review.model_dump(mode="json", exclude_unset=True)


def rebuild_review(data: Any) -> Review:
    """The review from `dump_review`'s output, without validating it again."""
    review: Review = _builder(Review)(data)
    return review


# Entries.

def _encode(report: Report, digest: str) -> bytes:
    assert report.review is not None
    body = json.dumps({
        "files": list(report.files),
        "diagnostics": [[d.code, d.severity.value, d.file, d.line, d.column, d.message, d.hint]
                        for d in report.diagnostics],
        "review": dump_review(report.review),
    }, ensure_ascii=False, separators=(",", ":")).encode()
    header = json.dumps({"magic": _MAGIC, "format": FORMAT, "key": digest,
                         "sha256": hashlib.sha256(body).hexdigest()})
    return header.encode() + b"\n" + body


def _decode(raw: bytes, folder: Path, digest: str) -> Report | None:
    """The report an entry holds, or None when it is for other files or is damaged."""
    head, newline, body = raw.partition(b"\n")
    if not newline:
        return None
    try:
        header = json.loads(head)
        if not (isinstance(header, dict) and header.get("magic") == _MAGIC
                and header.get("format") == FORMAT and header.get("key") == digest
                and header.get("sha256") == hashlib.sha256(body).hexdigest()):
            return None
        content = json.loads(body)
        diagnostics = tuple(
            Diagnostic(code, Severity(severity), file, line, column, message, hint)
            for code, severity, file, line, column, message, hint in content["diagnostics"])
        review = rebuild_review(content["review"])
        files = tuple(content["files"])
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if any(d.severity is Severity.ERROR for d in diagnostics):
        return None
    return Report(folder, files, diagnostics, review)


def _write(path: Path, data: bytes) -> None:
    """Replace the entry atomically; a cache that cannot be written is left alone."""
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
        temporary = None
    except OSError:
        pass
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _validate(folder: Path, limits: Limits) -> Report:
    # Imported here: a run answered from the cache never needs the YAML reader.
    from peersynth.validate import validate_folder as validate

    return validate(folder, limits)


def cached_review(folder: Path, *, use_cache: bool = True, limits: Limits | None = None,
                  directory: Path | None = None) -> Report:
    """The same report as `validate_folder(folder)`, from the cache when the files are unchanged.

    `use_cache=False` neither reads nor writes the cache. `directory` defaults to
    `cache_dir()`. Raises what `validate_folder` raises (PeersynthError) for a folder
    or file that is missing or unreadable.
    """
    limits = limits or Limits.from_env()
    if not use_cache:
        return _validate(folder, limits)
    files = _read_files(folder, limits) if folder.is_dir() else None
    if files is None:
        return _validate(folder, limits)
    digest = content_digest(files, limits)
    path = entry_path(folder, directory or cache_dir())
    try:
        raw = path.read_bytes()
    except OSError:
        raw = None
    if raw is not None:
        found = _decode(raw, folder, digest)
        if found is not None and found.files == tuple(
                (folder / name).as_posix() for name in (STUDIES_FILE, THEMES_FILE)):
            return found
    report = _validate(folder, limits)
    # Cache only what was read from these very bytes: the files may change meanwhile.
    if report.review is not None and _read_files(folder, limits) == files:
        _write(path, _encode(report, digest))
    return report
