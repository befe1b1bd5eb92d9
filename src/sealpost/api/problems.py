"""RFC 9457 problem details: every error the API answers is ``application/problem+json``."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sealpost.errors import SealpostError
from sealpost.i18n import Text, negotiate
from sealpost.logging import get_logger

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://sealpost.dev/problems/"

log = get_logger(__name__)

_GENERIC: dict[int, Text] = {
    400: Text("请求有误", "Bad request"),
    401: Text("未认证", "Not authenticated"),
    403: Text("无权访问", "Forbidden"),
    404: Text("未找到", "Not found"),
    405: Text("不支持该方法", "Method not allowed"),
    409: Text("冲突", "Conflict"),
    413: Text("请求过大", "Request too large"),
    422: Text("请求内容校验失败", "Request validation failed"),
    429: Text("请求过多", "Too many requests"),
    500: Text("服务器内部错误", "Internal server error"),
    503: Text("服务暂不可用", "Service unavailable"),
}


def problem(
    request: Request,
    status: int,
    code: str,
    detail: Text | str | None = None,
    **extra: Any,
) -> JSONResponse:
    lang = negotiate(request.headers.get("accept-language"))
    title = _GENERIC.get(status) or Text(HTTPStatus(status).phrase, HTTPStatus(status).phrase)
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code.replace("_", "-"),
        "title": title.get(lang),
        "status": status,
        "code": code,
        "instance": request.url.path,
    }
    if detail is not None:
        body["detail"] = detail.get(lang) if isinstance(detail, Text) else detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


async def _sealpost_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SealpostError)
    return problem(request, exc.status, exc.code, exc.message, **exc.extra)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed", 401: "not_authenticated", 403: "forbidden"}.get(
        exc.status_code, f"http_{exc.status_code}"
    )
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail not in {"Not Found"} else None
    response = problem(request, exc.status_code, code, detail)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Never echo the submitted values back: they may be personal data.
    errors = [
        {"loc": [str(p) for p in err.get("loc", ())], "type": err.get("type"), "msg": err.get("msg")}
        for err in exc.errors()
    ]
    return problem(
        request,
        422,
        "validation_failed",
        Text("请求字段不符合要求", "Request fields are invalid"),
        errors=errors,
    )


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled_error", path=request.url.path, error_type=type(exc).__name__)
    return problem(request, 500, "internal_error")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SealpostError, _sealpost_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unhandled)
