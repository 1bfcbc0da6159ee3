"""What each kind of import reads and writes (docs/imports.md lists the columns).

For each kind: the columns (documented English names, the same in every language: a legacy
export is configured once, and the upload screen explains each column in the reader's
language), a validator that fills every row's errors (all look-ups batched: a fixed number of
queries per 5,000 rows) and a writer that creates the records in chunks through the audited bulk
path — one history row and one chained audit entry per record, encrypted fields encrypted, the
identity lookup hash computed — exactly what the one-by-one services write.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from advisory.texts import Text
from advisory.texts import text as stored_text  # `text` here reads a text cell

from .errors import error

LOOKUP_CHUNK = 5000


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    help: Any  # lazy text
    example: str = ""


@dataclass
class Row:
    line: int
    values: dict[str, str]
    errors: list[dict] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def add(self, code: str, column: str = "", **params: Any) -> None:
        self.errors.append(error(code, column, **params))


@dataclass
class Context:
    actor: Any
    today: datetime.date
    batch: Any = None


def _chunks(items: list, size: int = LOOKUP_CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# -- cells ---------------------------------------------------------------------------------------
def text(row: Row, col: str, *, required: bool = False, limit: int = 200, plain: bool = False) -> str:
    value = (row.values.get(col) or "").strip()
    if not value:
        if required:
            row.add("required", col)
        return ""
    if len(value) > limit:
        row.add("too_long", col, limit=limit)
        return value[:limit]
    if plain:
        from advisory.validators import validate_plain_text_name

        try:
            validate_plain_text_name(value)
        except ValidationError:
            row.add("text", col)
    return value


def choice(row: Row, col: str, choices: Iterable[str], *, default: str = "", required: bool = False) -> str:
    allowed = list(choices)
    value = (row.values.get(col) or "").strip()
    if not value:
        if required:
            row.add("required", col)
        return default
    if value not in allowed:
        lowered = {a.lower(): a for a in allowed}
        if value.lower() in lowered:
            return lowered[value.lower()]
        row.add("choice", col, value=value[:40], choices=", ".join(allowed))
        return default
    return value


def date(row: Row, col: str, *, today: datetime.date, required: bool = False) -> datetime.date | None:
    value = (row.values.get(col) or "").strip()
    if not value:
        if required:
            row.add("required", col)
        return None
    try:
        parsed = datetime.date.fromisoformat(value.replace("/", "-")[:10])
    except ValueError:
        row.add("date", col, value=value[:40])
        return None
    if parsed > today:
        row.add("future_date", col, value=parsed.isoformat())
        return None
    return parsed


def amount(row: Row, col: str, *, required: bool = False) -> Decimal | None:
    raw = (row.values.get(col) or "").strip().replace(",", "").replace("，", "")
    if not raw:
        if required:
            row.add("required", col)
        return None
    try:
        value = Decimal(raw)
        if not value.is_finite() or value < 0 or value >= Decimal("1e14"):
            raise InvalidOperation
    except InvalidOperation:
        row.add("amount", col, value=raw[:40])
        return None
    return value.quantize(Decimal("0.01"))


def integer(row: Row, col: str, *, default: int = 0, limit: int = 32767) -> int:
    raw = (row.values.get(col) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) > limit:
        row.add("integer", col, value=raw[:40])
        return default
    return int(raw)


def boolean(row: Row, col: str, *, default: bool = True) -> bool:
    raw = (row.values.get(col) or "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "y", "是"}:
        return True
    if raw in {"0", "false", "no", "n", "否"}:
        return False
    row.add("choice", col, value=raw[:40], choices="true, false")
    return default


def email(row: Row, col: str) -> str | None:
    value = (row.values.get(col) or "").strip().lower()
    if not value:
        return None
    try:
        validate_email(value)
    except ValidationError:
        row.add("email", col, value=value[:60])
        return None
    return value


# -- identity -------------------------------------------------------------------------------------
def identity(row: Row, type_col: str, number_col: str, country_col: str = "") -> tuple[str, str, str] | None:
    """Validate a document type and number with the same validators as the client form
    (python-stdnum for PRC resident numbers); returns (type, canonical number, hash)."""
    from advisory.errors import DomainError
    from clients.identity import identity_hash, validate_identity
    from clients.masking import mask_identity
    from clients.models import IdDocumentType

    doc_type = choice(row, type_col, IdDocumentType.values, default=IdDocumentType.PRC_ID)
    number = (row.values.get(number_col) or "").strip()
    if not number:
        row.add("required", number_col)
        return None
    if any(e["column"] == type_col for e in row.errors):
        return None
    country = (row.values.get(country_col) or "").strip().upper() if country_col else ""
    try:
        canonical = validate_identity(doc_type, number, country)
    except DomainError:
        code = "invalid_id" if doc_type == IdDocumentType.PRC_ID else "invalid_id_format"
        row.add(code, number_col, value=mask_identity(number), document=doc_type)
        return None
    return doc_type, canonical, identity_hash(doc_type, canonical)


def _client_keys(rows: list[Row]) -> None:
    """Rows that name an existing client (related parties, holdings): by client_file_number, or by
    client_id_type + client_id_number. Sets row.data["client_id"] (one query per 5,000 keys)."""
    from clients.models import Client

    by_number: dict[str, list[Row]] = {}
    by_hash: dict[str, list[Row]] = {}
    for row in rows:
        file_number = (row.values.get("client_file_number") or "").strip().upper()
        if file_number:
            by_number.setdefault(file_number, []).append(row)
            continue
        if not (row.values.get("client_id_number") or "").strip():
            row.add("client_key")
            continue
        found = identity(row, "client_id_type", "client_id_number")
        if found:
            by_hash.setdefault(found[2], []).append(row)
    for keys in _chunks(list(by_number)):
        for pk, number in Client.objects.filter(file_number__in=keys).values_list("pk", "file_number"):
            for row in by_number.pop(number, []):
                row.data["client_id"], row.data["client_file"] = pk, number
    for number, missing in by_number.items():
        for row in missing:
            row.add("unknown_client", "client_file_number", value=number[:40])
    for keys in _chunks(list(by_hash)):
        for pk, number, digest in Client.objects.filter(id_number_hash__in=keys).values_list(
            "pk", "file_number", "id_number_hash"
        ):
            for row in by_hash.pop(digest, []):
                row.data["client_id"], row.data["client_file"] = pk, number
    from clients.masking import mask_identity

    for missing in by_hash.values():
        for row in missing:
            number = (row.values.get("client_id_number") or "").strip()
            row.add("unknown_client", "client_id_number", value=mask_identity(number))


# -- audited bulk write ------------------------------------------------------------------------------
def write_audited(objs: list, *, actor: Any, reason: Text) -> list:
    """Create the records with one history row and one chained audit entry each (audit.bulk), the
    entry listing only the fields the import filled (encrypted ones masked by the audit service)."""
    from simple_history.utils import bulk_create_with_history

    from audit.managers import allow_bulk_writes
    from audit.models import AuditAction
    from audit.services import audit_bulk_rows

    if not objs:
        return []
    model = type(objs[0])
    with allow_bulk_writes():
        created = bulk_create_with_history(
            objs, model, batch_size=1000, default_user=actor, default_change_reason=reason
        )
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    changes_for = {}
    for obj in created:
        changes = {}
        for f in fields:
            value = getattr(obj, f.attname, None)
            if value not in (None, "", [], {}):
                changes[f.attname] = [None, value]
        changes_for[obj.pk] = changes
    audit_bulk_rows(
        objs=created, actor=actor, action=AuditAction.CREATE, reason=reason, changes_for=changes_for
    )
    return created


# -- kinds -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KindSpec:
    columns: list[Column]
    validate: Callable[[list[Row], Context], None]
    write: Callable[[list[Row], Context], dict[str, int]]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


CLIENT_KEY_COLUMNS = [
    Column(
        "client_file_number",
        False,
        _("The client's file number here (CL-…), or use the two columns below."),
        "",
    ),
    Column(
        "client_id_type",
        False,
        _("Identity document type of the client: prc_id, hk_id, tw_id, passport, uscc."),
        "prc_id",
    ),
    Column(
        "client_id_number",
        False,
        _("The client's identity number, as on the client file."),
        "11010519491231002X",
    ),
]

CLIENT_COLUMNS = [
    Column("name", True, _("Full name (or the institution's name)."), "王小明"),
    Column("kind", False, _("individual or institution (default individual)."), "individual"),
    Column(
        "advisor_email",
        True,
        _("Email of the responsible advisor; must be an active advisor here."),
        "advisor@demo.advisory",
    ),
    Column("id_document_type", True, _("prc_id, hk_id, tw_id, passport or uscc."), "prc_id"),
    Column(
        "id_number",
        True,
        _("Identity number; checked like the client form (check digit, date of birth)."),
        "11010519491231002X",
    ),
    Column("id_issuing_country", False, _("Two-letter country code, for passports."), ""),
    Column("email", False, _("Email address (stored encrypted)."), "wang@example.com"),
    Column("phone", False, _("Phone (stored encrypted)."), "13800000000"),
    Column("address", False, _("Postal address (stored encrypted)."), "北京市朝阳区建国路1号"),
    Column("preferred_language", False, _("zh-hans, zh-hant or en (default zh-hans)."), "zh-hans"),
    Column("contact_person", False, _("Contact person, for institutions."), ""),
    Column("bank_name", False, _("Bank."), ""),
    Column("bank_account_number", False, _("Bank account (stored encrypted)."), ""),
    Column(
        "relationship_started_on",
        False,
        _("Date the relationship began in the legacy system (YYYY-MM-DD)."),
        "2019-03-01",
    ),
    Column("currency", False, _("Currency of the amounts (default the firm's)."), "CNY"),
    Column("monthly_income", False, _("Monthly income."), "30000"),
    Column("monthly_expenses", False, _("Monthly expenses."), "12000"),
    Column("liquid_reserves", False, _("Liquid reserves."), "200000"),
    Column("income_stability", False, _("stable, variable or irregular."), "stable"),
    Column("investment_years", False, _("Years of investing experience."), "6"),
    Column("large_fund_movement_amount", False, _("Largest single fund movement expected."), "0"),
]


def _validate_clients(rows: list[Row], ctx: Context) -> None:
    from advisory.models import User
    from advisory.money import Currency
    from advisory.roles import Role
    from clients.models import Client, ClientKind, IncomeStability

    emails = {(r.values.get("advisor_email") or "").strip().lower() for r in rows} - {""}
    advisors = {
        e.lower(): pk
        for pk, e in User.objects.filter(role=Role.ADVISOR, is_active=True, email__in=emails).values_list(
            "pk", "email"
        )
    }
    # Case-insensitive match of stored emails that differ in case
    if len(advisors) < len(emails):
        for pk, e in User.objects.filter(role=Role.ADVISOR, is_active=True).values_list("pk", "email"):
            advisors.setdefault(e.lower(), pk)
    seen: dict[str, int] = {}
    for row in rows:
        d = row.data
        d["name"] = text(row, "name", required=True, plain=True)
        d["kind"] = choice(row, "kind", ClientKind.values, default=ClientKind.INDIVIDUAL)
        advisor_email = (row.values.get("advisor_email") or "").strip().lower()
        if not advisor_email:
            row.add("required", "advisor_email")
        elif advisor_email not in advisors:
            row.add("unknown_advisor", "advisor_email", value=advisor_email[:60])
        else:
            d["advisor_id"] = advisors[advisor_email]
        found = identity(row, "id_document_type", "id_number", "id_issuing_country")
        if found:
            d["id_document_type"], d["id_number"], d["id_number_hash"] = found
            d["id_issuing_country"] = (row.values.get("id_issuing_country") or "").strip().upper()[:2]
            if found[2] in seen:
                row.add("duplicate_id_in_file", "id_number", line=seen[found[2]])
            else:
                seen[found[2]] = row.line
        d["email"] = email(row, "email")
        d["phone"] = text(row, "phone", limit=40) or None
        d["address"] = text(row, "address", limit=500) or None
        d["preferred_language"] = choice(
            row, "preferred_language", ["zh-hans", "zh-hant", "en"], default="zh-hans"
        )
        d["contact_person"] = text(row, "contact_person", plain=True)
        d["bank_name"] = text(row, "bank_name", limit=120)
        d["bank_account_number"] = text(row, "bank_account_number", limit=40) or None
        d["relationship_started_on"] = date(row, "relationship_started_on", today=ctx.today)
        d["currency"] = choice(row, "currency", Currency.values, default="")
        for col in ("monthly_income", "monthly_expenses", "liquid_reserves"):
            d[col] = amount(row, col)
        d["large_fund_movement_amount"] = amount(row, "large_fund_movement_amount") or Decimal("0")
        d["income_stability"] = choice(row, "income_stability", IncomeStability.values)
        d["investment_years"] = integer(row, "investment_years", limit=100)
    # Already on file (one query per 5,000 numbers): the same rule as the client form.
    by_hash = {r.data["id_number_hash"]: r for r in rows if r.data.get("id_number_hash")}
    for keys in _chunks(list(by_hash)):
        for digest, number in Client.objects.filter(id_number_hash__in=keys).values_list(
            "id_number_hash", "file_number"
        ):
            by_hash[digest].add("duplicate_id_on_file", "id_number", file=number)
    _refuse_restricted_advisors(rows)


def _refuse_restricted_advisors(rows: list[Row]) -> None:
    """A suspended advisor takes on no clients (seed 001 §六), imported or not."""
    from advisory.models import User
    from advisory.staff.models import RestrictedAction
    from advisory.staff.rules import restriction_refusal

    ids = {r.data["advisor_id"] for r in rows if r.data.get("advisor_id")}
    refused = {
        u.pk: u.email
        for u in User.objects.filter(pk__in=ids)
        if restriction_refusal(u, RestrictedAction.TAKE_CLIENTS)
    }
    for row in rows:
        if row.data.get("advisor_id") in refused:
            row.add("advisor_restricted", "advisor_email", value=refused[row.data["advisor_id"]])


FINANCIAL = ("monthly_income", "monthly_expenses", "liquid_reserves", "income_stability", "investment_years")


def _write_clients(rows: list[Row], ctx: Context) -> dict[str, int]:
    from advisory.clock import now
    from advisory.money import default_currency
    from advisory.numbering import next_number_block
    from clients.identity import email_hash
    from clients.models import Client, ClientStatus
    from clients.services import client_classify

    stamp = now()
    numbers = next_number_block(prefix="CL", year=stamp.year, count=len(rows))
    objs = []
    for row, number in zip(rows, numbers, strict=True):
        d = row.data
        client = Client(
            file_number=number,
            status=ClientStatus.PROSPECT,
            kind=d["kind"],
            name=d["name"],
            advisor_id=d["advisor_id"],
            email=d["email"],
            email_hash=email_hash(d["email"]),
            preferred_language=d["preferred_language"],
            relationship_started_on=d["relationship_started_on"],
            id_document_type=d["id_document_type"],
            id_issuing_country=d["id_issuing_country"],
            id_number=d["id_number"],
            id_number_hash=d["id_number_hash"],
            phone=d["phone"],
            address=d["address"],
            contact_person=d["contact_person"],
            bank_name=d["bank_name"],
            bank_account_number=d["bank_account_number"],
            currency=d["currency"] or default_currency(),
            monthly_income=d["monthly_income"],
            monthly_expenses=d["monthly_expenses"],
            liquid_reserves=d["liquid_reserves"],
            income_stability=d["income_stability"],
            investment_years=d["investment_years"],
            large_fund_movement_amount=d["large_fund_movement_amount"],
            created_at=stamp,
            updated_at=stamp,
        )
        if any(d.get(k) not in (None, "", 0) for k in FINANCIAL):
            client.financial_status_updated_at = stamp
        client_classify(client=client)
        objs.append(client)
    write_audited(objs, actor=ctx.actor, reason=_reason(ctx))
    return {"clients.client": len(objs)}


def _reason(ctx: Context) -> Text:
    if ctx.batch:
        return stored_text("audit.imported_from_the_legacy_system_in_batch", number=ctx.batch.number)
    return stored_text("audit.imported")


# -- related parties -------------------------------------------------------------------------------
RELATED_PARTY_COLUMNS = [
    *CLIENT_KEY_COLUMNS,
    Column(
        "relationship",
        True,
        _("spouse, child, parent, beneficial_owner, signatory, guardian or other."),
        "spouse",
    ),
    Column("name", True, _("Name of the related person."), "李华"),
    Column(
        "related_client_file_number", False, _("File number here, if the related person is a client too."), ""
    ),
    Column("notes", False, _("Notes (up to 300 characters)."), ""),
]


def _validate_related_parties(rows: list[Row], ctx: Context) -> None:
    from clients.models import Client, RelationshipKind

    _client_keys(rows)
    related = {(r.values.get("related_client_file_number") or "").strip().upper() for r in rows} - {""}
    found = (
        dict(Client.objects.filter(file_number__in=related).values_list("file_number", "pk"))
        if related
        else {}
    )
    for row in rows:
        d = row.data
        d["relationship"] = choice(row, "relationship", RelationshipKind.values, required=True)
        d["name"] = text(row, "name", required=True, plain=True)
        d["notes"] = text(row, "notes", limit=300)
        other = (row.values.get("related_client_file_number") or "").strip().upper()
        d["related_client_id"] = None
        if other:
            if other not in found:
                row.add("unknown_client", "related_client_file_number", value=other[:40])
            elif found[other] == d.get("client_id"):
                row.add("self_related", "related_client_file_number")
            else:
                d["related_client_id"] = found[other]


def _write_related_parties(rows: list[Row], ctx: Context) -> dict[str, int]:
    from advisory.clock import now
    from clients.models import RelatedParty

    stamp = now()
    objs = [
        RelatedParty(
            client_id=r.data["client_id"],
            relationship=r.data["relationship"],
            name=r.data["name"],
            related_client_id=r.data["related_client_id"],
            notes=r.data["notes"],
            created_at=stamp,
            updated_at=stamp,
        )
        for r in rows
    ]
    write_audited(objs, actor=ctx.actor, reason=_reason(ctx))
    return {"clients.relatedparty": len(objs)}


# -- products with ratings -------------------------------------------------------------------------
PRODUCT_COLUMNS = [
    Column("code", True, _("Product code, unique."), "FND-LEG-001"),
    Column("name", True, _("Product name."), "稳健债券基金"),
    Column("kind", True, _("Type: deposit, bond fund, equity fund, …"), "bond fund"),
    Column("asset_class", True, _("cash, bonds, equities, real_estate or alternatives."), "bonds"),
    Column("risk_rating", True, _("The legacy system's rating, R1 to R5."), "R2"),
    Column(
        "rating_rationale",
        True,
        _("Why the product has this rating (from the legacy file)."),
        "Investment-grade bonds, low volatility",
    ),
    Column(
        "rating_factors",
        True,
        _("Factors considered, separated by semicolons."),
        "volatility; credit; liquidity",
    ),
    Column("liquidity_days", False, _("Days to cash (default 1)."), "3"),
    Column("is_active", False, _("On sale: true or false (default true)."), "true"),
]


def _validate_products(rows: list[Row], ctx: Context) -> None:
    from risk.models import AssetClass, Product, ProductRiskRating

    seen: dict[str, int] = {}
    for row in rows:
        d = row.data
        d["code"] = text(row, "code", required=True, limit=30).upper()
        if d["code"]:
            if d["code"] in seen:
                row.add("duplicate_code_in_file", "code", value=d["code"], line=seen[d["code"]])
            else:
                seen[d["code"]] = row.line
        d["name"] = text(row, "name", required=True, plain=True)
        d["kind"] = text(row, "kind", required=True, limit=40)
        d["asset_class"] = choice(row, "asset_class", AssetClass.values, required=True)
        d["risk_rating"] = choice(row, "risk_rating", ProductRiskRating.values, required=True)
        d["rationale"] = text(row, "rating_rationale", required=True, limit=4000)
        factors = [
            f.strip() for f in re.split(r"[;；\n|]", row.values.get("rating_factors") or "") if f.strip()
        ]
        if not factors:
            row.add("factors", "rating_factors")
        d["factors"] = "\n".join(factors)
        d["liquidity_days"] = integer(row, "liquidity_days", default=1, limit=3650)
        d["is_active"] = boolean(row, "is_active")
    by_code = {r.data["code"]: r for r in rows if r.data.get("code")}
    for keys in _chunks(list(by_code)):
        for code in Product.objects.filter(code__in=keys).values_list("code", flat=True):
            by_code[code].add("duplicate_code_on_file", "code", value=code)


def _write_products(rows: list[Row], ctx: Context) -> dict[str, int]:
    """The legacy rating is recorded, not approved: each product gets a pending rating assessment
    (the legacy rationale and factors, the importer as assessor) that a second person — a risk
    reviewer or another compliance officer — must approve before the product can be offered
    (Product.is_offerable needs an approved rating). The four-eyes rule is not bypassed by an import."""
    from advisory.clock import now
    from risk.models import Product, ProductRatingAssessment, RatingAssessmentStatus

    stamp = now()
    products = [
        Product(
            code=r.data["code"],
            name=r.data["name"],
            kind=r.data["kind"],
            asset_class=r.data["asset_class"],
            risk_rating=r.data["risk_rating"],
            liquidity_days=r.data["liquidity_days"],
            is_active=r.data["is_active"],
            created_at=stamp,
            updated_at=stamp,
        )
        for r in rows
    ]
    reason = _reason(ctx)
    products = write_audited(products, actor=ctx.actor, reason=reason)
    assessments = [
        ProductRatingAssessment(
            product=p,
            previous_rating="",
            proposed_rating=r.data["risk_rating"],
            rationale=r.data["rationale"],
            factors=r.data["factors"],
            assessor=ctx.actor,
            status=RatingAssessmentStatus.PENDING,
            created_at=stamp,
            updated_at=stamp,
        )
        for p, r in zip(products, rows, strict=True)
    ]
    write_audited(
        assessments,
        actor=ctx.actor,
        reason=stored_text("audit.imported_rating_awaits_approval", reason=reason),
    )
    return {"risk.product": len(products), "risk.productratingassessment": len(assessments)}


# -- holdings --------------------------------------------------------------------------------------
HOLDING_COLUMNS = [
    *CLIENT_KEY_COLUMNS,
    Column("as_of", True, _("Statement date (YYYY-MM-DD)."), "2026-10-31"),
    Column("product_code", False, _("Product code; or give the asset class."), "FND-LEG-001"),
    Column("asset_class", False, _("cash, bonds, equities, real_estate or alternatives."), "bonds"),
    Column("market_value", True, _("Market value, zero or more."), "150000.00"),
    Column("currency", False, _("Currency (default the plan's)."), "CNY"),
]


def _validate_holdings(rows: list[Row], ctx: Context) -> None:
    from advisory.money import Currency
    from planning.models import ASSET_CLASSES, Proposal, ProposalStatus
    from risk.models import Product

    _client_keys(rows)
    client_ids = sorted({r.data["client_id"] for r in rows if r.data.get("client_id")})
    plans: dict[int, tuple[int, str]] = {}
    for ids in _chunks(client_ids):
        for pk, client_id, currency in (
            Proposal.objects.filter(client_id__in=ids, status=ProposalStatus.ACCEPTED)
            .order_by("client_id", "pk")
            .values_list("pk", "client_id", "currency")
        ):
            plans[client_id] = (pk, currency)  # the latest accepted plan wins
    codes = sorted({(r.values.get("product_code") or "").strip().upper() for r in rows} - {""})
    products = {}
    for keys in _chunks(codes):
        products.update(
            {
                code: (pk, ac)
                for pk, code, ac in Product.objects.filter(code__in=keys).values_list(
                    "pk", "code", "asset_class"
                )
            }
        )
    for row in rows:
        d = row.data
        d["as_of"] = date(row, "as_of", today=ctx.today, required=True)
        d["market_value"] = amount(row, "market_value", required=True)
        code = (row.values.get("product_code") or "").strip().upper()
        asset_class = (row.values.get("asset_class") or "").strip().lower()
        d["product_id"] = None
        if code:
            if code not in products:
                row.add("unknown_product", "product_code", value=code[:30])
            else:
                d["product_id"], expected = products[code]
                if asset_class and asset_class != expected:
                    row.add("asset_class_mismatch", "asset_class", value=code[:30], expected=expected)
                asset_class = asset_class or expected
        if not asset_class:
            if not code:
                row.add("asset_class_needed", "asset_class")
        elif asset_class not in ASSET_CLASSES:
            row.add("choice", "asset_class", value=asset_class[:40], choices=", ".join(ASSET_CLASSES))
        d["asset_class"] = asset_class
        currency = choice(row, "currency", Currency.values)
        if d.get("client_id"):
            plan = plans.get(d["client_id"])
            if plan is None:
                row.add("no_accepted_plan", "", file=d["client_file"])
            else:
                d["plan_id"] = plan[0]
                d["currency"] = currency or plan[1]
                if d["currency"] != plan[1]:
                    row.add("currency_mismatch", "currency", expected=plan[1])


def _write_holdings(rows: list[Row], ctx: Context) -> dict[str, int]:
    from advisory.clock import now
    from planning.models import Holding, HoldingSource

    stamp = now()
    objs = [
        Holding(
            plan_id=r.data["plan_id"],
            client_id=r.data["client_id"],
            as_of=r.data["as_of"],
            product_id=r.data["product_id"],
            asset_class=r.data["asset_class"],
            market_value=r.data["market_value"],
            currency=r.data["currency"],
            source=HoldingSource.IMPORT,
            import_reference=ctx.batch.number if ctx.batch else "",
            recorded_by=ctx.actor,
            created_at=stamp,
            updated_at=stamp,
        )
        for r in rows
    ]
    write_audited(objs, actor=ctx.actor, reason=_reason(ctx))
    return {"planning.holding": len(objs)}


KINDS: dict[str, KindSpec] = {
    "clients": KindSpec(CLIENT_COLUMNS, _validate_clients, _write_clients),
    "related_parties": KindSpec(RELATED_PARTY_COLUMNS, _validate_related_parties, _write_related_parties),
    "products": KindSpec(PRODUCT_COLUMNS, _validate_products, _write_products),
    "holdings": KindSpec(HOLDING_COLUMNS, _validate_holdings, _write_holdings),
}
