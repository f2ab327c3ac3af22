"""The API documentation page (/docs), served from local assets so it works offline."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

router = APIRouter(include_in_schema=False)
ASSETS_URL = "/docs-assets"

_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Replika API</title>
<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">
<link rel="icon" href="{ASSETS_URL}/favicon.png"></head>
<body><div id="swagger-ui"></div>
<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>
<script src="/static/docs-init.js"></script>
</body></html>"""


@router.get("/docs", response_class=HTMLResponse)
def docs() -> HTMLResponse:
    """Swagger UI over /openapi.json."""
    return HTMLResponse(_PAGE)


def mount_assets(app: FastAPI) -> None:
    """Serve Swagger UI's files from the fastapi-offline package."""
    import fastapi_offline

    folder = Path(fastapi_offline.__file__).parent / "static"
    app.mount(ASSETS_URL, StaticFiles(directory=folder), name="docs-assets")
