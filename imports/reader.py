"""Reading an uploaded table: CSV (UTF-8 with or without BOM, or GB18030 as legacy Chinese systems
export it) or Excel .xlsx (openpyxl, first sheet, read-only streaming). Every cell comes back as
text; dates become YYYY-MM-DD and whole numbers lose Excel's ".0"."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal


class Unreadable(Exception):
    pass


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (line number as the reader sees it, cells)


def detect_format(name: str) -> str:
    lower = (name or "").lower()
    if lower.endswith(".xlsx"):
        return "xlsx"
    if lower.endswith(".csv") or lower.endswith(".txt"):
        return "csv"
    return ""


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time(0) else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value).strip()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Unreadable("encoding")


def read_csv(data: bytes) -> Table:
    text = _decode(data)
    # The delimiter is the one the header line uses most (column names never contain one);
    # guessing from the data rows could be misled by an address with semicolons.
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return Table(header=[], rows=iter(()))
    except csv.Error as exc:
        raise Unreadable(str(exc)) from exc

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for cells in reader:
                yield reader.line_num, [c.strip() for c in cells]
        except csv.Error as exc:
            raise Unreadable(str(exc)) from exc

    return Table(header=[h.strip().lower() for h in header], rows=rows())


MAX_XLSX_UNPACKED = 1024 * 1024 * 1024  # an .xlsx is a zip: refuse one that unpacks beyond 1 GiB


def _refuse_zip_bomb(data: bytes) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise Unreadable(str(exc)) from exc
    if unpacked > MAX_XLSX_UNPACKED or unpacked > 200 * max(len(data), 1):
        raise Unreadable("the workbook unpacks to an implausible size")


def read_xlsx(data: bytes) -> Table:
    """openpyxl parses the XML with defusedxml when it is installed (it is a dependency here)."""
    from openpyxl import load_workbook

    _refuse_zip_bomb(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        header_cells = next(values, None)
    except Exception as exc:  # openpyxl raises many kinds on a damaged or foreign file
        raise Unreadable(str(exc)) from exc
    if header_cells is None:
        book.close()
        return Table(header=[], rows=iter(()))
    header = [_cell(h).lower() for h in header_cells]
    while header and not header[-1]:
        header.pop()

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for line, cells in enumerate(values, start=2):
                yield line, [_cell(c) for c in cells[: len(header)]]
        except Exception as exc:
            raise Unreadable(str(exc)) from exc
        finally:
            book.close()

    return Table(header=header, rows=rows())


def read_table(data: bytes, file_format: str) -> Table:
    if file_format == "xlsx":
        return read_xlsx(data)
    return read_csv(data)
