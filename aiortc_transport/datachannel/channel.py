"""RTCDataChannel: the W3C data channel object, a thin view over the DCEP manager.

The object holds no protocol state of its own: the sans-I/O ``DataChannelManager`` decides,
``RTCSctpTransport`` applies what it decides to the association, and this class mirrors the
result as ``readyState`` and pyee events (``open``, ``message``, ``bufferedamountlow``,
``closing``, ``close``, ``error``). It adds three Python conveniences aiortc lacks:
``await channel.wait_open()``, ``async for message in channel`` and ``await channel.drain()``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from pyee.asyncio import AsyncIOEventEmitter

from ..exceptions import InvalidStateError
from .parameters import RTCDataChannelParameters

if TYPE_CHECKING:
    from ..sctp.transport import RTCSctpTransport

logger = logging.getLogger(__name__)

#: How many received messages ``async for`` keeps while nobody iterates; beyond it the
#: oldest are dropped (and counted) rather than growing without bound.
ITERATOR_QUEUE_LIMIT = 65536


class RTCDataChannel(AsyncIOEventEmitter):
    """A bidirectional message channel over an :class:`RTCSctpTransport`.

    :param transport: The SCTP transport carrying the channel.
    :param parameters: Label, reliability, ordering, protocol and (negotiated) id.
    :param send_open: aiortc's flag; channels the peer opened are created with ``False``
        internally. Applications leave it at ``True``.
    """

    def __init__(
        self,
        transport: RTCSctpTransport,
        parameters: RTCDataChannelParameters,
        send_open: bool = True,
    ) -> None:
        super().__init__()
        self.__transport = transport
        self.__parameters = parameters
        self.__id: int | None = parameters.id if parameters.negotiated else None
        self.__ready_state = "connecting"
        self.__threshold = 0
        self.__opened: asyncio.Event | None = None
        self.__drained: asyncio.Event | None = None
        self.__inbox: deque[str | bytes | None] | None = None
        self.__inbox_ready: asyncio.Event | None = None
        #: Messages dropped from the ``async for`` queue because nobody iterated.
        self.dropped_messages = 0
        if send_open:
            transport._register_local_channel(self)

    # -- W3C attributes --------------------------------------------------------------

    @property
    def id(self) -> int | None:
        """The SCTP stream id, or ``None`` until the DTLS role allows choosing one."""
        return self.__id

    @property
    def label(self) -> str:
        """The channel's label."""
        return self.__parameters.label

    @property
    def ordered(self) -> bool:
        """Whether messages are delivered in order."""
        return self.__parameters.ordered

    @property
    def maxPacketLifeTime(self) -> int | None:
        """Milliseconds during which (re)transmissions are attempted, or ``None``."""
        return self.__parameters.maxPacketLifeTime

    @property
    def maxRetransmits(self) -> int | None:
        """The maximum number of retransmissions, or ``None``."""
        return self.__parameters.maxRetransmits

    @property
    def protocol(self) -> str:
        """The sub-protocol name."""
        return self.__parameters.protocol

    @property
    def negotiated(self) -> bool:
        """Whether the channel was negotiated out of band (no DCEP)."""
        return self.__parameters.negotiated

    @property
    def readyState(self) -> str:
        """connecting, open, closing or closed."""
        return self.__ready_state

    @property
    def transport(self) -> RTCSctpTransport:
        """The :class:`RTCSctpTransport` carrying this channel."""
        return self.__transport

    @property
    def bufferedAmount(self) -> int:
        """Bytes accepted by :meth:`send` and not yet handed to the network.

        This includes what waits in the SCTP send queue, unlike aiortc, whose figure drops
        to zero while megabytes still wait inside its association.
        """
        if self.__id is None:
            return 0
        return self.__transport._buffered_amount(self.__id)

    @property
    def bufferedAmountLowThreshold(self) -> int:
        """``bufferedamountlow`` fires when ``bufferedAmount`` falls to this value or below."""
        return self.__threshold

    @bufferedAmountLowThreshold.setter
    def bufferedAmountLowThreshold(self, value: int) -> None:
        if value < 0 or value > 4294967295:
            raise ValueError("bufferedAmountLowThreshold must be in range 0 - 4294967295")
        self.__threshold = value
        if self.__id is not None:
            self.__transport._set_buffered_amount_low_threshold(self.__id, value)

    # -- W3C methods -----------------------------------------------------------------

    def send(self, data: str | bytes | bytearray | memoryview) -> None:
        """Send one message: ``str`` as text, bytes-like as binary.

        Raises InvalidStateError unless the channel is open, OperationError when the
        message is larger than the peer accepts (or the send buffer is full), TypeError for
        other types. Nothing accepted here is dropped on a reliable channel.
        """
        if self.__ready_state != "open" or self.__id is None:
            raise InvalidStateError(f"RTCDataChannel is not open (readyState {self.__ready_state})")
        self.__transport._send_on_channel(self.__id, data)

    def close(self) -> None:
        """Close the channel: both directions of its stream are reset (RFC 8831 6.7)."""
        if self.__ready_state in ("closing", "closed"):
            return
        self.__transport._close_channel(self)

    # -- Python extras ---------------------------------------------------------------

    async def wait_open(self) -> None:
        """Wait until the channel is open; raises InvalidStateError if it closes first."""
        if self.__ready_state == "open":
            return
        if self.__ready_state in ("closing", "closed"):
            raise InvalidStateError(f"RTCDataChannel is {self.__ready_state}")
        if self.__opened is None:
            self.__opened = asyncio.Event()
        await self.__opened.wait()
        if self.__ready_state != "open":
            raise InvalidStateError(f"RTCDataChannel is {self.__ready_state}")

    async def drain(self) -> None:
        """Wait until ``bufferedAmount`` is at or below ``bufferedAmountLowThreshold``.

        Backpressure for bulk senders: ``send()`` a chunk, then ``await drain()``. Returns at
        once when the channel is not open.
        """
        while self.__ready_state == "open" and self.bufferedAmount > self.__threshold:
            if self.__drained is None:
                self.__drained = asyncio.Event()
            self.__drained.clear()
            await self.__drained.wait()

    def __aiter__(self) -> AsyncIterator[str | bytes]:
        if self.__inbox is None:
            self.__inbox = deque()
            self.__inbox_ready = asyncio.Event()
            if self.__ready_state == "closed":
                self.__inbox.append(None)
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[str | bytes]:
        inbox = self.__inbox
        ready = self.__inbox_ready
        assert inbox is not None and ready is not None  # created by __aiter__
        while True:
            while not inbox:
                ready.clear()
                await ready.wait()
            item = inbox.popleft()
            if item is None:
                return
            yield item

    # -- called by RTCSctpTransport --------------------------------------------------

    def _set_id(self, stream_id: int) -> None:
        self.__id = stream_id
        if self.__threshold:
            self.__transport._set_buffered_amount_low_threshold(stream_id, self.__threshold)

    def _deliver(self, data: str | bytes) -> None:
        inbox = self.__inbox
        if inbox is not None:
            if len(inbox) >= ITERATOR_QUEUE_LIMIT:
                inbox.popleft()
                self.dropped_messages += 1
            inbox.append(data)
            assert self.__inbox_ready is not None
            self.__inbox_ready.set()
        self.emit("message", data)

    def _buffered_amount_low(self) -> None:
        if self.__drained is not None:
            self.__drained.set()
        self.emit("bufferedamountlow")

    def _set_ready_state(self, state: str) -> None:
        if state == self.__ready_state:
            return
        logger.debug("RTCDataChannel(%s) %s -> %s", self.__id, self.__ready_state, state)
        self.__ready_state = state
        if state == "open":
            if self.__opened is not None:
                self.__opened.set()
            self.emit("open")
        elif state == "closing":
            self.emit("closing")
        elif state == "closed":
            if self.__opened is not None:
                self.__opened.set()
            if self.__drained is not None:
                self.__drained.set()
            if self.__inbox is not None:
                self.__inbox.append(None)
                assert self.__inbox_ready is not None
                self.__inbox_ready.set()
            self.emit("close")
            # No event follows "close"; drop listeners so closed channels can be collected.
            self.remove_all_listeners()

    def _error(self, reason: str) -> None:
        self.emit("error", InvalidStateError(reason))
