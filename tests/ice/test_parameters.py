"""RTCIceParameters validation, RTCIceServer URL parsing and the aioice mapping."""

from __future__ import annotations

import pytest

from aiortc_transport.ice import RTCIceParameters, RTCIceServer
from aiortc_transport.ice.parameters import (
    IceServerUrl,
    connection_kwargs_from_servers,
    parse_ice_server_url,
)


def test_ice_parameters_accept_browser_credentials() -> None:
    chromium = RTCIceParameters("8/Yq", "0xGzSkI3B5h3BQ0Av5kVbTCd")
    firefox = RTCIceParameters("1a2b3c4d", "0123456789abcdef0123456789abcdef", iceLite=False)
    assert chromium.usernameFragment == "8/Yq"
    assert firefox.iceLite is False
    assert "0xGz" not in repr(chromium)  # the password stays out of logs


@pytest.mark.parametrize(
    ("ufrag", "password"),
    [
        ("", "p" * 22),
        ("abc", "p" * 22),
        ("ab d", "p" * 22),
        ("a" * 257, "p" * 22),
        ("abcd", ""),
        ("abcd", "p" * 21),
        ("abcd", "p" * 21 + "-"),
        (None, "p" * 22),
    ],
)
def test_ice_parameters_reject_malformed_credentials(ufrag: object, password: str) -> None:
    with pytest.raises(ValueError):
        RTCIceParameters(ufrag, password)  # type: ignore[arg-type]


def test_ice_parameters_reject_non_bool_ice_lite() -> None:
    with pytest.raises(ValueError):
        RTCIceParameters("abcd", "p" * 22, iceLite="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("stun:stun.example.org", IceServerUrl("stun", "stun.example.org", 3478, None)),
        ("stun:stun.example.org:19302", IceServerUrl("stun", "stun.example.org", 19302, None)),
        ("stuns:stun.example.org", IceServerUrl("stuns", "stun.example.org", 5349, None)),
        ("stun:192.0.2.1:1234", IceServerUrl("stun", "192.0.2.1", 1234, None)),
        ("stun:[2001:db8::1]:1234", IceServerUrl("stun", "2001:db8::1", 1234, None)),
        ("stun:[2001:db8::1]", IceServerUrl("stun", "2001:db8::1", 3478, None)),
        ("turn:turn.example.org", IceServerUrl("turn", "turn.example.org", 3478, "udp")),
        (
            "turn:turn.example.org:3479?transport=tcp",
            IceServerUrl("turn", "turn.example.org", 3479, "tcp"),
        ),
        ("turns:turn.example.org", IceServerUrl("turns", "turn.example.org", 5349, "tcp")),
        (
            "turns:turn.example.org:443?transport=tcp",
            IceServerUrl("turns", "turn.example.org", 443, "tcp"),
        ),
        (
            "TURN:turn.example.org?transport=UDP",
            IceServerUrl("turn", "turn.example.org", 3478, "udp"),
        ),
    ],
)
def test_urls_parse(url: str, expected: IceServerUrl) -> None:
    assert parse_ice_server_url(url) == expected
    assert parse_ice_server_url(str(expected)) == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        "stun",
        "stun:",
        "http://stun.example.org",
        "stun://stun.example.org",
        "foo:stun.example.org",
        "stun:stun.example.org:",
        "stun:stun.example.org:0",
        "stun:stun.example.org:65536",
        "stun:stun.example.org:abc",
        "stun:stun.example.org?transport=udp",
        "turn:turn.example.org?transport=sctp",
        "turn:turn.example.org?transport=",
        "turn:turn.example.org?foo=bar",
        "stun:[2001:db8::zz]",
        "stun:2001:db8::1",
        "stun:user@stun.example.org",
        "stun:bad_host!",
    ],
)
def test_malformed_urls_raise_value_error(url: str) -> None:
    with pytest.raises(ValueError, match="ICE server URL"):
        parse_ice_server_url(url)


def test_ice_server_validates_at_construction() -> None:
    server = RTCIceServer(["stun:a.example.org", "stun:b.example.org:1"])
    assert [u.host for u in server.parsedUrls] == ["a.example.org", "b.example.org"]
    with pytest.raises(ValueError):
        RTCIceServer("stun:bad url")
    with pytest.raises(ValueError):
        RTCIceServer([])
    with pytest.raises(ValueError, match="username"):
        RTCIceServer("turn:turn.example.org")
    with pytest.raises(ValueError):
        RTCIceServer("stun:a.example.org", credentialType="oauth")


def test_servers_map_to_aioice_kwargs() -> None:
    servers = [
        RTCIceServer(["stun:a.example.org", "stun:b.example.org"]),
        RTCIceServer("turns:t.example.org", username="u", credential="c"),
        RTCIceServer("turn:t2.example.org", username="u2", credential="c2"),
    ]
    assert connection_kwargs_from_servers(servers) == {
        "stun_server": ("a.example.org", 3478),
        "turn_server": ("t.example.org", 5349),
        "turn_ssl": True,
        "turn_transport": "tcp",
        "turn_username": "u",
        "turn_password": "c",
    }
    assert connection_kwargs_from_servers([]) == {}
