"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from sealpost import __version__
from sealpost.api.hot_routes import HotHandler, HotRoutes
from sealpost.api.metrics import install_metrics
from sealpost.api.problems import install_problem_handlers
from sealpost.api.routes import calls as calls_routes
from sealpost.api.routes import couriers, health
from sealpost.api.routes import identify as identify_routes
from sealpost.api.routes import labels as labels_routes
from sealpost.api.routes import pickups as pickups_routes
from sealpost.api.routes import records as records_routes
from sealpost.api.routes import senders as senders_routes
from sealpost.bootstrap import Container, build_container
from sealpost.config import Settings, get_settings
from sealpost.web import courier_check, pages
from sealpost.web import sender_page as sender_web

#: Every resource's router, in the order they appear in the OpenAPI document.
ROUTERS: list[APIRouter] = [
    health.router,
    # Hot paths first: every route ahead of a request's own costs one match attempt per request.
    identify_routes.router,
    calls_routes.router,  # the switch's routing query (p99 budget 5 ms)
    records_routes.router,
    pages.router,
    couriers.router,
    courier_check.router,
    labels_routes.router,
    senders_routes.router,
    sender_web.router,
    pickups_routes.router,
]

#: High-rate endpoints served by a lean handler in front of the router (see ``api/hot_routes.py``).
HOT_ROUTES: dict[tuple[str, str], HotHandler] = {
    ("POST", identify_routes.PATH): identify_routes.identify_hot,
}


def create_app(
    settings: Settings | None = None,
    container: Container | None = None,
    *,
    hot_routes: bool = True,
    warm_up: bool = False,
) -> FastAPI:
    """Build the API for ``settings`` (or an already built ``container``). ``hot_routes=False``
    serves every request through FastAPI's router (tests compare the two); ``warm_up`` builds the
    hot paths' components at startup instead of on the first requests."""
    container = container or build_container(settings or get_settings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if warm_up:
            container.warm_up()
        yield
        container.close()

    app = FastAPI(
        title="sealpost",
        version=__version__,
        summary="邮件快件实名收寄信息系统 · real-name parcel posting with sealed personal data",
        lifespan=lifespan,
    )
    app.state.container = container
    install_problem_handlers(app)
    if hot_routes:  # added before the metrics middleware, so metrics wrap it and count hot requests
        app.add_middleware(HotRoutes, handlers=HOT_ROUTES)
    install_metrics(app)
    for router in ROUTERS:
        app.include_router(router)
    return app


def create_served_app() -> FastAPI:
    """The app ``sealpost serve`` runs in each worker process: warmed up before it takes requests."""
    return create_app(warm_up=True)
