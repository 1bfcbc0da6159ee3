"""Text messages (SMS), chosen by one setting like EMAIL_BACKEND (docs/complaints.md).

SMS_BACKEND:
- "none" (default): SMS is not configured; `sms_enabled()` is False and nothing is sent.
- "console": the message is written to the log (development).
- "locmem": kept in `advisory.sms.outbox` (tests).
- "http": POSTed as JSON {"to", "text", "sender", "reference"} to SMS_GATEWAY_URL with the header
  `Authorization: Bearer <SMS_GATEWAY_TOKEN>`; any 2xx answer is success and its JSON "id" (if
  any) is kept as the gateway's reference. A dotted path to a class with `send(message)` also works.

Length: a message in GSM-7 (plain Latin text) fits 160 characters in one segment (153 per part when
split); any Chinese character switches the whole message to UCS-2: 70 characters in one segment
(67 per part). `segments()` counts them, so a gateway's bill can be checked.
"""

from __future__ import annotations

import json
import logging
import math
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


class SmsError(Exception):
    """The gateway refused or could not be reached; the message says why."""


@dataclass
class SmsMessage:
    to: str
    text: str
    reference: str = ""


@dataclass
class SmsResult:
    provider_id: str = ""


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7 for ch in text)


def segments(text: str) -> int:
    """How many SMS segments the text takes (GSM-7: 160, or 153 per part; UCS-2: 70, or 67)."""
    if not text:
        return 0
    single, part = (160, 153) if is_gsm7(text) else (70, 67)
    return 1 if len(text) <= single else math.ceil(len(text) / part)


class NoSmsBackend:
    enabled = False

    def send(self, message: SmsMessage) -> SmsResult:
        raise SmsError("SMS is not configured (SMS_BACKEND=none).")


class ConsoleSmsBackend:
    enabled = True

    def send(self, message: SmsMessage) -> SmsResult:
        logger.info("SMS to %s (%d segments): %s", message.to, segments(message.text), message.text)
        return SmsResult(provider_id=f"console-{message.reference}")


outbox: list[SmsMessage] = []


class LocmemSmsBackend:
    """Keeps messages in `advisory.sms.outbox` (tests)."""

    enabled = True

    def send(self, message: SmsMessage) -> SmsResult:
        outbox.append(message)
        return SmsResult(provider_id=f"locmem-{len(outbox)}")


class HttpSmsBackend:
    """A JSON gateway: POST SMS_GATEWAY_URL with a bearer token."""

    enabled = True

    def __init__(self) -> None:
        self.url = settings.SMS_GATEWAY_URL
        self.token = settings.SMS_GATEWAY_TOKEN
        self.timeout = float(getattr(settings, "SMS_GATEWAY_TIMEOUT", 10.0))
        if not self.url:
            raise SmsError("SMS_BACKEND=http needs SMS_GATEWAY_URL.")

    def send(self, message: SmsMessage) -> SmsResult:
        body = json.dumps(
            {
                "to": message.to,
                "text": message.text,
                "sender": getattr(settings, "SMS_SENDER_ID", ""),
                "reference": message.reference,
            },
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(  # noqa: S310  (the URL is the operator's setting)
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {self.token}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read(65536)
        except urllib.error.HTTPError as exc:
            raise SmsError(f"gateway answered {exc.code}: {exc.read(500).decode(errors='replace')}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"gateway unreachable: {exc}") from exc
        try:
            data: Any = json.loads(raw or b"{}")
        except ValueError:
            data = {}
        return SmsResult(provider_id=str(data.get("id", "")) if isinstance(data, dict) else "")


BACKENDS = {
    "none": NoSmsBackend,
    "": NoSmsBackend,
    "console": ConsoleSmsBackend,
    "locmem": LocmemSmsBackend,
    "http": HttpSmsBackend,
}


def get_backend() -> Any:
    name = getattr(settings, "SMS_BACKEND", "none") or "none"
    backend_class = BACKENDS.get(name) or import_string(name)
    return backend_class()


def sms_enabled() -> bool:
    name = getattr(settings, "SMS_BACKEND", "none") or "none"
    return name not in ("none", "")


def send_sms(*, to: str, text: str, reference: str = "") -> SmsResult:
    """Send one message now through the configured backend (raises SmsError on failure)."""
    return get_backend().send(SmsMessage(to=to, text=text, reference=reference))
