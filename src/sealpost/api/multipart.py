"""Multipart form parsing that never touches the disk.

Starlette spools uploaded files larger than 1 MiB to a temporary file; identity document photos
must stay in memory (they are personal data and must not land in the temp folder). This parser
keeps every part in memory and refuses a body above ``max_body`` bytes before reading it all.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Final

from fastapi import Request
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from sealpost.errors import SealpostError
from sealpost.i18n import Text

DEFAULT_MAX_BODY: Final = 20 * 1024 * 1024


class _InMemoryParser(MultiPartParser):
    def __init__(self, request: Request, stream: AsyncGenerator[bytes, None], max_body: int) -> None:
        super().__init__(request.headers, stream, max_files=4, max_fields=32, max_part_size=64 * 1024)
        # SpooledTemporaryFile only rolls over to disk beyond max_size: never, since the whole
        # body is capped below it.
        self.spool_max_size = max_body + 1


def _too_large() -> SealpostError:
    return SealpostError("request_too_large", Text("请求过大", "request too large"), status=413)


async def _capped(request: Request, max_body: int) -> AsyncGenerator[bytes, None]:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_body:
        raise _too_large()
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > max_body:
            raise _too_large()
        yield chunk


async def read_form(request: Request, *, max_body: int = DEFAULT_MAX_BODY) -> FormData:
    """The multipart (or url-encoded) form of ``request``, held entirely in memory."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        body = b""
        async for chunk in _capped(request, max_body):
            body += chunk
        from urllib.parse import parse_qsl

        pairs: list[tuple[str, str | UploadFile]] = list(
            parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        )
        return FormData(pairs)
    if not content_type.startswith("multipart/form-data"):
        raise SealpostError(
            "unsupported_media_type",
            Text("请以 multipart/form-data 提交", "send the form as multipart/form-data"),
            status=415,
        )
    try:
        return await _InMemoryParser(request, _capped(request, max_body), max_body).parse()
    except MultiPartException as exc:
        raise SealpostError("malformed_form", Text("表单格式错误", "malformed form"), status=400) from exc


async def file_bytes(form: FormData, name: str) -> bytes | None:
    """The bytes of the uploaded file ``name`` (``None`` when absent or empty)."""
    value = form.get(name)
    if isinstance(value, UploadFile):
        data = await value.read()
        await value.close()
        return data or None
    return None


def text_field(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None
