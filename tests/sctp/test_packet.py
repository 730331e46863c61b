"""SCTP common header, CRC32c and the bundling helper (RFC 9260 sections 3.1, 6.8, Appendix A)."""

from __future__ import annotations

import struct

import pytest

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet import SctpPacket, serialize_packet
from aiortc_transport.sctp.packet.checksum import checksum_field, crc32c, packet_checksum_ok
from aiortc_transport.sctp.packet.chunk import (
    CookieAckChunk,
    DataChunk,
    SackChunk,
    serialize_data_chunk,
)
from tests.sctp.packet_vectors import all_vectors

# RFC 3720 Appendix B.4: CRC32c examples, given as the bytes of the CRC field on the wire.
# The last one is an iSCSI SCSI Read(10) command PDU header (48 bytes).
ISCSI_READ_PDU = bytes.fromhex(
    "01c00000 00000000 00000000 00000000"
    "14000000 00000400 00000014 00000018"
    "28000000 00000000 02000000 00000000"
)
RFC3720_VECTORS = [
    (bytes(32), "aa36918a"),
    (b"\xff" * 32, "43aba862"),
    (bytes(range(32)), "4e79dd46"),
    (bytes(range(31, -1, -1)), "5cdb3f11"),
    (ISCSI_READ_PDU, "563a96d9"),
]


@pytest.mark.parametrize(("data", "field"), RFC3720_VECTORS)
def test_crc32c_rfc3720_vectors(data: bytes, field: str) -> None:
    assert checksum_field(data).hex() == field
    # RFC 9260 Appendix A: the field holds the CRC least significant byte first
    assert crc32c(data) == int.from_bytes(bytes.fromhex(field), "little")


def test_iscsi_vector_is_48_bytes() -> None:
    assert len(ISCSI_READ_PDU) == 48


def test_checksum_of_captured_packets() -> None:
    for vector in all_vectors():
        assert packet_checksum_ok(vector.data)
        assert packet_checksum_ok(vector.data[:8] + b"\x00\x00\x00\x00" + vector.data[12:]) is False


def test_packet_round_trip_and_header_fields() -> None:
    packet = SctpPacket(5000, 5001, 0xDEADBEEF, [CookieAckChunk()])
    data = packet.serialize()
    assert data[:8] == bytes.fromhex("1388 1389 deadbeef")
    assert data[12:] == bytes.fromhex("0b000004")
    zeroed = data[:8] + bytes(4) + data[12:]
    assert data[8:12] == struct.pack("<I", crc32c(zeroed))
    assert SctpPacket.parse_untrusted(data) == packet
    assert str(packet) == "SCTP 5000>5001 vtag=0xdeadbeef | COOKIE_ACK"


def test_bad_checksum_raises_parse_error() -> None:
    data = bytearray(SctpPacket(1, 2, 3, [CookieAckChunk()]).serialize())
    data[8] ^= 1
    with pytest.raises(ParseError, match="checksum"):
        SctpPacket.parse_untrusted(bytes(data))
    # not looked at when verification is off
    assert SctpPacket.parse_untrusted(bytes(data), verify_checksum=False).chunks == [
        CookieAckChunk()
    ]


def test_zero_checksum_only_without_verification() -> None:
    """RFC 9653: a zero checksum is acceptable only where it was negotiated."""
    packet = SctpPacket(5000, 5000, 7, [SackChunk(10, 1000, [], [])])
    data = packet.serialize(zero_checksum=True)
    assert data[8:12] == bytes(4)
    with pytest.raises(ParseError):
        SctpPacket.parse_untrusted(data)
    assert SctpPacket.parse_untrusted(data, verify_checksum=False) == packet


@pytest.mark.parametrize("length", range(16))
def test_too_short_packets(length: int) -> None:
    with pytest.raises(ParseError):
        SctpPacket.parse_untrusted(bytes(length), verify_checksum=False)


def test_packet_without_chunks_is_rejected() -> None:
    data = serialize_packet(5000, 5000, 1, [])
    assert len(data) == 12
    with pytest.raises(ParseError):
        SctpPacket.parse_untrusted(data)


def test_trailing_garbage_after_the_last_chunk() -> None:
    body = CookieAckChunk().serialize()
    for garbage in (b"\x00", b"\x00\x00\x00", b"\x0b\x00"):
        data = serialize_packet(5000, 5000, 1, [body, garbage])
        with pytest.raises(ParseError):
            SctpPacket.parse_untrusted(data)


def test_serialize_packet_bundles_pre_serialized_chunks() -> None:
    data_chunk = serialize_data_chunk(100, 1, 2, 51, b"hello", 0x03)
    assert data_chunk == DataChunk(100, 1, 2, 51, b"hello", beginning=True, end=True).serialize()
    sack = SackChunk(7, 65536, [(2, 3)], [5]).serialize()
    data = serialize_packet(5000, 5000, 0x01020304, [sack, data_chunk])
    packet = SctpPacket.parse_untrusted(data)
    assert packet.chunks == [
        SackChunk(7, 65536, [(2, 3)], [5]),
        DataChunk(100, 1, 2, 51, b"hello", beginning=True, end=True),
    ]
    assert packet.serialize() == data


def test_parse_accepts_bytearray_and_memoryview() -> None:
    data = SctpPacket(1, 2, 3, [DataChunk(1, 0, 0, 53, b"xyz", end=True)]).serialize()
    for view in (bytearray(data), memoryview(data)):
        packet = SctpPacket.parse_untrusted(view)  # type: ignore[arg-type]
        (chunk,) = packet.chunks
        assert isinstance(chunk, DataChunk)
        assert type(chunk.user_data) is bytes and chunk.user_data == b"xyz"
