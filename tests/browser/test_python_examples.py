"""examples/browser_echo.py driven by headless Chromium: the page is served by the example's
own server on 127.0.0.1, connects, echoes, and sends a file whose progress and hash the
Python side reports back."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest
from playwright.async_api import BrowserContext

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="package")]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "browser_echo.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("browser_echo_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


async def test_browser_echo_example(
    chromium: BrowserContext, browser_network: str, tmp_path: Path
) -> None:
    example = load_example()
    echo = example.EchoServer(save_dir=tmp_path)
    server = await example.serve(echo, 0)
    port = server.sockets[0].getsockname()[1]
    page = await chromium.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        await page.goto(f"http://127.0.0.1:{port}/")
        await page.click("#connect")
        await page.wait_for_function("() => !document.getElementById('send').disabled")
        assert await page.evaluate("() => example.echo('hello python')") == "hello python"
        assert await page.evaluate("() => example.echo('ünïcödé')") == "ünïcödé"

        payload = os.urandom(5 * 1024 * 1024 + 3)
        await page.set_input_files(
            "#file",
            files=[
                {"name": "upload.bin", "mimeType": "application/octet-stream", "buffer": payload}
            ],
        )
        result = await page.evaluate("() => example.sendSelectedFile()")
        digest = hashlib.sha256(payload).hexdigest()
        assert result["size"] == len(payload)
        assert result["sha256"] == result["python"]["sha256"] == digest
        assert await page.evaluate("() => document.getElementById('progress').value") == 1
        assert [(f.name, f.size, f.sha256) for f in echo.files] == [
            ("upload.bin", len(payload), digest)
        ]
        assert (tmp_path / "upload.bin").read_bytes() == payload
        assert "connection connected" in await page.inner_text("#log")
    finally:
        await page.close()
        await echo.close()
        server.close()
        await server.wait_closed()
    assert not errors, errors
