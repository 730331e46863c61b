"""RTCDataChannelParameters: aiortc-compatible defaults, W3C / RFC 8832 limits."""

from __future__ import annotations

import dataclasses

import pytest
from aiortc import RTCDataChannelParameters as AiortcParameters

from aiortc_transport.datachannel.parameters import RTCDataChannelParameters


def test_fields_and_defaults_match_aiortc() -> None:
    ours = [(f.name, f.default) for f in dataclasses.fields(RTCDataChannelParameters)]
    theirs = [(f.name, f.default) for f in dataclasses.fields(AiortcParameters)]
    assert ours == theirs
    # Positional construction in aiortc's order keeps working.
    params = RTCDataChannelParameters("chat", None, 3, False, "proto", True, 5)
    assert (params.label, params.maxRetransmits, params.ordered, params.id) == ("chat", 3, False, 5)


def test_both_reliability_limits_raise_value_error() -> None:
    with pytest.raises(ValueError, match="both maxPacketLifeTime and maxRetransmits"):
        RTCDataChannelParameters(maxPacketLifeTime=100, maxRetransmits=0)


@pytest.mark.parametrize("value", [-1, 2**32, 1.5, True, "3"])
@pytest.mark.parametrize("name", ["maxPacketLifeTime", "maxRetransmits"])
def test_reliability_limits_must_fit_the_dcep_field(name: str, value: object) -> None:
    with pytest.raises(ValueError, match=name):
        RTCDataChannelParameters(**{name: value})  # type: ignore[arg-type]


def test_reliability_limits_accept_their_full_range() -> None:
    assert RTCDataChannelParameters(maxRetransmits=0).maxRetransmits == 0
    assert RTCDataChannelParameters(maxPacketLifeTime=2**32 - 1).maxPacketLifeTime == 2**32 - 1


@pytest.mark.parametrize("name", ["label", "protocol"])
def test_label_and_protocol_are_limited_in_utf8_bytes(name: str) -> None:
    assert RTCDataChannelParameters(**{name: "a" * 65535})  # type: ignore[arg-type]
    # 16384 characters only, but 65536 bytes in UTF-8.
    with pytest.raises(ValueError, match=name):
        RTCDataChannelParameters(**{name: "😀" * 16384})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=name):
        RTCDataChannelParameters(**{name: "a" * 65536})  # type: ignore[arg-type]


@pytest.mark.parametrize("stream_id", [-1, 65535, 70000, True])
def test_id_range(stream_id: int) -> None:
    with pytest.raises(ValueError, match="id"):
        RTCDataChannelParameters(id=stream_id)


def test_id_limits_inclusive() -> None:
    assert RTCDataChannelParameters(id=0).id == 0
    assert RTCDataChannelParameters(id=65534, negotiated=True).id == 65534


def test_negotiated_needs_an_id() -> None:
    with pytest.raises(ValueError, match="negotiated"):
        RTCDataChannelParameters(negotiated=True)
