"""Python side of the browser harness: typed wrappers over ``window.rtc`` in the test page.

A :class:`BrowserPeer` is one RTCPeerConnection in a page; a :class:`BrowserChannel` is one
RTCDataChannel. Every method is one ``page.evaluate`` of the matching ``window.rtc``
function (see ``static/rtc-harness.js``). Waits happen inside the page, on the events
themselves, with a timeout that raises a playwright ``Error`` whose message says what was
awaited; nothing polls or sleeps.

Session descriptions and candidates travel as the W3C JSON forms: ``{"type", "sdp"}`` and
``{"candidate", "sdpMid", "sdpMLineIndex", "usernameFragment"}``, so they can be handed to
a Python RTCPeerConnection as they are.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from playwright.async_api import Page

DEFAULT_TIMEOUT = 10.0
STREAM_TIMEOUT = 120.0

JSON = Any


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


async def call(page: Page, name: str, *args: JSON) -> JSON:
    """Await ``window.rtc[name](...args)`` in the page and return its JSON result."""
    return await page.evaluate("([name, args]) => window.rtc[name](...args)", [name, list(args)])


@dataclass(frozen=True, slots=True)
class Message:
    """A message a browser channel received."""

    kind: str  # "text" or "binary"
    size: int  # bytes (UTF-8 length for text)
    sha256: str
    text: str | None = None
    data: bytes | None = None  # binary content, when within the inline limit

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Message:
        """Build from the dict ``rtc.nextMessage`` returns."""
        b64 = value.get("b64")
        return cls(
            kind=value["kind"],
            size=value["size"],
            sha256=value["sha256"],
            text=value.get("text"),
            data=base64.b64decode(b64) if b64 is not None else None,
        )


@dataclass(frozen=True, slots=True)
class StreamResult:
    """Outcome of ``stream_send`` / ``stream_receive``."""

    bytes: int
    messages: int
    sha256: str
    elapsed: float  # seconds
    max_buffered_amount: int | None = None
    low_events: int | None = None

    @property
    def megabytes_per_second(self) -> float:
        """Throughput over ``elapsed`` (10**6 bytes per second)."""
        return self.bytes / self.elapsed / 1e6 if self.elapsed > 0 else float("inf")

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> StreamResult:
        """Build from the dict ``rtc.streamSend`` / ``rtc.streamReceive`` returns."""
        return cls(
            bytes=value["bytes"],
            messages=value["messages"],
            sha256=value["sha256"],
            elapsed=value["elapsedMs"] / 1000,
            max_buffered_amount=value.get("maxBufferedAmount"),
            low_events=value.get("lowEvents"),
        )


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data`` as lowercase hex, the form the page reports."""
    return hashlib.sha256(data).hexdigest()


class BrowserChannel:
    """One RTCDataChannel in the page."""

    def __init__(self, page: Page, info: dict[str, Any]) -> None:
        self.page = page
        self.handle: str = info["handle"]
        self.label: str = info["label"]
        self.initial_info = info

    def __repr__(self) -> str:
        return f"<BrowserChannel {self.handle} label={self.label!r}>"

    async def info(self) -> dict[str, Any]:
        """Current attributes: label, protocol, id, ordered, readyState, bufferedAmount..."""
        result: dict[str, Any] = await call(self.page, "channelInfo", self.handle)
        return result

    async def ready_state(self) -> str:
        """The channel's current readyState."""
        return str((await self.info())["readyState"])

    async def wait_state(self, state: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until readyState is ``state``."""
        await call(self.page, "waitChannelState", self.handle, state, _ms(timeout))

    async def log(self) -> list[dict[str, Any]]:
        """Every readyState change and error: ``[{t, kind, value}]`` (t in ms)."""
        result: list[dict[str, Any]] = await call(self.page, "channelLog", self.handle)
        return result

    async def states(self) -> list[str]:
        """The readyState values seen, in order, starting with the initial one."""
        return [e["value"] for e in await self.log() if e["kind"] == "readyState"]

    async def errors(self) -> list[dict[str, Any]]:
        """RTCErrorEvents seen on the channel."""
        result: list[dict[str, Any]] = await call(self.page, "channelErrors", self.handle)
        return result

    async def send_text(self, text: str) -> dict[str, Any]:
        """send(text); returns ``{kind, size, sha256}``."""
        result: dict[str, Any] = await call(
            self.page, "send", self.handle, {"kind": "text", "text": text}
        )
        return result

    async def send_binary(self, data: bytes) -> dict[str, Any]:
        """send(Uint8Array(data)); returns ``{kind, size, sha256}``."""
        b64 = base64.b64encode(data).decode("ascii")
        result: dict[str, Any] = await call(
            self.page, "send", self.handle, {"kind": "binary", "b64": b64}
        )
        return result

    async def send_random(self, size: int) -> dict[str, Any]:
        """send() ``size`` random bytes made in the page; returns ``{kind, size, sha256}``."""
        result: dict[str, Any] = await call(
            self.page, "send", self.handle, {"kind": "random", "size": size}
        )
        return result

    async def next_message(
        self, timeout: float = DEFAULT_TIMEOUT, inline_limit: int = 65536
    ) -> Message:
        """The next message received (in arrival order)."""
        value = await call(self.page, "nextMessage", self.handle, _ms(timeout), inline_limit)
        return Message.from_json(value)

    async def stream_send(
        self,
        total_bytes: int,
        *,
        chunk_size: int = 65536,
        high_water_mark: int = 4 * 1024 * 1024,
        low_water_mark: int = 1024 * 1024,
        timeout: float = STREAM_TIMEOUT,
    ) -> StreamResult:
        """Send ``total_bytes`` random bytes with backpressure; returns its SHA-256."""
        options = {
            "chunkSize": chunk_size,
            "highWaterMark": high_water_mark,
            "lowWaterMark": low_water_mark,
            "timeoutMs": _ms(timeout),
        }
        value = await call(self.page, "streamSend", self.handle, total_bytes, options)
        return StreamResult.from_json(value)

    async def stream_receive(
        self, total_bytes: int, timeout: float = STREAM_TIMEOUT
    ) -> StreamResult:
        """Consume messages until ``total_bytes`` arrived; returns their SHA-256."""
        value = await call(self.page, "streamReceive", self.handle, total_bytes, _ms(timeout))
        return StreamResult.from_json(value)

    async def received(self) -> dict[str, int]:
        """``{messages, bytes}`` received so far, consumed or not."""
        result: dict[str, int] = await call(self.page, "channelReceived", self.handle)
        return result

    async def close(self) -> None:
        """RTCDataChannel.close()."""
        await call(self.page, "closeChannel", self.handle)


class BrowserPeer:
    """One RTCPeerConnection in the page."""

    def __init__(self, page: Page, handle: str) -> None:
        self.page = page
        self.handle = handle

    def __repr__(self) -> str:
        return f"<BrowserPeer {self.handle}>"

    @classmethod
    async def create(cls, page: Page, configuration: dict[str, Any] | None = None) -> BrowserPeer:
        """new RTCPeerConnection(configuration) in ``page``."""
        handle = await call(page, "createPeer", configuration or {})
        return cls(page, str(handle))

    async def create_data_channel(self, label: str, **options: Any) -> BrowserChannel:
        """createDataChannel(label, options) with W3C option names (ordered, negotiated...)."""
        info = await call(self.page, "createDataChannel", self.handle, label, options)
        return BrowserChannel(self.page, info)

    async def next_data_channel(self, timeout: float = DEFAULT_TIMEOUT) -> BrowserChannel:
        """The next channel announced by a ``datachannel`` event."""
        info = await call(self.page, "nextDataChannel", self.handle, _ms(timeout))
        return BrowserChannel(self.page, info)

    async def create_offer(self) -> dict[str, str]:
        """createOffer(); returns ``{type, sdp}`` without applying it."""
        result: dict[str, str] = await call(self.page, "createOffer", self.handle, {})
        return result

    async def create_answer(self) -> dict[str, str]:
        """createAnswer(); returns ``{type, sdp}`` without applying it."""
        result: dict[str, str] = await call(self.page, "createAnswer", self.handle, {})
        return result

    async def set_local_description(
        self, description: dict[str, str] | None = None
    ) -> dict[str, str]:
        """setLocalDescription(description), or the implicit form; returns localDescription."""
        result: dict[str, str] = await call(
            self.page, "setLocalDescription", self.handle, description
        )
        return result

    async def set_remote_description(self, description: dict[str, str]) -> None:
        """setRemoteDescription(description)."""
        await call(self.page, "setRemoteDescription", self.handle, description)

    async def add_ice_candidate(self, candidate: dict[str, Any] | None) -> None:
        """addIceCandidate(candidate); None signals end-of-candidates."""
        await call(self.page, "addIceCandidate", self.handle, candidate)

    async def local_description(self) -> dict[str, str] | None:
        """The current localDescription as ``{type, sdp}``."""
        result: dict[str, str] | None = await call(self.page, "localDescription", self.handle)
        return result

    async def next_candidate(self, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any] | None:
        """The next local candidate (trickle order); None once gathering has ended."""
        result: dict[str, Any] | None = await call(
            self.page, "nextCandidate", self.handle, _ms(timeout)
        )
        return result

    async def wait_gathering_complete(self, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        """Wait for iceGatheringState "complete"; ``{localDescription, candidates, ...}``."""
        result: dict[str, Any] = await call(
            self.page, "waitGatheringComplete", self.handle, _ms(timeout)
        )
        return result

    async def wait_state(
        self, value: str, kind: str = "connectionState", timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        """Wait until ``kind`` equals ``value``: connectionState, iceConnectionState,
        signalingState, iceGatheringState, or sctpState (``pc.sctp.state``)."""
        await call(self.page, "waitPeerState", self.handle, kind, value, _ms(timeout))

    async def state(self) -> dict[str, Any]:
        """All four state attributes plus the RTCSctpTransport's state and limits."""
        result: dict[str, Any] = await call(self.page, "peerState", self.handle)
        return result

    async def log(self) -> list[dict[str, Any]]:
        """Every recorded change: ``[{t, kind, value}]`` (t in ms since page load)."""
        result: list[dict[str, Any]] = await call(self.page, "peerLog", self.handle)
        return result

    async def states(self, kind: str = "connectionState") -> list[str]:
        """The values of one state attribute seen, in order, starting with the initial one."""
        return [e["value"] for e in await self.log() if e["kind"] == kind]

    async def selected_candidate_pair(self) -> dict[str, Any] | None:
        """``{state, local, remote, dtlsState, dtlsRole}`` of the nominated pair, from getStats."""
        result: dict[str, Any] | None = await call(self.page, "selectedCandidatePair", self.handle)
        return result

    async def close(self) -> None:
        """RTCPeerConnection.close()."""
        await call(self.page, "closePeer", self.handle)


async def relay_candidates(
    source: BrowserPeer, destination: BrowserPeer, timeout: float = DEFAULT_TIMEOUT
) -> list[dict[str, Any]]:
    """Trickle: hand each local candidate of ``source`` to ``destination`` as it appears,
    then end-of-candidates. Returns the candidates relayed."""
    relayed: list[dict[str, Any]] = []
    while True:
        candidate = await source.next_candidate(timeout)
        await destination.add_ice_candidate(candidate)
        if candidate is None:
            return relayed
        relayed.append(candidate)


async def negotiate(
    offerer: BrowserPeer,
    answerer: BrowserPeer,
    *,
    trickle: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[dict[str, str], dict[str, str]]:
    """Offer/answer between two browser peers, the way a signalling server would relay it.

    With ``trickle``, descriptions go out at once and candidates follow one by one (then
    end-of-candidates) in both directions. Without, each side waits for gathering to
    complete and sends a description that carries its candidates. Returns the offer and
    answer as sent. Does not wait for the connection.
    """
    offer = await offerer.set_local_description()
    if not trickle:
        offer = (await offerer.wait_gathering_complete(timeout))["localDescription"]
    await answerer.set_remote_description(offer)
    answer = await answerer.set_local_description()
    if not trickle:
        answer = (await answerer.wait_gathering_complete(timeout))["localDescription"]
    await offerer.set_remote_description(answer)
    if trickle:
        await asyncio.gather(
            relay_candidates(offerer, answerer, timeout),
            relay_candidates(answerer, offerer, timeout),
        )
    return offer, answer
