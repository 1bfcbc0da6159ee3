"""Signed checkpoints of the chain head (SPEC §5, issue 12).

A hash chain alone does not stop someone with database superuser rights who rewrites entries and
recomputes every hash after them. So, on a schedule (hourly), the chain head — sequence, hash, time
— is signed with the firm's Ed25519 key, which lives outside the database (a key file), and written
outside it: one JSON file per checkpoint in AUDIT_CHECKPOINT_DIR (ship that folder to WORM storage,
docs/operations.md) plus a copy emailed to the compliance officers. `audit_verify` trusts those
files and the public key, not the database: every checkpoint must still match the chain.

File format (`advisory-audit-checkpoint/1`), UTF-8 JSON:

    {"format": "...", "sequence": 1234, "hash": "<hex>", "signed_at": "2026-11-30T05:00:00.000000+00:00",
     "key_id": "<16 hex>", "signature": "<base64 Ed25519 over the canonical JSON of the other fields>"}
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

# `cryptography.hazmat.primitives.serialization` is imported where a key is read or written: it
# pulls in the SSH key formats (about 45 ms), and every process that writes an audit entry imports
# this module, while only checkpointing and verification touch a key.
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import transaction

from advisory.clock import now

from .models import AuditChainHead, AuditCheckpoint

logger = logging.getLogger(__name__)

FORMAT = "advisory-audit-checkpoint/1"


class CheckpointKeyMissing(RuntimeError):
    """No signing key: run `manage.py audit_keygen` (docs/operations.md)."""


def _signing_path() -> Path:
    return Path(settings.AUDIT_SIGNING_KEY_FILE)


def _public_path() -> Path:
    return Path(settings.AUDIT_PUBLIC_KEY_FILE)


def checkpoint_dir() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR)


def key_generate(*, overwrite: bool = False) -> tuple[Path, Path]:
    """Write a new Ed25519 key pair: private key (PKCS#8 PEM, mode 0600) and public key (PEM)."""
    from cryptography.hazmat.primitives import serialization  # see the note on the imports

    private, public = _signing_path(), _public_path()
    if private.exists() and not overwrite:
        raise FileExistsError(str(private))
    key = Ed25519PrivateKey.generate()
    private.parent.mkdir(parents=True, exist_ok=True)
    public.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


def _private_key() -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives import serialization  # see the note on the imports

    path = _signing_path()
    if not path.exists():
        raise CheckpointKeyMissing(f"no audit signing key at {path}: run `manage.py audit_keygen`")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointKeyMissing(f"{path} is not an Ed25519 private key")
    return key


def public_key() -> Ed25519PublicKey | None:
    from cryptography.hazmat.primitives import serialization  # see the note on the imports

    path = _public_path()
    if not path.exists():
        return None
    key = serialization.load_pem_public_key(path.read_bytes())
    return key if isinstance(key, Ed25519PublicKey) else None


def key_id(key: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives import serialization  # see the note on the imports

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _signed_bytes(payload: dict) -> bytes:
    body = {k: payload[k] for k in ("format", "sequence", "hash", "signed_at", "key_id")}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Checkpoint:
    file_name: str
    sequence: int
    hash: str
    signed_at: str
    key_id: str
    valid: bool  # signature good under the configured public key

    @property
    def signed_at_dt(self) -> datetime.datetime | None:
        try:
            return datetime.datetime.fromisoformat(self.signed_at)
        except ValueError:
            return None


def _file_name(sequence: int, at: datetime.datetime) -> str:
    return f"checkpoint-{sequence:012d}-{at.astimezone(datetime.UTC):%Y%m%dT%H%M%S%fZ}.json"


def checkpoint_create(*, using: str = "default", email: bool = True) -> AuditCheckpoint | None:
    """Sign the chain head and write it outside the database (issue 12). Idempotent: nothing new is
    written while the head has not moved since the last checkpoint. Returns the mirror row."""
    head = AuditChainHead.objects.using(using).filter(id=1).values_list("sequence", "last_hash").first()
    if head is None or head[0] == 0:
        return None
    sequence, last_hash = head
    newest = (
        AuditCheckpoint.objects.using(using).order_by("-sequence").values_list("sequence", flat=True).first()
    )
    if newest is not None and newest >= sequence:
        return None
    key = _private_key()
    at = now()
    payload = {
        "format": FORMAT,
        "sequence": sequence,
        "hash": last_hash,
        "signed_at": at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        "key_id": key_id(key.public_key()),
    }
    payload["signature"] = base64.b64encode(key.sign(_signed_bytes(payload))).decode()
    folder = checkpoint_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = _file_name(sequence, at)
    text = json.dumps(payload, sort_keys=True, indent=2) + "\n"
    tmp = folder / f".{name}.tmp"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, folder / name)  # a reader never sees half a file
    with transaction.atomic(using=using):
        row = AuditCheckpoint.objects.using(using).create(
            sequence=sequence,
            hash=last_hash,
            signed_at=at,
            key_id=payload["key_id"],
            signature=payload["signature"],
            file_name=name,
        )
        if email:
            transaction.on_commit(lambda: _email_compliance(name, text), using=using)
    logger.info("audit checkpoint %s: sequence %s", name, sequence)
    return row


def _email_compliance(name: str, text: str) -> None:
    """A copy for the compliance officers' mailboxes (a second place outside the database)."""
    from django.core.mail import EmailMessage

    from advisory.models import User
    from advisory.roles import Role
    from advisory.texts import recipient_language, render

    by_language: dict[str, list[str]] = {}
    for person in User.objects.filter(role=Role.COMPLIANCE, is_active=True).exclude(email="").order_by("pk"):
        by_language.setdefault(recipient_language(person), []).append(person.email)
    for language, recipients in by_language.items():  # one message per language, each in its own
        subject = render("email.checkpoint", {"name": name}, language=language)
        body = render("email.checkpoint_body", {}, language=language)
        message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        message.attach(name, text, "application/json")
        try:
            message.send(fail_silently=False)
        except Exception:  # the file is written; a mail server outage must not lose the checkpoint
            logger.exception("could not email audit checkpoint %s", name)


def checkpoint_load(*, folder: Path | None = None) -> list[Checkpoint]:
    """Every checkpoint file, oldest first, each with its signature checked against the public key.
    A file that cannot be read as a checkpoint counts as invalid (never silently skipped)."""
    folder = folder or checkpoint_dir()
    if not folder.is_dir():
        return []
    key = public_key()
    kid = key_id(key) if key is not None else ""
    found: list[Checkpoint] = []
    for path in sorted(folder.glob("checkpoint-*.json")):
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
            valid = False
            if key is not None and payload.get("format") == FORMAT and payload.get("key_id") == kid:
                try:
                    key.verify(base64.b64decode(payload["signature"]), _signed_bytes(payload))
                    valid = True
                except (InvalidSignature, ValueError):
                    valid = False
            found.append(
                Checkpoint(
                    file_name=path.name,
                    sequence=int(payload["sequence"]),
                    hash=str(payload["hash"]),
                    signed_at=str(payload["signed_at"]),
                    key_id=str(payload.get("key_id", "")),
                    valid=valid,
                )
            )
        except (ValueError, KeyError, TypeError):
            found.append(Checkpoint(path.name, 0, "", "", "", False))
    return sorted(found, key=lambda c: (c.sequence, c.signed_at, c.file_name))


def mirrored_file_names(*, using: str = "default") -> list[str]:
    return list(AuditCheckpoint.objects.using(using).values_list("file_name", flat=True))
