"""Masking of personal data for display (SPEC §1): `110105********1234`."""

from __future__ import annotations


def mask_text(value: str, *, keep_start: int = 0, keep_end: int = 4, fill: str = "*") -> str:
    """Keep the first `keep_start` and last `keep_end` characters, star the rest.

    Values too short for that keep at most their last third."""
    value = (value or "").strip()
    if not value:
        return ""
    n = len(value)
    if keep_start + keep_end >= n:
        keep_start, keep_end = 0, n // 3
    middle = n - keep_start - keep_end
    return value[:keep_start] + fill * middle + (value[n - keep_end :] if keep_end else "")


def mask_identity(value: str) -> str:
    """Identity numbers: the PRC style keeps the 6-digit region code and the last 4 characters
    (`110105********1234`); shorter numbers (HK, TW, passports) keep the first and last 2."""
    value = (value or "").strip()
    if len(value) >= 15:
        return mask_text(value, keep_start=6, keep_end=4)
    return mask_text(value, keep_start=1, keep_end=2)
