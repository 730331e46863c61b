"""docs/gen_api_docs.py renders the API reference from the docstrings of the public names."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_api_docs", ROOT / "docs" / "gen_api_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_reference_covers_the_public_surface_with_docstrings() -> None:
    script = load_script()
    text = script.render()
    for name in (
        "RTCPeerConnection",
        "RTCConfiguration",
        "RTCDataChannel",
        "RTCSctpTransport",
        "RTCDtlsTransport",
        "RTCIceGatherer",
        "RTCIceTransport",
        "RTCSessionDescription",
        "SdpParseError",
        "InvalidStateError",
    ):
        assert f"### `{name}`" in text, name
    assert "async setRemoteDescription(sessionDescription: DescriptionInput)" in text
    assert "(undocumented)" not in text
    # reST roles and fields were turned into Markdown.
    assert ":class:" not in text and ":param " not in text


def test_check_mode_detects_a_stale_file(tmp_path: Path) -> None:
    script = load_script()
    stale = tmp_path / "api.md"
    stale.write_text("# old\n", encoding="utf-8")
    script.OUTPUT = stale
    assert script.main(["--check"]) == 1
    assert script.main([]) == 0
    assert script.main(["--check"]) == 0
    assert stale.read_text(encoding="utf-8") == script.render()
