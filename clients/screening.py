"""Watch-list screening (issue 15; seed 002 §4.2–4.3): lists compliance uploads, screening of
clients, related parties and beneficial owners, and the disposition of every hit.

Upload (two steps, nothing written until the second):
    watchlist_stage(actor=, upload=)      checks and parses the CSV; any bad row rejects the whole
                                          file with its row numbers and reasons; returns a preview
                                          and a token for the staged file
    watchlist_import(actor=, token=)      imports the staged file in one transaction and queues
                                          the re-screening of every active client (Celery)

CSV columns (header row, UTF-8, comma-separated): name, aliases, date_of_birth, id_numbers,
list_name. Several aliases or identity numbers are separated by ";" or "|". A list named in the
file is replaced by the file's rows for it (entries no longer present are marked removed by this
upload, unchanged entries are kept with their hits); lists not named are left alone.

Screening (`screening_run`): names through clients.matching (Chinese characters, pinyin, Latin
spellings, fuzzy score ≥ SCREENING_NAME_THRESHOLD [90]) and identity numbers exactly (keyed
hashes, so no number is decrypted). A pair already found is never found twice (unique
constraint): re-running changes nothing more. Clients whose relationship ended are not screened.

Settings: SCREENING_NAME_THRESHOLD [90], SCREENING_BLOCK_PREFIX [2], WATCHLIST_MAX_BYTES [20 MB],
WATCHLIST_MAX_ROWS [200,000].
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from advisory.clock import now
from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_save
from advisory.models import User
from advisory.notifications import notify
from advisory.texts import text
from audit.bulk import bulk_create_audited

from . import matching
from .identity import identity_hash
from .kyc_models import (
    HitStatus,
    HitSubject,
    IdentityDocument,
    IdentityDocumentType,
    ScreeningHit,
    WatchList,
    WatchListEntry,
    WatchListUpload,
)
from .models import Client, ClientStatus, RelatedParty, RelationshipKind
from .rules import can

logger = logging.getLogger(__name__)

COLUMNS = ("name", "aliases", "date_of_birth", "id_numbers", "list_name")
_SPLIT = re.compile(r"[;|]")
PENDING_DIR = "watchlists/pending"
MAX_ERRORS_SHOWN = 50


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


@dataclass
class ParsedRow:
    line: int
    name: str
    aliases: list[str]
    birth_date: datetime.date | None
    id_numbers: list[str]
    list_name: str

    @property
    def fingerprint(self) -> str:
        parts = [
            self.list_name,
            self.name,
            "|".join(sorted(self.aliases)),
            self.birth_date.isoformat() if self.birth_date else "",
            "|".join(sorted(self.id_numbers)),
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass
class ParseResult:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def watchlist_parse(data: bytes) -> ParseResult:
    """Parse and check a watch-list CSV. Every problem is reported as "Row N: reason" (N is the
    line in the file, the header being row 1)."""
    result = ParseResult()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append(_("The file is not UTF-8 text. Save it as CSV UTF-8 and upload again."))
        return result
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        result.errors.append(_("The file is empty."))
        return result
    except csv.Error as exc:
        result.errors.append(_("Row %(n)s: %(e)s") % {"n": 1, "e": exc})
        return result
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        result.errors.append(
            _("Row 1: the header lacks the column(s) %(cols)s; expected %(all)s.")
            % {"cols": ", ".join(missing), "all": ", ".join(COLUMNS)}
        )
        return result
    index = {c: header.index(c) for c in COLUMNS}
    max_rows = int(_setting("WATCHLIST_MAX_ROWS", 200_000))
    seen: set[str] = set()
    try:
        for line, raw in enumerate(reader, start=2):
            if not any(cell.strip() for cell in raw):
                continue
            if len(result.rows) >= max_rows:
                result.errors.append(_("The file has more than %(n)s rows.") % {"n": max_rows})
                break
            if len(raw) < len(header):
                result.errors.append(
                    _("Row %(n)s: %(got)s columns instead of %(want)s.")
                    % {"n": line, "got": len(raw), "want": len(header)}
                )
                continue
            cell = {c: raw[i].strip() for c, i in index.items()}
            problems = []
            if not cell["name"]:
                problems.append(_("the name is empty"))
            elif len(cell["name"]) > 200:
                problems.append(_("the name is longer than 200 characters"))
            if not cell["list_name"]:
                problems.append(_("the list name is empty"))
            elif len(cell["list_name"]) > 120:
                problems.append(_("the list name is longer than 120 characters"))
            birth = None
            if cell["date_of_birth"]:
                try:
                    birth = datetime.date.fromisoformat(cell["date_of_birth"])
                except ValueError:
                    problems.append(
                        _("the date of birth “%(v)s” is not a date like 1970-01-31")
                        % {"v": cell["date_of_birth"]}
                    )
            ids = [
                re.sub(r"[\s\-()（）]", "", x).upper() for x in _SPLIT.split(cell["id_numbers"]) if x.strip()
            ]
            if any(len(x) > 40 or not x.isalnum() for x in ids):
                problems.append(_("an identity number has characters other than letters and digits"))
            if problems:
                result.errors.append(_("Row %(n)s: %(p)s.") % {"n": line, "p": "; ".join(problems)})
                continue
            row = ParsedRow(
                line=line,
                name=cell["name"],
                aliases=[a.strip() for a in _SPLIT.split(cell["aliases"]) if a.strip()],
                birth_date=birth,
                id_numbers=ids,
                list_name=cell["list_name"],
            )
            if row.fingerprint in seen:
                continue  # the same person twice on one list: keep one
            seen.add(row.fingerprint)
            result.rows.append(row)
    except csv.Error as exc:
        result.errors.append(_("Row %(n)s: %(e)s") % {"n": reader.line_num, "e": exc})
    if not result.rows and not result.errors:
        result.errors.append(_("The file has a header but no rows."))
    return result


def _require(actor: User, perm: str, obj: Any = None, message: str | None = None) -> None:
    if not can(actor, perm, obj):
        raise NotAllowed(message or _("You are not allowed to do this."))


def _read_upload(upload: UploadedFile) -> bytes:
    name = (upload.name or "").lower()
    if not name.endswith(".csv"):
        raise DomainError(_("Upload a CSV file (.csv)."), field="file")
    limit = int(_setting("WATCHLIST_MAX_BYTES", 20 * 1024 * 1024))
    if (upload.size or 0) > limit:
        raise DomainError(
            _("The file is larger than %(mb)s MB.") % {"mb": f"{limit / 1048576:.0f}"}, field="file"
        )
    upload.seek(0)
    return upload.read()


def _check(parsed: ParseResult) -> None:
    if parsed.errors:
        shown = parsed.errors[:MAX_ERRORS_SHOWN]
        if len(parsed.errors) > MAX_ERRORS_SHOWN:
            shown.append(_("… and %(n)s more problems.") % {"n": len(parsed.errors) - MAX_ERRORS_SHOWN})
        raise DomainError(
            _("The file was not imported (nothing was changed): %(n)s problem(s).")
            % {"n": len(parsed.errors)},
            fields={"file": shown},
        )


def _changes(rows: list[ParsedRow]) -> dict[str, dict[str, int]]:
    by_list: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        by_list[row.list_name].add(row.fingerprint)
    current: dict[str, set[str]] = defaultdict(set)
    for name, fp in WatchListEntry.objects.filter(
        watch_list__name__in=list(by_list), is_active=True
    ).values_list("watch_list__name", "fingerprint"):
        current[name].add(fp)
    return {
        name: {
            "rows": len(fps),
            "added": len(fps - current[name]),
            "removed": len(current[name] - fps),
            "kept": len(fps & current[name]),
        }
        for name, fps in sorted(by_list.items())
    }


def watchlist_stage(*, actor: User, upload: UploadedFile) -> dict[str, Any]:
    """Check and parse an uploaded list without importing it; returns the preview (counts per
    list, what would be added and removed, the first rows) and a token to import it."""
    _require(actor, "clients.manage_watch_lists", message=_("Only compliance officers upload watch lists."))
    data = _read_upload(upload)
    parsed = watchlist_parse(data)
    _check(parsed)
    token = hashlib.sha256(data).hexdigest()
    path = f"{PENDING_DIR}/{token}.csv"
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(data))
    return {
        "token": token,
        "original_name": (upload.name or "watchlist.csv")[:200],
        "rows": len(parsed.rows),
        "lists": _changes(parsed.rows),
        "sample": [
            {
                "line": r.line,
                "name": r.name,
                "aliases": r.aliases,
                "date_of_birth": r.birth_date.isoformat() if r.birth_date else "",
                "id_numbers": len(r.id_numbers),
                "list_name": r.list_name,
            }
            for r in parsed.rows[:20]
        ],
    }


@lru_cache(maxsize=1)
def _id_types() -> tuple[str, ...]:
    return tuple(IdentityDocumentType.values)


def entry_keys(row: ParsedRow) -> tuple[list[str], list[str]]:
    keys: list[str] = []
    for name in [row.name, *row.aliases]:
        for key in matching.name_keys(name, orders=True):
            if key not in keys:
                keys.append(key)
    hashes = sorted({identity_hash(t, n) for n in row.id_numbers for t in _id_types()})
    return keys, hashes


def watchlist_import(*, actor: User, token: str, original_name: str = "watchlist.csv") -> WatchListUpload:
    """Import a staged file (see watchlist_stage) in one transaction, then queue the
    re-screening of every active client, related party and beneficial owner."""
    _require(actor, "clients.manage_watch_lists", message=_("Only compliance officers upload watch lists."))
    if not re.fullmatch(r"[0-9a-f]{64}", token or ""):
        raise DomainError(_("Upload the file again."), field="token")
    path = f"{PENDING_DIR}/{token}.csv"
    if not default_storage.exists(path):
        raise DomainError(_("The staged file is gone; upload it again."), field="token")
    with default_storage.open(path, "rb") as fh:
        data = fh.read()
    parsed = watchlist_parse(data)
    _check(parsed)
    changes = _changes(parsed.rows)
    with transaction.atomic():
        upload = WatchListUpload(
            original_name=original_name[:200],
            sha256=token,
            row_count=len(parsed.rows),
            list_names=sorted(changes),
            uploaded_by=actor,
        )
        upload.file.save("watchlist.csv", ContentFile(data), save=False)
        audited_save(upload, actor=actor, reason="watch list uploaded")
        rows_by_list: dict[str, list[ParsedRow]] = defaultdict(list)
        for row in parsed.rows:
            rows_by_list[row.list_name].append(row)
        added = removed = 0
        for list_name, rows in sorted(rows_by_list.items()):
            watch_list = WatchList.objects.select_for_update().filter(name=list_name).first()
            if watch_list is None:
                watch_list = WatchList(name=list_name)
                audited_save(watch_list, actor=actor, reason="watch list created")
            current = dict(
                WatchListEntry.objects.filter(watch_list=watch_list, is_active=True).values_list(
                    "fingerprint", "pk"
                )
            )
            new_fps = {r.fingerprint for r in rows}
            gone = [pk for fp, pk in current.items() if fp not in new_fps]
            if gone:
                removed += WatchListEntry.objects.filter(pk__in=gone).update(
                    is_active=False, removed_by=upload
                )
            fresh = []
            for row in rows:
                if row.fingerprint in current:
                    continue
                keys, hashes = entry_keys(row)
                fresh.append(
                    WatchListEntry(
                        watch_list=watch_list,
                        name=row.name,
                        aliases=row.aliases,
                        birth_date=row.birth_date,
                        id_numbers=row.id_numbers,
                        name_keys=keys,
                        id_hashes=hashes,
                        fingerprint=row.fingerprint,
                        upload=upload,
                    )
                )
            WatchListEntry.objects.bulk_create(fresh, batch_size=2000)
            added += len(fresh)
            watch_list.entry_count = len(new_fps)
            watch_list.last_upload = upload
            audited_save(watch_list, actor=actor, reason=text("audit.updated_by_upload_pk", pk=upload.pk))
        upload.added, upload.removed = added, removed
        audited_save(
            upload,
            actor=actor,
            reason=text("audit.added_entries_added_removed_removed", added=added, removed=removed),
        )
        upload_id = upload.pk
        transaction.on_commit(lambda: _queue_rescreen(upload_id))
    default_storage.delete(path)
    return upload


def _queue_rescreen(upload_id: int) -> None:
    from .tasks import watchlist_rescreen_task

    watchlist_rescreen_task.delay(upload_id)


# -- screening -------------------------------------------------------------------------------------
@lru_cache(maxsize=300_000)
def _subject_keys(name: str) -> tuple[str, ...]:
    return tuple(matching.name_keys(name))


@dataclass(frozen=True)
class Subject:
    key: str  # "c:<id>" / "p:<id>"
    client_id: int
    related_party_id: int | None
    kind: str
    name: str


def _subjects(client_ids: list[int] | None) -> tuple[list[Subject], dict[str, set[str]]]:
    """Clients not ended (or the given ones), their related parties still related; and the
    identity-number hashes of each subject (clients only: related parties carry no number)."""
    clients = Client.objects.exclude(status=ClientStatus.ENDED)
    if client_ids is not None:
        clients = clients.filter(pk__in=client_ids)
    subjects: list[Subject] = []
    hashes: dict[str, set[str]] = defaultdict(set)
    for pk, name, id_hash in clients.values_list("pk", "name", "id_number_hash").iterator(chunk_size=5000):
        key = f"c:{pk}"
        subjects.append(Subject(key, pk, None, HitSubject.CLIENT, name))
        if id_hash:
            hashes[key].add(id_hash)
    parties = RelatedParty.objects.filter(ended_on__isnull=True).exclude(client__status=ClientStatus.ENDED)
    docs = IdentityDocument.objects.filter(superseded_at=None).exclude(client__status=ClientStatus.ENDED)
    if client_ids is not None:
        parties = parties.filter(client_id__in=client_ids)
        docs = docs.filter(client_id__in=client_ids)
    for pk, client_id, name, relationship in parties.values_list(
        "pk", "client_id", "name", "relationship"
    ).iterator(chunk_size=5000):
        kind = (
            HitSubject.BENEFICIAL_OWNER
            if relationship == RelationshipKind.BENEFICIAL_OWNER
            else HitSubject.RELATED_PARTY
        )
        subjects.append(Subject(f"p:{pk}", client_id, pk, kind, name))
    for client_id, number_hash in docs.values_list("client_id", "number_hash").iterator(chunk_size=5000):
        hashes[f"c:{client_id}"].add(number_hash)
    return subjects, hashes


def screening_run(*, client_ids: list[int] | None = None, actor: User | None = None) -> dict[str, int]:
    """Screen the given clients (or every client not ended) with their related parties and
    beneficial owners against every active watch-list entry; store each new hit (history and
    audit entry per hit). Safe to run twice or concurrently: a (subject, entry) pair is unique."""
    started = now()
    subjects, subject_hashes = _subjects(client_ids)
    entries = list(WatchListEntry.objects.filter(is_active=True).values_list("pk", "name_keys", "id_hashes"))
    by_key = {s.key: s for s in subjects}
    found: dict[tuple[str, int], tuple[int, str]] = {}
    if subjects and entries:
        cutoff = int(_setting("SCREENING_NAME_THRESHOLD", 90))
        prefix = int(_setting("SCREENING_BLOCK_PREFIX", 2))
        scores = matching.match_names(
            ((s.key, _subject_keys(s.name)) for s in subjects),
            ((pk, keys) for pk, keys, _h in entries),
            cutoff=cutoff,
            block_prefix=prefix,
        )
        for pair, score in scores.items():
            found[pair] = (score, "name")
        entry_by_hash: dict[str, list[int]] = defaultdict(list)
        for pk, _keys, hashes in entries:
            for h in hashes:
                entry_by_hash[h].append(pk)
        for subject_key, hashes in subject_hashes.items():
            if subject_key not in by_key:
                continue
            for h in hashes:
                for entry_id in entry_by_hash.get(h, ()):
                    found[(subject_key, entry_id)] = (100, "id_number")
    existing: set[tuple[str, int]] = set()
    if found:
        qs = ScreeningHit.objects.all()
        if client_ids is not None:
            qs = qs.filter(client_id__in=client_ids)
        existing = set(qs.values_list("subject_key", "entry_id"))
    new = []
    for (subject_key, entry_id), (score, how) in found.items():
        if (subject_key, entry_id) in existing:
            continue
        subject = by_key[subject_key]
        new.append(
            ScreeningHit(
                client_id=subject.client_id,
                related_party_id=subject.related_party_id,
                subject_kind=subject.kind,
                subject_key=subject_key,
                subject_name=subject.name[:200],
                entry_id=entry_id,
                score=score,
                matched_on=how,
            )
        )
    if new:
        new.sort(key=lambda h: (h.subject_key, h.entry_id))
        with transaction.atomic():
            # A concurrent run may have stored some of these since we looked: drop those.
            again = set(
                ScreeningHit.objects.filter(client_id__in={h.client_id for h in new}).values_list(
                    "subject_key", "entry_id"
                )
            )
            new = [h for h in new if (h.subject_key, h.entry_id) not in again]
            bulk_create_audited(new, actor=actor, reason="watch-list screening")
    result = {
        "subjects": len(subjects),
        "entries": len(entries),
        "matches": len(found),
        "new_hits": len(new),
        "ms": int((now() - started).total_seconds() * 1000),
    }
    logger.info("watch-list screening: %s", result)
    return result


def screening_after_upload(*, upload: WatchListUpload) -> dict[str, int]:
    """Re-screen everyone after a list changed; the result is kept on the upload."""
    result = screening_run(actor=None)
    upload.screened_at = now()
    upload.screening_result = result
    audited_save(upload, actor=None, reason="re-screening after upload finished")
    return result


# -- dispositions ----------------------------------------------------------------------------------
HIT_TRANSITIONS = {
    HitStatus.FALSE_POSITIVE: (HitStatus.OPEN,),
    HitStatus.CONFIRMED: (HitStatus.OPEN, HitStatus.FALSE_POSITIVE),
}


def screening_hit_dispose(*, hit: ScreeningHit, actor: User, status: str, reason: str) -> ScreeningHit:
    """Compliance decides a hit: false positive or confirmed, with the reason. A confirmed
    match blocks the relationship (clients.kyc.relationship_blockers); a false positive found
    later to be true may still be confirmed, never the reverse."""
    _require(
        actor, "clients.dispose_screening_hit", hit, _("Only compliance officers decide screening hits.")
    )
    if status not in HIT_TRANSITIONS:
        raise DomainError(_("Choose false positive or confirmed."), field="status")
    if not reason.strip():
        raise DomainError(_("Give the reason for the decision."), field="reason")
    with transaction.atomic():
        hit = (
            ScreeningHit.objects.select_for_update()
            .select_related("client", "client__advisor")
            .get(pk=hit.pk)
        )
        if hit.status not in HIT_TRANSITIONS[status]:
            raise Conflict(_("This hit is already decided (%(s)s).") % {"s": HitStatus(hit.status).label})
        hit.status, hit.reason = status, reason.strip()
        hit.reviewed_by, hit.reviewed_at = actor, now()
        audited_save(
            hit,
            actor=actor,
            reason=text(
                "audit.screening_hit_status_reason", status=HitStatus(status).label, reason=reason.strip()
            ),
        )
        if status == HitStatus.CONFIRMED:
            client = hit.client
            recipients = [u for u in (client.advisor, getattr(client.advisor, "supervisor", None)) if u]
            url = reverse("clients:detail", args=[client.pk])
            notify(
                recipients=recipients,
                kind="clients.screening_confirmed",
                subject=text("notify.clients_screening_confirmed", file=client.file_number),
                body="",
                url=url,
            )
    return hit
