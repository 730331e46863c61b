"""Shared value layout of the two RFC 6525 add-streams requests (sections 4.5 and 4.6)."""

from __future__ import annotations

import struct

from aiortc_transport.exceptions import ParseError

_VALUE = struct.Struct("!IHH")


def decode_add_streams_untrusted(value: bytes, name: str) -> tuple[int, int]:
    """Return ``(request_sequence, new_streams)``; the reserved field is ignored."""
    if len(value) != 8:
        raise ParseError(f"{name} value of {len(value)} bytes, expected 8")
    request_sequence, new_streams, _reserved = _VALUE.unpack(value)
    return request_sequence, new_streams


def encode_add_streams(request_sequence: int, new_streams: int) -> bytes:
    """Encode the 8-byte value, reserved field zero."""
    return _VALUE.pack(request_sequence, new_streams, 0)
