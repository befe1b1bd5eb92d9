"""``sealpost label render|batch`` through Typer's runner: files out, JSON summary, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

from labels_decoders import tspl_to_images
from typer.testing import CliRunner

from sealpost.cli.main import app
from sealpost.services.sample_receipts import SampleReceipt

runner = CliRunner()


def _write_receipt(tmp_path: Path, receipt: dict[str, object], name: str = "r.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(receipt, ensure_ascii=False), encoding="utf-8")
    return path


def test_render_writes_the_label_and_prints_a_json_summary(
    tmp_path: Path, samples: list[SampleReceipt]
) -> None:
    src = _write_receipt(tmp_path, samples[0].receipt)
    out = tmp_path / "label.png"
    result = runner.invoke(
        app, ["label", "render", str(src), "--format", "png", "--dpi", "300", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["labels"] == 1 and summary["media_type"] == "image/png"
    assert out.read_bytes().startswith(b"\x89PNG")


def test_render_refuses_an_unmasked_receipt_without_a_traceback(
    tmp_path: Path, samples: list[SampleReceipt]
) -> None:
    receipt = json.loads(json.dumps(samples[0].receipt))
    receipt["masked"]["sender"]["name"] = "张三丰"
    src = _write_receipt(tmp_path, receipt)
    result = runner.invoke(app, ["label", "render", str(src), "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1
    assert "receipt_unmasked" in result.stderr and "masked.sender.name" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_render_rejects_bad_options(tmp_path: Path, samples: list[SampleReceipt]) -> None:
    src = _write_receipt(tmp_path, samples[0].receipt)
    for args in (["--format", "bmp"], ["--size", "50x80"], ["--dpi", "600"], ["--style", "x"]):
        result = runner.invoke(app, ["label", "render", str(src), *args, "-o", str(tmp_path / "x")])
        assert result.exit_code == 1, args
        assert "错误 error" in result.stderr


def test_render_reports_a_file_that_is_not_json(tmp_path: Path) -> None:
    src = tmp_path / "bad.json"
    src.write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["label", "render", str(src), "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1
    assert "receipt_not_json" in result.stderr


def test_batch_makes_one_print_job_and_can_skip_bad_lines(
    tmp_path: Path, samples: list[SampleReceipt]
) -> None:
    lines = [json.dumps(s.receipt, ensure_ascii=False) for s in samples[:3]] + ["not json"]
    src = tmp_path / "receipts.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "job.tspl"

    stopped = runner.invoke(app, ["label", "batch", str(src), "-f", "tspl", "-o", str(out)])
    assert stopped.exit_code == 1
    assert "line 4" in stopped.stderr and not out.exists()

    result = runner.invoke(app, ["label", "batch", str(src), "-f", "tspl", "--skip-invalid", "-o", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["labels"] == 3
    assert summary["skipped"] == [{"line": 4, "code": "receipt_not_json"}]
    assert len(tspl_to_images(out.read_bytes(), 203)) == 3


def test_batch_png_is_a_zip_of_labels(tmp_path: Path, samples: list[SampleReceipt]) -> None:
    import zipfile

    src = tmp_path / "receipts.jsonl"
    src.write_text("\n".join(json.dumps(s.receipt) for s in samples[:2]), encoding="utf-8")
    out = tmp_path / "labels.zip"
    result = runner.invoke(app, ["label", "batch", str(src), "-f", "png", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        assert [n.split("-", 1)[1] for n in archive.namelist()] == [
            f"{s.receipt['waybill_no']}.png" for s in samples[:2]
        ]


def test_printer_options_choose_graphic_barcodes_and_a_58mm_head(
    tmp_path: Path, samples: list[SampleReceipt]
) -> None:
    from labels_decoders import escpos_to_images, zpl_to_images

    src = _write_receipt(tmp_path, samples[0].receipt)
    zpl = tmp_path / "x.zpl"
    result = runner.invoke(
        app, ["label", "render", str(src), "-f", "zpl", "--barcodes", "graphic", "-o", str(zpl)]
    )
    assert result.exit_code == 0, result.output
    (label,) = zpl_to_images(zpl.read_bytes())
    assert label.native_barcodes == 0
    esc = tmp_path / "x.bin"
    result = runner.invoke(
        app, ["label", "render", str(src), "-f", "escpos", "--head-dots", "384", "-o", str(esc)]
    )
    assert result.exit_code == 0, result.output
    (img,) = escpos_to_images(esc.read_bytes())
    assert img.size[0] <= 384
    bad = runner.invoke(app, ["label", "render", str(src), "--barcodes", "vector", "-o", str(zpl)])
    assert bad.exit_code == 2
