"""Fast paths of the ingest rules, masks and crypto helpers give what their plain forms give: the
waybill rules (against ``validate_number``-equivalent reference code), ``phone_ok`` (the expanded
range table), the name mask, the address hiding table and the blind index (precomputed HMAC)."""

from __future__ import annotations

import hashlib
import hmac
import sys
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from sealpost.adapters.crypto import get_suite
from sealpost.adapters.crypto.blind_index import (
    LABEL,
    TOKEN_SIZE,
    BlindIndexer,
    normalize_id_number,
    normalize_phone,
)
from sealpost.domain.identity.phone import carrier_of, check_phone
from sealpost.domain.masking import COMPOUND_SURNAMES, mask_name
from sealpost.domain.waybill_numbers import (
    BUILTIN_FORMATS,
    NumberFormat,
    get_check_rule,
    is_iso_country,
    s10_number,
    validate_number,
)
from sealpost.ports.crypto import BlindIndexKind
from sealpost.services.masked_views import _ADDRESS_HIDDEN, _ADDRESS_HIDING, _AddressHiding, fast_mask_name
from sealpost.services.record_rules import GENERIC_FORMAT, WaybillRules, phone_ok

_FORMATS = [
    *BUILTIN_FORMATS.values(),
    *(
        NumberFormat(code=rule, pattern=r"(?P<body>\d{2,8})(?P<check>\d)", check_rule=rule)
        for rule in ("luhn", "mod10_31", "mod11", "mod7")
    ),
    NumberFormat(code="sf", pattern=r"SF\d{2,12}"),
    NumberFormat(code="opt", pattern=r"(?P<body>\d{3})?(?P<check>[A-Z])", check_rule="luhn"),
]
_COMPANIES = {f"C{i}": fmt for i, fmt in enumerate(_FORMATS)}
_RULES = WaybillRules(_COMPANIES)
_DEFAULT = WaybillRules()


def ref_waybill_ok(formats: dict[str, NumberFormat], company: str, number: str) -> bool:
    """``WaybillRules.__call__`` and ``number_ok`` written out plainly."""
    if not (number.isascii() and number.isalnum() and number == number.upper()):
        return False
    fmt = formats.get(company, GENERIC_FORMAT)
    m = fmt.regex.fullmatch(number)
    if m is None:
        return False
    if fmt.country_group is not None and not is_iso_country(m.group(fmt.country_group) or ""):
        return False
    rule = get_check_rule(fmt.check_rule)
    if rule.name == "none":
        return True
    body, check = m.group("body"), m.group("check")
    if body is None:
        return False
    try:
        return bool(rule.compute(body) == check)
    except ValueError:
        return False


_NUMBERS = st.one_of(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=16),
    st.text(alphabet="0123456789", max_size=10),
    st.text(alphabet="SFX0123456789", max_size=10),
    st.text(alphabet="AaBbEe0123456789-", max_size=14),
    st.text(max_size=14),
    st.builds(lambda n, c: s10_number("EA", n, c), st.integers(0, 10**8 - 1), st.sampled_from(["CN", "US"])),
    st.builds(
        lambda s, k: s[:10] + str(k) + s[11:],
        st.builds(lambda n: s10_number("RR", n, "CN"), st.integers(0, 10**8 - 1)),
        st.integers(0, 9),
    ),
)


@settings(max_examples=1500, deadline=None)
@given(number=_NUMBERS, company=st.sampled_from([*_COMPANIES, "EMS", "SF"]))
def test_waybill_rules_equal_validate_number(number: str, company: str) -> None:
    assert _RULES(company, number) == ref_waybill_ok(_COMPANIES, company, number)
    if company in ("C0", "C1") and _RULES(company, number):
        assert validate_number(_COMPANIES[company], number).ok
    assert _DEFAULT(company, number) == ref_waybill_ok({"EMS": BUILTIN_FORMATS["upu_s10"]}, company, number)


@settings(max_examples=500, deadline=None)
@given(value=st.text(max_size=20) | st.text(alphabet="0123456789+- ", max_size=16))
def test_blind_index_equals_hmac_of_the_subkey(value: str) -> None:
    key = bytes(range(32))
    for suite_name in ("intl", "gm"):
        suite = get_suite(suite_name)
        indexer = BlindIndexer(suite, key, "k1")
        kinds: tuple[tuple[BlindIndexKind, Callable[[str], str]], ...] = (
            ("phone", normalize_phone),
            ("id_number", normalize_id_number),
        )
        for kind, normalise in kinds:
            try:
                data = normalise(value).encode("utf-8")
            except ValueError:
                continue
            subkey = suite.mac(key, LABEL + kind.encode())
            assert indexer.index(kind, value) == suite.mac(subkey, data)[:TOKEN_SIZE]
            if suite_name == "intl":
                assert (
                    indexer.index(kind, value) == hmac.new(subkey, data, hashlib.sha256).digest()[:TOKEN_SIZE]
                )


@settings(max_examples=1000, deadline=None)
@given(
    phone=st.text(alphabet="0123456789", min_size=11, max_size=11).map(lambda p: "1" + p[1:])
    | st.text(alphabet="0123456789+- ", max_size=14)
)
def test_phone_ok_equals_the_range_table(phone: str) -> None:
    if len(phone) == 11 and phone.isdigit() and phone[0] == "1":
        assert phone_ok(phone) == (carrier_of(phone) is not None)
    else:
        assert phone_ok(phone) == check_phone(phone).valid


def test_phone_ok_on_every_head() -> None:
    for n in range(100_000):
        phone = f"1{n:05d}{n % 10000:05d}"
        assert phone_ok(phone) == (carrier_of(phone) is not None)


def test_fast_name_mask_on_every_compound_surname() -> None:
    for surname in sorted(COMPOUND_SURNAMES):
        for name in (surname[0], surname, surname + "娜", surname + "娜娜", "李" + surname, surname * 8):
            assert fast_mask_name(name) == mask_name(name)


def test_address_hiding_table_is_the_regex_class_on_every_code_point() -> None:
    text = "".join(map(chr, range(sys.maxunicode + 1)))
    expected = _ADDRESS_HIDDEN.sub("*", text)
    assert text.translate(_AddressHiding()) == expected
    assert text.translate(_ADDRESS_HIDING) == expected  # the shared (bounded) table too
