"""Holdings under an accepted plan and the drift a periodic review measures from them (issue 14,
SPEC §3 periodic reviews): entered by the advisor, or imported from a custodian CSV with row-by-row
validation and a dry-run preview — nothing is written until the import is confirmed and every
row is valid."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_save
from advisory.money import Currency, to_money
from advisory.rules import can
from advisory.texts import text
from audit.models import AuditAction
from audit.services import audit_log

from ..models import ASSET_CLASSES, Holding, HoldingSource, Proposal, ProposalStatus

__all__ = [
    "CSV_COLUMNS",
    "HoldingRow",
    "ImportPreview",
    "holdings_import",
    "holdings_parse_csv",
    "holdings_record",
    "plan_allocation",
    "plan_latest_holdings",
]

ZERO = Decimal("0")
CSV_COLUMNS = ["as_of", "product_code", "asset_class", "market_value", "currency"]
MAX_ROWS = 2000


def _require_holdings_editor(actor, plan: Proposal) -> None:
    if not can(actor, "planning.record_holdings", plan.client):
        raise NotAllowed(_("Only the client's advisor may record holdings."))
    if plan.status != ProposalStatus.ACCEPTED:
        raise Conflict(_("Holdings are recorded against an accepted plan."))


@dataclass
class HoldingRow:
    line: int
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    as_of: datetime.date | None = None
    product: object | None = None
    asset_class: str = ""
    market_value: Decimal | None = None
    currency: str = ""


@dataclass
class ImportPreview:
    rows: list[HoldingRow]
    errors: list[str] = field(default_factory=list)  # file-level problems
    digest: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows) and all(not r.errors for r in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.errors) + sum(1 for r in self.rows if r.errors)


def _validate_row(row: HoldingRow, *, products: dict, plan: Proposal, on: datetime.date) -> None:
    v = row.values
    try:
        row.as_of = datetime.date.fromisoformat((v.get("as_of") or "").strip())
        if row.as_of > on:
            row.errors.append(_("as_of: the date is in the future."))
    except ValueError:
        row.errors.append(_("as_of: write the date as YYYY-MM-DD."))
    code = (v.get("product_code") or "").strip()
    asset_class = (v.get("asset_class") or "").strip()
    if code:
        row.product = products.get(code)
        if row.product is None:
            row.errors.append(_("product_code: no product with code %(c)s.") % {"c": code})
        else:
            asset_class = asset_class or row.product.asset_class
            if asset_class != row.product.asset_class:
                row.errors.append(
                    _("asset_class: %(c)s is a %(k)s product.") % {"c": code, "k": row.product.asset_class}
                )
    if asset_class not in ASSET_CLASSES:
        row.errors.append(
            _("asset_class: use one of %(l)s.") % {"l": ", ".join(ASSET_CLASSES)}
            if asset_class
            else _("asset_class: give the asset class or a product code.")
        )
    row.asset_class = asset_class
    raw = (v.get("market_value") or "").strip().replace(",", "")
    try:
        value = Decimal(raw)
        if not value.is_finite() or value < 0:
            raise InvalidOperation
        row.market_value = to_money(value)
    except InvalidOperation:
        row.errors.append(_("market_value: write a number of zero or more."))
    currency = (v.get("currency") or plan.currency).strip().upper()
    if currency not in Currency.values:
        row.errors.append(_("currency: unknown currency %(c)s.") % {"c": currency})
    elif currency != plan.currency:
        row.errors.append(_("currency: the plan is in %(p)s.") % {"p": plan.currency})
    row.currency = currency


def holdings_parse_csv(*, plan: Proposal, content: str, on: datetime.date | None = None) -> ImportPreview:
    """Dry run: parse and validate a custodian CSV (columns as_of, product_code, asset_class,
    market_value, currency; product_code or asset_class per row). Writes nothing."""
    from advisory.clock import today
    from risk.models import Product

    on = on or today()
    content = (content or "").lstrip("\ufeff")
    digest = hashlib.sha256(content.encode()).hexdigest()
    reader = csv.DictReader(io.StringIO(content))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = {"as_of", "market_value"} - set(header)
    if not header:
        return ImportPreview(rows=[], errors=[_("The file is empty.")], digest=digest)
    if missing or not ({"product_code", "asset_class"} & set(header)):
        return ImportPreview(
            rows=[],
            errors=[_("The header must name the columns: %(c)s.") % {"c": ", ".join(CSV_COLUMNS)}],
            digest=digest,
        )
    raw_rows = []
    for i, raw in enumerate(reader, start=2):
        if i - 1 > MAX_ROWS:
            return ImportPreview(
                rows=[], errors=[_("At most %(n)s rows per file.") % {"n": MAX_ROWS}], digest=digest
            )
        values = {(k or "").strip(): (val or "") for k, val in raw.items() if k}
        if not any(str(x).strip() for x in values.values()):
            continue
        raw_rows.append(HoldingRow(line=i, values=values))
    codes = {r.values.get("product_code", "").strip() for r in raw_rows} - {""}
    products = {p.code: p for p in Product.objects.filter(code__in=codes)}
    for row in raw_rows:
        _validate_row(row, products=products, plan=plan, on=on)
    errors = [] if raw_rows else [_("The file has no rows.")]
    return ImportPreview(rows=raw_rows, errors=errors, digest=digest)


def holdings_import(*, plan: Proposal, actor, content: str, dry_run: bool = True) -> ImportPreview:
    """Import a custodian statement. With dry_run (the default) only the preview is returned; a
    confirmed import writes every row in one transaction, and only if every row is valid."""
    _require_holdings_editor(actor, plan)
    preview = holdings_parse_csv(plan=plan, content=content)
    if dry_run:
        return preview
    if not preview.ok:
        raise DomainError(
            _("The file has %(n)s error(s); correct them and preview again. Nothing was imported.")
            % {"n": preview.error_count},
            field="file",
        )
    with transaction.atomic():
        for row in preview.rows:
            audited_save(
                Holding(
                    plan=plan,
                    client_id=plan.client_id,
                    as_of=row.as_of,
                    product=row.product,
                    asset_class=row.asset_class,
                    market_value=row.market_value,
                    currency=row.currency,
                    source=HoldingSource.IMPORT,
                    import_reference=preview.digest[:16],
                    recorded_by=actor,
                ),
                actor=actor,
                reason="Holding imported from custodian file",
            )
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            obj=plan,
            reason=text("audit.custodian_holdings_imported_rows_rows", rows=len(preview.rows)),
            changes={"sha256": preview.digest, "rows": len(preview.rows)},
        )
    return preview


def holdings_record(
    *, plan: Proposal, actor, as_of: datetime.date, values: dict[str, Decimal]
) -> list[Holding]:
    """Enter the plan's holdings by asset class on a date (the advisor's screen)."""
    _require_holdings_editor(actor, plan)
    errors: dict[str, list[str]] = {}
    from advisory.clock import today

    if as_of is None or as_of > today():
        errors["as_of"] = [_("Give a date that is not in the future.")]
    for code, value in values.items():
        if code not in ASSET_CLASSES:
            errors.setdefault("values", []).append(_("Unknown asset class %(c)s.") % {"c": code})
        elif value is None or Decimal(value) < 0:
            errors[code] = [_("Values cannot be negative.")]
    if not any(Decimal(v or 0) > 0 for v in values.values()):
        errors.setdefault("values", []).append(_("Enter at least one value above zero."))
    if errors:
        raise DomainError(_("Correct the holdings."), fields=errors)
    made = []
    with transaction.atomic():
        for code, value in values.items():
            if not value:
                continue
            made.append(
                audited_save(
                    Holding(
                        plan=plan,
                        client_id=plan.client_id,
                        as_of=as_of,
                        asset_class=code,
                        market_value=to_money(Decimal(value)),
                        currency=plan.currency,
                        source=HoldingSource.MANUAL,
                        recorded_by=actor,
                    ),
                    actor=actor,
                    reason="Holding entered",
                )
            )
    return made


def plan_latest_holdings(*, plan: Proposal) -> tuple[datetime.date | None, dict[str, Decimal]]:
    """The plan's holdings on their latest date, summed by asset class (one query)."""
    rows = list(
        Holding.objects.filter(plan=plan).order_by("-as_of").values("as_of", "asset_class", "market_value")
    )
    if not rows:
        return None, {}
    latest = rows[0]["as_of"]
    values = dict.fromkeys(ASSET_CLASSES, ZERO)
    for r in rows:
        if r["as_of"] == latest:
            values[r["asset_class"]] += r["market_value"]
    return latest, values


def plan_allocation(*, plan: Proposal) -> dict[str, Decimal]:
    """The accepted plan's own target weights by asset class, from its lines (issue 14: drift is
    measured against what the client accepted, not against the original amounts)."""
    amounts = dict.fromkeys(ASSET_CLASSES, ZERO)
    for line in plan.lines.select_related("product"):
        amounts[line.product.asset_class] += line.amount
    total = sum(amounts.values(), ZERO)
    return {
        code: (amount / total).quantize(Decimal("0.0001")) if total else ZERO
        for code, amount in amounts.items()
    }
