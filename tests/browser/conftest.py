"""Fixtures for the browser tests: network isolation, the page server, headless Chromium.

Fixture chain (session scope unless noted)::

    browser_network        private network namespace with only ``lo`` (netns.py)
      static_server        http://127.0.0.1:<port>/index.html serving static/
      chromium             Debian's /usr/bin/chromium via playwright, fresh user-data-dir
        page  (function)   a new tab on the harness page, window.rtc ready

Test modules share one event loop with the session fixtures, so they declare
``pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]``.

Environment:
    CHROMIUM                path of the browser (default /usr/bin/chromium)
    BROWSER_TESTS_HOST_NETWORK=1
                            run even when no private namespace can be made (not root):
                            Chromium then shares the host's network. Never in CI.
    CI                      when set, a missing Chromium or a failed isolation is an error
                            instead of a skip.
"""

from __future__ import annotations

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


@pytest.fixture(scope="session")
def browser_network() -> str:
    """Move this process into a private network namespace with only ``lo`` (see netns.py).

    Returns a one-line description of the network the browser tests run in.
    """
    try:
        created = netns.enter_private_network_namespace()
    except OSError as exc:
        if os.environ.get("BROWSER_TESTS_HOST_NETWORK") == "1":
            return f"host network (isolation failed: {exc})"
        _unavailable(
            f"cannot isolate the browser tests in a private network namespace ({exc}); "
            "run as root, under `unshare --net`, or set BROWSER_TESTS_HOST_NETWORK=1"
        )
        raise  # not reached: skip/fail raise
    how = "new" if created else "inherited"
    return f"{how} namespace {netns.current_namespace()} with only lo"


@pytest.fixture(scope="session")
def static_server(browser_network: str) -> Iterator[StaticServer]:
    """The harness page server on http://127.0.0.1:<ephemeral port>."""
    server = StaticServer().start()
    yield server
    server.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def chromium(
    browser_network: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[BrowserContext]:
    """Headless Debian Chromium with a fresh profile, as a playwright persistent context."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"{CHROMIUM} is missing: run scripts/install-chromium.sh")
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


@pytest_asyncio.fixture(loop_scope="session")
async def page(chromium: BrowserContext, static_server: StaticServer) -> AsyncIterator[Page]:
    """A new tab on the harness page, served from http://127.0.0.1; closed after the test.

    Uncaught page errors fail the test at teardown.
    """
    tab = await chromium.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    await tab.goto(static_server.url("/index.html"))
    await tab.wait_for_function("window.rtcReady === true")
    try:
        yield tab
    finally:
        await tab.close()
    assert not errors, f"uncaught errors in the page: {errors}"
