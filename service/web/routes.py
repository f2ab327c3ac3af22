"""GET / (search and results) and GET /inovasi/{id} (an innovation and its neighbours)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from corpus.adoption import adoptions
from corpus.awards import TIER_LABEL, TIER_RANK, AwardTier
from corpus.collection import Corpus
from corpus.interests import DuplicateInterestError, InterestIn
from corpus.schema import Innovation
from corpus.vocab import PROVINCES, SECTOR_BY_CODE, SECTORS, Level
from matcher.filters import Filters
from matcher.live import LiveEngine
from service.api.convert import make_filters
from service.api.deps import get_config, get_engine
from service.api.errors import ApiError
from service.api.routes.recommendations import count_unmet
from service.api.schemas import FiltersIn
from service.render import CAUTION_NOTE, site_name, summary_line
from service.settings import ServiceConfig
from service.web.charts import SHADES, bars, map_size, tile_map
from service.web.plan import draft_plan

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)

LEVEL_LABELS = {Level.DESA: "Desa/Kelurahan", Level.KECAMATAN: "Kecamatan",
                Level.KABUPATEN: "Kabupaten", Level.KOTA: "Kota", Level.PROVINSI: "Provinsi",
                Level.KEMENTERIAN_LEMBAGA: "Kementerian/Lembaga"}


def mount_static(app: FastAPI) -> None:
    """Serve the stylesheet."""
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


TIER_LABELS = {t.value: TIER_LABEL[t] for t in AwardTier}
SECTOR_LABELS = {s.code: s.label for s in SECTORS}
STAGE_LABELS = {"interest": "berminat", "mou-signed": "MoU ditandatangani",
                "implemented": "sudah diterapkan"}


def _choices() -> dict:
    return {"provinces": PROVINCES, "sectors": SECTORS, "levels": LEVEL_LABELS,
            "tier_label": TIER_LABELS, "sector_label": SECTOR_LABELS,
            "stage_label": STAGE_LABELS, "summary_line": summary_line, "site_name": site_name}


def _k(value: str, limit: int) -> tuple[int, str | None]:
    """The number of results a page asked for, or the default and a message in Indonesian
    (a page never answers with the API's JSON error)."""
    try:
        k = int(value)
    except ValueError:
        return 10, f"Jumlah hasil harus berupa angka 1 sampai {limit}; ditampilkan 10."
    shown = max(1, min(k, limit))
    if shown != k:
        return shown, f"Jumlah hasil harus 1 sampai {limit}; ditampilkan {shown}."
    return k, None


def _filters(province: str, sector: str, level: str, tier: str = "", year: str = "",
             daerah: str = "") -> Filters | None:
    """The page's filters, or None when a value is not in the lists."""
    try:
        return make_filters(FiltersIn(
            provinces=[province] if province else [], sectors=[sector] if sector else [],
            levels=[level] if level else [], min_tier=tier or None,
            year_from=int(year) if year.isdigit() else None,
            exclude_region=daerah.strip()[:200] or None))
    except (ApiError, ValueError):
        return None


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request, q: str = "", province: str = "", sector: str = "",
                level: str = "", tier: str = "", year: str = "", daerah: str = "",
                k: str = "10", page: str = "1",
                engine: LiveEngine = Depends(get_engine),
                config: ServiceConfig = Depends(get_config)) -> HTMLResponse:
    """The search form; results for a problem, or a list of innovations for filters alone."""
    count, notice = _k(k, config.limits.max_k)
    context = {"q": q, "province": province, "sector": sector, "level": level, "tier": tier,
               "year": year, "daerah": daerah, "years": range(date.today().year, 2013, -1),
               "answer": None,
               "error": None, "notice": notice, "browse": None, "caution_note": CAUTION_NOTE,
               **_choices()}
    chosen = [v for v in (province, sector, level, tier, year) if v]
    filters = _filters(province, sector, level, tier, year, daerah)
    limit = config.limits.max_query_chars
    if q.strip() and len(q) > limit:
        context["error"] = (f"Uraian masalah terlalu panjang: {len(q):,} karakter, paling "
                            f"banyak {limit:,}. Ringkas uraiannya.").replace(",", ".")
    elif (q.strip() or chosen) and filters is None:
        context["error"] = (f"Pilihan filter tidak dikenal ({', '.join(chosen)}). Pilih "
                            "provinsi, sektor atau tingkat dari daftar.")
    elif q.strip():
        context["answer"] = engine.current().recommend(q, filters=filters, k=count)
        count_unmet(request.app.state.demand, context["answer"], filters)
    elif chosen:
        context["browse"] = _browse(engine.current().corpus, filters, page)
    status = 422 if context["error"] else 200
    return templates.TemplateResponse(request, "search.html", context, status_code=status)


BROWSE_PAGE = 20


def _missing(request: Request, innovation_id: str) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "missing.html", {"innovation_id": innovation_id, **_choices()},
        status_code=404)


def _browse(corpus: Corpus, filters: Filters, page: str) -> dict:
    """Innovations passing the filters, strongest award and newest first, one page."""
    number = int(page) if page.isdigit() and int(page) >= 1 else 1
    items = sorted((f for f in corpus.facts.values() if filters.accepts(f)),
                   key=lambda f: (-TIER_RANK[f.award_tier], -(f.year or 0), f.title))
    start = (number - 1) * BROWSE_PAGE
    shown = [corpus.by_id[f.id] for f in items[start:start + BROWSE_PAGE]]
    return {"items": shown, "total": len(items), "page": number,
            "more": start + BROWSE_PAGE < len(items)}


@router.get("/inovasi/{innovation_id}", response_class=HTMLResponse)
def innovation_page(request: Request, innovation_id: str, minat: str = "",
                    engine: LiveEngine = Depends(get_engine)) -> HTMLResponse:
    """One innovation with its similar innovations and known replications."""
    item = engine.current().corpus.resolve(innovation_id)
    if item is None:
        return _missing(request, innovation_id)
    if item.id != innovation_id:  # merged into another record: its page is the one now
        return RedirectResponse(f"/inovasi/{quote(item.id)}", status_code=301)
    sent = "Terima kasih: minat daerah Anda tercatat dan menunggu verifikasi penyelenggara." \
        if minat == "terkirim" else None
    return _innovation(request, engine, item, sent=sent)


def _innovation(request: Request, engine: LiveEngine, item: Innovation, *,
                sent: str | None = None, form_error: str | None = None,
                form: dict[str, str] | None = None) -> HTMLResponse:
    interests = request.app.state.interests.list(item.id, confirmed=False)
    context = {"item": item, "similar": engine.current().similar(item.id, k=5),
               "replications": engine.store.replications(item.id),
               "pending_interests": interests, "sent": sent, "form_error": form_error,
               "form": form or {}, "sector": SECTOR_BY_CODE[item.sector], **_choices()}
    return templates.TemplateResponse(request, "innovation.html", context,
                                      status_code=422 if form_error else 200)


@router.get("/statistik", response_class=HTMLResponse)
def stats_page(request: Request, engine: LiveEngine = Depends(get_engine)) -> HTMLResponse:
    """Charts of what exists and where, replications by stage, and unmet demand."""
    corpus = engine.current().corpus
    facts = corpus.facts.values()
    replications = adoptions(facts, engine.store.replications())
    demand = request.app.state.demand
    by_province = Counter(f.province for f in facts if f.province)
    charts = [
        {"title": "Inovasi per sektor", "bars": bars(Counter(f.sector for f in facts),
                                                     SECTOR_LABELS)},
        {"title": "Inovasi per penghargaan", "bars": bars(
            Counter(f.award_tier.value for f in facts), TIER_LABELS)},
        {"title": "Inovasi per provinsi asal", "bars": bars(by_province)},
        {"title": "Replikasi per tahap", "bars": bars(
            Counter(r.stage for r in replications), STAGE_LABELS),
         "empty": "Belum ada catatan replikasi."},
        {"title": "Kebutuhan yang belum terjawab (pencarian tanpa hasil, per sektor)",
         "bars": bars(demand.by_sector(), SECTOR_LABELS),
         "empty": "Belum ada pencarian tanpa hasil yang tercatat."},
    ]
    tiles = tile_map(by_province, Counter(r.province for r in replications if r.province))
    width, height = map_size()
    return templates.TemplateResponse(request, "stats.html", {
        "total": len(corpus), "replications": len(replications),
        "interests": request.app.state.interests.counts(), "charts": charts,
        "tiles": tiles, "map_w": width, "map_h": height, "dark": SHADES[3:], **_choices()})


@router.get("/inovasi/{innovation_id}/rencana", response_class=HTMLResponse)
def plan_page(request: Request, innovation_id: str, daerah: str = "", masalah: str = "",
              engine: LiveEngine = Depends(get_engine)) -> HTMLResponse:
    """A printable draft replication plan for the innovation, pre-filled from the record
    and the region's problem statement."""
    item = engine.current().corpus.resolve(innovation_id)
    if item is None:
        return _missing(request, innovation_id)
    if item.id != innovation_id:
        return RedirectResponse(f"/inovasi/{quote(item.id)}/rencana", status_code=301)
    return templates.TemplateResponse(request, "plan.html", {
        "plan": draft_plan(item, daerah, masalah), **_choices()})


@router.post("/inovasi/{innovation_id}/minat", response_class=HTMLResponse)
async def state_interest(request: Request, innovation_id: str,
                         engine: LiveEngine = Depends(get_engine)) -> Response:
    """The form "Kami ingin mereplikasi inovasi ini": a statement of interest, then back
    to the page (303), or the page again with the problem in Indonesian."""
    # Taking the current state may replay the store's change log: off the event loop.
    item = await run_in_threadpool(lambda: engine.current().corpus.resolve(innovation_id))
    if item is None:
        return _missing(request, innovation_id)
    raw = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=10)
    form = {k: (raw.get(k) or [""])[0] for k in ("region", "province", "note")}
    try:
        record = InterestIn(innovation_id=item.id, **form)
    except ValidationError as exc:
        return await run_in_threadpool(_innovation, request, engine, item,
                                       form_error=interest_problem(exc), form=form)
    try:
        await run_in_threadpool(request.app.state.interests.add, record)
    except DuplicateInterestError as exc:
        return await run_in_threadpool(
            _innovation, request, engine, item, form=form,
            form_error=f"{exc.existing.region} sudah menyatakan minat pada inovasi ini "
                       f"({exc.existing.created_at[:10]}).")
    return RedirectResponse(f"/inovasi/{quote(item.id)}?minat=terkirim#minat",
                            status_code=303)


FORM_FIELDS = {"region": "Daerah", "province": "Provinsi", "note": "Catatan"}


def interest_problem(exc: ValidationError) -> str:
    """The first problem of a statement of interest, in Indonesian, naming the field."""
    error = exc.errors()[0]
    name = str(error["loc"][0]) if error["loc"] else ""
    field = FORM_FIELDS.get(name, name)
    kind = error["type"]
    if kind == "string_too_short":
        return f"{field} terlalu pendek: tulis lengkap, misalnya 'Kabupaten Sragen'."
    if kind == "string_too_long":
        return f"{field} terlalu panjang: paling banyak {error['ctx']['max_length']} karakter."
    if name == "region":
        return ("Daerah harus ditulis dengan jenisnya, misalnya 'Kabupaten Sragen', "
                "'Kota Ambon' atau 'Provinsi Bali'.")
    if name == "province":
        return "Provinsi tidak dikenal: pilih dari daftar."
    return f"{field} tidak dapat diterima: hapus karakter kendali atau simbol yang aneh."
