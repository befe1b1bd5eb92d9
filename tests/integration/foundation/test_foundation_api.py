from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sealpost.adapters.db.migrate import upgrade
from sealpost.api.app import create_app
from sealpost.config import Settings


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "migrations": "ok"}}


def test_readyz_says_not_ready_before_migrations(settings: Settings) -> None:
    with TestClient(create_app(settings)) as c:
        r = c.get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["migrations"] == "pending"


def test_a_served_worker_builds_its_hot_paths_before_the_first_request(settings: Settings) -> None:
    from sealpost.bootstrap import build_container

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    hot = ("ingestor", "relay", "sender_identifier", "terminal_tokens", "pickup_desk")
    cold = build_container(settings, configure_logs=False)
    with TestClient(create_app(container=cold)):
        assert not any(name in cold.__dict__ for name in hot)  # tests and tools: built on demand
    warm = build_container(settings, configure_logs=False)
    with TestClient(create_app(container=warm, warm_up=True)):
        assert all(name in warm.__dict__ for name in hot)


def test_openapi_document(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["info"]["title"] == "sealpost"
    assert "/healthz" in doc["paths"]


def test_unknown_path_is_problem_json(client: TestClient) -> None:
    r = client.get("/no/such/thing")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == 404 and body["code"] == "not_found" and body["title"] == "未找到"
    r_en = client.get("/no/such/thing", headers={"Accept-Language": "en"})
    assert r_en.json()["title"] == "Not found"


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    client.get("/healthz")
    client.get("/no/such/EA123456785CN")
    text = client.get("/metrics").text
    assert "sealpost_http_requests_total" in text
    assert 'method="GET",route="/healthz",status="200"' in text
    assert 'route="unmatched",status="404"' in text
    assert "EA123456785CN" not in text  # concrete paths never become labels
    assert 'sealpost_http_request_duration_seconds_count{method="GET",route="/healthz"}' in text


def test_landing_page_lists_the_pages_in_chinese_first(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in r.text
    assert "邮件快件实名收寄信息系统" in r.text
    assert 'href="/docs"' in r.text
