"""RTCDataChannelParameters: the configuration of one data channel (aiortc-compatible).

Field names, order and defaults are aiortc's, so ``RTCDataChannelParameters(label="chat",
ordered=False)`` written for aiortc keeps working. Unlike aiortc, the values are checked
when the object is built, with the limits of the W3C ``RTCDataChannelInit`` dictionary and
RFC 8832.

Error type: where browsers throw ``TypeError`` (both reliability limits given, a label or
protocol longer than 65535 bytes, an id out of range) this raises ``ValueError``, which is
what aiortc raises for the same mistakes, so aiortc users' ``except ValueError`` still works.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MAX_STREAM_ID", "RTCDataChannelParameters"]

#: Highest usable SCTP stream id for a data channel; 65535 is reserved (W3C WebRTC 6.2).
MAX_STREAM_ID = 65534

_MAX_UINT16 = 0xFFFF
_MAX_UINT32 = 0xFFFFFFFF


@dataclass
class RTCDataChannelParameters:
    """The :class:`RTCDataChannelParameters` dictionary describes the configuration of an
    :class:`RTCDataChannel`.

    :param label: A name describing the data channel (at most 65535 UTF-8 bytes).
    :param maxPacketLifeTime: The time in milliseconds during which (re)transmissions are
        attempted, or None.
    :param maxRetransmits: The maximum number of retransmissions, or None. Setting both this
        and ``maxPacketLifeTime`` raises ``ValueError``. Both limits accept 0 to 2**32 - 1,
        the range of the DCEP field that carries them (browsers limit what their own
        ``createDataChannel()`` takes to 65535, but a peer may announce more).
    :param ordered: Whether messages are delivered in order.
    :param protocol: The sub-protocol name (at most 65535 UTF-8 bytes).
    :param negotiated: True when the application negotiates the channel out of band and
        both sides create it with the same ``id`` (no DCEP handshake); ``id`` is then
        required.
    :param id: The SCTP stream id, 0-65534. Only used for negotiated channels (W3C); other
        channels get an id chosen by the DTLS role (RFC 8832 section 6).
    """

    label: str = ""
    maxPacketLifeTime: int | None = None
    maxRetransmits: int | None = None
    ordered: bool = True
    protocol: str = ""
    negotiated: bool = False
    id: int | None = None

    def __post_init__(self) -> None:
        if self.maxPacketLifeTime is not None and self.maxRetransmits is not None:
            # W3C WebRTC section 6.1 createDataChannel(): "If both [[MaxPacketLifeTime]] and
            # [[MaxRetransmits]] attributes are set (not null), throw a TypeError."
            raise ValueError("Cannot specify both maxPacketLifeTime and maxRetransmits")
        _check_uint32("maxPacketLifeTime", self.maxPacketLifeTime)
        _check_uint32("maxRetransmits", self.maxRetransmits)
        _check_length("label", self.label)
        _check_length("protocol", self.protocol)
        if self.id is not None and (
            isinstance(self.id, bool)
            or not isinstance(self.id, int)
            or not 0 <= self.id <= MAX_STREAM_ID
        ):
            raise ValueError(f"id must be an integer in range 0-{MAX_STREAM_ID}, got {self.id!r}")
        if self.negotiated and self.id is None:
            raise ValueError("id must be given when the data channel is negotiated out-of-band")


def _check_uint32(name: str, value: int | None) -> None:
    # The DCEP reliability parameter is 32 bits wide (RFC 8832 section 5.1).
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_UINT32:
        raise ValueError(
            f"{name} must be None or an integer in range 0-{_MAX_UINT32}, got {value!r}"
        )


def _check_length(name: str, value: str) -> None:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a str, got {type(value).__name__}")
    # RFC 8832 section 5.1 carries lengths as 16-bit counts of UTF-8 bytes, and the W3C
    # createDataChannel() throws when the encoded label or protocol is longer.
    # A code point takes at most 4 bytes, so short strings need no encoding to check.
    if len(value) > _MAX_UINT16 // 4 and len(value.encode("utf-8")) > _MAX_UINT16:
        raise ValueError(f"{name} is longer than 65535 bytes in UTF-8")
