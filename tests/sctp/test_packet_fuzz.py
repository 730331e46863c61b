"""Property tests: generated chunks round-trip; arbitrary bytes raise nothing but ParseError."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet import SctpPacket, serialize_packet
from aiortc_transport.sctp.packet.chunk import (
    CHUNK_PARSERS,
    Chunk,
    parse_chunk_untrusted,
    parse_chunks_untrusted,
)
from aiortc_transport.sctp.packet.error_cause import ErrorCause, parse_error_causes_untrusted
from aiortc_transport.sctp.packet.parameter import Parameter, parse_parameters_untrusted
from tests.sctp.packet_strategies import chunks, error_causes, parameters, u16, u32
from tests.sctp.packet_vectors import all_vectors

VECTOR_BYTES = [v.data for v in all_vectors()]


@given(st.lists(chunks, min_size=1, max_size=4), u16, u16, u32)
def test_generated_packets_round_trip(
    chunk_list: list[Chunk], sport: int, dport: int, tag: int
) -> None:
    packet = SctpPacket(sport, dport, tag, chunk_list)
    data = packet.serialize()
    assert len(data) % 4 == 0
    assert SctpPacket.parse_untrusted(data) == packet
    assert SctpPacket.parse_untrusted(data).serialize() == data
    assert serialize_packet(sport, dport, tag, [c.serialize() for c in chunk_list]) == data


@given(chunks)
def test_generated_chunk_round_trips_alone(chunk: Chunk) -> None:
    data = chunk.serialize()
    assert len(data) % 4 == 0
    (parsed,) = parse_chunks_untrusted(data)
    assert parsed == chunk
    assert str(parsed) == str(chunk)
    assert "\n" not in str(chunk)


@given(st.lists(parameters, max_size=5))
def test_generated_parameters_round_trip(params: list[Parameter]) -> None:
    data = b"".join(p.serialize() for p in params)
    assert parse_parameters_untrusted(data) == params


@given(st.lists(error_causes, max_size=5))
def test_generated_error_causes_round_trip(causes: list[ErrorCause]) -> None:
    data = b"".join(c.serialize() for c in causes)
    assert parse_error_causes_untrusted(data) == causes


def _stable(packet: SctpPacket) -> None:
    """What parses re-serializes, and that parses to the same thing again."""
    again = SctpPacket.parse_untrusted(packet.serialize(zero_checksum=True), verify_checksum=False)
    assert again == packet


@settings(max_examples=500)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_parse_error(data: bytes) -> None:
    for verify in (True, False):
        try:
            packet = SctpPacket.parse_untrusted(data, verify_checksum=verify)
        except ParseError:
            continue
        _stable(packet)
    for parse in (parse_chunks_untrusted, parse_parameters_untrusted, parse_error_causes_untrusted):
        with contextlib.suppress(ParseError):
            parse(data)


@settings(max_examples=500)
@given(st.sampled_from(sorted(CHUNK_PARSERS)), st.integers(0, 255), st.binary(max_size=80))
def test_arbitrary_chunk_values_raise_only_parse_error(
    chunk_type: int, flags: int, value: bytes
) -> None:
    try:
        chunk = parse_chunk_untrusted(chunk_type, flags, value)
    except ParseError:
        return
    (again,) = parse_chunks_untrusted(chunk.serialize())
    assert again == chunk


@settings(max_examples=1000)
@given(
    st.sampled_from(VECTOR_BYTES),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=4),
)
def test_corrupted_captured_packets_raise_only_parse_error(
    data: bytes, edits: list[tuple[int, int]]
) -> None:
    """Overwrite header / length / count bytes of real packets (checksum not verified)."""
    corrupted = bytearray(data)
    for position, value in edits:
        corrupted[12 + position % (len(data) - 12)] = value
    try:
        packet = SctpPacket.parse_untrusted(bytes(corrupted), verify_checksum=False)
    except ParseError:
        return
    _stable(packet)
