"""A whole stack on each side: loopback ICE -> DTLS -> SCTP, connected, for channel tests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiortc_transport.datachannel.channel import RTCDataChannel
from aiortc_transport.sctp.transport import RTCSctpTransport
from tests.dtls.helpers import DtlsSide, dtls_side, ice_pair, start_both
from tests.ice.helpers import StateRecorder

TIMEOUT = 10.0


@dataclass
class StackSide:
    dtls: DtlsSide
    sctp: RTCSctpTransport
    states: StateRecorder
    channels: list[RTCDataChannel] = field(default_factory=list)
    channel_arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def on_datachannel(self, channel: RTCDataChannel) -> None:
        self.channels.append(channel)
        self.channel_arrived.set()

    async def wait_channel(self, count: int = 1, timeout: float = TIMEOUT) -> RTCDataChannel:
        async def wait() -> None:
            while len(self.channels) < count:
                self.channel_arrived.clear()
                await self.channel_arrived.wait()

        await asyncio.wait_for(wait(), timeout)
        return self.channels[count - 1]


async def stack_pair(*, start_sctp: bool = True, **sctp_kwargs: Any) -> tuple[StackSide, StackSide]:
    """A (ICE controlling, so DTLS server) and Z (DTLS client), DTLS connected, SCTP started."""
    ice_a, ice_z = await ice_pair()
    a = dtls_side(ice_a, 0)
    z = dtls_side(ice_z, 1)
    outcomes = await start_both(a, z)
    assert outcomes == [None, None]
    sides = []
    for d in (a, z):
        sctp = RTCSctpTransport(d.dtls, **sctp_kwargs)
        side = StackSide(d, sctp, StateRecorder(sctp))
        sctp.on("datachannel", side.on_datachannel)
        sides.append(side)
    if start_sctp:
        caps = RTCSctpTransport.getCapabilities()
        await asyncio.gather(sides[0].sctp.start(caps, 5000), sides[1].sctp.start(caps, 5000))
    return sides[0], sides[1]


async def stop_stack(*sides: StackSide) -> None:
    for side in sides:
        await side.sctp.stop()
    for side in sides:
        await side.dtls.dtls.stop()
    for side in sides:
        await side.dtls.ice.transport.stop()
