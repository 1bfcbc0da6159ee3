"""Building import files for the tests: valid PRC resident numbers (python-stdnum's check digit),
CSV and .xlsx."""

from __future__ import annotations

import csv
import io

from stdnum.cn import ric

CLIENT_HEADER = [
    "name",
    "advisor_email",
    "id_document_type",
    "id_number",
    "email",
    "phone",
    "monthly_income",
    "relationship_started_on",
]


def prc_id(n: int, birth: str = "19800101") -> str:
    body = f"110105{birth}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # the digit passed last is a placeholder


def bad_check_digit(number: str) -> str:
    last = number[-1]
    return number[:-1] + ("0" if last != "0" else "1")


def client_row(n: int, advisor_email: str, **over) -> dict:
    row = {
        "name": f"客户{n}",
        "advisor_email": advisor_email,
        "id_document_type": "prc_id",
        "id_number": prc_id(n),
        "email": f"c{n}@example.test",
        "phone": "13800000000",
        "monthly_income": "20000",
        "relationship_started_on": "2020-01-01",
    }
    row.update(over)
    return row


def to_csv(rows: list[dict], header: list[str] | None = None) -> bytes:
    header = header or list(rows[0])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode()


def to_xlsx(rows: list[dict], header: list[str] | None = None) -> bytes:
    from openpyxl import Workbook

    header = header or list(rows[0])
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(h, "") for h in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
