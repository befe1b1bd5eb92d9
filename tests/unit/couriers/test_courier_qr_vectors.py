"""The test vector in docs/protocols/courier-qr.md verifies, and its deterministic parts reproduce."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sealpost.adapters.crypto.suites import get_suite
from sealpost.client.courier_qr import PublishedKeys, verify_offline
from sealpost.domain import courier_credential as cc

DOC = Path(__file__).parents[3] / "docs" / "protocols" / "courier-qr.md"


def _vector() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("## Test vector", 1)[1].split("```")[1]
    lines = [line for line in block.strip().splitlines() if line]
    out = {
        line[:31].strip(): line[31:].strip() for line in lines if not line.startswith(("QR text", "SPC1:"))
    }
    out["text"] = next(line for line in lines if line.startswith("SPC1:"))
    return out


def test_documented_vector_verifies() -> None:
    v = _vector()
    suite = get_suite("intl")
    seed = bytes.fromhex(v["platform Ed25519 private seed"])
    public = bytes.fromhex(v["platform public key"])
    assert suite.signing_public_key(seed) == public
    assert suite.key_id(public) == v["platform kid"]
    qr = cc.decode(v["text"])
    assert qr.body.decode() == v["body"]
    assert qr.platform_sig.hex() == v["platform_sig (deterministic)"]
    assert suite.sign(seed, cc.CREDENTIAL_CONTEXT + qr.body).hex() == v["platform_sig (deterministic)"]
    at = datetime(2026, 11, 28, 10, 0, 5, tzinfo=UTC)
    verdict = verify_offline(v["text"], PublishedKeys("intl", {v["platform kid"]: public}), at)
    assert verdict.genuine, verdict.reason
    assert (
        verify_offline(
            v["text"],
            PublishedKeys("intl", {v["platform kid"]: public}),
            datetime(2026, 11, 28, 10, 5, tzinfo=UTC),
        ).reason
        == "stale_code"
    )
