"""Read a table file (CSV, TSV, XLSX, Parquet, JSON Lines) into text columns with row numbers.

Every reader starts here, so encodings, delimiters, sheets and empty files are handled
once and their errors read the same everywhere.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pandas as pd

from peerweave.errors import FileFormatError, InputError, MissingColumnError, Problem
from peerweave.org.schema import ROW

__all__ = [
    "TableFile",
    "file_headers",
    "header_key",
    "in_file_terms",
    "parse_mapping",
    "read_table",
    "rename_columns",
    "require_columns",
]

_DELIMITERS = ",;\t|"
_EXCEL = {".xlsx", ".xlsm"}
_SNIFF_BYTES = 64 * 1024


class TableFile:
    """A table read from a file: its frame (text cells, ``_row`` column), source and notes.

    >>> t = TableFile(pd.DataFrame({"a": ["1"], ROW: [2]}), "x.csv")
    >>> t.source, len(t.frame), t.notes
    ('x.csv', 1, [])
    """

    def __init__(self, frame: pd.DataFrame, source: str, notes: list[Problem] | None = None):
        self.frame = frame
        self.source = source
        self.notes: list[Problem] = notes or []


def header_key(name: object) -> str:
    """Normalise a header for matching: lower case, non-alphanumerics folded to ``_``.

    >>> header_key("  Employee ID# ")
    'employee_id'
    >>> header_key("Email - Primary Work")
    'email_primary_work'
    """
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def parse_mapping(pairs: Iterable[str] | None, *, source: str = "--map") -> dict[str, str]:
    """Parse ``"Header in file=canonical"`` pairs into a mapping.

    >>> parse_mapping(["Full Name=name", "Boss = manager_id"])
    {'Full Name': 'name', 'Boss': 'manager_id'}
    >>> parse_mapping(["oops"])
    Traceback (most recent call last):
    ...
    peerweave.errors.InputError: --map: 'oops' is not HEADER=column (fix: write it as --map "Full Name=name")
    """
    out: dict[str, str] = {}
    for pair in pairs or ():
        if "=" not in pair:
            raise InputError(
                source,
                Problem(f"{pair!r} is not HEADER=column", fix='write it as --map "Full Name=name"'),
            )
        header, _, column = pair.rpartition("=")
        out[header.strip()] = column.strip()
    return out


def _decode(raw: bytes, source: str, encoding: str | None) -> tuple[str, list[Problem]]:
    if encoding:
        try:
            return raw.decode(encoding).removeprefix("\ufeff"), []
        except UnicodeDecodeError as exc:
            raise FileFormatError(
                source,
                Problem(
                    f"cannot be read as {encoding}: {exc.reason} at byte {exc.start}",
                    row=raw[: exc.start].count(b"\n") + 1,
                    fix="pass the file's real encoding with --encoding, or leave --encoding out",
                ),
            ) from None
        except LookupError:
            raise FileFormatError(
                source,
                Problem(f"{encoding!r} is not an encoding", fix="use one such as utf-8 or latin-1"),
            ) from None
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        note = Problem(
            "the file is not UTF-8; it was read as Windows-1252/Latin-1",
            row=line,
            fix="check accented names, or save the file as UTF-8 (or pass --encoding)",
        )
        return raw.decode("cp1252", errors="replace"), [note]


def _sniff(text: str) -> str:
    sample = text[:_SNIFF_BYTES]
    header = sample.splitlines()[0] if sample else ""
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        return ","
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return best
    return sniffed if counts.get(sniffed, 0) > 0 else best


def _read_csv(path: Path, source: str, encoding: str | None) -> TableFile:
    raw = path.read_bytes()
    text, notes = _decode(raw, source, encoding)
    if not text.strip():  # also a file holding only a byte-order mark
        raise FileFormatError(source, Problem("the file is empty", fix="export the table again"))
    delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff(text)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
            skipinitialspace=True,
        )
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+)", str(exc))
        row = int(match.group(1)) if match else None
        raise FileFormatError(
            source,
            Problem(
                f"a row has more fields than the header ({exc})",
                row=row,
                fix="quote values that contain the delimiter, or fix the row",
            ),
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    # pandas skips blank lines, so count the rows from the text to keep spreadsheet numbers.
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if line.strip()]
    frame[ROW] = lines[1 : len(frame) + 1] if len(lines) > len(frame) else range(2, len(frame) + 2)
    return TableFile(frame, source, notes)


def _read_excel(path: Path, source: str, sheet: str | None) -> TableFile:
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise FileFormatError(
            source,
            Problem(f"is not a readable XLSX workbook ({exc})", fix="save it again as .xlsx"),
        ) from None
    if sheet is not None:
        if sheet not in sheets:
            raise FileFormatError(
                source,
                Problem(
                    f"has no sheet {sheet!r}; it has {', '.join(map(repr, sheets))}",
                    fix="name one of those with --sheet",
                ),
            )
        frame = sheets[sheet]
    else:
        filled = {name: f for name, f in sheets.items() if not f.dropna(how="all").empty}
        if len(filled) > 1:
            raise FileFormatError(
                source,
                Problem(
                    f"has {len(filled)} sheets with data ({', '.join(map(repr, filled))})",
                    fix="choose one with --sheet NAME",
                ),
            )
        if not filled:
            raise FileFormatError(source, Problem("the workbook is empty", fix="add a header row"))
        frame = next(iter(filled.values()))
    frame = frame.dropna(how="all")
    frame.columns = [str(c).strip() for c in frame.columns]
    rows = frame.index.to_numpy() + 2
    frame = frame.reset_index(drop=True).astype(object).where(frame.notna().to_numpy(), "")
    frame[ROW] = rows
    return TableFile(frame, source)


def _read_columnar(path: Path, source: str) -> TableFile:
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_json(path, lines=True, dtype=False)
    except Exception as exc:  # pyarrow / json raise many types for a broken file
        raise FileFormatError(
            source, Problem(f"cannot be read as {path.suffix} ({exc})", fix="export it again")
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    # No header line in Parquet or JSON Lines: the first record is row 1.
    frame[ROW] = range(1, len(frame) + 1)
    return TableFile(frame, source)


def read_table(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    allow_empty: bool = False,
) -> TableFile:
    """Read CSV/TSV (any of , ; tab |), XLSX, Parquet or JSON Lines into text columns.

    CSV cells stay text (empty cells are ``""``); the ``_row`` column holds the row a
    person sees in a spreadsheet (header = 1). UTF-8 with or without BOM is read as is;
    a file that is not UTF-8 is read as Windows-1252 with a note.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "people.csv"
    >>> _ = p.write_text("person_id;name\\nP1;Zoë\\n\\nP2;Ann\\n", encoding="utf-8-sig")
    >>> t = read_table(p)
    >>> t.frame.to_dict("records")
    [{'person_id': 'P1', 'name': 'Zoë', '_row': 2}, {'person_id': 'P2', 'name': 'Ann', '_row': 4}]
    """
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise FileFormatError(source, Problem("no such file", fix="check the path"))
    if path.is_dir():
        raise FileFormatError(source, Problem("is a folder, not a file", fix="name a file"))
    suffix = path.suffix.lower()
    if suffix in _EXCEL:
        table = _read_excel(path, source, sheet)
    elif suffix in {".parquet", ".jsonl", ".ndjson"}:
        table = _read_columnar(path, source)
    elif suffix == ".xls":
        raise FileFormatError(
            source, Problem("old .xls workbooks are not read", fix="save it as .xlsx or .csv")
        )
    else:
        table = _read_csv(path, source, encoding)
    if table.frame.empty and not allow_empty:
        raise FileFormatError(
            source, Problem("has a header but no data rows", fix="export the table with its rows")
        )
    return table


def rename_columns(
    table: TableFile,
    *,
    canonical: Iterable[str],
    aliases: Mapping[str, str] | None = None,
    mapping: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Rename a table's headers to canonical names: ``mapping`` first, then exact, then aliases.

    ``aliases`` map :func:`header_key` forms of common spellings to canonical names.
    Columns that match nothing are kept under their own names.

    >>> t = TableFile(pd.DataFrame({"Employee ID": ["1"], "Boss": ["2"], ROW: [2]}), "x.csv")
    >>> list(rename_columns(t, canonical=["person_id", "manager_id"],
    ...      aliases={"employee_id": "person_id"}, mapping={"Boss": "manager_id"}).columns)
    ['person_id', 'manager_id', '_row']
    """
    canonical = list(canonical)
    wanted = set(canonical)
    mapping = dict(mapping or {})
    aliases = dict(aliases or {})
    for header, column in mapping.items():
        if column not in wanted:
            raise MissingColumnError(
                table.source,
                Problem(
                    f"--map names column {column!r}, which peerweave does not know",
                    column=header,
                    fix=f"map to one of {', '.join(canonical)}",
                ),
            )
        if header not in table.frame.columns:
            raise MissingColumnError(
                table.source,
                Problem(
                    f"--map names header {header!r}, which the file does not have "
                    f"(it has {', '.join(repr(c) for c in table.frame.columns if c != ROW)})",
                    column=header,
                    fix="copy the header exactly as it is in the file",
                ),
            )
    renames: dict[str, str] = {}
    taken: dict[str, str] = {}
    for col in table.frame.columns:
        if col == ROW:
            continue
        key = header_key(col)
        target = mapping.get(col) or (key if key in wanted else aliases.get(key))
        if target is None:
            continue
        if target in taken:
            raise MissingColumnError(
                table.source,
                Problem(
                    f"both {taken[target]!r} and {col!r} would be read as {target}",
                    column=col,
                    fix=f'choose one with --map "{taken[target]}={target}"',
                ),
            )
        taken[target] = col
        renames[col] = target
    return table.frame.rename(columns=renames)


def file_headers(table: TableFile, renamed: pd.DataFrame) -> dict[str, str]:
    """Map canonical column names back to the headers the file spells them with.

    >>> t = TableFile(pd.DataFrame({"Hire Date": ["x"], ROW: [2]}), "x.csv")
    >>> file_headers(t, t.frame.rename(columns={"Hire Date": "hire_date"}))
    {'hire_date': 'Hire Date'}
    """
    return {
        str(new): str(old)
        for new, old in zip(renamed.columns, table.frame.columns, strict=True)
        if new != old
    }


@contextmanager
def in_file_terms(headers: Mapping[str, str]) -> Iterator[None]:
    """Re-raise an :class:`InputError` with its columns named as the file's headers.

    >>> with in_file_terms({"hire_date": "Hire Date"}):
    ...     raise InputError("hr.csv", Problem("bad date", row=2, column="hire_date"))
    Traceback (most recent call last):
    ...
    peerweave.errors.InputError: hr.csv: 1 problem
      row 2, column Hire Date: bad date
    """
    try:
        yield
    except InputError as err:
        if not any(p.column in headers for p in err.problems):
            raise
        problems = [
            replace(p, column=headers.get(p.column, p.column)) if p.column else p
            for p in err.problems
        ]
        raise type(err)(err.source, problems, total=err.total) from None


def require_columns(
    frame: pd.DataFrame, required: Iterable[str], *, source: str, hint: str = ""
) -> None:
    """Raise :class:`MissingColumnError` naming every required column the frame lacks.

    >>> require_columns(pd.DataFrame({"a": []}), ["a", "b"], source="t.csv")
    Traceback (most recent call last):
    ...
    peerweave.errors.MissingColumnError: t.csv: 1 problem
      column b: the header has no column b (it has 'a') (fix: add the column, or map one with --map "Header=b")
    """
    present = [c for c in frame.columns if c != ROW]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        listed = ", ".join(repr(c) for c in present)
        if len(present) == 1 and any(d in str(present[0]) for d in _DELIMITERS):
            hint = hint or "the header looks like one column; is the delimiter , ; tab or |?"
        raise MissingColumnError(
            source,
            [
                Problem(
                    f"the header has no column {c} (it has {listed})"
                    + (f"; {hint}" if hint else ""),
                    column=c,
                    fix=f'add the column, or map one with --map "Header={c}"',
                )
                for c in missing
            ],
        )
