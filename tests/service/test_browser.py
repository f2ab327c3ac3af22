"""The web page in a real browser: Debian's headless Chromium against a live uvicorn server.

The server is the real `replika serve` in a subprocess on a free loopback port, with the
model-free hashing embedder over the bundled corpus in a temporary data directory.
Without /usr/bin/chromium (or the playwright package) the tests skip, except under CI,
where they fail: install Chromium with `apt-get install chromium`; never `playwright install`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from service.launch import CHROMIUM, CHROMIUM_ARGS, ServerFailed, served

pytestmark = pytest.mark.browser

QUERY = "warga desa harus ke kota untuk mengurus akta kelahiran"
PROVINCE = "Jawa Timur"
PHONE = {"width": 390, "height": 844}
READY_TIMEOUT_S = 90


def _missing(what: str) -> None:
    """Skip on a developer machine; fail under CI, where the browser must be installed."""
    if os.environ.get("CI"):
        pytest.fail(f"{what}; CI must run the browser tests: install Debian's chromium "
                    "(`apt-get install -y chromium`, giving /usr/bin/chromium) and the dev "
                    "dependencies (`pip install -e '.[dev]'`); do not use `playwright install`",
                    pytrace=False)
    pytest.skip(f"{what} (install Debian's chromium: `apt-get install chromium`)")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Headless Debian Chromium driven by playwright (one browser for the module)."""
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def server(chromium, tmp_path_factory) -> Iterator[str]:
    """Base URL of `replika serve --model hashing` on the bundled corpus (fresh data dir)."""
    try:
        with served(tmp_path_factory.mktemp("replika-data"), model="hashing",
                    timeout_s=READY_TIMEOUT_S) as (srv, ready):
            assert ready["model"] == "hashing" and ready["innovations"] > 100
            yield srv.base
    except ServerFailed as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture()
def page(chromium, server):
    """A desktop page; fails the test on any HTTP error response (e.g. a missing stylesheet)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900},
                                   base_url=server, locale="id-ID")
    context.set_default_timeout(15_000)
    page = context.new_page()
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400
            else None)
    yield page
    context.close()
    assert not failed, f"HTTP errors while browsing: {failed}"


def _search(page, text: str, **selects: str) -> None:
    """Fill the search form as a user would and submit it."""
    page.goto("/")
    page.get_by_label("Uraikan masalah di daerah Anda").fill(text)
    labels = {"province": "Provinsi", "sector": "Sektor", "level": "Tingkat"}
    for name, value in selects.items():
        page.get_by_label(labels[name]).select_option(value)
    with page.expect_navigation():
        page.get_by_role("button", name="Cari inovasi").click()


def _meta_parts(text: str) -> list[str]:
    """The card's meta line 'agency · province · year' split into its parts."""
    return [part.strip() for part in text.split("·")]


def test_search_with_province_filter_then_open_an_innovation(page):
    _search(page, QUERY, province=PROVINCE)
    assert "province=Jawa+Timur" in page.url
    # The form keeps what was asked.
    assert page.get_by_label("Uraikan masalah di daerah Anda").input_value() == QUERY
    assert page.get_by_label("Provinsi").input_value() == PROVINCE

    cards = page.locator("article.card")
    cards.first.wait_for()
    count = cards.count()
    assert count >= 3
    assert page.locator("p.count").inner_text() == f"{count} inovasi untuk masalah Anda"
    for meta in cards.locator("p.meta").all_inner_texts():
        assert PROVINCE in _meta_parts(meta), f"card outside {PROVINCE}: {meta!r}"
    first = cards.first
    assert first.locator(".why li").count() >= 1  # the reasons are shown

    link = first.locator("h3 a")
    title = link.inner_text().strip()
    href = link.get_attribute("href")
    assert href == f"/inovasi/{first.get_attribute('data-id')}"
    with page.expect_navigation():
        link.click()
    assert page.url.endswith(href)
    assert page.locator("article.detail h1").inner_text().strip() == title
    assert page.title().startswith(title)
    assert PROVINCE in _meta_parts(page.locator("article.detail p.meta").inner_text())
    similar = page.get_by_role("heading", name="Inovasi serupa")
    assert similar.is_visible()
    neighbours = page.locator("h2:has-text('Inovasi serupa') + section.results article.card")
    assert neighbours.count() >= 1
    assert href.rsplit("/", 1)[1] not in neighbours.evaluate_all(
        "cards => cards.map(c => c.dataset.id)")
    assert page.get_by_role("heading", name="Replikasi yang diketahui").is_visible()


def test_filter_that_nothing_passes_shows_the_no_match_notice(page):
    # No bundled innovation is at village level in Papua Pegunungan.
    _search(page, QUERY, province="Papua Pegunungan", level="desa")
    notice = page.locator("p.notice.nomatch")
    assert notice.is_visible()
    assert notice.inner_text().startswith("Belum ada inovasi yang cocok.")
    assert "filter" in notice.inner_text()
    assert page.locator("article.card").count() == 0


@pytest.mark.parametrize("path", ["/", f"/?q={QUERY.replace(' ', '+')}&province=Jawa+Timur"])
def test_phone_viewport_is_usable(chromium, server, path):
    context = chromium.new_context(viewport=PHONE, base_url=server, is_mobile=True,
                                   has_touch=True, device_scale_factor=2)
    try:
        page = context.new_page()
        page.goto(path)
        textarea = page.get_by_label("Uraikan masalah di daerah Anda")
        button = page.get_by_role("button", name="Cari inovasi")
        assert textarea.is_visible() and button.is_visible()
        for control in (textarea, button):
            box = control.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert button.bounding_box()["height"] >= 32  # large enough to tap
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= PHONE["width"], f"horizontal scroll: {scroll_width}px wide"
        if "q=" in path:
            assert page.locator("article.card").count() > 0
            href = page.locator("article.card h3 a").first.get_attribute("href")
            page.goto(href)
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= PHONE["width"], f"{href} scrolls sideways: {scroll_width}px"
    finally:
        context.close()


def test_pages_send_security_headers_and_break_no_csp_rule(page):
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text)
            if "Content Security Policy" in m.text else None)
    response = page.goto("/")
    headers = response.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"]
    _search(page, QUERY)
    page.locator("article.card a").first.click()
    page.wait_for_load_state()
    assert not page.locator("a[href^='javascript:']").count()
    assert not violations, violations


def test_api_docs_render_with_the_network_blocked(chromium, server):
    context = chromium.new_context(base_url=server)
    outside: list[str] = []

    def only_loopback(route):
        if route.request.url.startswith(server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    page.goto("/docs")
    page.locator(".swagger-ui .info .title").wait_for(timeout=20_000)
    assert "Replika" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock").count() >= 5  # the operations are listed
    context.close()
    assert not outside, f"/docs tried to reach other hosts: {outside}"


@pytest.fixture()
def phone(chromium, server):
    """A page on a 390 x 844 phone viewport (closed after the test)."""
    context = chromium.new_context(viewport=PHONE, base_url=server, locale="id-ID")
    yield context.new_page()
    context.close()


def test_browse_by_sector_alone_on_a_phone(phone):
    page = phone
    page.goto("/")
    page.get_by_label("Sektor").select_option("kesehatan")
    with page.expect_navigation():
        page.get_by_role("button", name="Cari inovasi").click()
    cards = page.locator("article.card")
    cards.first.wait_for()
    assert cards.count() == 20  # one page; the bundled corpus has more health innovations
    assert "inovasi sesuai pilihan Anda" in page.locator("p.count").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="Lihat lebih banyak").click()
    assert "page=2" in page.url and page.locator("article.card").count() >= 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a {PHONE['width']} px phone"


def test_state_interest_on_a_phone_and_see_it_counted(phone, server):
    page = phone
    page.goto("/?sector=kesehatan")
    href = page.locator("article.card h3 a").first.get_attribute("href")
    page.goto(href)  # as from a fresh tab: a shared link
    assert page.get_by_role("heading", name="Langkah replikasi").is_visible()
    page.get_by_label("Daerah Anda").fill("Kabupaten Uji Peramban")
    page.get_by_label("Provinsi").select_option("Maluku")
    with page.expect_navigation():
        page.get_by_role("button", name="Catat minat daerah kami").click()
    assert "minat=terkirim" in page.url
    assert "menunggu verifikasi" in page.locator("#minat").inner_text()
    assert "Kabupaten Uji Peramban" in page.content()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"innovation page is {width} px wide"
    stats = page.request.get(f"{server}/v1/stats").json()
    assert stats["interests"]["unconfirmed"] >= 1
    page.get_by_role("link", name="Susun draf rencana aksi replikasi").click()
    assert page.get_by_role("heading", name="Draf rencana aksi replikasi").is_visible()


def test_statistics_page_shows_charts_and_map_on_a_phone(phone):
    page = phone
    page.goto("/statistik")
    tilemap = page.locator("svg.tilemap")
    assert tilemap.is_visible() and page.locator("svg.tilemap rect").count() == 38
    assert page.locator("svg.bars").count() >= 3
    box = tilemap.bounding_box()
    assert box and box["width"] <= PHONE["width"] and box["height"] > 100
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"statistics page is {width} px wide"


def test_forum_agenda_fits_a_phone_and_prints_one_participant_per_page(
        chromium, tmp_path, small_corpus, hashing_embedder, hashing_relevance):
    from datetime import date

    from matcher.engine import Recommender
    from matcher.forum.build import InnovatorSpec, RegionSpec, plan_forum
    from matcher.forum.event import EventSettings
    from matcher.index import build_index, make_analyzer
    from service.forum.writers import write_outputs

    analyzer = make_analyzer(small_corpus)
    rec = Recommender(small_corpus, build_index(small_corpus, hashing_embedder, analyzer),
                      hashing_embedder, analyzer, relevance=hashing_relevance)
    regions = [RegionSpec("R1", "Kabupaten Lebak", ("izin usaha sulit dan berbelit di banyak "
                                                    "kantor pelayanan perizinan daerah",),
                          "Banten", contact="Bagian Organisasi Setda Kabupaten Lebak"),
               RegionSpec("R2", "Kota Ambon", ("sampah rumah tangga menumpuk, perlu kompos",),
                          "Maluku")]
    innovators = [InnovatorSpec("I1", 2, "kipp-2014-surabaya-single-window"),
                  InnovatorSpec("I2", 1, "kipp-2018-toss-klungkung")]
    result = plan_forum(rec, regions, innovators,
                        event=EventSettings(date(2027, 3, 1), venue="Aula Kantor Gubernur"))
    agenda = next(p for p in write_outputs(result, tmp_path / "o") if p.name == "agenda.html")
    context = chromium.new_context(viewport=PHONE, locale="id-ID")
    try:
        page = context.new_page()
        page.goto(agenda.as_uri())
        assert page.get_by_role("heading", name="Jadwal induk").is_visible()
        assert "09:00-09:20" in page.content()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the agenda is {width} px wide on a phone"
        page.emulate_media(media="print")
        breaks = page.evaluate("[...document.querySelectorAll('section.agenda')].map("
                               "s => getComputedStyle(s).breakBefore)")
        assert len(breaks) == 4 and set(breaks) == {"page"}  # 2 regions + 2 innovators
    finally:
        context.close()
