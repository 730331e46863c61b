"""Fixtures for the browser tests: network isolation, the page server, headless Chromium.

Fixture chain (package scope: set up for the first test in tests/browser, torn down after
the last; function scope where noted)::

    browser_network        private network namespace with only ``lo`` (netns.py)
      static_server        http://127.0.0.1:<port>/index.html serving static/
      chromium             Debian's /usr/bin/chromium via playwright, fresh user-data-dir
        page  (function)   a new tab on the harness page, window.rtc ready

Test modules share one event loop with the package fixtures, so they declare
``pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="package")]``.

Environment:
    CHROMIUM                path of the browser (default /usr/bin/chromium)
    CI                      when set, a missing Chromium or a failed isolation is an error
                            instead of a skip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import BrowserContext, Page, async_playwright

from tests.browser import netns
from tests.browser.server import StaticServer

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

# Chromium honours only the LAST --disable-features switch, and playwright already passes
# one of its own, so ours must repeat playwright's network-quieting entries along with the
# one WebRTC needs. WebRtcHideLocalIpsWithMdns off: host candidates carry the real 127.0.0.1
# instead of a random ``<uuid>.local`` name that only mDNS could resolve.
DISABLED_FEATURES = (
    "WebRtcHideLocalIpsWithMdns",
    # From playwright's own list (chromiumSwitches.ts): no start-up traffic, stable pages.
    "OptimizationHints",
    "NetworkTimeServiceQuerying",
    "AimEnabled",
    "PreconnectToSearch",
    "MediaRouter",
    "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable",
    "LensOverlay",
    "PaintHolding",
    "ThirdPartyStoragePartitioning",
    "AvoidUnnecessaryBeforeUnloadCheckSync",
    "DestroyProfileOnBrowserClose",
    "AvoidCorsURLLoaderRestartOnRedirect",
)

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Without these two, Chromium gathers no candidate at all on a loopback-only host:
    # loopback addresses are skipped unless allowed, and without media permission the
    # default ICE policy keeps to the default route (which a private namespace lacks).
    "--allow-loopback-in-peer-connection",
    "--use-fake-ui-for-media-stream",
    "--disable-features=" + ",".join(DISABLED_FEATURES),
)


def _unavailable(reason: str) -> None:
    """Skip the browser tests, or fail them under CI where they must run."""
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def browser_network() -> Iterator[str]:
    """Run the browser tests in a private network namespace with only ``lo`` (netns.py).

    Package scope: the process returns to its own namespace after the last test here, so
    tests elsewhere in the same pytest run are not affected. Yields a one-line description
    of the network the browser tests run in.
    """
    with contextlib.ExitStack() as stack:
        try:
            created = stack.enter_context(netns.private_network_namespace())
        except OSError as exc:
            # Never fall back to the host network: Chromium would gather and use every
            # address of the machine.
            _unavailable(
                f"cannot isolate the browser tests in a private network namespace ({exc});"
                " run as root, or without root under `unshare --user --map-root-user --net`"
            )
            raise  # not reached: skip() and fail() raise
        how = "new" if created else "inherited"
        yield f"{how} namespace {netns.current_namespace()} with only lo"


@pytest.fixture(scope="package")
def static_server(browser_network: str) -> Iterator[StaticServer]:
    """The harness page server on http://127.0.0.1:<ephemeral port>."""
    server = StaticServer().start()
    yield server
    server.stop()


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def chromium(
    browser_network: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[BrowserContext]:
    """Headless Debian Chromium with a fresh profile, as a playwright persistent context."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"{CHROMIUM} is missing: run tests/browser/install-chromium.sh")
    profile: Path = tmp_path_factory.mktemp("chromium-profile")
    async with async_playwright() as playwright:
        # playwright refuses --user-data-dir in args; a persistent context is the way to
        # give the profile directory ourselves.
        context = await playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=list(CHROMIUM_ARGS),
        )
        try:
            yield context
        finally:
            await context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest_asyncio.fixture(loop_scope="package")
async def page(chromium: BrowserContext, static_server: StaticServer) -> AsyncIterator[Page]:
    """A new tab on the harness page, served from http://127.0.0.1; closed after the test.

    Uncaught page errors fail the test at teardown; console messages go to stdout.
    """
    tab = await chromium.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    # Console output is printed at teardown: pytest shows it with a failing test's output.
    tab.on("console", lambda message: print(f"[page console.{message.type}] {message.text}"))
    await tab.goto(static_server.url("/index.html"))
    await tab.wait_for_function("window.rtcReady === true")
    try:
        yield tab
    finally:
        await tab.close()
    assert not errors, f"uncaught errors in the page: {errors}"
