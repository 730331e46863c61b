"""RTCPeerConnection behaviour between two of ours: states and their events, trickle,
candidate forms, roles, malformed descriptions, rejected media sections, closing."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from aiortc_transport.exceptions import InvalidAccessError, InvalidStateError, OperationError
from aiortc_transport.ice import RTCIceCandidate
from aiortc_transport.peerconnection import RTCConfiguration, RTCPeerConnection
from aiortc_transport.sdp import RTCSessionDescription, SdpParseError, SessionDescription

from .helpers import (
    Inbox,
    expect,
    negotiate,
    negotiate_trickle,
    open_channel,
    wait_channel,
    wait_connected,
    wait_state,
)


def make() -> RTCPeerConnection:
    return RTCPeerConnection(RTCConfiguration(loopback=True))


class Recorder:
    """Every value of the four state attributes, recorded on their change events."""

    EVENTS = {
        "signalingState": "signalingstatechange",
        "iceGatheringState": "icegatheringstatechange",
        "iceConnectionState": "iceconnectionstatechange",
        "connectionState": "connectionstatechange",
    }

    def __init__(self, pc: RTCPeerConnection) -> None:
        self.values: dict[str, list[str]] = {name: [] for name in self.EVENTS}
        for name, event in self.EVENTS.items():
            pc.on(event, lambda name=name: self.values[name].append(getattr(pc, name)))


async def test_state_sequences_through_connect_and_close() -> None:
    a, b = make(), make()
    rec_a, rec_b = Recorder(a), Recorder(b)
    for pc in (a, b):
        assert (pc.signalingState, pc.iceGatheringState) == ("stable", "new")
        assert (pc.iceConnectionState, pc.connectionState) == ("new", "new")
        assert pc.localDescription is None and pc.remoteDescription is None
    channel = a.createDataChannel("chat")
    await negotiate(a, b)
    await asyncio.gather(wait_connected(a), wait_connected(b))
    await wait_channel(channel, "open")
    assert rec_a.values["signalingState"] == ["have-local-offer", "stable"]
    assert rec_b.values["signalingState"] == ["have-remote-offer", "stable"]
    for rec in (rec_a, rec_b):
        assert rec.values["iceGatheringState"] == ["gathering", "complete"]
        assert rec.values["connectionState"] == ["connecting", "connected"]
        # Both descriptions carried a=end-of-candidates: connected is followed by completed.
        assert rec.values["iceConnectionState"][:2] == ["checking", "connected"]
    await wait_state(a, "iceConnectionState", "completed", "iceconnectionstatechange")
    await a.close()
    await wait_state(b, "connectionState", "closed", "connectionstatechange")
    assert rec_a.values["connectionState"][-1] == "closed"
    assert rec_a.values["signalingState"][-1] == "closed"
    assert a.iceConnectionState == "closed"
    # No event after close: listeners were dropped.
    assert a.listeners("connectionstatechange") == []


async def test_ice_and_dtls_roles_offerer_controlling_answerer_active() -> None:
    a, b = make(), make()
    a.createDataChannel("x")
    await negotiate(a, b)
    await asyncio.gather(wait_connected(a), wait_connected(b))
    assert a.sctp.transport.transport.role == "controlling"
    assert b.sctp.transport.transport.role == "controlled"
    assert "a=setup:actpass" in a.localDescription.sdp  # type: ignore[union-attr]
    assert "a=setup:active" in b.localDescription.sdp  # type: ignore[union-attr]
    assert b.sctp.transport.role == "client" and a.sctp.transport.role == "server"
    await a.close()
    await b.close()


async def test_remote_active_offer_is_honoured() -> None:
    a, b = make(), make()
    a.createDataChannel("x")
    offer = await a.createOffer()
    munged = RTCSessionDescription(
        sdp=offer.sdp.replace("a=setup:actpass", "a=setup:active"), type="offer"
    )
    await a.setLocalDescription(munged)
    await b.setRemoteDescription(a.localDescription)  # type: ignore[arg-type]
    answer = await b.createAnswer()
    assert "a=setup:passive" in answer.sdp
    await b.setLocalDescription(answer)
    await a.setRemoteDescription(b.localDescription)  # type: ignore[arg-type]
    await asyncio.gather(wait_connected(a), wait_connected(b))
    assert a.sctp.transport.role == "client" and b.sctp.transport.role == "server"
    # The DTLS client uses even stream ids (RFC 8832 section 6).
    channel, _ = await open_channel(a, b, "even")
    assert channel.id is not None and channel.id % 2 == 0
    await a.close()
    await b.close()


async def test_local_answer_may_choose_passive() -> None:
    a, b = make(), make()
    a.createDataChannel("x")
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)  # type: ignore[arg-type]
    answer = await b.createAnswer()
    passive = RTCSessionDescription(
        sdp=answer.sdp.replace("a=setup:active", "a=setup:passive"), type="answer"
    )
    await b.setLocalDescription(passive)
    await a.setRemoteDescription(b.localDescription)  # type: ignore[arg-type]
    await asyncio.gather(wait_connected(a), wait_connected(b))
    assert b.sctp.transport.role == "server" and a.sctp.transport.role == "client"
    await a.close()
    await b.close()


async def test_trickle_between_two_of_ours() -> None:
    a, b = make(), make()
    channel = a.createDataChannel("trickled")
    relayed = await negotiate_trickle(a, b)
    assert relayed >= 2
    await asyncio.gather(wait_connected(a), wait_connected(b))
    await wait_channel(channel, "open")
    # The remote description grew by the candidates added with addIceCandidate.
    remote = a.remoteDescription
    assert remote is not None
    assert "a=candidate:" in remote.sdp and "a=end-of-candidates" in remote.sdp
    await a.close()
    await b.close()


async def test_icecandidate_events_come_after_setLocalDescription_returns() -> None:
    a = make()
    a.createDataChannel("x")
    seen: list[Any] = []
    returned = False
    a.on("icecandidate", lambda c: seen.append((returned, c)))
    end = expect(a, "icecandidate", lambda c: c is None)
    await a.setLocalDescription(await a.createOffer())
    returned = True
    assert seen == []
    await asyncio.wait_for(end, 5)
    assert all(flag for flag, _ in seen)
    candidates = [c for _, c in seen]
    assert candidates[-1] is None and len(candidates) >= 2
    local = a.localDescription
    assert local is not None and "a=end-of-candidates" in local.sdp
    for candidate in candidates[:-1]:
        assert isinstance(candidate, RTCIceCandidate)
        assert candidate.sdpMid == "0" and candidate.sdpMLineIndex == 0
        assert candidate.ip == "127.0.0.1"
        assert candidate.candidate in local.sdp
    await a.close()


async def test_addIceCandidate_accepts_every_form_and_checks_them() -> None:
    a, b = make(), make()
    a.createDataChannel("x")
    with pytest.raises(InvalidStateError):
        await a.addIceCandidate({"candidate": "", "sdpMid": "0"})
    offer = await a.createOffer()
    await a.setLocalDescription(offer)
    await b.setRemoteDescription(offer)  # no candidates in it
    await b.setLocalDescription(await b.createAnswer())
    await a.setRemoteDescription(b.localDescription)  # type: ignore[arg-type]
    candidates = a.sctp.transport.transport.iceGatherer.getLocalCandidates()
    first, *rest = candidates
    with pytest.raises(TypeError):
        await b.addIceCandidate({"candidate": first.candidate})
    with pytest.raises(OperationError):
        await b.addIceCandidate({"candidate": first.candidate, "sdpMid": "nope"})
    with pytest.raises(ValueError):
        await b.addIceCandidate({"candidate": "candidate:garbage", "sdpMid": "0"})
    # The browser's JSON form, then our object form, then end-of-candidates as "".
    await b.addIceCandidate({"candidate": first.candidate, "sdpMid": "0", "sdpMLineIndex": 0})
    for candidate in rest:
        candidate.sdpMLineIndex = 0
        await b.addIceCandidate(candidate)
    await b.addIceCandidate({"candidate": "", "sdpMid": "0", "sdpMLineIndex": 0})
    for candidate in b.sctp.transport.transport.iceGatherer.getLocalCandidates():
        candidate.sdpMid = "0"
        await a.addIceCandidate(candidate)
    await a.addIceCandidate(None)
    await asyncio.gather(wait_connected(a), wait_connected(b))
    remote = b.remoteDescription
    assert remote is not None and first.candidate in remote.sdp
    assert "a=end-of-candidates" in remote.sdp
    await a.close()
    await b.close()


async def test_descriptions_as_browser_json_dictionaries() -> None:
    a, b = make(), make()
    channel = a.createDataChannel("json")
    await a.setLocalDescription()
    local = a.localDescription
    assert local is not None
    await b.setRemoteDescription({"type": local.type, "sdp": local.sdp})
    await b.setLocalDescription()  # implicit answer
    answer = b.localDescription
    assert answer is not None and answer.type == "answer"
    await a.setRemoteDescription({"type": "answer", "sdp": answer.sdp})
    await wait_channel(channel, "open")
    await a.close()
    await b.close()


def _offer_text(pc_sdp: str, transform: str) -> str:
    lines = pc_sdp.split("\r\n")
    if transform == "truncated":
        return "\r\n".join(lines[:3])
    if transform == "missing fingerprint":
        return "\r\n".join(line for line in lines if not line.startswith("a=fingerprint"))
    if transform == "unknown setup value":
        return pc_sdp.replace("a=setup:actpass", "a=setup:holdconn")
    if transform == "port 0":
        return re.sub(r"m=application \d+", "m=application 0", pc_sdp)
    if transform == "wrong protocol":
        return pc_sdp.replace("UDP/DTLS/SCTP webrtc-datachannel", "RTP/AVP 0")
    if transform == "bad fingerprint":
        return re.sub(r"(a=fingerprint:sha-256 )\S+", r"\1AB:CD", pc_sdp)
    if transform == "not sdp":
        return "hello world"
    raise AssertionError(transform)


@pytest.mark.parametrize(
    "transform",
    [
        "truncated",
        "missing fingerprint",
        "unknown setup value",
        "port 0",
        "wrong protocol",
        "bad fingerprint",
        "not sdp",
    ],
)
async def test_malformed_remote_offer_is_refused_and_changes_nothing(transform: str) -> None:
    a, b = make(), make()
    channel = a.createDataChannel("x")
    await a.setLocalDescription(await a.createOffer())
    good = a.localDescription
    assert good is not None
    events: list[str] = []
    for event in Recorder.EVENTS.values():
        b.on(event, lambda event=event: events.append(event))
    bad = RTCSessionDescription(sdp=_offer_text(good.sdp, transform), type="offer")
    with pytest.raises(SdpParseError) as info:
        await b.setRemoteDescription(bad)
    assert str(info.value)  # a message that says what is wrong
    assert b.signalingState == "stable" and b.remoteDescription is None
    assert events == []
    # The connection is still usable with a good description.
    await b.setRemoteDescription(good)
    await b.setLocalDescription(await b.createAnswer())
    await a.setRemoteDescription(b.localDescription)  # type: ignore[arg-type]
    await wait_channel(channel, "open")
    await a.close()
    await b.close()


async def test_errors_name_the_line() -> None:
    a, b = make(), make()
    a.createDataChannel("x")
    await a.setLocalDescription(await a.createOffer())
    local = a.localDescription
    assert local is not None
    bad = local.sdp.replace("a=setup:actpass", "a=setup:sideways")
    with pytest.raises(SdpParseError) as info:
        await b.setRemoteDescription(RTCSessionDescription(sdp=bad, type="offer"))
    assert info.value.line == "a=setup:sideways"
    assert info.value.line_number is not None
    await a.close()
    await b.close()


async def test_answer_with_actpass_or_other_sections_is_refused() -> None:
    a, b = make(), make()
    a.createDataChannel("x")
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)  # type: ignore[arg-type]
    await b.setLocalDescription(await b.createAnswer())
    answer = b.localDescription
    assert answer is not None
    actpass = answer.sdp.replace("a=setup:active", "a=setup:actpass")
    with pytest.raises(SdpParseError, match="actpass"):
        await a.setRemoteDescription(RTCSessionDescription(sdp=actpass, type="answer"))
    other_mid = answer.sdp.replace("a=mid:0", "a=mid:7")
    with pytest.raises(SdpParseError, match="do not match"):
        await a.setRemoteDescription(RTCSessionDescription(sdp=other_mid, type="answer"))
    rejected = re.sub(r"m=application \d+", "m=application 0", answer.sdp)
    with pytest.raises(SdpParseError, match="rejected"):
        await a.setRemoteDescription(RTCSessionDescription(sdp=rejected, type="answer"))
    assert a.signalingState == "have-local-offer"
    await a.setRemoteDescription(answer)
    assert a.signalingState == "stable"
    await a.close()
    await b.close()


AUDIO_VIDEO = (
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=mid:{audio}\r\n"
    "a=sendrecv\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=mid:{video}\r\n"
    "a=recvonly\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
)


async def test_audio_and_video_sections_are_rejected_in_the_answer() -> None:
    a, b = make(), make()
    a.createDataChannel("x")
    await a.setLocalDescription(await a.createOffer())
    offer = a.localDescription
    assert offer is not None
    head, data = offer.sdp.split("m=application", 1)
    sdp = head.replace("a=group:BUNDLE 0", "a=group:BUNDLE a v 0")
    sdp += AUDIO_VIDEO.format(audio="a", video="v") + "m=application" + data
    await b.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
    answer = await b.createAnswer()
    parsed = SessionDescription.parse(answer.sdp, type="answer")
    assert [(m.kind, m.mid, m.port == 0) for m in parsed.media] == [
        ("audio", "a", True),
        ("video", "v", True),
        ("application", "0", False),
    ]
    assert [g.mids for g in parsed.groups] == [("0",)]
    await b.setLocalDescription(answer)
    # A candidate trickled for the (bundled, now rejected) audio section still counts.
    theirs = a.sctp.transport.transport.iceGatherer.getLocalCandidates()[0]
    await b.addIceCandidate({"candidate": theirs.candidate, "sdpMid": "a"})
    await a.close()
    await b.close()


async def test_remote_max_message_size_is_honoured() -> None:
    a, b = make(), make()
    announced = expect(b, "datachannel")
    channel = a.createDataChannel("x")
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)  # type: ignore[arg-type]
    await b.setLocalDescription(await b.createAnswer())
    answer = b.localDescription
    assert answer is not None
    small = answer.sdp.replace("a=max-message-size:262144", "a=max-message-size:1000")
    await a.setRemoteDescription(RTCSessionDescription(sdp=small, type="answer"))
    (peer_channel,) = await asyncio.wait_for(announced, 5)
    await wait_channel(channel, "open")
    inbox = Inbox(peer_channel)
    channel.send(b"x" * 1000)
    assert await inbox.get() == b"x" * 1000
    with pytest.raises(OperationError):
        channel.send(b"x" * 1001)
    # The other direction keeps our advertised 256 KiB.
    back = Inbox(channel)
    peer_channel.send(b"y" * 262144)
    assert await back.get() == b"y" * 262144
    await a.close()
    await b.close()


async def test_local_max_message_size_is_configurable_higher() -> None:
    limit = 1024 * 1024
    a = RTCPeerConnection(RTCConfiguration(loopback=True, maxMessageSize=limit))
    b = RTCPeerConnection(RTCConfiguration(loopback=True, maxMessageSize=limit))
    announced = expect(b, "datachannel")
    channel = a.createDataChannel("big")
    await a.setLocalDescription(await a.createOffer())
    assert a.localDescription is not None
    assert f"a=max-message-size:{limit}" in a.localDescription.sdp
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription(await b.createAnswer())
    assert b.localDescription is not None
    await a.setRemoteDescription(b.localDescription)
    (peer_channel,) = await asyncio.wait_for(announced, 5)
    await wait_channel(channel, "open")
    inbox = Inbox(peer_channel)
    channel.send(b"z" * limit)
    assert await inbox.get() == b"z" * limit
    with pytest.raises(OperationError):
        channel.send(b"z" * (limit + 1))
    await a.close()
    await b.close()


async def test_signalling_state_errors() -> None:
    a, b = make(), make()
    with pytest.raises(InvalidStateError):
        await a.createAnswer()
    await a.setLocalDescription(await a.createOffer())
    offer = a.localDescription
    assert offer is not None
    with pytest.raises(InvalidStateError):
        await a.setRemoteDescription(offer)  # an offer while have-local-offer
    with pytest.raises(InvalidStateError):
        await b.setRemoteDescription(RTCSessionDescription(sdp=offer.sdp, type="answer"))
    # Rollback returns to stable; a new offer can follow.
    await a.setLocalDescription(RTCSessionDescription(sdp="", type="rollback"))
    assert a.signalingState == "stable" and a.localDescription is None
    await a.close()
    for call in (a.createOffer(), a.setLocalDescription(), a.addIceCandidate(None)):
        with pytest.raises(InvalidStateError):
            await call
    with pytest.raises(InvalidStateError):
        a.createDataChannel("late")
    await b.close()


async def test_local_description_cannot_change_credentials() -> None:
    a = make()
    offer = await a.createOffer()
    ufrag = re.search(r"a=ice-ufrag:(\S+)", offer.sdp)
    assert ufrag is not None
    munged = offer.sdp.replace(f"a=ice-ufrag:{ufrag[1]}", "a=ice-ufrag:zzzzzz")
    with pytest.raises(InvalidAccessError):
        await a.setLocalDescription(RTCSessionDescription(sdp=munged, type="offer"))
    assert a.signalingState == "stable"
    await a.close()


async def test_close_before_connecting_closes_pending_channels() -> None:
    a = make()
    channel = a.createDataChannel("never")
    closed = expect(channel, "close")
    await a.setLocalDescription(await a.createOffer())
    await a.close()
    await asyncio.wait_for(closed, 5)
    assert channel.readyState == "closed"
    assert (a.connectionState, a.signalingState) == ("closed", "closed")
    await a.close()  # harmless again


async def test_datachannel_event_and_channel_options_cross() -> None:
    a, b = make(), make()
    a.createDataChannel("boot")
    await negotiate(a, b)
    _local, remote = await open_channel(
        b, a, "opts", ordered=False, maxPacketLifeTime=500, protocol="p"
    )
    assert (remote.ordered, remote.maxPacketLifeTime, remote.protocol) == (False, 500, "p")
    await a.close()
    await b.close()


async def test_renegotiation_keeps_the_connection() -> None:
    a, b = make(), make()
    channel = a.createDataChannel("before")
    await negotiate(a, b)
    await wait_channel(channel, "open")
    # A second round, initiated by either side, changes nothing underneath.
    await negotiate(b, a)
    await negotiate(a, b)
    assert a.signalingState == b.signalingState == "stable"
    assert a.connectionState == b.connectionState == "connected"
    later, remote = await open_channel(a, b, "after")
    inbox = Inbox(remote)
    later.send("still connected")
    assert await inbox.get() == "still connected"
    await a.close()
    await b.close()


async def test_unreachable_peer_fails_the_connection() -> None:
    a, b = make(), make()
    a.createDataChannel("x")
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)  # type: ignore[arg-type]
    await b.setLocalDescription(await b.createAnswer())
    answer = b.localDescription
    assert answer is not None
    await b.close()  # gone before a even starts: its candidate's port is closed
    rec = Recorder(a)
    await a.setRemoteDescription(answer)
    # ICE gives up about 5 s (RTCIceTransport's check timeout) after the last check.
    await wait_state(a, "connectionState", "failed", "connectionstatechange", timeout=15)
    assert a.iceConnectionState == "failed"
    assert rec.values["connectionState"] == ["connecting", "failed"]
    await a.close()
    assert a.connectionState == "closed"
