"""Type-length-value framing shared by chunks, parameters and error causes.

RFC 9260 section 3.2 (chunks) and 3.2.1 (parameters): the Length field counts the header and
the value but never the padding; every chunk and parameter is padded with zero bytes to a
multiple of 4. "The Chunk Length field does not count any chunk padding. However, it does
include any padding of variable-length parameters other than the last parameter in the
chunk." So the last parameter's padding doubles as the chunk padding and is left out of the
chunk length; a receiver accepts the last parameter with or without it.

Error causes (section 3.3.10) share the parameter header layout (2-byte code, 2-byte length).

All framing and padding rules live here, once.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from aiortc_transport.exceptions import ParseError

#: Chunk header: type (8), flags (8), length (16).
CHUNK_HEADER = struct.Struct("!BBH")
#: Parameter / error cause header: type (16), length (16).
PARAMETER_HEADER = struct.Struct("!HH")

CHUNK_HEADER_SIZE = 4
PARAMETER_HEADER_SIZE = 4

_PADDING = (b"", b"\x00\x00\x00", b"\x00\x00", b"\x00")


def padded_length(length: int) -> int:
    """Return ``length`` rounded up to a multiple of 4."""
    return (length + 3) & ~3


def padding(length: int) -> bytes:
    """Return the zero bytes that pad something of ``length`` bytes to a multiple of 4."""
    return _PADDING[length & 3]


def encode_chunk(chunk_type: int, flags: int, value: bytes) -> bytes:
    """Encode a chunk whose value is not a parameter list: header, value, zero padding."""
    length = CHUNK_HEADER_SIZE + len(value)
    if length > 0xFFFF:
        raise ValueError(f"chunk of {length} bytes does not fit its 16-bit length")
    return CHUNK_HEADER.pack(chunk_type, flags, length) + value + _PADDING[length & 3]


def encode_chunk_with_tlvs(chunk_type: int, flags: int, fixed: bytes, tlvs: list[bytes]) -> bytes:
    """Encode a chunk made of a fixed part (multiple of 4) and padded TLVs.

    RFC 9260 section 3.2: the padding of the last TLV is chunk padding, so it is left out of
    the chunk length (but still written).
    """
    value = fixed + b"".join(tlvs)
    length = CHUNK_HEADER_SIZE + len(value)
    if tlvs:
        last = tlvs[-1]
        length -= len(last) - PARAMETER_HEADER.unpack_from(last)[1]
    if length > 0xFFFF:
        raise ValueError(f"chunk of {length} bytes does not fit its 16-bit length")
    return CHUNK_HEADER.pack(chunk_type, flags, length) + value


def encode_tlv(tlv_type: int, value: bytes) -> bytes:
    """Encode a parameter or error cause: header, value, zero padding."""
    length = PARAMETER_HEADER_SIZE + len(value)
    if length > 0xFFFF:
        raise ValueError(f"parameter of {length} bytes does not fit its 16-bit length")
    return PARAMETER_HEADER.pack(tlv_type, length) + value + _PADDING[length & 3]


def iter_tlvs_untrusted(data: bytes) -> Iterator[tuple[int, bytes]]:
    """Split a run of parameters or error causes into ``(type, value)`` pairs.

    The last TLV may come without its padding (RFC 9260 section 3.2, see the module text);
    every other one must be followed by its full padding. Raises ParseError on a truncated
    header, a length below 4, a value running past the end or trailing bytes.
    """
    offset = 0
    end = len(data)
    unpack_from = PARAMETER_HEADER.unpack_from
    while offset < end:
        if end - offset < PARAMETER_HEADER_SIZE:
            raise ParseError(f"truncated parameter header at offset {offset}")
        tlv_type, length = unpack_from(data, offset)
        if length < PARAMETER_HEADER_SIZE:
            raise ParseError(f"parameter length {length} below 4")
        value_end = offset + length
        if value_end > end:
            raise ParseError(f"parameter length {length} runs past the end ({end - offset} left)")
        yield tlv_type, data[offset + PARAMETER_HEADER_SIZE : value_end]
        next_offset = offset + ((length + 3) & ~3)
        if next_offset > end:
            # The last TLV without its padding is allowed (the chunk padding covers it), but
            # not with a part of it.
            if value_end != end:
                raise ParseError("bad parameter padding")
            return
        offset = next_offset


def split_chunks_untrusted(data: bytes, start: int = 0) -> list[tuple[int, int, int, int]]:
    """Walk the chunks of a packet body from ``start``: ``(type, flags, value_start, value_end)``.

    Every chunk must carry its padding (RFC 9260 section 3.2: "the sender MUST pad the chunk
    with all zero bytes"); the padding bytes themselves are ignored as the RFC requires.
    Raises ParseError on a truncated header, a length below 4, or a chunk (or its padding)
    running past the end. Returns a list (not a generator): this is the receive hot path.
    """
    offset = start
    end = len(data)
    unpack_from = CHUNK_HEADER.unpack_from
    bounds: list[tuple[int, int, int, int]] = []
    while offset < end:
        if end - offset < CHUNK_HEADER_SIZE:
            raise ParseError(f"truncated chunk header at offset {offset - start}")
        chunk_type, flags, length = unpack_from(data, offset)
        if length < CHUNK_HEADER_SIZE:
            raise ParseError(f"chunk length {length} below 4")
        next_offset = offset + ((length + 3) & ~3)
        if next_offset > end:
            raise ParseError(
                f"chunk type {chunk_type} length {length} (padded) runs past the end "
                f"({end - offset} left)"
            )
        bounds.append((chunk_type, flags, offset + CHUNK_HEADER_SIZE, offset + length))
        offset = next_offset
    return bounds
