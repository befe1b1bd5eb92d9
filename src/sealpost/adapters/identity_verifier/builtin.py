"""The built-in identity verifier: everything that can be checked without asking anyone.

- the document number: format, check character, county-level region code, birth date (via
  :func:`sealpost.domain.identity.check_document`);
- the birth date given (typed, or read from the card) agrees with the number's;
- the document has not expired;
- the name looks like a name on an identity document (Chinese with an optional middle dot for
  minority names, or Latin letters for foreign documents);
- a photographed card passed its OCR cross-check, and the fields typed agree with it.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Final

from sealpost.domain.identity import REASONS, check_document
from sealpost.i18n import Text
from sealpost.ports.identity_verifier import IdentityClaim, Verdict

NAME_MAX: Final = 64
_NAME_PUNCTUATION: Final = frozenset("·• '-.")

MESSAGES: Final[dict[str, Text]] = {
    "invalid_name": Text("姓名格式不正确", "the name does not look like a name on an identity document"),
    "birth_date_mismatch": Text(
        "出生日期与证件号码不符", "the birth date does not match the document number"
    ),
    "birth_date_in_future": REASONS["birth_date_in_future"],
    "document_expired": Text("证件已过有效期", "the document has expired"),
    "card_check_failed": Text("身份证照片核验未通过", "the ID card photo did not pass the cross-check"),
    "ocr_mismatch": Text("填写的信息与证件照片不一致", "the typed details differ from the card photo"),
}


def normalize_name(name: str) -> str:
    """NFC, surrounding whitespace stripped, inner runs of whitespace collapsed to one space."""
    return " ".join(unicodedata.normalize("NFC", name).split())


def name_ok(name: str) -> bool:
    if not 1 <= len(name) <= NAME_MAX:
        return False
    letters = 0
    for ch in name:
        if ch in _NAME_PUNCTUATION:
            continue
        category = unicodedata.category(ch)
        if category in ("Lo", "Lu", "Ll", "Lt", "Lm"):
            letters += 1
            continue
        return False
    return letters >= 1 and name[0] not in _NAME_PUNCTUATION and name[-1] not in _NAME_PUNCTUATION


class BuiltinVerifier:
    """Implements :class:`sealpost.ports.identity_verifier.IdentityVerifier`."""

    name = "builtin"

    def verify(self, claim: IdentityClaim, today: date) -> Verdict:
        check = check_document(claim.number, claim.doc_type, today=today)
        if not check.valid:
            return self._refuse(check.reason or "invalid_format", check.message)
        if not name_ok(normalize_name(claim.name)):
            return self._refuse("invalid_name")
        if claim.birth_date is not None:
            if claim.birth_date > today:
                return self._refuse("birth_date_in_future")
            if check.resident is not None and check.resident.birth_date != claim.birth_date:
                return self._refuse("birth_date_mismatch")
        if claim.valid_to is not None and claim.valid_to < today:
            return self._refuse("document_expired")
        warnings: tuple[str, ...] = ()
        if claim.card_check is not None:
            card = claim.card_check
            if not card.valid:
                codes = [issue.code for issue in card.errors]
                return Verdict(
                    False,
                    self.name,
                    "card_check_failed",
                    MESSAGES["card_check_failed"],
                    details={"errors": codes},
                )
            if card.number is not None and card.number.number != check.normalized:
                return self._refuse("ocr_mismatch")
            warnings = tuple(issue.code for issue in card.warnings)
        return Verdict(True, self.name, warnings=warnings)

    def _refuse(self, reason: str, message: Text | None = None) -> Verdict:
        return Verdict(False, self.name, reason, message or MESSAGES.get(reason) or REASONS.get(reason))
