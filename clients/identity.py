"""Validation of identity document numbers (SPEC §1: validated for real, not by hand where a
maintained library covers the type).

- PRC resident identity number: `stdnum.cn.ric` (region code, birth date, ISO 7064 check digit).
- Unified social credit code (institutions): `stdnum.cn.uscc`.
- Hong Kong and Taiwan identity numbers: python-stdnum 2.2 has no module for either
  (`stdnum.tw.ubn` is the Taiwan *company* number), so the two published check-digit
  algorithms are implemented here and tested with real specimen numbers.
- Passports: by format (PRC passports strictly, others by the ICAO 9303 document-number shape).

Every validator returns the number in its canonical form or raises DomainError(field="id_number").
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from advisory.errors import DomainError

from .models import IdDocumentType

FIELD = "id_number"


def _compact(value: str) -> str:
    return re.sub(r"[\s\-()（）]", "", value or "").upper()


# -- Hong Kong --------------------------------------------------------------------------------
_HKID = re.compile(r"^([A-Z]{1,2})(\d{6})([0-9A])$")


def hkid_check_digit(prefix: str, digits: str) -> str:
    """Weights 9..2 over (space-padded) letters and six digits; letters A=10 … Z=35, space=36."""
    letters = prefix.rjust(2, " ")
    values = [36 if c == " " else ord(c) - 55 for c in letters] + [int(d) for d in digits]
    total = sum(v * w for v, w in zip(values, range(9, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return "A" if check == 10 else str(check)


def validate_hkid(value: str) -> str:
    number = _compact(value)
    match = _HKID.match(number)
    if not match:
        raise DomainError(
            _(
                "A Hong Kong identity number is one or two letters, six digits and a check digit, e.g. A123456(3)."
            ),
            field=FIELD,
        )
    prefix, digits, check = match.groups()
    if hkid_check_digit(prefix, digits) != check:
        raise DomainError(_("The check digit of this Hong Kong identity number is wrong."), field=FIELD)
    return f"{prefix}{digits}({check})"


# -- Taiwan -----------------------------------------------------------------------------------
_TW_LETTERS = "ABCDEFGHJKLMNPQRSTUVXYWZIO"  # A=10, B=11, … in the official order
_TWID = re.compile(r"^([A-Z])([1289])(\d{8})$")


def validate_twid(value: str) -> str:
    """National ID (second digit 1/2) and the 2021 resident certificate (8/9): letter code
    d1 d2 weighted 1 and 9, then the digits weighted 8..1, then the check digit; sum % 10 == 0."""
    number = _compact(value)
    match = _TWID.match(number)
    if not match:
        raise DomainError(
            _("A Taiwan identity number is a letter, 1 or 2 (8 or 9 for residents) and eight digits."),
            field=FIELD,
        )
    code = _TW_LETTERS.index(match.group(1)) + 10
    digits = [int(c) for c in number[1:]]
    total = (
        code // 10 + (code % 10) * 9 + sum(d * w for d, w in zip(digits[:8], range(8, 0, -1), strict=True))
    )
    total += digits[8]
    if total % 10 != 0:
        raise DomainError(_("The check digit of this Taiwan identity number is wrong."), field=FIELD)
    return number


# -- passports ----------------------------------------------------------------------------------
_PRC_PASSPORT = re.compile(r"^(E\d{8}|E[A-HJ-NP-Z]\d{7}|G\d{8}|[DSP]\d{7})$")
_ICAO_PASSPORT = re.compile(r"^[A-Z0-9]{6,9}$")


def validate_passport(value: str, country: str = "") -> str:
    number = _compact(value)
    if country.upper() == "CN":
        if not _PRC_PASSPORT.match(number):
            raise DomainError(
                _(
                    "A PRC passport number is E or G followed by eight digits (or E, a letter and seven digits)."
                ),
                field=FIELD,
            )
        return number
    if not _ICAO_PASSPORT.match(number) or number.isalpha():
        raise DomainError(_("A passport number has 6 to 9 letters and digits."), field=FIELD)
    return number


def validate_identity(document_type: str, value: str, country: str = "") -> str:
    """Check a number for its document type and return it in canonical form."""
    if not value:
        raise DomainError(_("Enter the identity number."), field=FIELD)
    if document_type == IdDocumentType.PRC_ID:
        try:
            return ric.validate(_compact(value))
        except StdnumError:
            raise DomainError(
                _(
                    "This is not a valid PRC resident identity number (check the date of birth and check digit)."
                ),
                field=FIELD,
            )
    if document_type == IdDocumentType.USCC:
        try:
            return uscc.validate(_compact(value))
        except StdnumError:
            raise DomainError(_("This is not a valid unified social credit code."), field=FIELD)
    if document_type == IdDocumentType.HK_ID:
        return validate_hkid(value)
    if document_type == IdDocumentType.TW_ID:
        return validate_twid(value)
    if document_type == IdDocumentType.PASSPORT:
        return validate_passport(value, country)
    raise DomainError(_("Choose the type of identity document."), field="id_document_type")


# -- mainland travel permits -------------------------------------------------------------------
# python-stdnum has no module for either permit; both numbers carry no check digit, so the
# published formats are checked.
_HKM_PERMIT = re.compile(r"^[HM]\d{8}(\d{2})?$")  # card since 2013: H/M + 8 digits; booklet + 10
_TW_PERMIT = re.compile(r"^\d{8}(\d{2})?$")  # card since 2015: 8 digits; older booklet: 10


def validate_hkm_permit(value: str) -> str:
    number = _compact(value)
    if not _HKM_PERMIT.match(number):
        raise DomainError(
            _(
                "A mainland travel permit for Hong Kong and Macau residents is H (Hong Kong) or M "
                "(Macau) followed by eight digits, e.g. H12345678."
            ),
            field=FIELD,
        )
    return number


def validate_tw_permit(value: str) -> str:
    number = _compact(value)
    if not _TW_PERMIT.match(number):
        raise DomainError(
            _("A mainland travel permit for Taiwan residents has eight digits, e.g. 12345678."),
            field=FIELD,
        )
    return number


def validate_document_number(document_type: str, value: str, country: str = "") -> str:
    """Identity documents of the KYC file: the permits here, every other type as above."""
    if document_type == "hkm_permit":
        return validate_hkm_permit(value)
    if document_type == "tw_permit":
        return validate_tw_permit(value)
    return validate_identity(document_type, value, country)


def identity_hash(document_type: str, number: str) -> str:
    """Keyed HMAC-SHA256 of type and canonical number: finds duplicates without decrypting."""
    key = settings.LOOKUP_HASH_KEY.encode()
    return hmac.new(key, f"{document_type}:{_compact(number)}".encode(), hashlib.sha256).hexdigest()


def email_hash(email: str | None) -> str:
    """Keyed HMAC-SHA256 of the normalised email: finds a client by email without decrypting."""
    value = (email or "").strip().lower()
    if not value:
        return ""
    key = settings.LOOKUP_HASH_KEY.encode()
    return hmac.new(key, f"email:{value}".encode(), hashlib.sha256).hexdigest()
