"""Lists of 16-bit stream numbers, as RFC 6525 reset requests carry them."""

from __future__ import annotations

import struct

from aiortc_transport.exceptions import ParseError


def decode_stream_ids_untrusted(value: bytes, offset: int) -> list[int]:
    """Decode the big-endian 16-bit stream numbers from ``offset`` to the end of ``value``."""
    remaining = len(value) - offset
    if remaining & 1:
        raise ParseError(f"odd stream number list length {remaining}")
    return list(struct.unpack_from(f"!{remaining >> 1}H", value, offset))


def encode_stream_ids(stream_ids: list[int]) -> bytes:
    """Encode stream numbers as big-endian 16-bit integers."""
    return struct.pack(f"!{len(stream_ids)}H", *stream_ids)
