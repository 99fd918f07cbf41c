"""Browser-test fixtures: the real app under uvicorn on a free port, Debian's Chromium, axe-core.

The app runs in a background thread against a temporary SQLite database seeded with the demo
district. Screenshots and the axe results go to test-artifacts/ (not committed).
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
#: The password of every account of the demo district.
PASSWORD = "pathways-demo"
WIDTHS = {"narrow": (320, 640), "desktop": (1366, 768)}
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of the running app (demo district seeded, cheap password hashing)."""
    import uvicorn

    from service.app import create_app
    from service.commands import prepare_database
    from service.settings import Settings

    tmp = tmp_path_factory.mktemp("browser-db")
    settings = Settings(
        database_url=f"sqlite:///{tmp / 'pathways.sqlite3'}",
        var_dir=tmp,
        seed_demo=True,
        log_json=False,
        argon2_time_cost=1,
        argon2_memory_kib=64,
        argon2_parallelism=1,
    )
    prepare_database(settings)
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start within 30 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    # .ci/run installs both; a missing one must fail the run, not quietly skip the browser tests
    assert CHROMIUM.exists(), "Chromium is not at /usr/bin/chromium: apt-get install chromium"
    assert AXE.exists(), "axe-core is not installed: npm ci --prefix tests/browser"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        real = b.new_context

        def new_context(**kw: Any) -> Any:
            ctx = real(**kw)
            ctx.add_init_script(
                "window.__csp = []; document.addEventListener('securitypolicyviolation', "
                "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + "
                "(e.sample || '')));"
            )
            return ctx

        b.new_context = new_context
        yield b
        b.close()


@pytest.fixture(scope="session")
def axe_log() -> Iterator[dict[str, Any]]:
    """Every page's axe violations (all impacts), written to test-artifacts/axe.json at the end."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log: dict[str, Any] = {}
    yield log
    target = ARTIFACTS / "axe.json"
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(log, indent=2, sort_keys=True), encoding="utf-8")
    shutil.move(tmp, target)


def check_page(page: Any, name: str, axe_log: dict[str, Any]) -> None:
    """At both widths: screenshot, no sideways scrolling, no serious or critical axe violation."""
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} at {width}px scrolls sideways by {overflow}px"
        violations_csp = page.evaluate("window.__csp || []")
        assert not violations_csp, f"{name}: CSP violations {violations_csp}"
        page.evaluate(AXE.read_text(encoding="utf-8"))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        violations = [
            {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]), "help": v["help"]}
            for v in result["violations"]
        ]
        axe_log[f"{name}@{width}"] = violations
        bad = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert not bad, f"{name} at {width}px: {bad}"
    page.set_viewport_size({"width": 1366, "height": 768})


def sign_in(page: Any, base_url: str, username: str) -> None:
    """Sign in as ``username`` (a demo account) through the sign-in form."""
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


#: ``new_page(username=None, **context_options)``: see the fixture.
NewPage = Callable[..., Any]


@pytest.fixture
def new_page(browser: Any, base_url: str) -> Iterator[NewPage]:
    """Opens a page in a fresh browser context (its cookies its own), signed in as ``username``
    when one is given; every context it opened is closed when the test ends, passed or not."""
    contexts: list[Any] = []

    def open_page(username: str | None = None, **context_options: Any) -> Any:
        context = browser.new_context(**context_options)
        contexts.append(context)
        page = context.new_page()
        if username is not None:
            sign_in(page, base_url, username)
        return page

    yield open_page
    for context in contexts:
        context.close()


def caseload_student_href(page: Any, base_url: str, query: str = "", *, last: bool = False) -> str:
    """The address (a path) of the first, or last, student page the caseload ``/coach{query}``
    links to."""
    page.goto(f"{base_url}/coach{query}")
    links = page.locator("table a[href^='/coach/students/']")
    href = (links.last if last else links.first).get_attribute("href")
    assert href, "the caseload lists no student"
    return str(href)


def keep_shots(name: str, folder: Path) -> None:
    """Copy ``check_page``'s screenshots of ``name`` into ``folder``, for whoever reviews the
    pages by eye."""
    folder.mkdir(parents=True, exist_ok=True)
    for shot in SCREENSHOTS.glob(f"{name}-*.png"):
        shutil.copy2(shot, folder / shot.name)
