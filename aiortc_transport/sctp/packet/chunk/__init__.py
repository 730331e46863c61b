"""SCTP chunks (RFC 9260 section 3.3, RFC 3758, RFC 6525, RFC 8260), one per module.

``parse_chunks_untrusted`` splits a packet body (everything after the 12-byte common header)
and decodes each chunk through a table keyed by type; any other type becomes an
``UnknownChunk`` for the association's upper-two-bits rule (RFC 9260 section 3.2). DATA and
I-DATA, by far the most frequent chunks, are decoded inline without an intermediate copy of
their value.
"""

from __future__ import annotations

from collections.abc import Callable

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet.chunk.abort import AbortChunk
from aiortc_transport.sctp.packet.chunk.cookie_ack import CookieAckChunk
from aiortc_transport.sctp.packet.chunk.cookie_echo import CookieEchoChunk
from aiortc_transport.sctp.packet.chunk.data import (
    DATA_FIELDS,
    FLAG_TABLE,
    DataChunk,
    serialize_data_chunk,
)
from aiortc_transport.sctp.packet.chunk.error import ErrorChunk
from aiortc_transport.sctp.packet.chunk.forward_tsn import ForwardTsnChunk
from aiortc_transport.sctp.packet.chunk.heartbeat_ack import HeartbeatAckChunk
from aiortc_transport.sctp.packet.chunk.heartbeat_request import HeartbeatRequestChunk
from aiortc_transport.sctp.packet.chunk.idata import (
    IDATA_FIELDS,
    IDataChunk,
    serialize_idata_chunk,
)
from aiortc_transport.sctp.packet.chunk.iforward_tsn import IForwardTsnChunk
from aiortc_transport.sctp.packet.chunk.init import InitChunk
from aiortc_transport.sctp.packet.chunk.init_ack import InitAckChunk
from aiortc_transport.sctp.packet.chunk.reconfig import ReConfigChunk
from aiortc_transport.sctp.packet.chunk.sack import SackChunk
from aiortc_transport.sctp.packet.chunk.shutdown import ShutdownChunk
from aiortc_transport.sctp.packet.chunk.shutdown_ack import ShutdownAckChunk
from aiortc_transport.sctp.packet.chunk.shutdown_complete import ShutdownCompleteChunk
from aiortc_transport.sctp.packet.chunk.unknown import UnknownChunk
from aiortc_transport.sctp.packet.tlv import split_chunks_untrusted

#: Any chunk this package decodes, or an ``UnknownChunk``.
Chunk = (
    DataChunk
    | InitChunk
    | InitAckChunk
    | SackChunk
    | HeartbeatRequestChunk
    | HeartbeatAckChunk
    | AbortChunk
    | ShutdownChunk
    | ShutdownAckChunk
    | ErrorChunk
    | CookieEchoChunk
    | CookieAckChunk
    | ShutdownCompleteChunk
    | ReConfigChunk
    | ForwardTsnChunk
    | IDataChunk
    | IForwardTsnChunk
    | UnknownChunk
)

#: Chunk type -> decoder of ``(flags, value)``.
CHUNK_PARSERS: dict[int, Callable[[int, bytes], Chunk]] = {
    DataChunk.TYPE: DataChunk.parse_untrusted,
    InitChunk.TYPE: InitChunk.parse_untrusted,
    InitAckChunk.TYPE: InitAckChunk.parse_untrusted,
    SackChunk.TYPE: SackChunk.parse_untrusted,
    HeartbeatRequestChunk.TYPE: HeartbeatRequestChunk.parse_untrusted,
    HeartbeatAckChunk.TYPE: HeartbeatAckChunk.parse_untrusted,
    AbortChunk.TYPE: AbortChunk.parse_untrusted,
    ShutdownChunk.TYPE: ShutdownChunk.parse_untrusted,
    ShutdownAckChunk.TYPE: ShutdownAckChunk.parse_untrusted,
    ErrorChunk.TYPE: ErrorChunk.parse_untrusted,
    CookieEchoChunk.TYPE: CookieEchoChunk.parse_untrusted,
    CookieAckChunk.TYPE: CookieAckChunk.parse_untrusted,
    ShutdownCompleteChunk.TYPE: ShutdownCompleteChunk.parse_untrusted,
    ReConfigChunk.TYPE: ReConfigChunk.parse_untrusted,
    ForwardTsnChunk.TYPE: ForwardTsnChunk.parse_untrusted,
    IDataChunk.TYPE: IDataChunk.parse_untrusted,
    IForwardTsnChunk.TYPE: IForwardTsnChunk.parse_untrusted,
}


def parse_chunk_untrusted(chunk_type: int, flags: int, value: bytes) -> Chunk:
    """Decode one chunk from its type, flags and value (unknown types are kept raw)."""
    parser = CHUNK_PARSERS.get(chunk_type)
    if parser is None:
        return UnknownChunk(chunk_type, flags, bytes(value))
    return parser(flags, value)


def parse_chunks_untrusted(data: bytes, start: int = 0) -> list[Chunk]:
    """Split the chunks of ``data[start:]`` (a packet body) and decode them.

    Raises only ParseError. ``start`` lets the packet parser skip the common header without
    copying the body.
    """
    if type(data) is not bytes:
        data = bytes(data)  # slices must be bytes, not views of a caller's buffer
    parsers = CHUNK_PARSERS
    unpack_data = DATA_FIELDS.unpack_from
    unpack_idata = IDATA_FIELDS.unpack_from
    flag_table = FLAG_TABLE
    chunks: list[Chunk] = []
    append = chunks.append
    for chunk_type, flags, value_start, value_end in split_chunks_untrusted(data, start):
        if chunk_type == 0:
            # Inline DATA decoding: no copy of the value before slicing out the user data.
            if value_end - value_start < 12:
                raise ParseError(f"DATA chunk value of {value_end - value_start} bytes, < 12")
            tsn, stream_id, ssn, ppid = unpack_data(data, value_start)
            unordered, beginning, end, immediate_ack = flag_table[flags]
            append(
                DataChunk(
                    tsn,
                    stream_id,
                    ssn,
                    ppid,
                    data[value_start + 12 : value_end],
                    unordered,
                    beginning,
                    end,
                    immediate_ack,
                )
            )
            continue
        if chunk_type == 64:
            if value_end - value_start < 16:
                raise ParseError(f"I-DATA chunk value of {value_end - value_start} bytes, < 16")
            tsn, stream_id, _, mid, ppid_or_fsn = unpack_idata(data, value_start)
            unordered, beginning, end, immediate_ack = flag_table[flags]
            append(
                IDataChunk(
                    tsn,
                    stream_id,
                    mid,
                    ppid_or_fsn,
                    data[value_start + 16 : value_end],
                    unordered,
                    beginning,
                    end,
                    immediate_ack,
                )
            )
            continue
        parser = parsers.get(chunk_type)
        value = data[value_start:value_end]
        append(UnknownChunk(chunk_type, flags, value) if parser is None else parser(flags, value))
    return chunks


__all__ = [
    "CHUNK_PARSERS",
    "AbortChunk",
    "Chunk",
    "CookieAckChunk",
    "CookieEchoChunk",
    "DataChunk",
    "ErrorChunk",
    "ForwardTsnChunk",
    "HeartbeatAckChunk",
    "HeartbeatRequestChunk",
    "IDataChunk",
    "IForwardTsnChunk",
    "InitAckChunk",
    "InitChunk",
    "ReConfigChunk",
    "SackChunk",
    "ShutdownAckChunk",
    "ShutdownChunk",
    "ShutdownCompleteChunk",
    "UnknownChunk",
    "parse_chunk_untrusted",
    "parse_chunks_untrusted",
    "serialize_data_chunk",
    "serialize_idata_chunk",
]
