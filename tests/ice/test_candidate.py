"""RTCIceCandidate: both construction styles, real browser lines, malformed input."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from aioice import Candidate
from hypothesis import given
from hypothesis import strategies as st

from aiortc_transport.ice import RTCIceCandidate
from aiortc_transport.ice.candidate import candidate_from_aioice, candidate_to_aioice

VECTORS = Path(__file__).parent.parent / "vectors" / "ice-candidates.txt"


def _capture_lines() -> list[tuple[str, str]]:
    lines = []
    for line in VECTORS.read_text().splitlines():
        if line and not line.startswith("#"):
            source, sdp = line.split(" ", 1)
            lines.append((source, sdp))
    return lines


CAPTURE_LINES = _capture_lines()


@pytest.mark.parametrize(("source", "line"), CAPTURE_LINES, ids=[s for s, _ in CAPTURE_LINES])
def test_capture_lines_parse_and_round_trip(source: str, line: str) -> None:
    candidate = RTCIceCandidate(candidate=line, sdpMid="0", sdpMLineIndex=0)
    assert line.startswith("a=candidate:")
    # Firefox writes UDP/TCP in upper case; the W3C protocol attribute is lower case.
    assert candidate.candidate == line[2:].replace(" UDP ", " udp ").replace(" TCP ", " tcp ")
    assert candidate.protocol in ("udp", "tcp")
    assert candidate.type == "host"
    assert candidate.component == 1
    assert candidate.ip in ("127.0.0.1", "::1")
    assert candidate.sdpMid == "0" and candidate.sdpMLineIndex == 0
    if candidate.protocol == "tcp":
        assert candidate.tcpType in ("active", "passive")
    # Parsing the produced string gives the same candidate again.
    assert RTCIceCandidate(candidate=candidate.candidate, sdpMid="0", sdpMLineIndex=0) == candidate


def test_chromium_fields_and_extensions() -> None:
    line = (
        "candidate:842163049 1 udp 1677729535 198.51.100.7 54400 typ srflx raddr 10.0.0.2 "
        "rport 54400 generation 0 ufrag EsAw network-id 1 network-cost 10"
    )
    c = RTCIceCandidate(candidate=line, sdpMid="0", sdpMLineIndex=0)
    assert (c.foundation, c.component, c.protocol, c.priority) == (
        "842163049",
        1,
        "udp",
        1677729535,
    )
    assert (c.ip, c.port, c.type) == ("198.51.100.7", 54400, "srflx")
    assert (c.relatedAddress, c.relatedPort) == ("10.0.0.2", 54400)
    assert c.usernameFragment == "EsAw"
    assert c.extension("generation") == "0"
    assert c.extension("network-cost") == "10"
    assert c.extension("absent") is None
    assert c.candidate == line
    assert c.to_json() == {"candidate": line, "sdpMid": "0", "sdpMLineIndex": 0}


def test_mdns_and_ipv6_addresses_are_accepted() -> None:
    mdns = RTCIceCandidate(
        candidate="candidate:1 1 udp 2122260223 0c4a3c6b-5a0e-4a40-9c4f-7a8e3e1f2b11.local "
        "51234 typ host generation 0"
    )
    assert mdns.ip.endswith(".local")
    v6 = RTCIceCandidate(candidate="candidate:2 1 UDP 2122252543 fe80::1%eth0 1 typ host")
    assert v6.ip == "fe80::1%eth0"


def test_prefixes_are_optional() -> None:
    bare = RTCIceCandidate.from_sdp("1 1 udp 2130706431 127.0.0.1 5000 typ host")
    prefixed = RTCIceCandidate(candidate="candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host")
    attribute = RTCIceCandidate(candidate="a=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host")
    assert bare == prefixed == attribute
    assert bare.to_sdp() == "1 1 udp 2130706431 127.0.0.1 5000 typ host"


def test_aiortc_field_style() -> None:
    c = RTCIceCandidate(
        component=1,
        foundation="abc",
        ip="127.0.0.1",
        port=5000,
        priority=2130706431,
        protocol="UDP",
        type="relay",
        relatedAddress="127.0.0.1",
        relatedPort=6000,
        sdpMid="0",
        sdpMLineIndex=0,
    )
    assert c.protocol == "udp"
    assert c.candidate == (
        "candidate:abc 1 udp 2130706431 127.0.0.1 5000 typ relay raddr 127.0.0.1 rport 6000"
    )
    positional = RTCIceCandidate(1, "abc", "127.0.0.1", 5000, 2130706431, "udp", "host")
    assert positional.type == "host"
    with pytest.raises(TypeError):
        RTCIceCandidate(component=1, foundation="x")
    with pytest.raises(TypeError):
        RTCIceCandidate(1, candidate="candidate:1 1 udp 1 127.0.0.1 1 typ host")


@pytest.mark.parametrize(
    "line",
    [
        "",
        "candidate:",
        "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ",
        "candidate:1 1 udp 2130706431 127.0.0.1 5000 type host",
        "candidate:1 x udp 2130706431 127.0.0.1 5000 typ host",
        "candidate:1 0 udp 2130706431 127.0.0.1 5000 typ host",
        "candidate:1 1 udp -5 127.0.0.1 5000 typ host",
        "candidate:1 1 udp 99999999999 127.0.0.1 5000 typ host",
        "candidate:1 1 udp 2130706431 127.0.0.1 70000 typ host",
        "candidate:1 1 udp 2130706431 127.0.0.1 port typ host",
        "candidate:1 1 udp 2130706431 not_an*address 5000 typ host",
        "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ bogus",
        "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host raddr",
        "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ srflx raddr 1.2.3.4 rport x",
        "candidate:1 1 tcp 2130706431 127.0.0.1 5000 typ host tcptype sideways",
        "candidate:f@o 1 udp 2130706431 127.0.0.1 5000 typ host",
        "candidate:" + "a" * 33 + " 1 udp 2130706431 127.0.0.1 5000 typ host",
        "candidate:1 1 u(p 2130706431 127.0.0.1 5000 typ host",
        "candidate:1 1 udp \uff12 127.0.0.1 5000 typ host",  # a full-width digit
    ],
)
def test_malformed_strings_raise_value_error(line: str) -> None:
    with pytest.raises(ValueError):
        RTCIceCandidate(candidate=line)


@given(st.text(max_size=200))
def test_garbage_only_raises_value_error(text: str) -> None:
    with contextlib.suppress(ValueError):
        RTCIceCandidate(candidate=text)


@given(
    foundation=st.text("abcdefXYZ0189+/", min_size=1, max_size=32),
    component=st.integers(1, 256),
    protocol=st.sampled_from(["udp", "tcp"]),
    priority=st.integers(0, 2**32 - 1),
    ip=st.ip_addresses().map(str),
    port=st.integers(0, 65535),
    cand_type=st.sampled_from(["host", "srflx", "prflx", "relay"]),
    related=st.none() | st.tuples(st.ip_addresses().map(str), st.integers(0, 65535)),
)
def test_field_style_round_trips_through_the_string(
    foundation: str,
    component: int,
    protocol: str,
    priority: int,
    ip: str,
    port: int,
    cand_type: str,
    related: tuple[str, int] | None,
) -> None:
    c = RTCIceCandidate(
        component=component,
        foundation=foundation,
        ip=ip,
        port=port,
        priority=priority,
        protocol=protocol,
        type=cand_type,
        relatedAddress=related[0] if related else None,
        relatedPort=related[1] if related else None,
        tcpType="passive" if protocol == "tcp" else None,
    )
    assert RTCIceCandidate(candidate=c.candidate) == c


def test_aioice_conversion_round_trip() -> None:
    original = RTCIceCandidate(
        candidate="candidate:2 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 3"
    )
    converted = candidate_to_aioice(original)
    assert isinstance(converted, Candidate)
    assert converted.to_sdp() == original.to_sdp()
    back = candidate_from_aioice(converted)
    assert back == original

    native = Candidate.from_sdp(
        "6815297761 1 udp 659136 1.2.3.4 31102 typ srflx raddr 10.0.0.1 rport 2"
    )
    assert candidate_from_aioice(native).to_sdp() == native.to_sdp()
