"""Imports from the legacy system (issue 19, docs/imports.md): upload → dry-run preview → confirm.

- `batch_upload` stores the file with its SHA-256 and checks it (inline for small files, in
  Celery for large ones). The check writes no client, party, product, rating or holding, and no
  audit entry about one: only the batch itself (the record that this file was uploaded).
- `batch_confirm` is refused while any row has an error (the import is all or nothing), when the
  batch is not waiting for confirmation (confirming twice does nothing twice), and when the same
  file (SHA-256 and kind) was already imported, unless the confirmer overrides with a reason.
- `batch_run` (the Celery task's service) checks the rows again against the records as they are
  now and writes them in chunks of `IMPORTS_CHUNK_ROWS` through the audited bulk path; each
  chunk commits with the batch's progress, so the firm's audit trail is never locked for minutes
  and a retried task continues after the last committed chunk — a row is never written twice.
  At the end one audit event names who, the kind, the row counts and the file's SHA-256.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from advisory.clock import now, today
from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_save
from advisory.numbering import next_number
from advisory.outbox import outbox_enqueue
from advisory.rules import can
from advisory.texts import Reason, text
from audit.managers import allow_bulk_writes
from audit.models import AuditAction
from audit.services import audit_log

from .errors import error
from .kinds import KINDS, Context, Row
from .models import TRANSITIONS, ImportBatch, ImportKind, ImportState
from .reader import Unreadable, detect_format, read_table

logger = logging.getLogger(__name__)


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_bytes() -> int:
    return _setting("IMPORTS_MAX_BYTES", 50 * 1024 * 1024)


def max_rows() -> int:
    return _setting("IMPORTS_MAX_ROWS", 200_000)


def inline_max_bytes() -> int:
    """Files up to this size are checked during the upload request; larger ones in Celery."""
    return _setting("IMPORTS_INLINE_MAX_BYTES", 512 * 1024)


def chunk_rows() -> int:
    return _setting("IMPORTS_CHUNK_ROWS", 2000)


def max_stored_error_rows() -> int:
    return _setting("IMPORTS_MAX_STORED_ERROR_ROWS", 5000)


def _require(actor, perm: str, obj: Any = None) -> None:
    if not can(actor, perm, obj):
        raise NotAllowed(_("Only compliance officers and administrators import from the legacy system."))


def batch_transition(*, batch: ImportBatch, to: str, actor, reason: Reason, **fields: Any) -> ImportBatch:
    """The one place a batch changes state (TRANSITIONS). Call with the batch row locked."""
    if to not in TRANSITIONS[batch.state]:
        raise Conflict(
            _("This import is %(state)s; it cannot be moved to %(to)s.")
            % {"state": batch.get_state_display(), "to": ImportState(to).label}
        )
    batch.state = to
    for key, value in fields.items():
        setattr(batch, key, value)
    audited_save(batch, actor=actor, reason=reason)
    return batch


def _set_progress(batch_id: int, *, done: int, total: int | None = None) -> None:
    """Progress counters are excluded from the batch's history (they are not state), so they
    are written with a plain UPDATE."""
    values: dict[str, int] = {"rows_done": done}
    if total is not None:
        values["phase_total"] = total
    with allow_bulk_writes():
        ImportBatch.objects.filter(pk=batch_id).update(**values)


def same_file_imported(batch: ImportBatch) -> ImportBatch | None:
    """The latest other batch of the same kind and SHA-256 that imported (or is importing) it."""
    return (
        ImportBatch.objects.filter(kind=batch.kind, sha256=batch.sha256)
        .filter(state__in=[ImportState.COMPLETED, ImportState.CONFIRMED, ImportState.IMPORTING])
        .exclude(pk=batch.pk)
        .order_by("-created_at", "-pk")
        .first()
    )


# -- upload and check ---------------------------------------------------------------------------------
def batch_upload(*, actor, kind: str, name: str, data: bytes) -> ImportBatch:
    """Store an uploaded file as a new batch and check it (dry run). Small files are checked now;
    larger ones by `import_batch_check_task` (the batch screen shows the progress)."""
    _require(actor, "imports.upload")
    if kind not in ImportKind.values:
        raise DomainError(_("Choose what the file contains."), field="kind")
    file_format = detect_format(name)
    if not file_format:
        raise DomainError(str(error_text("unknown_format")), field="file")
    if len(data) > max_bytes():
        raise DomainError(
            str(error_text("too_large", limit=max_bytes() // (1024 * 1024))),
            field="file",
        )
    if not data:
        raise DomainError(str(error_text("empty")), field="file")
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        batch = ImportBatch(
            number=next_number(prefix="IMP", year=now().year),
            kind=kind,
            state=ImportState.VALIDATING,
            original_name=(name or "")[-200:],
            file_format=file_format,
            sha256=digest,
            size_bytes=len(data),
            uploaded_by=actor,
        )
        batch.file.save(f"upload.{file_format}", ContentFile(data), save=False)
        batch.duplicate_of = same_file_imported(batch)
        audited_save(batch, actor=actor, reason=text("audit.import_file_uploaded_for_a_dry_run"))
        if len(data) > inline_max_bytes():
            outbox_enqueue(task="imports.tasks.import_batch_check_task", args=[batch.pk])
    if len(data) <= inline_max_bytes():
        batch_check(batch_id=batch.pk)
        batch.refresh_from_db()
    return batch


def error_text(code: str, **params: Any) -> str:
    from .errors import describe

    return describe(error(code, **params))


def _parse(batch: ImportBatch, data: bytes) -> tuple[list[dict], list[Row]]:
    """Read the file into rows; file-level problems come back as errors (nothing raised)."""
    spec = KINDS[batch.kind]
    try:
        table = read_table(data, batch.file_format)
        header = table.header
        if not any(header):
            return [error("empty")], []
        missing = [c for c in spec.required if c not in header]
        unknown = [h for h in header if h and h not in spec.names]
        problems = []
        if missing:
            problems.append(error("missing_columns", columns=", ".join(missing)))
        if unknown:
            problems.append(error("unknown_columns", columns=", ".join(unknown[:10])))
        if problems:
            return problems, []
        rows: list[Row] = []
        limit = max_rows()
        for line, cells in table.rows:
            if not any(cells):
                continue
            if len(rows) >= limit:
                return [error("too_many_rows", limit=limit)], []
            rows.append(Row(line=line, values=dict(zip(header, cells, strict=False))))
    except Unreadable:
        return [error("unreadable")], []
    if not rows:
        return [error("no_rows")], []
    return [], rows


def _read(batch: ImportBatch) -> bytes:
    with batch.file.open("rb") as handle:
        return handle.read()


def _validate(batch: ImportBatch, rows: list[Row], actor, *, progress: bool = True) -> None:
    spec = KINDS[batch.kind]
    # The validators batch their own look-ups; in-file duplicates need every row at once.
    spec.validate(rows, Context(actor=actor, today=today(), batch=batch))
    if progress:
        _set_progress(batch.pk, done=len(rows), total=len(rows))


def _errors_of(rows: list[Row]) -> tuple[int, list[dict]]:
    bad = [r for r in rows if r.errors]
    keep = max_stored_error_rows()
    return len(bad), [{"line": r.line, "errors": r.errors} for r in bad[:keep]]


def batch_check(*, batch_id: int) -> ImportBatch:
    """The dry run: read and check every row, store the errors, write nothing else. Idempotent:
    a batch already checked is returned as it is."""
    batch = ImportBatch.objects.select_related("uploaded_by").get(pk=batch_id)
    if batch.state != ImportState.VALIDATING:
        return batch
    file_errors, rows = _parse(batch, _read(batch))
    _set_progress(batch.pk, done=0, total=len(rows))
    if rows:
        _validate(batch, rows, batch.uploaded_by)
    error_rows, stored = _errors_of(rows)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.state != ImportState.VALIDATING:
            return batch
        batch_transition(
            batch=batch,
            to=ImportState.PREVIEWED,
            actor=batch.uploaded_by,
            reason=text("audit.import_dry_run_rows_errors", rows=len(rows), errors=error_rows),
            row_count=len(rows),
            error_row_count=error_rows,
            row_errors=stored,
            file_errors=file_errors,
            duplicate_of=same_file_imported(batch),
        )
    return batch


# -- confirm, cancel ----------------------------------------------------------------------------------
def batch_confirm(*, batch: ImportBatch, actor, override: bool = False, reason: str = "") -> ImportBatch:
    """Confirm a checked batch; the import then runs in Celery (after commit, via the outbox)."""
    _require(actor, "imports.confirm", batch)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.state != ImportState.PREVIEWED:
            raise Conflict(
                _("This import is %(state)s; only a checked file waiting for confirmation can be confirmed.")
                % {"state": batch.get_state_display()}
            )
        if batch.has_errors:
            raise DomainError(
                _(
                    "The file has %(n)s row(s) with errors; correct them and upload the file again. Nothing was imported."
                )
                % {"n": batch.error_row_count or len(batch.file_errors)}
            )
        # Lock every batch of this file so two confirmations of two uploads of it serialise.
        earlier = list(
            ImportBatch.objects.select_for_update()
            .filter(kind=batch.kind, sha256=batch.sha256)
            .exclude(pk=batch.pk)
            .order_by("pk")
        )
        running = [b for b in earlier if b.state in (ImportState.CONFIRMED, ImportState.IMPORTING)]
        if running:
            raise Conflict(
                _("The same file is being imported now in %(number)s; wait for it to finish.")
                % {"number": running[0].number}
            )
        done = [b for b in earlier if b.state == ImportState.COMPLETED]
        if done and not override:
            raise Conflict(
                _(
                    "This file (SHA-256 %(sha)s…) was already imported in %(number)s. To import it again, "
                    "confirm with the override and say why."
                )
                % {"sha": batch.sha256[:12], "number": done[-1].number},
                field="override",
            )
        if done and not reason.strip():
            raise DomainError(_("Say why the same file is imported again."), field="reason")
        batch_transition(
            batch=batch,
            to=ImportState.CONFIRMED,
            actor=actor,
            reason=text("audit.import_confirmed_again", number=done[-1].number, reason=reason.strip())
            if done
            else text("audit.import_confirmed"),
            confirmed_by=actor,
            confirmed_at=now(),
            duplicate_of=done[-1] if done else batch.duplicate_of,
            override_reason=reason.strip() if done else "",
        )
        outbox_enqueue(task="imports.tasks.import_batch_run_task", args=[batch.pk])
    return batch


def batch_cancel(*, batch: ImportBatch, actor) -> ImportBatch:
    _require(actor, "imports.confirm", batch)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        return batch_transition(
            batch=batch, to=ImportState.CANCELLED, actor=actor, reason=text("audit.import_cancelled")
        )


# -- run -----------------------------------------------------------------------------------------------
def batch_run(*, batch_id: int) -> ImportBatch:
    """Write a confirmed batch (the Celery task). Safe to run twice or concurrently: the start is
    claimed under a row lock, and each chunk locks the batch and goes on only if the progress is
    where this run left it."""
    with transaction.atomic():
        batch = (
            ImportBatch.objects.select_for_update(of=("self",))
            .select_related("confirmed_by")
            .get(pk=batch_id)
        )
        if batch.state == ImportState.CONFIRMED:
            batch_transition(
                batch=batch,
                to=ImportState.IMPORTING,
                actor=batch.confirmed_by,
                reason=text("audit.import_started"),
                rows_done=0,
            )
            _set_progress(batch.pk, done=0, total=batch.row_count)
        elif batch.state != ImportState.IMPORTING:
            return batch  # done, failed or cancelled: nothing to do
    batch.refresh_from_db()
    actor = batch.confirmed_by
    start = batch.rows_done
    spec = KINDS[batch.kind]
    file_errors, rows = _parse(batch, _read(batch))
    todo = rows[start:]
    if not file_errors and todo:
        spec.validate(todo, Context(actor=actor, today=today(), batch=batch))
    error_rows, stored = _errors_of(todo)
    if file_errors or error_rows:
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
            return batch_transition(
                batch=batch,
                to=ImportState.FAILED,
                actor=actor,
                reason=text("audit.import_stopped_changed_since_the_preview"),
                failure="changed_since_preview",
                error_row_count=error_rows,
                row_errors=stored,
                file_errors=file_errors,
                finished_at=now(),
            )
    ctx = Context(actor=actor, today=today(), batch=batch)
    totals: dict[str, int] = dict(batch.result.get("created", {})) if batch.result else {}
    size = chunk_rows()
    done = start
    for offset in range(0, len(todo), size):
        chunk = todo[offset : offset + size]
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch_id)
            if locked.state != ImportState.IMPORTING or locked.rows_done != done:
                logger.warning("import %s: another run is writing it; this run stops", batch.number)
                return locked
            for key, count in spec.write(chunk, ctx).items():
                totals[key] = totals.get(key, 0) + count
            done += len(chunk)
            _set_progress(batch_id, done=done)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.state != ImportState.IMPORTING:
            return batch
        result = {"created": totals, "rows": len(rows)}
        batch_transition(
            batch=batch,
            to=ImportState.COMPLETED,
            actor=actor,
            reason=text("audit.import_completed_rows", rows=len(rows)),
            result=result,
            finished_at=now(),
        )
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            obj=batch,
            reason=text(
                "audit.legacy_import_completed",
                number=batch.number,
                kind=ImportKind(batch.kind).label if batch.kind in ImportKind.values else batch.kind,
                rows=len(rows),
            ),
            changes={
                "kind": batch.kind,
                "rows": len(rows),
                "created": totals,
                "sha256": batch.sha256,
                "file": batch.original_name,
                "uploaded_by": batch.uploaded_by_id,
                "override_reason": batch.override_reason,
            },
        )
        if batch.kind == ImportKind.PRODUCTS:
            _tell_rating_approvers(batch=batch, count=totals.get("risk.product", 0))
        if batch.kind == ImportKind.RELATED_PARTIES:
            # after commit, by a worker: the names go through the watch list (batch_screen)
            outbox_enqueue(task="imports.tasks.import_batch_screen_task", args=[batch.pk])
    logger.info("import %s completed: %s", batch.number, totals)
    return batch


def awaits_screening(batch: ImportBatch) -> bool:
    """A completed import of related parties whose clients have not been screened yet."""
    return (
        batch.kind == ImportKind.RELATED_PARTIES
        and batch.state == ImportState.COMPLETED
        and "screening" not in (batch.result or {})
    )


def batch_screen(*, batch_id: int) -> ImportBatch:
    """After related parties were imported: screen the clients they belong to against the watch
    list, as adding one by hand does (`clients.services.related_party_add`): every client past the
    prospect stage and not ended, with all its related parties and beneficial owners. A prospect is
    screened when its onboarding is submitted (clients.kyc). The result is kept on the batch
    (`result["screening"]`) and the batch's page shows it. Safe to run twice: a (name, list entry)
    pair is stored once, and a batch already screened is left as it is."""
    from clients.models import Client, ClientStatus
    from clients.screening import screening_run

    from .kinds import _client_keys

    batch = ImportBatch.objects.select_related("confirmed_by").get(pk=batch_id)
    if not awaits_screening(batch):
        return batch
    _file_errors, rows = _parse(batch, _read(batch))
    _client_keys(rows)
    named = {r.data["client_id"] for r in rows if r.data.get("client_id")}
    status = dict(Client.objects.filter(pk__in=named).values_list("pk", "status"))
    ids = sorted(pk for pk, s in status.items() if s not in (ClientStatus.PROSPECT, ClientStatus.ENDED))
    found = screening_run(client_ids=ids, actor=batch.confirmed_by) if ids else {"subjects": 0, "new_hits": 0}
    screened = {
        "clients": len(ids),
        "prospects_later": sum(s == ClientStatus.PROSPECT for s in status.values()),  # not the ended
        "subjects": found["subjects"],
        "new_hits": found["new_hits"],
        "at": now().isoformat(),
    }
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if not awaits_screening(batch):
            return batch
        batch.result = {**(batch.result or {}), "screening": screened}
        audited_save(
            batch,
            actor=None,
            reason=text(
                "audit.import_screened",
                number=batch.number,
                clients=screened["clients"],
                hits=screened["new_hits"],
            ),
        )
    return batch


def _tell_rating_approvers(*, batch: ImportBatch, count: int) -> None:
    from django.urls import reverse

    from advisory.models import User
    from advisory.notifications import notify
    from advisory.roles import Role

    people = User.objects.filter(role__in=[Role.RISK_REVIEWER, Role.COMPLIANCE], is_active=True).exclude(
        pk=batch.confirmed_by_id
    )
    notify(
        recipients=list(people.order_by("pk")),
        kind="imports.ratings_pending",
        # codes: each approver reads them in their own language
        subject=text("notify.imports_ratings_pending", n=count),
        body=text("notify.imports_ratings_pending_body", number=batch.number),
        url=reverse("risk:rating_list"),
    )


def batch_fail(*, batch_id: int, failure: str) -> None:
    """A run that cannot go on (its task gave up): the batch says so instead of spinning."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if ImportState.FAILED in TRANSITIONS[batch.state]:
            batch_transition(
                batch=batch,
                to=ImportState.FAILED,
                actor=batch.confirmed_by or batch.uploaded_by,
                reason=text("audit.import_failed", failure=failure[:300]),
                failure=failure[:300],
                finished_at=now(),
            )


def batch_search_q(term: str) -> Q:
    term = term.strip()
    q = Q(number__icontains=term) | Q(original_name__icontains=term)
    if len(term) >= 6 and all(c in "0123456789abcdefABCDEF" for c in term):
        q |= Q(sha256__startswith=term.lower())
    return q
