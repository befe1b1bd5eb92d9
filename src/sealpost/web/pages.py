"""Web pages: the landing page, and a registry every role's page adds itself to."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from sealpost import __version__


@dataclass(frozen=True, slots=True)
class PageLink:
    path: str
    title_zh: str
    title_en: str


#: Pages shown on the landing page; each role's web module appends its own.
PAGES: list[PageLink] = [
    PageLink("/docs", "接口文档（OpenAPI）", "API documentation (OpenAPI)"),
    PageLink("/readyz", "运行状态", "Readiness"),
    PageLink("/metrics", "监控指标（Prometheus）", "Metrics (Prometheus)"),
]

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index() -> HTMLResponse:
    items = "\n".join(
        f'<li><a href="{escape(p.path)}">{escape(p.title_zh)}</a> '
        f'<span lang="en">· {escape(p.title_en)}</span></li>'
        for p in PAGES
    )
    html = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sealpost · 邮件快件实名收寄信息系统</title>
<style>
body{{font-family:system-ui,"Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;
  max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.6}}
span[lang=en]{{color:#666}}
</style></head>
<body><h1>邮件快件实名收寄信息系统</h1>
<p>sealpost {escape(__version__)}
<span lang="en">· real-name parcel posting with sealed personal data</span></p>
<ul>
{items}
</ul></body></html>"""
    return HTMLResponse(html)
