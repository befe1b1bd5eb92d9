"""Liveness and readiness."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from sealpost import __version__
from sealpost.adapters.db.migrate import is_up_to_date
from sealpost.api.deps import get_container
from sealpost.bootstrap import Container

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get("/readyz", summary="Readiness: the database answers and is migrated")
def readyz(container: Annotated[Container, Depends(get_container)]) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        with container.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
        checks["migrations"] = "ok" if is_up_to_date(container.engine) else "pending"
    except Exception as exc:  # readiness reports, it does not raise
        checks["database"] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks}, status_code=200 if ready else 503
    )
