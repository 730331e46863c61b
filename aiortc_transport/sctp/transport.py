"""RTCSctpTransport: the asyncio adapter over the sans-I/O SCTP association.

Theory of operation: the association does all protocol work; this class only moves bytes and
time. After every input (a datagram from DTLS, a timer, a user call) it *pumps*: hands every
packet the association wants to send to DTLS, dispatches every event the association produced,
and re-arms the one timer to the association's next deadline. Nothing here decides anything
about SCTP.

Data channels live one layer up (``aiortc_transport.datachannel``): this class hosts the sans-I/O
DCEP manager, routes association events to it, applies its actions to the association, and
turns its channel events into ``RTCDataChannel`` state changes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyee.asyncio import AsyncIOEventEmitter

from .._driver import DeadlineTimer
from ..datachannel.channel import RTCDataChannel
from ..datachannel.manager import (
    ChannelClosed,
    ChannelClosing,
    ChannelError,
    ChannelOpenAcked,
    ChannelOpened,
    ChannelReady,
    DataChannelManager,
    MessageReceived,
    apply_action,
)
from ..datachannel.parameters import RTCDataChannelParameters
from ..exceptions import InvalidStateError, OperationError
from .association import Association
from .events import (
    AssociationClosed,
    AssociationEstablished,
    AssociationRestarted,
    BufferedAmountLow,
    DataReceived,
    StreamsResetFailed,
    StreamsResetIncoming,
    StreamsResetOutgoing,
)
from .options import AssociationOptions

if TYPE_CHECKING:
    from ..dtls.transport import RTCDtlsTransport

logger = logging.getLogger(__name__)

#: What we advertise in ``a=max-message-size`` and ``getCapabilities()``: Chromium's limit.
LOCAL_MAX_MESSAGE_SIZE = 262144
#: RFC 8841 section 6.1: a peer that states no max-message-size is assumed to take 64 KiB.
REMOTE_DEFAULT_MAX_MESSAGE_SIZE = 65536
#: Bytes send() may queue across all channels before it raises OperationError.
SEND_BUFFER_SIZE = 16 * 1024 * 1024
#: How long ``stop()`` waits for SHUTDOWN to complete before it sends ABORT instead.
SHUTDOWN_TIMEOUT = 3.0


@dataclass
class RTCSctpCapabilities:
    """The capabilities of an SCTP transport (aiortc's name and field)."""

    maxMessageSize: int
    """The largest message that can be sent, or 0 when there is no limit."""


class RTCSctpTransport(AsyncIOEventEmitter):
    """The SCTP association of a WebRTC session, over an :class:`RTCDtlsTransport`.

    ``state`` moves new -> connecting -> connected -> closed, with a ``statechange`` event on
    every change (aiortc emits none). ``datachannel`` is emitted for every channel the peer
    opens.

    :param transport: The DTLS transport to run over.
    :param port: The local SCTP port (``a=sctp-port``), 5000 by default.
    """

    def __init__(
        self,
        transport: RTCDtlsTransport,
        port: int = 5000,
        *,
        options: AssociationOptions | None = None,
        max_message_size: int = LOCAL_MAX_MESSAGE_SIZE,
    ) -> None:
        if transport.state in ("closed", "failed"):
            raise InvalidStateError(f"RTCDtlsTransport is {transport.state}")
        super().__init__()
        self.__transport = transport
        self.__port = port
        if max_message_size < 0:
            raise ValueError("max_message_size must be >= 0 (0 means no limit)")
        self.__max_message_size = max_message_size
        self.__state = "new"
        self._options = options
        self._association: Association | None = None
        self._timer: DeadlineTimer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = False
        # Set when work was queued on the association while its events were dispatched.
        self._more_to_send = False
        self._pump_scheduled = False
        #: Actions of the DCEP layer the association refused (logged; see _apply_manager_output).
        self.refused_actions = 0
        self._max_channels: int | None = None
        self._remote_max_message_size = REMOTE_DEFAULT_MAX_MESSAGE_SIZE
        self._closed_event = asyncio.Event()
        self._event_handlers: dict[type, Callable[[Any], None]] = {
            AssociationEstablished: self._on_established,
            AssociationClosed: self._on_closed,
            AssociationRestarted: self._on_restarted,
            DataReceived: self._on_upper_event,
            StreamsResetIncoming: self._on_upper_event,
            StreamsResetOutgoing: self._on_upper_event,
            StreamsResetFailed: self._on_upper_event,
            BufferedAmountLow: self._on_upper_event,
        }
        # Data channels: the DCEP manager exists once the DTLS role is known (it decides the
        # parity of stream ids); channels created before that wait in _pending_channels.
        self._manager: DataChannelManager | None = None
        self._channels: dict[int, RTCDataChannel] = {}
        self._pending_channels: list[RTCDataChannel] = []
        self._channel_handlers: dict[type, Callable[[Any], None]] = {
            ChannelOpened: self._on_channel_opened,
            ChannelReady: self._on_channel_ready,
            ChannelOpenAcked: self._on_channel_acked,
            MessageReceived: self._on_channel_message,
            ChannelClosing: self._on_channel_closing,
            ChannelClosed: self._on_channel_closed,
            ChannelError: self._on_channel_error,
        }

    # -- public surface (aiortc names) ---------------------------------------------------

    @property
    def is_server(self) -> bool:
        """True when this side is the DTLS server (RFC 8832: it then uses odd stream ids)."""
        return bool(self.__transport.role == "server")

    @property
    def maxChannels(self) -> int | None:
        """How many data channels can be open at once; ``None`` before the association is up."""
        return self._max_channels

    @property
    def port(self) -> int:
        """The local SCTP port."""
        return self.__port

    @property
    def state(self) -> str:
        """new, connecting, connected or closed."""
        return self.__state

    @property
    def transport(self) -> RTCDtlsTransport:
        """The :class:`RTCDtlsTransport` this association runs over."""
        return self.__transport

    @classmethod
    def getCapabilities(cls) -> RTCSctpCapabilities:
        """The default capabilities (aiortc's classmethod): 256 KiB messages, as Chromium."""
        return RTCSctpCapabilities(maxMessageSize=LOCAL_MAX_MESSAGE_SIZE)

    @property
    def maxMessageSize(self) -> int:
        """The largest message this transport accepts (``a=max-message-size``; 0 = no
        limit). 256 KiB unless ``max_message_size`` was given; give the peer this value."""
        return self.__max_message_size

    async def start(
        self, remoteCaps: RTCSctpCapabilities | None, remotePort: int | None = None
    ) -> None:
        """Start the association.

        Returns at once, as aiortc's does; ``state`` reaches "connected" when the association
        is up (both ends send INIT, RFC 8841 section 9.3, and the collision rules sort it out).
        Use :meth:`wait_connected` to wait for it.
        """
        if self._started:
            return
        if self.__state == "closed":
            raise InvalidStateError("RTCSctpTransport is closed")
        self._started = True
        if remoteCaps is not None:
            self._remote_max_message_size = remoteCaps.maxMessageSize
        self._loop = asyncio.get_running_loop()
        self._timer = DeadlineTimer(self._loop, self._on_timer)
        if self._options is None:
            # Chromium lets 16 MiB wait per channel before send() fails; do the same for
            # the association as a whole (the core's own default is dcSCTP's 2 MB).
            base = AssociationOptions(send_buffer_size=SEND_BUFFER_SIZE)
            if self.__max_message_size * 2 > base.a_rwnd:
                # Room for two whole messages in the receive window, or a message near the
                # limit would reassemble at zero-window-probe speed.
                base = dataclasses.replace(base, a_rwnd=self.__max_message_size * 2)
        else:
            base = self._options
        options = dataclasses.replace(
            base,
            local_port=self.__port,
            remote_port=remotePort if remotePort is not None else 5000,
            max_message_size=self.__max_message_size,
            remote_max_message_size=self._remote_max_message_size,
        )
        self._association = Association(options)
        self._set_state("connecting")
        # Send our INIT before handling a peer INIT that DTLS held for us: our INIT ACK then
        # carries the tag and TSN of our INIT (RFC 9260 section 5.2.1). Answered from CLOSED it
        # would carry fresh ones, and aiortc adopts whichever of INIT / INIT ACK came last.
        if self.__transport.state == "connected":
            self._connect()
        self.__transport._set_datagram_receiver(self._on_datagram)
        self.__transport.on("statechange", self._on_dtls_statechange)
        if self.__transport.state in ("closed", "failed"):
            self._teardown("DTLS transport is " + self.__transport.state)

    async def stop(self) -> None:
        """Close the association gracefully (SHUTDOWN), or with ABORT if that times out."""
        association = self._association
        if association is not None and self.__state != "closed":
            # Dispatch what is already pending (an AssociationEstablished whose pump was
            # scheduled, say) while sending is still allowed, then shut down.
            self._pump()
            association.shutdown(self._now())
            self._pump()
            try:
                await asyncio.wait_for(self._closed_event.wait(), SHUTDOWN_TIMEOUT)
            except TimeoutError:
                association.abort("shutdown timed out", self._now())
                self._pump()
        self._teardown("stopped")

    async def wait_connected(self) -> None:
        """Wait until ``state`` is "connected"; raises InvalidStateError if it closes first."""
        if self.__state == "connected":
            return
        if self.__state == "closed":
            raise InvalidStateError("RTCSctpTransport is closed")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def on_change() -> None:
            if future.done():
                return
            if self.__state == "connected":
                future.set_result(None)
            elif self.__state == "closed":
                future.set_exception(InvalidStateError("RTCSctpTransport closed"))

        self.on("statechange", on_change)
        try:
            await future
        finally:
            self.remove_listener("statechange", on_change)

    # -- the pump ----------------------------------------------------------------------

    def _now(self) -> float:
        assert self._loop is not None  # set in start(); every caller runs after it
        return self._loop.time()

    def _connect(self) -> None:
        self._ensure_manager()
        if self._association is not None:
            self._association.connect(self._now())
            self._pump()

    def _on_datagram(self, data: bytes) -> None:
        association = self._association
        if association is None:
            return
        association.receive_packet(data, self._now())
        # Datagrams come in bursts (the ICE layer drains the socket backlog in one go):
        # pump once after the burst rather than once per packet, so one SACK covers the
        # whole burst and the sender's reaction to it is one bundled flight.
        self._schedule_pump()

    def _schedule_pump(self) -> None:
        if not self._pump_scheduled:
            self._pump_scheduled = True
            assert self._loop is not None  # set in start()
            self._loop.call_soon(self._scheduled_pump)

    def _scheduled_pump(self) -> None:
        self._pump_scheduled = False
        association = self._association
        if association is not None:
            # The burst is over: acknowledge it now rather than after the delayed-SACK timer.
            association.end_of_burst()
        self._pump()

    def _on_timer(self) -> None:
        association = self._association
        if association is None:
            return
        association.handle_timer(self._now())
        self._pump()

    def _pump(self) -> None:
        """Send what the association wants sent, dispatch its events, re-arm the timer.

        Dispatching an event may queue new work on the association (the DCEP manager
        answering an OPEN, resetting our side of a stream the peer reset): then the
        association is asked for packets again before the pump returns.
        """
        association = self._association
        if association is None:
            return
        send = self.__transport._send_datagram
        handlers = self._event_handlers
        while True:
            for packet in association.packets_to_send(self._now()):
                send(packet)
            self._more_to_send = False
            while (event := association.next_event()) is not None:
                handlers[type(event)](event)
            if self._association is not association:
                return  # closed while dispatching
            if not self._more_to_send:
                break
        if self._timer is not None:
            self._timer.arm(association.get_timer())

    # -- association events --------------------------------------------------------------

    def _on_established(self, event: AssociationEstablished) -> None:
        self._max_channels = min(event.outbound_streams, event.inbound_streams)
        self._set_state("connected")
        self._on_upper_event(event)

    def _on_restarted(self, event: AssociationRestarted) -> None:
        logger.info("RTCSctpTransport: the peer restarted the association")
        self._on_upper_event(event)

    def _on_closed(self, event: AssociationClosed) -> None:
        self._on_upper_event(event)
        self._teardown(event.reason)

    def _on_upper_event(self, event: Any) -> None:
        if type(event) is BufferedAmountLow:
            channel = self._channels.get(event.stream_id)
            if channel is not None:
                channel._buffered_amount_low()
            return
        manager = self._manager
        if manager is not None:
            manager.handle_event(event)
            self._apply_manager_output(manager)

    # -- data channels -------------------------------------------------------------------

    def _ensure_manager(self) -> DataChannelManager:
        if self._manager is None:
            manager = DataChannelManager(is_dtls_client=not self.is_server)
            manager.remote_max_message_size = self._remote_max_message_size
            self._manager = manager
            pending, self._pending_channels = self._pending_channels, []
            for channel in pending:
                self._open_local_channel(manager, channel)
        return self._manager

    def _register_local_channel(self, channel: RTCDataChannel) -> None:
        if self.__state == "closed":
            raise InvalidStateError("RTCSctpTransport is closed")
        if self._manager is None:
            if channel.negotiated and any(
                c.negotiated and c.id == channel.id for c in self._pending_channels
            ):
                raise ValueError(f"Data channel with ID {channel.id} already registered")
            self._pending_channels.append(channel)
            return
        self._open_local_channel(self._manager, channel)
        self._pump()

    def _open_local_channel(self, manager: DataChannelManager, channel: RTCDataChannel) -> None:
        parameters = RTCDataChannelParameters(
            label=channel.label,
            maxPacketLifeTime=channel.maxPacketLifeTime,
            maxRetransmits=channel.maxRetransmits,
            ordered=channel.ordered,
            protocol=channel.protocol,
            negotiated=channel.negotiated,
            id=channel.id,
        )
        stream_id = manager.open_channel(parameters)
        self._channels[stream_id] = channel
        channel._set_id(stream_id)
        self._apply_manager_output(manager)

    def _send_on_channel(self, stream_id: int, data: str | bytes | bytearray | memoryview) -> None:
        manager = self._manager
        if manager is None:
            raise InvalidStateError("RTCSctpTransport is not connected")
        manager.send(stream_id, data)
        self._apply_manager_output(manager, raise_errors=True)
        # Pump after the caller's burst of send() calls rather than after each one: the
        # messages then leave bundled in full packets, and the pump's fixed cost is paid
        # once per burst.
        self._schedule_pump()

    def _close_channel(self, channel: RTCDataChannel) -> None:
        if channel in self._pending_channels:
            self._pending_channels.remove(channel)
            channel._set_ready_state("closing")
            channel._set_ready_state("closed")
            return
        manager = self._manager
        if manager is None or channel.id is None:
            channel._set_ready_state("closed")
            return
        manager.close_channel(channel.id)
        self._apply_manager_output(manager)
        self._pump()

    def _buffered_amount(self, stream_id: int) -> int:
        association = self._association
        return 0 if association is None else association.buffered_amount(stream_id)

    def _set_buffered_amount_low_threshold(self, stream_id: int, value: int) -> None:
        association = self._association
        if association is not None:
            association.set_buffered_amount_low_threshold(stream_id, value)

    def _apply_manager_output(
        self, manager: DataChannelManager, *, raise_errors: bool = False
    ) -> None:
        """Apply the manager's actions to the association, then mirror its channel events.

        A refused action (the association is shutting down, its send buffer is full) is
        raised to the caller when the caller is the user's ``send()``; anything the manager
        queued on its own (a DCEP ACK, a stream reset) is logged and counted instead, so a
        protocol event can never raise out of the receive path.
        """
        association = self._association
        actions = manager.actions_to_apply()
        error: Exception | None = None
        if association is not None and actions:
            self._more_to_send = True
            now = self._now()
            for action in actions:
                try:
                    apply_action(association, action, now)
                except (InvalidStateError, OperationError) as exc:
                    if raise_errors and error is None:
                        error = exc
                    else:
                        self.refused_actions += 1
                        logger.info("RTCSctpTransport: %s refused: %s", action, exc)
        handlers = self._channel_handlers
        while (event := manager.next_event()) is not None:
            handlers[type(event)](event)
        if error is not None:
            raise error

    def _on_channel_opened(self, event: ChannelOpened) -> None:
        channel = RTCDataChannel(self, event.parameters, send_open=False)
        channel._set_id(event.stream_id)
        self._channels[event.stream_id] = channel
        channel._set_ready_state("open")
        self.emit("datachannel", channel)

    def _on_channel_ready(self, event: ChannelReady) -> None:
        channel = self._channels.get(event.stream_id)
        if channel is not None:
            channel._set_ready_state("open")

    def _on_channel_acked(self, event: ChannelOpenAcked) -> None:
        pass

    def _on_channel_message(self, event: MessageReceived) -> None:
        channel = self._channels.get(event.stream_id)
        if channel is not None:
            channel._deliver(event.data)

    def _on_channel_closing(self, event: ChannelClosing) -> None:
        channel = self._channels.get(event.stream_id)
        if channel is not None:
            channel._set_ready_state("closing")

    def _on_channel_closed(self, event: ChannelClosed) -> None:
        channel = self._channels.pop(event.stream_id, None)
        if channel is not None:
            channel._set_ready_state("closed")

    def _on_channel_error(self, event: ChannelError) -> None:
        channel = self._channels.get(event.stream_id)
        if channel is not None:
            channel._error(event.reason)

    def _on_dtls_statechange(self) -> None:
        state = self.__transport.state
        if state == "connected" and self._association is not None:
            self._connect()
        elif state in ("closed", "failed"):
            # The peer may tear down DTLS and ICE without an SCTP ABORT: everything above
            # must learn of it now, not stay "connected" forever as aiortc's does.
            if self.__state != "closed":
                self._on_upper_event(
                    AssociationClosed(reason=f"DTLS transport {state}", aborted=True)
                )
            self._teardown(f"DTLS transport {state}")

    def _teardown(self, reason: str) -> None:
        if self.__state == "closed":
            return
        for channel in [*self._pending_channels, *self._channels.values()]:
            channel._set_ready_state("closed")
        self._pending_channels.clear()
        self._channels.clear()
        logger.debug("RTCSctpTransport closing: %s", reason)
        if self._timer is not None:
            self._timer.cancel()
        self._association = None
        if self._started:
            # Only start() attached us to DTLS; stop() before start() has nothing to detach.
            self.__transport._set_datagram_receiver(None)
            self.__transport.remove_listener("statechange", self._on_dtls_statechange)
        self._closed_event.set()
        self._set_state("closed")

    def _set_state(self, state: str) -> None:
        if state != self.__state:
            logger.debug("RTCSctpTransport %s -> %s", self.__state, state)
            self.__state = state
            self.emit("statechange")
