"""Validators shared by forms, serializers and models."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Bidirectional controls: a right-to-left override makes "Zhang<RLO>gpj.exe" read as "Zhangexe.jpg"
# in lists, exports and emails, so a name can pose as another.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@deconstructible
class PlainTextNameValidator:
    """A name holds printable text only: no bidirectional overrides or isolates, no control or
    invisible format characters (the zero-width joiner, used in some scripts, is allowed)."""

    message = _("Names may not contain control or text-direction characters; retype the name.")
    code = "invalid_characters"

    def __call__(self, value: str) -> None:
        for char in str(value or ""):
            if char in BIDI_CONTROLS:
                raise ValidationError(self.message, code=self.code)
            category = unicodedata.category(char)
            if category == "Cc" or (category == "Cf" and char != "\u200d"):
                raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlainTextNameValidator)

    def __hash__(self) -> int:
        return hash(self.__class__.__name__)


validate_plain_text_name = PlainTextNameValidator()
