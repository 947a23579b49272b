"""The import page: upload a people, events, ties, survey, skills or Viva Insights file, read
its validation report, then commit it (issue 7).

Who may: analysts and admins **check** a file (a dry run: the readers check every row,
nothing is stored); only admins **commit** it, because an import changes the organization's
data for everyone (a people file marks everyone missing from it as left). A lead page, so a
member gets 403.

How an upload is received (:func:`receive_file`, the one upload path of the web app: the
adoptions files of :mod:`peerweave.web.initiatives` come through it too): the multipart body
is streamed (:class:`UploadReceiver`, python-multipart) straight into a file of a private
folder (mode 0700), under a random token;
nothing holds the whole body in memory. It stops with 413 as soon as the file passes
``WebSettings.max_upload_bytes`` (a declared ``Content-Length`` over it is refused before a
byte is read), and with 403 when no CSRF token came before the file (in the
``X-CSRF-Token`` header or the form's first field). The client's file name is never a path:
only its extension is kept, and a cleaned copy (:func:`display_name`) is shown. The content
must be what the extension says (:func:`format_problem`): a PNG named ``people.csv`` is
refused with 400 before any reader sees it.

A checked file waits ``WebSettings.upload_max_age`` seconds (1 hour) for its commit, for the
account that checked it only (:class:`UploadStore`; another account's token is as unknown as
a made-up one). The commit runs the workspace import again, for real, in its one
transaction: a failure stores nothing.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import secrets
import shutil
import tempfile
import threading
import time
import weakref
import zipfile
from collections.abc import AsyncIterator, Callable, Collection, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Annotated, Any

import pandas as pd
from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy import select, update
from starlette.concurrency import run_in_threadpool

from peerweave.errors import InputError, PeerweaveError, Problem, UnknownIdError
from peerweave.ingest.people import read_people
from peerweave.store.accounts import write_audit
from peerweave.store.tables import imports as imports_table
from peerweave.web.auth import CSRF_FIELD, CSRF_HEADER, csrf_matches
from peerweave.web.deps import (
    CsrfFailed,
    CsrfForm,
    CsrfHeader,
    ViewerDep,
    render,
    session_of,
    settings_of,
    workspace_of,
)
from peerweave.web.privacy import Viewer, require_role
from peerweave.web.settings import WebSettings
from peerweave.web.views import records
from peerweave.workspace import ImportResult, Workspace

__all__ = [
    "KINDS",
    "SUFFIXES",
    "TABLE_SUFFIXES",
    "ReceivedFile",
    "Sample",
    "Upload",
    "UploadReceiver",
    "UploadRejected",
    "UploadStore",
    "UploadTooLarge",
    "api",
    "check_upload",
    "commit_upload",
    "display_name",
    "format_problem",
    "import_page",
    "megabytes",
    "pages",
    "receive_file",
]

JSON = dict[str, Any]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Delete the uploads still waiting when the app shuts down."""
    try:
        yield
    finally:
        store = getattr(app.state, "uploads", None)
        if isinstance(store, UploadStore):
            store.close()


api = APIRouter(prefix="/api", tags=["api"])
pages = APIRouter(include_in_schema=False, lifespan=_lifespan)

#: What the import page reads, in the order it lists them.
KINDS: tuple[str, ...] = ("people", "events", "ties", "survey", "skills", "viva")

#: The extensions of a table file (``peerweave.ingest.tabular.read_table`` reads them all).
TABLE_SUFFIXES = frozenset(
    {".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".parquet", ".jsonl", ".ndjson"}
)
_TABLES = TABLE_SUFFIXES

#: The extensions each kind's reader takes.
SUFFIXES: Mapping[str, frozenset[str]] = {
    "people": _TABLES,
    "events": frozenset({".csv", ".tsv", ".txt", ".parquet", ".pq", ".jsonl", ".ndjson", ".json"}),
    "ties": _TABLES | {".graphml", ".xml", ".gexf"},
    "survey": _TABLES,
    "skills": _TABLES,
    "viva": _TABLES,
}
_ALL_SUFFIXES = frozenset().union(*SUFFIXES.values())

#: One line per kind: what the file holds (the page shows it).
KIND_HINTS: Mapping[str, str] = {
    "people": "HR export: person_id, name, email, manager_id, department, … "
    "(people missing from it are marked as left)",
    "events": "email / chat / meeting metadata: sender, recipients, timestamp[, channel, "
    "duration]; aggregated into ties (load people first)",
    "ties": "an edge list (source, target[, weight, kind]), GraphML or GEXF",
    "survey": "ONA survey answers: respondent, question, colleague[, strength]",
    "skills": "person_id, skill, level 0–4, can_teach, wants_to_learn[, capacity]",
    "viva": "a Viva Insights person-to-person query",
}

#: Per extension: what the file must be, and how to make one.
_FORMATS: Mapping[str, tuple[str, str]] = {
    ".csv": ("a CSV file", "export the sheet as CSV (UTF-8)"),
    ".tsv": ("a TSV file", "export the sheet as tab-separated text (UTF-8)"),
    ".txt": ("a text file", "export the sheet as CSV (UTF-8)"),
    ".xlsx": ("an Excel workbook", "save it from Excel as .xlsx, or export the sheet as CSV"),
    ".xlsm": ("an Excel workbook", "save it from Excel as .xlsx, or export the sheet as CSV"),
    ".parquet": ("a Parquet file", "write it again as Parquet, or export it as CSV (UTF-8)"),
    ".pq": ("a Parquet file", "write it again as Parquet, or export it as CSV (UTF-8)"),
    ".json": ("a JSON file", "export it again as JSON, or as JSON Lines (.jsonl)"),
    ".jsonl": ("a JSON Lines file", "write one JSON object per line (UTF-8)"),
    ".ndjson": ("a JSON Lines file", "write one JSON object per line (UTF-8)"),
    ".graphml": ("a GraphML file", "export the graph again as GraphML"),
    ".xml": ("a GraphML file", "export the graph again as GraphML"),
    ".gexf": ("a GEXF file", "export the graph again as GEXF"),
}
_TEXT_SUFFIXES = frozenset(_FORMATS) - {".xlsx", ".xlsm", ".parquet", ".pq"}
_DELIMITED = frozenset({".csv", ".tsv", ".txt"})

#: File signatures: what a file starting so looks like.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PAR1", "a Parquet file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.xls or .doc)"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x7fELF", "a program"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\xff\xfe", "UTF-16 text"),
    (b"\xfe\xff", "UTF-16 text"),
)
#: What a look-alike should be named when this kind of reader takes it.
_RENAME: Mapping[str, str] = {
    "an Excel workbook": ".xlsx",
    "a Parquet file": ".parquet",
    "a CSV or text file": ".csv",
}

#: Bytes of the file's start kept for the checks and the preview.
HEAD_BYTES = 64 * 1024
#: A ``.json`` file up to this size is parsed whole before the import.
JSON_PARSE_LIMIT = 20 * 1024 * 1024
#: Room for the form fields and multipart framing around the file.
_BODY_SLACK = 256 * 1024
_MAX_FIELDS = 20
_MAX_FIELD_BYTES = 4096
#: Rows of the file shown in the report before anything is committed.
PREVIEW_ROWS = 5
#: Notes of a reader the report lists at most (it says how many there are in all).
MAX_NOTES = 200


class UploadRejected(PeerweaveError):
    """An upload that cannot be imported as sent: wrong format, unknown extension (400).

    >>> str(UploadRejected("x.bmp: peerweave does not import .bmp files"))
    'x.bmp: peerweave does not import .bmp files'
    """


class UploadTooLarge(UploadRejected):
    """An upload over ``WebSettings.max_upload_bytes`` (413)."""


class UnknownUpload(UnknownIdError):
    """A token that names no upload of the viewer's waiting for its commit (404)."""


def _status_of(exc: PeerweaveError) -> int:
    if isinstance(exc, UploadTooLarge):
        return 413
    if isinstance(exc, UnknownIdError):
        return 404
    return 400


def megabytes(n: int) -> str:
    """``n`` bytes for people.

    >>> megabytes(200 * 1024 * 1024), megabytes(2048)
    ('200 MB', '2 KB')
    """
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.3g} MB"
    return f"{max(1, round(n / 1024))} KB"


#: How the import page's files are imported on the server instead (too large a file).
ON_SERVER = "`peerweave import KIND FILE`"


def _too_large(limit: int, on_server: str = ON_SERVER) -> UploadTooLarge:
    """The 413 error: the limit, and how to import the file on the server instead.

    >>> str(_too_large(4096, "`peerweave adoptions import ID FILE`"))
    'the file is larger than 4 KB, the most the web app takes: split it, or import it on the server with `peerweave adoptions import ID FILE`'
    """
    return UploadTooLarge(
        f"the file is larger than {megabytes(limit)}, the most the web app takes: "
        f"split it, or import it on the server with {on_server}"
    )


# -- file names and formats ------------------------------------------------------------------


def display_name(filename: str | None) -> str:
    """The client's file name made safe to show: no folders, only letters, digits and
    ``. _ - ( )`` and spaces, at most 80 characters, the extension kept. Never a path.

    >>> display_name("C:\\\\Users\\\\ana\\\\HR export (May).CSV")
    'HR export (May).CSV'
    >>> display_name("../../etc/pass<wd>.csv"), display_name(""), display_name(".csv")
    ('pass_wd_.csv', 'upload', 'upload.csv')
    """
    base = re.split(r"[\\/]", filename or "")[-1]
    base = re.sub(r"[^\w .()\-]", "_", base, flags=re.ASCII).strip()
    if base.startswith("."):
        base = "upload" + base
    base = base.rstrip(". ") or "upload"
    if len(base) > 80:
        suffix = _suffix(base)[:16]
        base = base[: 80 - len(suffix)] + suffix
    return base


def _suffix(filename: str) -> str:
    """The lower-case extension of the file name's last part (``""`` when none).

    >>> _suffix("a/b.People.CSV"), _suffix("README"), _suffix("x.tar.gz"), _suffix(".csv")
    ('.csv', '', '.gz', '.csv')
    """
    found = re.search(r"\.([A-Za-z0-9]{1,10})$", re.split(r"[\\/]", filename)[-1])
    return "." + found.group(1).lower() if found else ""


@dataclass
class Sample:
    """What :class:`UploadReceiver` noticed while it wrote a file: its first bytes
    (``head``), its last bytes, its size, whether it held a NUL byte and whether all of it
    was valid UTF-8.

    >>> s = Sample.of(b"person_id,name\\nP1,Ada\\n")
    >>> s.size, s.nul, s.utf8
    (22, False, True)
    """

    head: bytes = b""
    tail: bytes = b""
    size: int = 0
    nul: bool = False
    utf8: bool = True
    _decoder: codecs.IncrementalDecoder = field(
        default_factory=lambda: codecs.getincrementaldecoder("utf-8")("strict"), repr=False
    )

    @classmethod
    def of(cls, data: bytes) -> Sample:
        """The sample of a whole file's bytes (for tests and small files)."""
        sample = cls()
        sample.add(data)
        sample.finish()
        return sample

    def add(self, chunk: bytes) -> None:
        """Take the next chunk of the file."""
        if len(self.head) < HEAD_BYTES:
            self.head += chunk[: HEAD_BYTES - len(self.head)]
        self.tail = (self.tail + chunk)[-16:]
        self.size += len(chunk)
        self.nul = self.nul or b"\x00" in chunk
        if self.utf8:
            try:
                self._decoder.decode(chunk)
            except UnicodeDecodeError:
                self.utf8 = False

    def finish(self) -> None:
        """The file has ended (a cut-off UTF-8 sequence at the end is not UTF-8)."""
        if self.utf8:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.utf8 = False


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return "a damaged zip archive"
    if "xl/workbook.xml" in names:
        return "an Excel workbook"
    if "word/document.xml" in names:
        return "a Word document"
    if any(n.startswith("ppt/") for n in names):
        return "a PowerPoint presentation"
    if "content.xml" in names:
        return "an OpenDocument file (.ods, .odt)"
    return "a zip archive"


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\r\n\f")
    return controls / len(text)


def _text_kind(text: str) -> str:
    """What a piece of text looks like.

    >>> _text_kind("<!DOCTYPE html><html>"), _text_kind('{"a": 1}'), _text_kind("a,b\\n1,2")
    ('a web page (HTML)', 'a JSON file', 'a CSV or text file')
    """
    start = text.lstrip("\ufeff \t\r\n")[:200].lower()
    if start.startswith(("<!doctype html", "<html")):
        return "a web page (HTML)"
    if start.startswith("<"):
        return "an XML file"
    if start.startswith(("{", "[")):
        return "a JSON file"
    return "a CSV or text file"


def _looks_like(sample: Sample, path: Path | None) -> str:
    """What the file looks like from its first bytes."""
    head = sample.head
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path) if path is not None else "a zip archive"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "a WebP image"
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if sample.nul:
        return "binary data"
    text = head.decode("utf-8" if sample.utf8 else "cp1252", errors="replace")
    if _control_share(text) > 0.01:
        return "binary data"
    return _text_kind(text)


def _text_head(sample: Sample, encoding: str | None) -> str:
    head = sample.head
    if sample.size > len(head):  # cut at the last whole line: no half character
        head = head[: head.rfind(b"\n") + 1] or head
    if encoding:
        return head.decode(encoding, errors="replace").removeprefix("\ufeff")
    return head.decode("utf-8-sig" if sample.utf8 else "cp1252", errors="replace")


def format_problem(
    name: str,
    suffix: str,
    sample: Sample,
    path: Path | None = None,
    *,
    encoding: str | None = None,
) -> str | None:
    """Why the file is not what its extension ``suffix`` claims (``None`` when it is).

    Text formats (CSV, TSV, TXT, JSON, GraphML …) must hold no NUL byte and decode as the
    declared ``encoding`` or UTF-8 (Windows-1252 text passes: the reader says so); an
    ``.xlsx`` must be a zip archive with ``xl/workbook.xml``; a Parquet file must start and
    end with ``PAR1``; a ``.json`` file must parse (up to ``JSON_PARSE_LIMIT``).

    >>> png = Sample.of(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(range(256)))
    >>> format_problem("people.csv", ".csv", png)
    'people.csv is not a CSV file: it looks like a PNG image; export the sheet as CSV (UTF-8)'
    >>> format_problem("people.parquet", ".parquet", Sample.of(b"person_id,name\\nP1,Ada\\n"))
    'people.parquet is not a Parquet file: it looks like a CSV or text file; name it .csv'
    >>> format_problem("people.csv", ".csv", Sample.of(b"person_id,name\\nP1,Zo\\xeb\\n")) is None
    True
    """
    what, fix = _FORMATS[suffix]

    def wrong(looks: str) -> str:
        better = _RENAME.get(looks)
        hint = f"name it {better}" if better and better != suffix else fix
        return f"{name} is not {what}: it looks like {looks}; {hint}"

    if sample.size == 0:
        return f"{name} is empty; {fix}"
    looks = _looks_like(sample, path)
    if suffix in _TEXT_SUFFIXES:
        if looks not in ("a CSV or text file", "a web page (HTML)", "an XML file", "a JSON file"):
            return wrong(looks)
        if encoding:
            try:
                codecs.lookup(encoding)
            except LookupError:
                return f"{encoding!r} is not an encoding: use one such as utf-8 or latin-1"
        text = _text_head(sample, encoding)
        if suffix in _DELIMITED and looks == "a web page (HTML)":
            return wrong(looks)
        if suffix in {".graphml", ".xml", ".gexf"} and not text.lstrip().startswith("<"):
            return wrong(looks)
        if suffix == ".json":
            return _json_problem(name, text, sample, path, fix)
        if suffix in {".jsonl", ".ndjson"}:
            first = next((line for line in text.splitlines() if line.strip()), "")
            try:
                json.loads(first)
            except ValueError as exc:
                return f"{name} is not {what}: line 1 is not JSON ({exc}); {fix}"
        return None
    if suffix in {".xlsx", ".xlsm"}:
        if looks != "an Excel workbook":
            return wrong(looks)
        return None
    # Parquet
    if not sample.head.startswith(b"PAR1"):
        return wrong(looks)
    if sample.size < 12 or not sample.tail.endswith(b"PAR1"):
        return f"{name} is a cut-off Parquet file (it does not end with PAR1); upload all of it"
    return None


def _json_problem(name: str, text: str, sample: Sample, path: Path | None, fix: str) -> str | None:
    start = text.lstrip()[:1]
    if start not in ("{", "["):
        return f"{name} is not a JSON file: it looks like {_text_kind(text)}; {fix}"
    if path is None or sample.size > JSON_PARSE_LIMIT:
        return None
    whole = path.read_bytes().decode("utf-8-sig", errors="replace")
    try:
        json.loads(whole)
    except ValueError as exc:
        try:  # JSON Lines in a .json file: DuckDB reads those too
            for line in whole.splitlines():
                if line.strip():
                    json.loads(line)
        except ValueError:
            return f"{name} is not valid JSON: {exc}; {fix}"
    return None


# -- the uploads waiting for their commit ----------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """A received file: its token, owner, kind, shown name, where it lies, its options."""

    token: str
    username: str
    kind: str
    name: str
    suffix: str
    path: Path
    size: int
    options: Mapping[str, str]
    received_at: float


class UploadStore:
    """Uploads waiting for their commit: files in a private folder (created on first use,
    mode 0700, removed when the app shuts down or the store is collected), by random token, for the account
    that checked them, for ``max_age`` seconds.

    >>> store = UploadStore(max_age=60)
    >>> token, path = store.reserve(".csv")
    >>> _ = path.write_text("person_id\\nP1\\n")
    >>> store.keep(Upload(token, "ana", "people", "hr.csv", ".csv", path, 12, {}, store.clock()))
    >>> store.take(token, "ana").name
    'hr.csv'
    >>> store.take(token, "bo")
    Traceback (most recent call last):
    ...
    peerweave.web.imports.UnknownUpload: no checked upload with this token is waiting for you (uploads wait 1 minute): check the file again
    >>> store.close()
    """

    def __init__(self, *, max_age: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age = max_age
        self.clock = clock
        self._folder: Path | None = None
        self._cleanup: weakref.finalize[Any, Any] | None = None
        self._waiting: dict[str, Upload] = {}
        self._lock = threading.Lock()

    @property
    def folder(self) -> Path:
        """The private folder (made now if it does not exist yet)."""
        with self._lock:
            if self._folder is None:
                self._folder = Path(tempfile.mkdtemp(prefix="peerweave-uploads-"))
                self._cleanup = weakref.finalize(
                    self, shutil.rmtree, self._folder, ignore_errors=True
                )
            return self._folder

    def reserve(self, suffix: str) -> tuple[str, Path]:
        """A new token and the path its file is written to (only ``suffix`` from the client)."""
        self.purge()
        token = secrets.token_urlsafe(24)
        return token, self.folder / f"{token}{suffix}"

    def keep(self, upload: Upload) -> None:
        """Keep ``upload`` for its commit."""
        with self._lock:
            self._waiting[upload.token] = upload

    def take(self, token: str, username: str) -> Upload:
        """The upload ``token`` of ``username``, no longer waiting (``keep`` it again to put
        it back); :class:`UnknownUpload` when it is unknown, expired or someone else's."""
        self.purge()
        with self._lock:
            upload = self._waiting.get(str(token))
            if upload is None or not secrets.compare_digest(upload.username, username):
                minutes = max(1, round(self.max_age / 60))
                raise UnknownUpload(
                    "no checked upload with this token is waiting for you (uploads wait "
                    f"{minutes} minute{'s' if minutes != 1 else ''}): check the file again"
                )
            del self._waiting[upload.token]
            return upload

    def discard(self, upload: Upload | Path) -> None:
        """Delete an upload's file (and forget it)."""
        path = upload.path if isinstance(upload, Upload) else upload
        if isinstance(upload, Upload):
            with self._lock:
                self._waiting.pop(upload.token, None)
        path.unlink(missing_ok=True)

    def purge(self) -> int:
        """Delete the uploads older than ``max_age``; how many."""
        now = self.clock()
        with self._lock:
            old = [u for u in self._waiting.values() if now - u.received_at > self.max_age]
            for upload in old:
                del self._waiting[upload.token]
        for upload in old:
            upload.path.unlink(missing_ok=True)
        return len(old)

    def close(self) -> None:
        """Delete every upload and the folder."""
        with self._lock:
            self._waiting.clear()
            if self._cleanup is not None:
                self._cleanup()  # removes the folder, once
            self._folder = self._cleanup = None


_STORE_LOCK = threading.Lock()


def uploads_of(request: Request) -> UploadStore:
    """The app's :class:`UploadStore` (made on first use)."""
    state = request.app.state
    with _STORE_LOCK:
        store = getattr(state, "uploads", None)
        if not isinstance(store, UploadStore):
            store = UploadStore(max_age=settings_of(request).upload_max_age)
            state.uploads = store
    return store


# -- receiving the body ----------------------------------------------------------------------


class UploadReceiver:
    """Parse one ``multipart/form-data`` body as it streams in: small fields to memory, the
    one file straight to disk (never the body in memory), the CSRF token checked before the
    first byte of the file is written.

    ``csrf_ok(token)`` says whether a form field token is the session's; ``header_ok``
    whether the ``X-CSRF-Token`` header already was. A file whose extension is not one of
    ``suffixes`` is refused before a byte of it is written; ``on_server`` says how to import
    a file over ``max_file_bytes`` on the server instead.
    """

    def __init__(
        self,
        *,
        reserve: Callable[[str], tuple[str, Path]],
        max_file_bytes: int,
        csrf_ok: Callable[[str | None], bool],
        header_ok: bool,
        suffixes: Collection[str] = _ALL_SUFFIXES,
        on_server: str = ON_SERVER,
        charset: str = "utf-8",
    ) -> None:
        self.fields: dict[str, str] = {}
        self.filename: str | None = None
        self.token: str | None = None
        self.path: Path | None = None
        self.sample = Sample()
        self._reserve = reserve
        self._max = max_file_bytes
        self._csrf_ok = csrf_ok
        self._trusted = header_ok
        self._suffixes = frozenset(suffixes)
        self._on_server = on_server
        self._charset = charset
        self._file: IO[bytes] | None = None
        self._in_file = False
        self._name = b""
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._data = bytearray()

    # python-multipart callbacks ---------------------------------------------------------

    def _part_begin(self) -> None:
        self._disposition, self._data, self._in_file = b"", bytearray(), False

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_val(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name, self._header_value = b"", b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        self._name = options.get(b"name", b"")
        if b"filename" not in options:
            if len(self.fields) >= _MAX_FIELDS:
                raise UploadRejected(f"the form has more than {_MAX_FIELDS} fields")
            return
        filename = options[b"filename"].decode(self._charset, errors="replace")
        if self.path is not None:
            raise UploadRejected("send one file at a time")
        if not filename:  # a file input left empty
            return
        if not (self._trusted or self._csrf_ok(self.fields.get(CSRF_FIELD))):
            raise CsrfFailed("the form has expired or was not sent by this site: reload the page")
        suffix = _suffix(filename)
        if suffix not in self._suffixes:
            raise UploadRejected(
                f"{display_name(filename)}: peerweave does not import "
                f"{suffix or 'files without an extension'} here; send "
                + ", ".join(sorted(self._suffixes))
            )
        self.filename = filename
        self.token, self.path = self._reserve(suffix)
        self._file = self.path.open("xb")
        self._in_file = True

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._in_file:
            assert self._file is not None
            if self.sample.size + len(chunk) > self._max:
                raise _too_large(self._max, self._on_server)
            self._file.write(chunk)
            self.sample.add(chunk)
            return
        if len(self._data) + len(chunk) > _MAX_FIELD_BYTES:
            raise UploadRejected(
                f"the form field {self._name.decode(errors='replace')!r} is too long"
            )
        self._data += chunk

    def _part_end(self) -> None:
        if self._in_file:
            assert self._file is not None
            self._file.close()
            self._file = None
            self._in_file = False
            self.sample.finish()
        elif self._name:
            key = self._name.decode(self._charset, errors="replace")
            self.fields[key] = bytes(self._data).decode(self._charset, errors="replace")

    # ------------------------------------------------------------------------------------

    async def receive(self, request: Request, *, max_body_bytes: int) -> None:
        """Read the request's body; :class:`UploadTooLarge` as soon as it is too large."""
        content_type, params = parse_options_header(request.headers.get("content-type"))
        if content_type != b"multipart/form-data" or b"boundary" not in params:
            raise UploadRejected(
                "no file was sent: send it as multipart/form-data (a form with a file field)"
            )
        parser = MultipartParser(
            params[b"boundary"],
            {
                "on_part_begin": self._part_begin,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
                "on_header_field": self._header_field,
                "on_header_value": self._header_val,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
            },
        )
        received = 0
        try:
            async for chunk in request.stream():
                received += len(chunk)
                if received > max_body_bytes:
                    raise _too_large(self._max, self._on_server)
                parser.write(chunk)
            parser.finalize()
        except PeerweaveError:
            self.abort()
            raise
        except Exception as exc:  # a malformed body: python-multipart's own errors
            self.abort()
            raise UploadRejected(f"the upload could not be read ({exc}): send it again") from None
        if self._file is not None:  # the body ended inside the file
            self.abort()
            raise UploadRejected("the upload was cut off: send it again")

    def abort(self) -> None:
        """Close and delete the file written so far."""
        if self._file is not None:
            self._file.close()
            self._file = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class ReceivedFile:
    """A file :func:`receive_file` wrote to the upload store's private folder: its ``token``
    and ``path`` there (``<token><suffix>``: nothing of the client's name but the
    extension), the ``name`` to show (:func:`display_name`), its ``suffix``, ``size``, the
    form's other ``fields`` and what was noticed while writing it (``sample``).

    Whoever receives it removes it (:meth:`remove`) or keeps it in the store.
    """

    token: str
    path: Path
    name: str
    suffix: str
    size: int
    fields: Mapping[str, str]
    sample: Sample

    def remove(self) -> None:
        """Delete the file (nothing happens when it is already gone)."""
        self.path.unlink(missing_ok=True)


async def receive_file(
    request: Request,
    *,
    csrf_header: bool,
    suffixes: Collection[str],
    what: str,
    on_server: str = ON_SERVER,
    encoding_field: str | None = None,
) -> ReceivedFile:
    """Stream the request's multipart form into the upload store's private folder: the one
    upload path of the web app (the import page, the adoptions files).

    - at most ``WebSettings.max_upload_bytes``: :class:`UploadTooLarge` (413) as soon as the
      file passes it, and before a byte is read when the declared ``Content-Length`` does
      (a chunked body without one is counted as it comes);
    - CSRF: the ``X-CSRF-Token`` header (``csrf_header``: required) or the form's
      ``csrf_token`` field before the file, else :class:`~peerweave.web.deps.CsrfFailed`
      (403) and nothing written;
    - an extension not in ``suffixes``: :class:`UploadRejected` before a byte is written;
    - the content must be what the extension says (:func:`format_problem`, with the
      encoding the form's ``encoding_field`` names): :class:`UploadRejected` (400);
    - no file: :class:`UploadRejected` saying to send ``what``; ``on_server`` is how a file
      over the limit is imported on the server instead.

    On any error the file written so far is deleted. The client's file name is never a path.
    """
    settings = settings_of(request)
    limit = settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit + _BODY_SLACK:
        raise _too_large(limit, on_server)  # refused before a byte of the body is read
    session = session_of(request)
    header_ok = csrf_matches(session, request.headers.get(CSRF_HEADER))
    if csrf_header and not header_ok:
        raise CsrfFailed(f"missing or wrong CSRF token: send the {CSRF_HEADER} header")
    receiver = UploadReceiver(
        reserve=uploads_of(request).reserve,
        max_file_bytes=limit,
        csrf_ok=lambda token: csrf_matches(session, token),
        header_ok=header_ok,
        suffixes=suffixes,
        on_server=on_server,
    )
    await receiver.receive(request, max_body_bytes=limit + _BODY_SLACK)
    if not (header_ok or csrf_matches(session, receiver.fields.get(CSRF_FIELD))):
        receiver.abort()
        raise CsrfFailed("the form has expired or was not sent by this site: reload the page")
    if receiver.path is None or receiver.token is None:
        raise UploadRejected(f"no file was sent: choose {what}")
    received = ReceivedFile(
        token=receiver.token,
        path=receiver.path,
        name=display_name(receiver.filename),
        suffix=_suffix(receiver.filename or ""),
        size=receiver.sample.size,
        fields=dict(receiver.fields),
        sample=receiver.sample,
    )
    encoding = (received.fields.get(encoding_field, "") if encoding_field else "").strip()
    try:  # a workbook's zip index, a whole .json file: read off the event loop
        problem = await run_in_threadpool(
            format_problem,
            received.name,
            received.suffix,
            received.sample,
            received.path,
            encoding=encoding or None,
        )
    except BaseException:
        received.remove()
        raise
    if problem is not None:
        received.remove()
        raise UploadRejected(problem)
    return received


async def _receive(request: Request, viewer: Viewer, *, csrf_header: bool) -> tuple[Upload, Sample]:
    """Receive the import page's upload (:func:`receive_file`) and check its kind: the
    :class:`Upload` (not yet kept in the store) and what was noticed while writing it."""
    received = await receive_file(
        request,
        csrf_header=csrf_header,
        suffixes=_ALL_SUFFIXES,
        what="a file to check",
        encoding_field="encoding",
    )
    kind = received.fields.get("kind", "").strip().lower()
    name, suffix = received.name, received.suffix
    try:
        if kind not in KINDS:
            raise UploadRejected(
                f"{kind or 'no kind'!r} is not something peerweave imports: choose one of "
                + ", ".join(KINDS)
            )
        if suffix not in SUFFIXES[kind]:
            raise UploadRejected(
                f"{name}: a {kind} file is read from "
                + ", ".join(sorted(SUFFIXES[kind]))
                + f", not {suffix}"
            )
    except PeerweaveError:
        received.remove()
        raise
    options = {
        key: received.fields[key].strip()
        for key in ("encoding", "sheet", "tie_kind")
        if received.fields.get(key, "").strip()
    }
    upload = Upload(
        token=received.token,
        username=viewer.username,
        kind=kind,
        name=name,
        suffix=suffix,
        path=received.path,
        size=received.size,
        options=options,
        received_at=uploads_of(request).clock(),
    )
    return upload, received.sample


# -- what the pages show -----------------------------------------------------------------------


def _scrub(text: str, upload: Upload) -> str:
    """``text`` with the server's path of the upload replaced by the name the user knows."""
    for path in (str(upload.path), str(upload.path.parent)):
        text = text.replace(path, upload.name)
    return text


def _problems(problems: list[Problem] | tuple[Problem, ...], upload: Upload) -> list[JSON]:
    return [
        {
            "row": p.row,
            "column": p.column,
            "message": _scrub(p.message, upload),
            "fix": _scrub(p.fix, upload) if p.fix else None,
        }
        for p in problems
    ]


def _run(ws: Workspace, upload: Upload, *, dry_run: bool) -> tuple[ImportResult, list[JSON]]:
    """Run the kind's workspace import (``dry_run``: read and check only)."""
    path, options = upload.path, upload.options
    sheet, encoding = options.get("sheet"), options.get("encoding")
    changes: list[JSON] = []
    if upload.kind == "people":
        if dry_run:  # what Workspace.check_people does, with the people kept to compare
            load = read_people(path, sheet=sheet, encoding=encoding)
            changes = _people_preview(ws, load.people)
            return ImportResult("people", (load.report,), dry_run=True), changes
        return ws.import_people(path, sheet=sheet, encoding=encoding), changes
    if upload.kind == "events":
        return ws.import_events(path, dry_run=dry_run), changes
    if upload.kind == "ties":
        tie_kind = options.get("tie_kind") or "collaboration"
        return ws.import_ties(path, kind=tie_kind, dry_run=dry_run), changes
    if upload.kind == "survey":
        return ws.import_survey(path, dry_run=dry_run), changes
    if upload.kind == "viva":
        return ws.import_viva(path, dry_run=dry_run), changes
    return ws.import_skills(path, sheet=sheet, dry_run=dry_run), changes


def _people_preview(ws: Workspace, people: pd.DataFrame) -> list[JSON]:
    """What a people file would change: new people, people back, people marked as left."""
    stored = ws.people(include_left=True)
    in_file = pd.Index(people["person_id"].astype(str).unique())
    known = stored["person_id"].astype(str)
    active = known[stored["status"].astype(str) == "active"]
    left = known[stored["status"].astype(str) == "left"]
    return [
        {"what": "people in the file", "count": len(in_file)},
        {"what": "new people", "count": int((~in_file.isin(known)).sum())},
        {
            "what": "people already stored (updated when they changed)",
            "count": int(in_file.isin(active).sum()),
        },
        {"what": "people who had left and come back", "count": int(in_file.isin(left).sum())},
        {
            "what": "stored people missing from the file: they will be marked as left",
            "count": int((~active.isin(in_file)).sum()),
            "warn": bool((~active.isin(in_file)).any()),
        },
    ]


def _preview(upload: Upload, sample_head: bytes) -> JSON | None:
    """The first rows of a CSV/TSV/TXT file, as the file has them (cells shortened)."""
    if upload.suffix not in _DELIMITED or not sample_head:
        return None
    encoding = upload.options.get("encoding")
    head = sample_head[: sample_head.rfind(b"\n") + 1] or sample_head
    try:
        text = head.decode(encoding or "utf-8-sig")
    except (UnicodeDecodeError, LookupError):
        text = head.decode("cp1252", errors="replace")
    text = text.removeprefix("\ufeff")
    lines = text.splitlines()[: PREVIEW_ROWS + 1]
    if not lines:
        return None
    first = lines[0]
    delimiter = "\t" if upload.suffix == ".tsv" else max(",;\t|", key=first.count)
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    if not rows:
        return None

    def cell(value: str) -> str:
        return value if len(value) <= 60 else value[:59] + "…"

    header = [cell(c) for c in rows[0][:12]]
    return {
        "columns": header,
        "rows": [[cell(c) for c in row[: len(header)]] for row in rows[1:]],
        "more_columns": max(0, len(rows[0]) - len(header)),
    }


def _changes(result: ImportResult) -> list[JSON]:
    out: list[JSON] = []
    if result.people is not None:
        c = result.people
        out += [
            {"what": "people added", "count": c.added},
            {"what": "people updated", "count": c.updated},
            {"what": "people unchanged", "count": c.unchanged},
            {"what": "people marked as left", "count": c.marked_left},
            {"what": "people back", "count": c.returned},
        ]
    if result.people_created:
        verb = "would be created" if result.dry_run else "created"
        out.append({"what": f"people {verb} from ties (id only)", "count": result.people_created})
    for what, count in (
        ("ties stored", result.ties_saved),
        ("skill rows stored", result.skills_saved),
    ):
        if count:
            out.append({"what": what, "count": count})
    return out


def _base(upload: Upload, viewer: Viewer, settings: WebSettings) -> JSON:
    return {
        "kind": upload.kind,
        "file": upload.name,
        "size": upload.size,
        "options": dict(upload.options),
        "token": None,
        "expires_in": None,
        "can_commit": viewer.role == "admin",
        "committed": False,
        "import_id": None,
        "reports": [],
        "changes": [],
        "problems": [],
        "problems_total": 0,
        "detail": "",
        "preview": None,
    }


def _result(
    upload: Upload, viewer: Viewer, settings: WebSettings, result: ImportResult, extra: list[JSON]
) -> JSON:
    data = _base(upload, viewer, settings)
    data["ok"] = True
    data["reports"] = [
        {
            "source": upload.name,
            "summary": _scrub(r.summary(), upload),
            "rows_read": r.rows_read,
            "records": r.records,
            "counts": [
                {"what": k.replace("_", " "), "count": int(v)} for k, v in r.counts.items() if v
            ],
            "notes": _problems(r.notes[:MAX_NOTES], upload),
            "notes_total": len(r.notes),
        }
        for r in result.reports
    ]
    data["changes"] = extra + _changes(result)
    return data


def _failed(upload: Upload, viewer: Viewer, settings: WebSettings, exc: InputError) -> JSON:
    data = _base(upload, viewer, settings)
    data["ok"] = False
    data["detail"] = _scrub(str(exc), upload)
    data["problems"] = _problems(exc.problems, upload)
    data["problems_total"] = exc.total
    return data


def check_upload(
    ws: Workspace, viewer: Viewer, settings: WebSettings, upload: Upload, *, head: bytes = b""
) -> JSON:
    """Read and check ``upload`` with its kind's reader (a dry run, nothing stored): the
    validation report (records, counts, notes and problems with row, column and fix, what
    would change) and the first rows (leads; ``ok`` false when the file cannot be imported)."""
    require_role(viewer, "admin", "analyst")
    try:
        result, extra = _run(ws, upload, dry_run=True)
    except InputError as exc:
        data = _failed(upload, viewer, settings, exc)
    else:
        data = _result(upload, viewer, settings, result, extra)
        data["token"] = upload.token
        data["expires_in"] = settings.upload_max_age
    data["preview"] = _preview(upload, head)
    return data


def commit_upload(ws: Workspace, viewer: Viewer, settings: WebSettings, upload: Upload) -> JSON:
    """Import ``upload`` for real, in one transaction (admins): what was stored, the import's
    id; ``ok`` false (and nothing stored) when it fails. The import is audited."""
    require_role(viewer, "admin")
    try:
        result, _ = _run(ws, upload, dry_run=False)
    except InputError as exc:
        return _failed(upload, viewer, settings, exc)
    data = _result(upload, viewer, settings, result, [])
    data["committed"] = True
    data["import_id"] = result.import_id
    with ws.store.transaction() as session:
        if result.import_id is not None:  # the import log names the upload, not a temp path
            stored = session.scalar(
                select(imports_table.c.report).where(imports_table.c.id == result.import_id)
            )
            report = str(stored or "{}").replace(
                json.dumps(str(upload.path))[1:-1], json.dumps(upload.name)[1:-1]
            )
            session.execute(
                update(imports_table)
                .where(imports_table.c.id == result.import_id)
                .values(files=json.dumps([f"web upload: {upload.name}"]), report=report)
            )
        write_audit(
            session=session,
            viewer=viewer.username,
            action="import",
            subject_person_id=None,
            detail=f"{upload.kind} {upload.name}: import #{result.import_id}",
        )
    return data


def import_page(ws: Workspace, viewer: Viewer, settings: WebSettings) -> JSON:
    """What the import page shows before any upload: the kinds, the size limit, the last
    imports (leads)."""
    require_role(viewer, "admin", "analyst")
    last = ws.status().last_imports
    return {
        "kinds": [
            {"kind": k, "hint": KIND_HINTS[k], "suffixes": sorted(SUFFIXES[k])} for k in KINDS
        ],
        "max_upload_bytes": settings.max_upload_bytes,
        "max_upload": megabytes(settings.max_upload_bytes),
        "can_commit": viewer.role == "admin",
        "last_imports": records(
            pd.DataFrame(
                [
                    {
                        "id": r.id,
                        "kind": r.kind,
                        "files": ", ".join(Path(f).name if "/" in f else f for f in r.files),
                        "finished_at": str(r.finished_at or r.started_at)[:19],
                        "records": r.records,
                    }
                    for r in last
                ]
            )
        ),
    }


# -- routes ----------------------------------------------------------------------------------


async def _check(request: Request, viewer: Viewer, *, api_call: bool) -> tuple[JSON, int]:
    require_role(viewer, "admin", "analyst")
    upload, sample = await _receive(request, viewer, csrf_header=api_call)
    store = uploads_of(request)
    try:
        data = await run_in_threadpool(
            check_upload,
            workspace_of(request),
            viewer,
            settings_of(request),
            upload,
            head=sample.head,
        )
    except BaseException:
        store.discard(upload)
        raise
    if data["ok"]:
        store.keep(upload)
    else:
        store.discard(upload)
    return data, 200 if data["ok"] else 400


async def _commit(request: Request, viewer: Viewer, token: str) -> tuple[JSON, int]:
    require_role(viewer, "admin")
    store = uploads_of(request)
    upload = store.take(token, viewer.username)
    try:
        data = await run_in_threadpool(
            commit_upload, workspace_of(request), viewer, settings_of(request), upload
        )
    except BaseException:
        store.keep(upload)
        raise
    if data["ok"]:
        store.discard(upload)
    else:
        store.keep(upload)  # nothing was stored; it may be committed once the cause is fixed
    return data, 200 if data["ok"] else 400


def _error(exc: PeerweaveError) -> JSON:
    return {"ok": False, "detail": str(exc), "problems": [], "problems_total": 0}


class CommitBody(BaseModel):
    token: str = Field(max_length=200, description="the token `POST /api/import/check` gave")


@api.get("/import")
def api_import(request: Request, viewer: ViewerDep) -> JSON:
    """What the import page shows: the kinds and their extensions, the size limit, whether
    you may commit, the last imports (analysts and admins)."""
    return import_page(workspace_of(request), viewer, settings_of(request))


@api.post(
    "/import/check",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["kind", "file"],
                        "properties": {
                            "kind": {"type": "string", "enum": list(KINDS)},
                            "file": {"type": "string", "format": "binary"},
                            "encoding": {"type": "string"},
                            "sheet": {"type": "string"},
                            "tie_kind": {"type": "string"},
                        },
                    }
                }
            },
        }
    },
)
async def api_check(request: Request, viewer: ViewerDep) -> JSONResponse:
    """Upload a file (multipart: ``kind``, ``file`` [, ``encoding``, ``sheet``, ``tie_kind``])
    and check it without storing anything (analysts and admins; the ``X-CSRF-Token`` header).
    The validation report, with the ``token`` to commit it within the hour; 400 and the
    problems when it cannot be imported, 413 over the size limit."""
    try:
        data, status = await _check(request, viewer, api_call=True)
    except UploadRejected as exc:
        return JSONResponse(_error(exc), status_code=_status_of(exc))
    return JSONResponse(data, status_code=status)


@api.post("/import/commit", dependencies=[CsrfHeader])
async def api_commit(request: Request, viewer: ViewerDep, body: CommitBody) -> JSONResponse:
    """Import a checked upload for real, in one transaction (admins): what was stored; 400
    (nothing stored) when it fails, 404 for a token that is unknown, expired or not yours."""
    data, status = await _commit(request, viewer, body.token)
    return JSONResponse(data, status_code=status)


def _show(
    request: Request, viewer: Viewer, report: JSON | None, status: int, error: str = ""
) -> HTMLResponse:
    """The import page, or only its report when htmx asked (``HX-Request``)."""
    if request.headers.get("hx-request") == "true":
        return render(
            request,
            "_import_report.html",
            {"report": report},
            viewer=viewer,
            error=error,
            status_code=status,
        )
    data = import_page(workspace_of(request), viewer, settings_of(request))
    data["report"] = report
    return render(request, "import.html", data, viewer=viewer, error=error, status_code=status)


@pages.get("/import")
def imports_page(request: Request, viewer: ViewerDep) -> HTMLResponse:
    data = import_page(workspace_of(request), viewer, settings_of(request))
    return render(request, "import.html", {**data, "report": None}, viewer=viewer, error="")


@pages.post("/import/check")
async def check_form(request: Request, viewer: ViewerDep) -> Response:
    try:
        data, status = await _check(request, viewer, api_call=False)
    except UploadRejected as exc:
        return _show(request, viewer, None, _status_of(exc), str(exc))
    except CsrfFailed as exc:  # shown in the report's place (htmx swaps it in)
        return _show(request, viewer, None, 403, str(exc))
    return _show(request, viewer, data, status)


@pages.post("/import/commit", dependencies=[CsrfForm])
async def commit_form(
    request: Request, viewer: ViewerDep, token: Annotated[str, Form(max_length=200)]
) -> Response:
    try:
        data, status = await _commit(request, viewer, token)
    except UnknownIdError as exc:
        return _show(request, viewer, None, _status_of(exc), str(exc))
    return _show(request, viewer, data, status)
