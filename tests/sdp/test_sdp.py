"""aiortc_transport.sdp: the byte-exact descriptions of four stacks, round trips, answers,
and malformed input."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiortc_transport.sdp import (
    Fingerprint,
    Group,
    RTCSessionDescription,
    SdpCandidate,
    SdpParseError,
    SessionDescription,
    answer_setup,
    build_answer,
    build_data_channel_description,
    dtls_role,
    parse_candidate,
)

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "sdp"
PEERS = ("chromium", "firefox", "wrtc", "werift")
FILES = [f"{peer}-{kind}" for peer in PEERS for kind in ("offer", "answer")]


def read(name: str) -> str:
    # newline="" keeps the CRLF line ends exactly as captured.
    with open(VECTORS / f"{name}.sdp", newline="") as f:
        return f.read()


# What each captured description says, read off the files by hand:
# (ufrag, pwd, fingerprint prefix, setup, max-message-size, candidates, end-of-candidates)
EXPECTED = {
    "chromium-offer": ("UK9Y", "kWgOC+yO8ZjJz6k+Cqws4xSV", "CB:E9", "actpass", 262144, 2, False),
    "chromium-answer": ("v9L7", "y1CNMYsHoRCGJEzHGMxpij5M", "F7:DD", "active", 262144, 1, False),
    "firefox-offer": (
        "a84dbead",
        "e51863cf35caa74a3cfb238b85ede336",
        "04:EB",
        "actpass",
        1073741823,
        4,
        True,
    ),
    "firefox-answer": (
        "fcf71048",
        "de61a1ec7b63ac7caaeffb41fd18fe29",
        "5B:2E",
        "active",
        1073741823,
        4,
        True,
    ),
    "wrtc-offer": ("LPcc", "KnSd1iXGd1Sspj41hqt5KEbS", "C2:E9", "actpass", 262144, 4, False),
    "wrtc-answer": ("jqNx", "DtXcEcQWeEvaW+F+lV5jp+Lu", "4E:6A", "active", 262144, 2, False),
    "werift-offer": ("c48d", "ec55d84dabcea761d63f21", "A2:8D", "actpass", 65536, 1, True),
    "werift-answer": ("9597", "36d607a0ea42fec63b343d", "2A:8F", "active", 65536, 1, True),
}


# ------------------------------------------------------------------ captured descriptions


@pytest.mark.parametrize("name", FILES)
def test_captured_descriptions_parse(name: str) -> None:
    text = read(name)
    assert "\r\n" in text
    description = SessionDescription.parse(text, type=name.split("-")[1])
    transport = description.data_channel_transport()
    ufrag, pwd, fingerprint, setup, max_size, candidates, end = EXPECTED[name]
    assert (transport.ice_ufrag, transport.ice_pwd) == (ufrag, pwd)
    [fp] = transport.fingerprints
    assert fp.algorithm == "sha-256"
    assert fp.value.startswith(fingerprint) and len(fp.value) == 32 * 3 - 1
    assert transport.setup == setup
    assert transport.max_message_size == max_size
    assert len(transport.candidates) == candidates
    assert all(c.startswith("candidate:") for c in transport.candidates)
    assert transport.end_of_candidates is end
    assert transport.mid == "0"
    assert transport.sctp_port == 5000
    assert transport.ice_options == ("trickle",)
    assert transport.ice_lite is False
    assert description.bundle == ("0",)
    [media] = description.media
    assert (media.kind, media.protocol, media.formats) == (
        "application",
        "UDP/DTLS/SCTP",
        ["webrtc-datachannel"],
    )
    # Every candidate line parses, and prints back as it was written.
    for candidate in transport.candidates:
        assert str(parse_candidate(candidate)) == candidate


def test_firefox_session_level_attributes_apply_to_the_data_section() -> None:
    description = SessionDescription.parse(read("firefox-offer"))
    media = description.data_section()
    # Firefox writes the fingerprint and ice-options at session level only.
    assert media.fingerprints == [] and media.ice_options == []
    assert len(description.fingerprints) == 1
    assert description.data_channel_transport().fingerprints == tuple(description.fingerprints)
    assert ("sendrecv", None) in media.attributes
    assert ("msid-semantic", "WMS *") in description.attributes


@pytest.mark.parametrize(
    "name", ["chromium-offer", "chromium-answer", "wrtc-offer", "werift-offer"]
)
def test_chromium_style_descriptions_print_back_byte_exact(name: str) -> None:
    text = read(name)
    assert str(SessionDescription.parse(text)) == text


@pytest.mark.parametrize("name", FILES)
def test_printing_and_parsing_again_gives_the_same_description(name: str) -> None:
    description = SessionDescription.parse(read(name))
    again = SessionDescription.parse(str(description))
    assert again == description
    assert str(again) == str(description)


@pytest.mark.parametrize("peer", PEERS)
def test_answering_every_captured_offer(peer: str) -> None:
    offer = SessionDescription.parse(read(f"{peer}-offer"), type="offer")
    answer = build_answer(
        offer,
        ice_ufrag="abcd",
        ice_pwd="a" * 22,
        fingerprints=[Fingerprint("sha-256", "AB:" * 31 + "CD")],
        candidates=["candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host"],
        end_of_candidates=True,
    )
    text = str(answer)
    parsed = SessionDescription.parse(text, type="answer")
    transport = parsed.data_channel_transport()
    assert transport.setup == "active"
    assert transport.mid == "0"
    assert parsed.bundle == ("0",)
    assert transport.max_message_size == 262144
    assert parsed.media[0].port == 40000
    assert parsed.media[0].connection == "IN IP4 127.0.0.1"
    assert dtls_role(transport.setup) == "client"


# ------------------------------------------------------------------ building


def _fingerprints() -> list[Fingerprint]:
    return [
        Fingerprint("sha-256", ":".join(f"{i:02X}" for i in range(32))),
        Fingerprint("sha-384", ":".join(f"{i:02X}" for i in range(48))),
    ]


def test_built_offer_text_and_round_trip() -> None:
    offer = build_data_channel_description(
        ice_ufrag="Ufrg",
        ice_pwd="P" * 24,
        fingerprints=_fingerprints(),
        setup="actpass",
        session_id="4611686018427387904",
        candidates=[
            "candidate:1 1 udp 2122260223 127.0.0.1 42288 typ host generation 0",
            "a=candidate:2 1 udp 2122262783 ::1 42289 typ host",
        ],
        end_of_candidates=True,
    )
    text = str(offer)
    lines = text.split("\r\n")
    assert lines[:6] == [
        "v=0",
        "o=- 4611686018427387904 0 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0",
        "m=application 42288 UDP/DTLS/SCTP webrtc-datachannel",
    ]
    assert lines[6:] == [
        "c=IN IP4 127.0.0.1",
        "a=candidate:1 1 udp 2122260223 127.0.0.1 42288 typ host generation 0",
        "a=candidate:2 1 udp 2122262783 ::1 42289 typ host",
        "a=end-of-candidates",
        "a=ice-ufrag:Ufrg",
        "a=ice-pwd:" + "P" * 24,
        "a=ice-options:trickle",
        f"a=fingerprint:{_fingerprints()[0]}",
        f"a=fingerprint:{_fingerprints()[1]}",
        "a=setup:actpass",
        "a=mid:0",
        "a=sctp-port:5000",
        "a=max-message-size:262144",
        "",
    ]
    parsed = SessionDescription.parse(text, type="offer")
    assert parsed == offer
    # Every offered fingerprint is kept.
    assert parsed.data_channel_transport().fingerprints == tuple(_fingerprints())


def test_built_offer_without_candidates_uses_placeholders() -> None:
    offer = build_data_channel_description(
        ice_ufrag="Ufrg", ice_pwd="P" * 22, fingerprints=_fingerprints()[:1], setup="actpass"
    )
    media = offer.data_section()
    assert (media.port, media.connection) == (9, "IN IP4 0.0.0.0")
    assert offer.origin.session_id.isdigit()
    assert int(offer.origin.session_id) < 2**63
    assert SessionDescription.parse(str(offer)) == offer


@pytest.mark.parametrize(
    "kwargs",
    [
        {"setup": "holdconn"},
        {"fingerprints": []},
        {"ice_ufrag": "abc"},
        {"ice_pwd": "short"},
        {"candidates": ["candidate:1 1 udp"]},
    ],
)
def test_build_refuses_bad_input(kwargs: dict[str, object]) -> None:
    arguments: dict[str, object] = {
        "ice_ufrag": "Ufrg",
        "ice_pwd": "P" * 22,
        "fingerprints": _fingerprints(),
        "setup": "actpass",
    }
    arguments.update(kwargs)
    with pytest.raises(ValueError):
        build_data_channel_description(**arguments)  # type: ignore[arg-type]


AUDIO_VIDEO_DATA_OFFER = (
    "v=0\r\n"
    "o=- 1 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE a v d\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:AuDi\r\n"
    "a=ice-pwd:audiopasswordaudiopass\r\n"
    "a=fingerprint:sha-256 " + "00:" * 31 + "00\r\n"
    "a=setup:actpass\r\n"
    "a=mid:a\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=weird-audio-thing:\x7f?\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "b=AS:500\r\n"
    "a=mid:v\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:AuDi\r\n"
    "a=ice-pwd:audiopasswordaudiopass\r\n"
    "a=fingerprint:sha-256 " + "00:" * 31 + "00\r\n"
    "a=setup:actpass\r\n"
    "a=mid:d\r\n"
    "a=sctp-port:5000\r\n"
)


def test_audio_and_video_sections_are_ignored_and_rejected_in_the_answer() -> None:
    offer = SessionDescription.parse(AUDIO_VIDEO_DATA_OFFER, type="offer")
    assert [m.kind for m in offer.media] == ["audio", "video", "application"]
    audio = offer.media[0]
    # Not ours: kept raw, not validated.
    assert audio.ice_ufrag is None and ("ice-ufrag", "AuDi") in audio.attributes
    assert offer.data_channel_transport().mid == "d"
    # No a=max-message-size: RFC 8841 section 6 default.
    assert offer.data_channel_transport().max_message_size == 65536

    answer = build_answer(offer, ice_ufrag="Ufrg", ice_pwd="P" * 22, fingerprints=_fingerprints())
    text = str(answer)
    parsed = SessionDescription.parse(text, type="answer")
    assert [(m.kind, m.port, m.mid) for m in parsed.media] == [
        ("audio", 0, "a"),
        ("video", 0, "v"),
        ("application", 9, "d"),
    ]
    assert "m=audio 0 UDP/TLS/RTP/SAVPF 111 0\r\n" in text
    assert parsed.bundle == ("d",)
    assert parsed.data_channel_transport().setup == "active"


def test_answer_without_bundle_in_the_offer_has_no_group() -> None:
    offer_text = read("chromium-offer").replace("a=group:BUNDLE 0\r\n", "")
    offer = SessionDescription.parse(offer_text)
    answer = build_answer(offer, ice_ufrag="Ufrg", ice_pwd="P" * 22, fingerprints=_fingerprints())
    assert answer.groups == []
    assert "a=group" not in str(answer)


def test_bundle_only_section_with_port_zero_is_usable() -> None:
    text = read("chromium-offer").replace("m=application 42288", "m=application 0")
    text = text.replace("a=mid:0\r\n", "a=mid:0\r\na=bundle-only\r\n")
    description = SessionDescription.parse(text)
    assert description.data_section().bundle_only
    assert SessionDescription.parse(str(description)) == description


def test_lf_line_ends_are_accepted() -> None:
    text = read("chromium-offer")
    assert SessionDescription.parse(text.replace("\r\n", "\n")) == SessionDescription.parse(text)


def test_max_message_size_zero_means_no_limit() -> None:
    text = read("chromium-offer").replace("max-message-size:262144", "max-message-size:0")
    assert SessionDescription.parse(text).data_channel_transport().max_message_size == 0


def test_setup_mapping() -> None:
    assert answer_setup("actpass") == "active"
    assert answer_setup("active") == "passive"
    assert answer_setup("passive") == "active"
    assert dtls_role("active") == "client"
    assert dtls_role("passive") == "server"
    with pytest.raises(ValueError):
        dtls_role("actpass")
    with pytest.raises(ValueError):
        answer_setup("holdconn")


# ------------------------------------------------------------------ malformed input


def _replace(old: str, new: str, name: str = "chromium-offer") -> str:
    text = read(name)
    assert old in text
    return text.replace(old, new)


CHROMIUM_LINES = read("chromium-offer").split("\r\n")
M_LINE = 8  # m=application in chromium-offer


def _line_of(prefix: str, text: str) -> int:
    return next(i for i, line in enumerate(text.split("\r\n"), 1) if line.startswith(prefix))


@pytest.mark.parametrize(
    ("text", "line_number", "reason"),
    [
        ("", None, "empty"),
        ("v=0\r\n", None, "no o= line"),
        ("v=0\r\no=- 2621440916", 2, "o= needs"),
        # Cut right before the fingerprint: the data section has none.
        ("\r\n".join(CHROMIUM_LINES[:14]) + "\r\n", M_LINE, "without a=fingerprint"),
        # Cut inside the m= line.
        ("\r\n".join(CHROMIUM_LINES[:7]) + "\r\nm=applicat", M_LINE, "m= needs"),
        # Cut before any media section.
        ("\r\n".join(CHROMIUM_LINES[:7]) + "\r\n", None, "no m=application"),
        (_replace("a=fingerprint:sha-256 CB", "a=x-fingerprint:sha-256 CB"), M_LINE, "fingerprint"),
        (_replace("a=setup:actpass", "a=setup:holdconn"), 16, "unknown a=setup value"),
        (_replace("a=setup:actpass", "a=setup:bogus"), 16, "unknown a=setup value"),
        (_replace("a=setup:actpass", "a=setup:"), 16, "unknown a=setup value"),
        (_replace("m=application 42288", "m=application 0"), M_LINE, r"rejected \(port 0\)"),
        (
            _replace("UDP/DTLS/SCTP webrtc-datachannel", "DTLS/SCTP 5000"),
            M_LINE,
            "no 'UDP/DTLS/SCTP webrtc-datachannel'",
        ),
        (
            _replace("UDP/DTLS/SCTP webrtc-datachannel", "RTP/AVP 0"),
            M_LINE,
            "no 'UDP/DTLS/SCTP webrtc-datachannel'",
        ),
        (
            _replace("m=application 42288 UDP/DTLS/SCTP webrtc-datachannel", "m=audio 9 RTP/AVP 0"),
            None,
            "no m=application",
        ),
        (_replace("max-message-size:262144", "max-message-size:abc"), 19, "a=max-message-size"),
        (_replace("max-message-size:262144", "max-message-size:-1"), 19, "a=max-message-size"),
        (_replace("max-message-size:262144", "max-message-size:"), 19, "a=max-message-size"),
        (_replace("max-message-size:262144", "max-message-size:1.5"), 19, "a=max-message-size"),
        (_replace("sctp-port:5000", "sctp-port:0"), 18, "a=sctp-port"),
        (_replace("sctp-port:5000", "sctp-port:70000"), 18, "a=sctp-port"),
        (_replace("a=ice-ufrag:UK9Y\r\n", ""), M_LINE, "ice-ufrag"),
        (_replace("a=ice-pwd:kWgOC+yO8ZjJz6k+Cqws4xSV", "a=ice-pwd:short"), 13, "ICE credential"),
        (_replace("a=ice-ufrag:UK9Y", "a=ice-ufrag:U K"), 12, "ICE credential"),
        (_replace("a=candidate:1060609007 1 udp", "a=candidate:1060609007 1"), 10, "candidate"),
        (_replace(" typ host generation 0 network-id 1 network-cost 50", " host"), 10, "typ"),
        (
            _replace(
                "network-id 1 network-cost 50\r\na=candidate:3",
                "network-id 1 network-cost\r\na=candidate:3",
            ),
            10,
            "extension",
        ),
        (_replace("2122260223 127.0.0.1 42288", "2122260223 127.0.0.1 99999"), 10, "port"),
        (_replace("sha-256 CB:E9", "sha-256 CB:E"), 15, "hex"),
        (_replace("sha-256 CB:E9:", "sha-256 "), 15, "32 bytes"),
        (_replace("a=fingerprint:sha-256 CB", "a=fingerprint:CB"), 15, "hash function"),
        (_replace("v=0", "v=1"), 1, "v=0"),
        (_replace("s=-\r\n", ""), M_LINE - 1, "s"),
        (_replace("t=0 0", "t=now"), 4, "t= needs"),
        (_replace("c=IN IP4 127.0.0.1", "c=IN IPX 127.0.0.1"), 9, "c= needs"),
        (_replace("a=mid:0", "mid:0"), 17, "not a '<type>=<value>' line"),
        (_replace("a=mid:0", "A=mid:0"), 17, "not a '<type>=<value>' line"),
        (_replace("a=mid:0", "a=mid:"), 17, "a=mid"),
        (_replace("a=mid:0", "s=again"), 17, "not allowed in a media section"),
        (_replace("a=mid:0", "a=mid:0\x00"), 17, "control character"),
        (_replace("a=group:BUNDLE 0", "a=group:"), 5, "a=group"),
    ],
)
def test_malformed_descriptions_name_the_line(
    text: str, line_number: int | None, reason: str
) -> None:
    with pytest.raises(SdpParseError, match=reason) as info:
        SessionDescription.parse(text)
    error = info.value
    assert isinstance(error, ValueError)
    assert error.line_number == line_number
    if line_number is not None:
        assert error.line == text.replace("\r\n", "\n").split("\n")[line_number - 1]
        assert str(error).startswith(f"line {line_number}: ")


def test_answer_with_actpass_is_refused() -> None:
    text = read("chromium-offer")
    with pytest.raises(SdpParseError, match="actpass") as info:
        SessionDescription.parse(text, type="answer")
    assert info.value.line_number == _line_of("a=setup", text)
    # The same text is a fine offer.
    SessionDescription.parse(text, type="offer")


def test_require_data_section_can_be_turned_off() -> None:
    text = _replace("m=application 42288 UDP/DTLS/SCTP webrtc-datachannel", "m=audio 9 RTP/AVP 0")
    description = SessionDescription.parse(text, require_data_section=False)
    assert [m.kind for m in description.media] == ["audio"]


def test_every_prefix_parses_or_raises_sdp_parse_error() -> None:
    for name in ("chromium-offer", "firefox-answer"):
        text = read(name)
        for end in range(len(text)):
            with contextlib.suppress(SdpParseError):
                SessionDescription.parse(text[:end])


@given(st.text(max_size=200))
def test_random_text_raises_only_sdp_parse_error(text: str) -> None:
    with contextlib.suppress(SdpParseError):
        SessionDescription.parse(text)


@given(st.lists(st.sampled_from(CHROMIUM_LINES[1:]), max_size=25))
def test_shuffled_real_lines_raise_only_sdp_parse_error(lines: list[str]) -> None:
    with contextlib.suppress(SdpParseError):
        SessionDescription.parse("\r\n".join(["v=0", *lines]))


# ------------------------------------------------------------------ candidates


def test_parse_candidate_fields() -> None:
    chromium = parse_candidate(
        "candidate:3248312187 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active"
        " generation 0 network-id 1 network-cost 50"
    )
    assert chromium == SdpCandidate(
        "3248312187",
        1,
        "tcp",
        1518280447,
        "127.0.0.1",
        9,
        "host",
        tcp_type="active",
        extensions=(("generation", "0"), ("network-id", "1"), ("network-cost", "50")),
    )
    relay = parse_candidate(
        "a=candidate:7 1 UDP 1686052607 192.0.2.1 3478 typ srflx raddr 10.0.0.1 rport 5000"
    )
    assert (relay.type, relay.related_address, relay.related_port) == ("srflx", "10.0.0.1", 5000)
    assert str(relay) == (
        "candidate:7 1 UDP 1686052607 192.0.2.1 3478 typ srflx raddr 10.0.0.1 rport 5000"
    )
    # werift: 25 hex digits of foundation and a ufrag extension; no prefix also works.
    werift = parse_candidate(
        "626da4e5384a0ce2d0d93678a 1 udp 2116026367 127.0.0.1 43924 typ host generation 0"
        " ufrag c48d"
    )
    assert werift.extensions == (("generation", "0"), ("ufrag", "c48d"))
    assert werift.address == "127.0.0.1"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "candidate:1 1 udp 1 127.0.0.1 9 host",
        "candidate:1 0 udp 1 127.0.0.1 9 typ host",
        "candidate:1 1 udp 4294967296 127.0.0.1 9 typ host",
        "candidate:1 1 udp 1 127.0.0.1 x typ host",
        "candidate:1 1 udp 1 127.0.0.1 9 typ host rport x",
        "candidate:" + "f" * 33 + " 1 udp 1 127.0.0.1 9 typ host",
    ],
)
def test_parse_candidate_errors(text: str) -> None:
    with pytest.raises(SdpParseError):
        parse_candidate(text)


# ------------------------------------------------------------------ RTCSessionDescription


@pytest.mark.parametrize("kind", ["offer", "pranswer", "answer", "rollback"])
def test_session_description_types(kind: str) -> None:
    description = RTCSessionDescription(sdp="", type=kind)
    assert (description.sdp, description.type) == ("", kind)


@pytest.mark.parametrize("kind", ["Offer", "", "reject", None])
def test_session_description_bad_type(kind: object) -> None:
    with pytest.raises(ValueError, match="'type' must be one of"):
        RTCSessionDescription(sdp="", type=kind)  # type: ignore[arg-type]


def test_session_description_parse() -> None:
    answer = RTCSessionDescription(sdp=read("firefox-answer"), type="answer")
    assert answer.parse().data_channel_transport().setup == "active"
    with pytest.raises(SdpParseError, match="actpass"):
        RTCSessionDescription(sdp=read("firefox-offer"), type="answer").parse()
    with pytest.raises(ValueError, match="rollback"):
        RTCSessionDescription(sdp="", type="rollback").parse()
    with pytest.raises(ValueError):
        RTCSessionDescription(sdp=b"v=0", type="offer")  # type: ignore[arg-type]


def test_groups_keep_every_bundle_mid() -> None:
    description = SessionDescription.parse(AUDIO_VIDEO_DATA_OFFER)
    assert description.groups == [Group("BUNDLE", ("a", "v", "d"))]
    assert description.bundle == ("a", "v", "d")
