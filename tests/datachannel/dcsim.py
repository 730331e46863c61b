"""Data channels over the two-endpoint SCTP simulator (tests/sctp/sim.py), no asyncio.

An endpoint is an ``Association`` plus a ``DataChannelManager`` wired like the asyncio
adapter (``RTCSctpTransport._apply_manager_output``): every association event goes to the
manager, the manager's actions are applied to the association in order (``SendMessage`` ->
``Association.send``, ``ResetStreams`` -> ``Association.reset_streams``), then its channel
events are recorded.  "A" is the DTLS server (odd stream ids), "Z" the DTLS client (even).

Each channel life (a stream id is reused after a close) is one ``ChannelRecord``: what the
user sent on it, what arrived, and the channel events it saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiortc_transport.datachannel.manager import (
    Action,
    ChannelClosed,
    ChannelClosing,
    ChannelEvent,
    ChannelOpened,
    ChannelState,
    DataChannelManager,
    MessageReceived,
    apply_action,
)
from aiortc_transport.datachannel.parameters import RTCDataChannelParameters
from aiortc_transport.exceptions import InvalidStateError, OperationError
from aiortc_transport.sctp.events import Event
from aiortc_transport.sctp.options import AssociationOptions

from ..sctp.sim import Endpoint, LinkConfig, Simulation

MAX_MESSAGE_SIZE = 262144


@dataclass
class ChannelRecord:
    """One life of one data channel, seen from one endpoint."""

    stream_id: int
    parameters: RTCDataChannelParameters
    #: True when this endpoint called ``open_channel`` (or both did: negotiated).
    local: bool
    sent: list[str | bytes] = field(default_factory=list)
    received: list[str | bytes] = field(default_factory=list)
    events: list[ChannelEvent] = field(default_factory=list)
    opened_at: float = 0.0
    closing: bool = False
    closed: bool = False
    closed_at: float | None = None
    #: When ``close_channel`` was called or the peer's close was seen.
    closing_at: float | None = None
    #: Messages sent before ``close_channel`` was called (or the peer's close was seen).
    sent_before_close: int | None = None

    @property
    def label(self) -> str:
        return self.parameters.label


class DcEndpoint:
    """An association endpoint of the simulator with a DCEP manager on top."""

    def __init__(self, sim: DcSimulation, endpoint: Endpoint, is_dtls_client: bool) -> None:
        self.sim = sim
        self.endpoint = endpoint
        self.name = endpoint.name
        self.manager = DataChannelManager(is_dtls_client, max_message_size=MAX_MESSAGE_SIZE)
        self.manager.remote_max_message_size = MAX_MESSAGE_SIZE
        #: The live channel life of each stream id.
        self.channels: dict[int, ChannelRecord] = {}
        #: Every channel life, in creation order.
        self.history: list[ChannelRecord] = []
        #: Actions the association refused, with the time (only expected while shutting down).
        self.refused: list[tuple[float, Action, Exception]] = []
        #: Channel events for a stream with no record (a bug of the manager or this glue).
        self.orphan_events: list[ChannelEvent] = []
        endpoint.on_event = self._on_association_event

    # -- wiring ----------------------------------------------------------------------
    def _on_association_event(self, endpoint: Endpoint, event: Event, now: float) -> None:
        self.manager.handle_event(event)
        self.apply()

    def apply(self) -> None:
        """Apply the manager's actions to the association, then record its events."""
        association = self.endpoint.association
        now = self.sim.now
        for action in self.manager.actions_to_apply():
            try:
                apply_action(association, action, now)
            except (InvalidStateError, OperationError) as exc:
                self.refused.append((now, action, exc))
        while (event := self.manager.next_event()) is not None:
            self._record(event, now)

    def _record(self, event: ChannelEvent, now: float) -> None:
        stream_id = event.stream_id
        if isinstance(event, ChannelOpened):
            opened = ChannelRecord(stream_id, event.parameters, local=False, opened_at=now)
            opened.events.append(event)
            self.channels[stream_id] = opened
            self.history.append(opened)
            return
        record = self.channels.get(stream_id)
        if record is None:
            self.orphan_events.append(event)
            return
        record.events.append(event)
        if isinstance(event, MessageReceived):
            record.received.append(event.data)
        elif isinstance(event, ChannelClosing | ChannelClosed):
            if not record.closing:
                record.closing = True
                if record.closing_at is None:
                    record.closing_at = now
                if record.sent_before_close is None:
                    record.sent_before_close = len(record.sent)
            if isinstance(event, ChannelClosed):
                record.closed = True
                record.closed_at = now
                del self.channels[stream_id]

    # -- user commands ---------------------------------------------------------------
    def open(self, parameters: RTCDataChannelParameters) -> ChannelRecord:
        """``open_channel`` and record the new life."""
        stream_id = self.manager.open_channel(parameters)
        params = self.manager.channel_parameters(stream_id)
        assert params is not None
        record = ChannelRecord(stream_id, params, local=True, opened_at=self.sim.now)
        self.channels[stream_id] = record
        self.history.append(record)
        self.apply()
        return record

    def can_send(self, stream_id: int) -> bool:
        """Whether the channel on this stream is open (W3C send() would not throw)."""
        return self.manager.channel_state(stream_id) is ChannelState.OPEN

    def send(self, stream_id: int, data: str | bytes) -> None:
        """Send one message on an open channel and remember it."""
        record = self.channels[stream_id]
        self.manager.send(stream_id, data)
        record.sent.append(data)
        self.apply()

    def close(self, stream_id: int) -> None:
        """``close_channel``."""
        record = self.channels[stream_id]
        if record.sent_before_close is None:
            record.sent_before_close = len(record.sent)
        record.closing_at = self.sim.now
        self.manager.close_channel(stream_id)
        self.apply()


class DcSimulation:
    """Two data-channel endpoints over the seeded, lossy virtual-clock link."""

    def __init__(
        self,
        seed: int,
        *,
        a_to_z: LinkConfig | None = None,
        z_to_a: LinkConfig | None = None,
        a_rwnd: int = 5 * 1024 * 1024,
        send_buffer_size: int = 16_000_000,
    ) -> None:
        def options() -> AssociationOptions:
            return AssociationOptions(
                max_message_size=MAX_MESSAGE_SIZE,
                remote_max_message_size=MAX_MESSAGE_SIZE,
                a_rwnd=a_rwnd,
                send_buffer_size=send_buffer_size,
            )

        self.sim = Simulation(
            seed, a_options=options(), z_options=options(), a_to_z=a_to_z, z_to_a=z_to_a
        )
        self.sim.keep_trace = False
        self.seed = seed
        self.a = DcEndpoint(self, self.sim.a, is_dtls_client=False)
        self.z = DcEndpoint(self, self.sim.z, is_dtls_client=True)

    @property
    def now(self) -> float:
        return self.sim.now

    def peer(self, endpoint: DcEndpoint) -> DcEndpoint:
        return self.z if endpoint is self.a else self.a

    def flush(self) -> None:
        self.sim.flush()
