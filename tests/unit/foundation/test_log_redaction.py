"""Privacy invariant: no plaintext ID number, phone or name in any log line."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
import structlog

from sealpost.logging import configure_logging, get_logger

ID = "11010519491231002X"
ID15 = "110105491231002"
PHONE = "13812345678"
NAME = "欧阳娜娜"


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging(level="debug", json_logs=True, stream=stream)
    yield stream
    structlog.reset_defaults()
    logging.getLogger().handlers[:] = []  # the stream is gone after this test


def _assert_clean(text: str) -> None:
    for secret in (ID, ID15, PHONE, "12345678", NAME, "娜娜"):
        assert secret not in text, f"{secret!r} leaked into: {text}"


def test_ids_phones_and_names_are_masked_everywhere(log_stream: io.StringIO) -> None:
    log = get_logger("test")
    log.info(
        f"enrolled {ID} with phone +86 138-1234-5678",
        name=NAME,
        recipient_name=NAME,
        nested={"id_number": ID, "phones": [PHONE, f"0086{PHONE}"], "person": {"name": NAME}},
        note=f"姓名：{NAME}，旧证 {ID15}",
        raw_number=int(PHONE),
    )
    text = log_stream.getvalue()
    _assert_clean(text)
    assert "1****************X" in text  # masked, not dropped
    assert "5678" in text  # phone keeps only its last 4 digits
    assert "欧阳" in text  # the compound surname is kept


def test_exceptions_are_masked_too(log_stream: io.StringIO) -> None:
    log = get_logger("test")
    try:
        raise ValueError(f"bad number {ID} for {PHONE}")
    except ValueError:
        log.exception("failed")
    _assert_clean(log_stream.getvalue())
    assert "ValueError" in log_stream.getvalue()


def test_standard_library_loggers_are_masked(log_stream: io.StringIO) -> None:
    logging.getLogger("uvicorn.error").warning("client sent %s", ID)
    logging.getLogger("some.lib").error("phone %s", PHONE)
    text = log_stream.getvalue()
    _assert_clean(text)
    assert "client sent" in text


def test_harmless_numbers_are_left_alone(log_stream: io.StringIO) -> None:
    get_logger("test").info("batch", records=1000, waybill_no="EA123456785CN", county_code="110105")
    text = log_stream.getvalue()
    assert '"records": 1000' in text and "EA123456785CN" in text and "110105" in text
