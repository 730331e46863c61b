"""Helpers for the DTLS transport tests: connected loopback ICE pairs, a lossy shim,
message collectors."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiortc_transport._link import DatagramReceiver
from aiortc_transport.dtls.certificate import RTCCertificate
from aiortc_transport.dtls.transport import RTCDtlsTransport
from tests.ice.helpers import Side, StateRecorder, connect, exchange_candidates, make_side

TIMEOUT = 10.0


class Collector:
    """A receiver for decrypted messages that a test can wait on."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self._arrived = asyncio.Event()

    def __call__(self, data: bytes) -> None:
        self.messages.append(data)
        self._arrived.set()

    async def wait_for(self, count: int, timeout: float = TIMEOUT) -> None:
        async def wait() -> None:
            while len(self.messages) < count:
                self._arrived.clear()
                await self._arrived.wait()

        await asyncio.wait_for(wait(), timeout)


class LossyLink:
    """A test-only shim between DTLS and ICE that drops chosen datagrams.

    ``drop_out(n, data)`` / ``drop_in(n, data)`` are asked for the n-th (0-based) datagram
    sent / received and return True to drop it. Everything else is the real ICE transport.
    """

    def __init__(
        self,
        ice: Any,
        *,
        drop_out: Callable[[int, bytes], bool] | None = None,
        drop_in: Callable[[int, bytes], bool] | None = None,
    ) -> None:
        self._ice = ice
        self._drop_out = drop_out
        self._drop_in = drop_in
        self.sent = 0
        self.received = 0
        self.dropped_out: list[bytes] = []
        self.dropped_in: list[bytes] = []
        self._arrived = asyncio.Event()

    async def wait_received(self, count: int, timeout: float = TIMEOUT) -> None:
        """Wait until ``count`` datagrams came up from ICE (dropped or not)."""

        async def wait() -> None:
            while self.received < count:
                self._arrived.clear()
                await self._arrived.wait()

        await asyncio.wait_for(wait(), timeout)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ice, name)

    def _send_datagram(self, data: bytes) -> None:
        n = self.sent
        self.sent += 1
        if self._drop_out is not None and self._drop_out(n, data):
            self.dropped_out.append(data)
            return
        self._ice._send_datagram(data)

    def _set_datagram_receiver(self, receiver: DatagramReceiver | None) -> None:
        if receiver is None:
            self._ice._set_datagram_receiver(None)
            return

        def receive(data: bytes) -> None:
            n = self.received
            self.received += 1
            self._arrived.set()
            if self._drop_in is not None and self._drop_in(n, data):
                self.dropped_in.append(data)
                return
            receiver(data)

        self._ice._set_datagram_receiver(receive)


@dataclass
class DtlsSide:
    ice: Side
    dtls: RTCDtlsTransport
    states: StateRecorder
    certificate: RTCCertificate
    received: Collector = field(default_factory=Collector)
    errors: list[BaseException] = field(default_factory=list)


_CERTIFICATES: list[RTCCertificate] = []


def certificate(index: int) -> RTCCertificate:
    """Test certificates, generated once per session."""
    while len(_CERTIFICATES) <= index:
        _CERTIFICATES.append(RTCCertificate.generateCertificate())
    return _CERTIFICATES[index]


async def ice_pair(**ice_kwargs: Any) -> tuple[Side, Side]:
    """Two RTCIceTransports connected over 127.0.0.1 (A controlling, Z controlled)."""
    a = make_side("controlling", **ice_kwargs)
    z = make_side("controlled", **ice_kwargs)
    await exchange_candidates(a, z)
    await connect(a, z)
    return a, z


def dtls_side(ice: Side, cert_index: int, link: Any = None, **dtls_kwargs: Any) -> DtlsSide:
    cert = certificate(cert_index)
    dtls = RTCDtlsTransport(link if link is not None else ice.transport, [cert], **dtls_kwargs)
    side = DtlsSide(ice, dtls, StateRecorder(dtls), cert)
    dtls.on("error", side.errors.append)
    dtls._set_datagram_receiver(side.received)
    return side


async def start_both(a: DtlsSide, z: DtlsSide) -> list[BaseException | None]:
    """Start both transports with each other's parameters; return their outcomes."""
    results = await asyncio.wait_for(
        asyncio.gather(
            a.dtls.start(z.dtls.getLocalParameters()),
            z.dtls.start(a.dtls.getLocalParameters()),
            return_exceptions=True,
        ),
        TIMEOUT,
    )
    return [r if isinstance(r, BaseException) else None for r in results]


async def stop_all(*sides: DtlsSide) -> None:
    for side in sides:
        await side.dtls.stop()
    for side in sides:
        await side.ice.transport.stop()
