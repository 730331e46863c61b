"""Our SDP against aiortc's SDP code (aiortc 1.16, the interop reference): each side reads
what the other writes. No network involved."""

from __future__ import annotations

from aiortc import sdp as aiortc_sdp
from aiortc.rtcdtlstransport import RTCDtlsFingerprint, RTCDtlsParameters
from aiortc.rtcicetransport import RTCIceCandidate, RTCIceParameters
from aiortc.rtcsctptransport import RTCSctpCapabilities

from aiortc_transport.sdp import (
    Fingerprint,
    SessionDescription,
    build_answer,
    build_data_channel_description,
)

FINGERPRINT = ":".join(f"{i * 7 % 256:02X}" for i in range(32))


def _aiortc_offer() -> str:
    description = aiortc_sdp.SessionDescription()
    description.origin = "- 3900000000 3900000000 IN IP4 0.0.0.0"
    description.group.append(aiortc_sdp.GroupDescription(semantic="BUNDLE", items=["0"]))
    description.msid_semantic.append(aiortc_sdp.GroupDescription(semantic="WMS", items=["*"]))
    media = aiortc_sdp.MediaDescription(
        kind="application", port=9, profile="UDP/DTLS/SCTP", fmt=["webrtc-datachannel"]
    )
    media.host = "0.0.0.0"
    media.sctp_port = 5000
    media.sctpCapabilities = RTCSctpCapabilities(maxMessageSize=262144)
    media.dtls = RTCDtlsParameters(
        fingerprints=[RTCDtlsFingerprint("sha-256", FINGERPRINT)], role="auto"
    )
    media.ice = RTCIceParameters(usernameFragment="abcd", password="p" * 22)
    media.ice_candidates.append(
        RTCIceCandidate(
            component=1,
            foundation="f1",
            ip="127.0.0.1",
            port=4000,
            priority=2130706431,
            protocol="udp",
            type="host",
        )
    )
    media.ice_candidates_complete = True
    media.ice_options = "trickle"
    media.rtp.muxId = "0"
    description.media.append(media)
    return str(description)


def test_we_read_aiortc_offers() -> None:
    offer = SessionDescription.parse(_aiortc_offer(), type="offer")
    transport = offer.data_channel_transport()
    assert (transport.ice_ufrag, transport.ice_pwd) == ("abcd", "p" * 22)
    assert transport.fingerprints == (Fingerprint("sha-256", FINGERPRINT),)
    assert transport.setup == "actpass"
    assert transport.max_message_size == 262144
    assert transport.candidates == ("candidate:f1 1 udp 2130706431 127.0.0.1 4000 typ host",)
    assert transport.end_of_candidates


def test_aiortc_reads_our_offer_and_answer() -> None:
    offer = build_data_channel_description(
        ice_ufrag="Ufrg",
        ice_pwd="P" * 22,
        fingerprints=[Fingerprint("sha-256", FINGERPRINT)],
        setup="actpass",
        candidates=["candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host"],
        end_of_candidates=True,
    )
    parsed = aiortc_sdp.SessionDescription.parse(str(offer))
    [media] = parsed.media
    assert (media.kind, media.port, media.profile, media.fmt) == (
        "application",
        40000,
        "UDP/DTLS/SCTP",
        ["webrtc-datachannel"],
    )
    assert (media.ice.usernameFragment, media.ice.password) == ("Ufrg", "P" * 22)
    assert media.dtls is not None
    assert media.dtls.role == "auto"
    assert [(f.algorithm, f.value) for f in media.dtls.fingerprints] == [("sha-256", FINGERPRINT)]
    assert media.sctp_port == 5000
    assert media.sctpCapabilities is not None
    assert media.sctpCapabilities.maxMessageSize == 262144
    assert [(c.ip, c.port, c.type) for c in media.ice_candidates] == [("127.0.0.1", 40000, "host")]
    assert media.ice_candidates_complete
    assert media.rtp.muxId == "0"
    assert [(g.semantic, g.items) for g in parsed.group] == [("BUNDLE", ["0"])]

    answer = build_answer(
        SessionDescription.parse(_aiortc_offer()),
        ice_ufrag="Ansr",
        ice_pwd="Q" * 22,
        fingerprints=[Fingerprint("sha-256", FINGERPRINT)],
    )
    [answer_media] = aiortc_sdp.SessionDescription.parse(str(answer)).media
    assert answer_media.dtls is not None
    # aiortc maps a=setup:active to its "client" role.
    assert answer_media.dtls.role == "client"
    assert answer_media.rtp.muxId == "0"
