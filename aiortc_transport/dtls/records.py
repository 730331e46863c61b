"""DTLS datagram demultiplexing (RFC 7983) and record framing (RFC 6347 section 4.1).

Two jobs, both on byte strings and nothing else:

* Incoming: decide from the first byte whether a datagram is DTLS at all (RFC 7983
  section 7: 20..63) and check that it is a sequence of whole DTLS records before OpenSSL
  sees it. OpenSSL would silently drop a malformed record too, but checking first lets us
  count what we drop and keeps arbitrary bytes away from the TLS library.
* Outgoing: OpenSSL writes into a memory BIO, which is a byte stream: the datagram
  boundaries OpenSSL had in mind are lost. We cut the stream back into records and pack
  whole records into datagrams no larger than the MTU (RFC 6347 section 4.1.1: "each DTLS
  record MUST fit within a single datagram"; several records may share one).

Record header (RFC 6347 section 4.1)::

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |  ContentType  |    ProtocolVersion (major, minor) |   epoch   ..
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    ..   epoch     |                sequence_number (48 bits)      ..
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    ..                              |            length             |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

Parsers of peer bytes are named ``*_untrusted`` and raise only :class:`ParseError`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final, Self

from ..exceptions import ParseError

RECORD_HEADER_SIZE: Final = 13

#: RFC 7983 section 7: "If the value [of the first byte] is in between 19 and 64
#: (inclusive) -> forward packet to DTLS". (20..63: 20-25 are the DTLS 1.2 content types,
#: 32-63 the DTLS 1.3 unified header.)
DTLS_FIRST_BYTE_MIN: Final = 20
DTLS_FIRST_BYTE_MAX: Final = 63

CONTENT_TYPE_CHANGE_CIPHER_SPEC: Final = 20
CONTENT_TYPE_ALERT: Final = 21
CONTENT_TYPE_HANDSHAKE: Final = 22
CONTENT_TYPE_APPLICATION_DATA: Final = 23

#: RFC 6347 section 4.1: a record's length "MUST NOT exceed 2^14 + 2048" (the ciphertext
#: bound of RFC 5246 section 6.2.3).
MAX_RECORD_BODY: Final = 2**14 + 2048

_HEADER: Final = struct.Struct("!BBBHHIH")
_LENGTH: Final = struct.Struct("!H")

_CONTENT_TYPE_NAMES: Final = {
    20: "change_cipher_spec",
    21: "alert",
    22: "handshake",
    23: "application_data",
}


def is_dtls(data: bytes) -> bool:
    """True if RFC 7983 assigns this datagram to DTLS (first byte 20..63).

    An empty datagram is not DTLS (and must not be indexed into).
    """
    return bool(data) and DTLS_FIRST_BYTE_MIN <= data[0] <= DTLS_FIRST_BYTE_MAX


@dataclass(frozen=True, slots=True)
class RecordHeader:
    """The 13-byte header of one DTLS 1.0/1.2 record."""

    content_type: int
    version: int
    epoch: int
    sequence_number: int
    length: int

    @classmethod
    def parse_untrusted(cls, data: bytes | memoryview, offset: int = 0) -> Self:
        """Decode the header at ``offset``; :class:`ParseError` if it is incomplete."""
        if len(data) - offset < RECORD_HEADER_SIZE:
            raise ParseError(f"DTLS record header truncated at offset {offset}")
        ctype, major, minor, epoch, seq_hi, seq_lo, length = _HEADER.unpack_from(data, offset)
        return cls(ctype, (major << 8) | minor, epoch, (seq_hi << 32) | seq_lo, length)

    def serialize(self) -> bytes:
        """The header's 13 bytes."""
        return _HEADER.pack(
            self.content_type,
            self.version >> 8,
            self.version & 0xFF,
            self.epoch,
            self.sequence_number >> 32,
            self.sequence_number & 0xFFFFFFFF,
            self.length,
        )

    def __str__(self) -> str:
        name = _CONTENT_TYPE_NAMES.get(self.content_type, str(self.content_type))
        return (
            f"DTLS record {name} version=0x{self.version:04x} epoch={self.epoch} "
            f"seq={self.sequence_number} len={self.length}"
        )


def record_spans_untrusted(data: bytes | memoryview) -> list[tuple[int, int]]:
    """Cut a datagram into its records: ``[(start, end), ...]`` byte offsets.

    Raises :class:`ParseError` if the datagram is empty, ends inside a header, a record's
    length runs past the end of the datagram, or a length exceeds the DTLS bound. Only the
    framing is checked; content types, versions and epochs are OpenSSL's business.
    """
    size = len(data)
    if size == 0:
        raise ParseError("empty datagram")
    spans: list[tuple[int, int]] = []
    offset = 0
    unpack_length = _LENGTH.unpack_from
    while offset < size:
        if size - offset < RECORD_HEADER_SIZE:
            raise ParseError(f"DTLS record header truncated at offset {offset}")
        (length,) = unpack_length(data, offset + 11)
        if length > MAX_RECORD_BODY:
            raise ParseError(f"DTLS record length {length} exceeds 2^14 + 2048")
        end = offset + RECORD_HEADER_SIZE + length
        if end > size:
            raise ParseError(f"DTLS record at offset {offset} claims {length} bytes, has fewer")
        spans.append((offset, end))
        offset = end
    return spans


def check_single_record_untrusted(data: bytes) -> bool:
    """Fast framing check for the common case: is ``data`` exactly one whole record?

    Returns True if so, False if it holds several records (call
    :func:`record_spans_untrusted` to check those); raises :class:`ParseError` if the
    framing is broken.
    """
    size = len(data)
    if size < RECORD_HEADER_SIZE:
        raise ParseError("DTLS datagram shorter than one record header")
    (length,) = _LENGTH.unpack_from(data, 11)
    end = RECORD_HEADER_SIZE + length
    if end == size and length <= MAX_RECORD_BODY:
        return True
    record_spans_untrusted(data)
    return False


def pack_records(stream: bytes, mtu: int) -> list[bytes]:
    """Re-split OpenSSL's output stream into datagrams of whole records, each <= ``mtu``.

    ``stream`` is trusted (our own OpenSSL wrote it), so it is a concatenation of whole
    records. Consecutive records share a datagram while they fit; a record larger than
    the MTU (application data is never split: one SCTP packet is one record) travels
    alone.
    """
    size = len(stream)
    if size <= mtu:
        return [stream] if size else []
    datagrams: list[bytes] = []
    view = memoryview(stream)
    unpack_length = _LENGTH.unpack_from
    start = 0  # start of the datagram being filled
    offset = 0  # start of the next record
    while offset < size:
        (length,) = unpack_length(stream, offset + 11)
        end = offset + RECORD_HEADER_SIZE + length
        if end - start > mtu and offset > start:
            datagrams.append(bytes(view[start:offset]))
            start = offset
        offset = end
    datagrams.append(bytes(view[start:size]))
    return datagrams


__all__ = [
    "CONTENT_TYPE_ALERT",
    "CONTENT_TYPE_APPLICATION_DATA",
    "CONTENT_TYPE_CHANGE_CIPHER_SPEC",
    "CONTENT_TYPE_HANDSHAKE",
    "DTLS_FIRST_BYTE_MAX",
    "DTLS_FIRST_BYTE_MIN",
    "MAX_RECORD_BODY",
    "RECORD_HEADER_SIZE",
    "RecordHeader",
    "check_single_record_untrusted",
    "is_dtls",
    "pack_records",
    "record_spans_untrusted",
]
