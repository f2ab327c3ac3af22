"""The FastAPI application factory: API under /v1, the web page under /."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI

from corpus.demand import Demand
from corpus.interests import Interests
from matcher.jobs import JobRunner
from matcher.live import LiveEngine, open_engine
from service.api.errors import install_error_handlers
from service.api.headers import SecurityHeaders
from service.api.limits import BodySizeLimit
from service.api.ratelimit import RateLimit
from service.api.responses import install_contract
from service.api.routes import (
    forum,
    innovations,
    interests,
    jobs,
    recommendations,
    replications,
    stats,
)
from service.settings import ServiceConfig
from service.web import docs
from service.web import routes as web


def create_app(config: ServiceConfig, engine: LiveEngine | None = None) -> FastAPI:
    """A ready app; the engine (store + index) starts with the app unless one is given."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        owned = app.state.engine is None
        if owned:
            app.state.engine = open_engine(config.settings)
        app.state.interests = Interests(app.state.engine.store)
        app.state.demand = Demand(app.state.engine.store)
        app.state.jobs = JobRunner(app.state.engine)
        app.state.jobs.start()  # resumes bulk jobs a crash or restart interrupted
        yield
        app.state.jobs.stop()
        app.state.forum_pool.shutdown(wait=False, cancel_futures=True)
        if owned:  # save the index the background saver has not saved yet
            app.state.engine.close()

    app = FastAPI(title="Replika", version="1.0",
                  description="Recommends proven Indonesian public-service innovations that "
                              "a region can replicate.", lifespan=lifespan,
                  docs_url=None, redoc_url=None)  # /docs is ours: local assets, no CDN
    app.state.config = config
    app.state.engine = engine
    # Forum plans run here, off the request threads, a bounded number at once.
    app.state.forum_pool = ThreadPoolExecutor(config.limits.forum_concurrency,
                                              thread_name_prefix="forum-plan")
    app.state.forum_slots = threading.BoundedSemaphore(config.limits.forum_concurrency)
    install_error_handlers(app)
    for module in (recommendations, innovations, jobs, replications, interests, stats, forum,
                   web, docs):
        app.include_router(module.router)
    install_contract(app)
    web.mount_static(app)
    docs.mount_assets(app)
    app.add_middleware(BodySizeLimit, max_bytes=config.limits.max_upload_bytes)
    limits = config.limits
    app.add_middleware(RateLimit, reads=limits.rate_reads, writes=limits.rate_writes,
                       forum=limits.rate_forums, interest=limits.rate_interests)
    app.add_middleware(SecurityHeaders)
    return app


def app_from_environment() -> FastAPI:
    """The app configured from REPLIKA_* variables (for `replika serve --workers N`)."""
    from service.settings import load_service_config

    return create_app(load_service_config())
