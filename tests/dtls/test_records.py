"""RFC 7983 demultiplexing and DTLS record framing, on captured bytes and on garbage."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiortc_transport.dtls.records import (
    RECORD_HEADER_SIZE,
    RecordHeader,
    check_single_record_untrusted,
    is_dtls,
    pack_records,
    record_spans_untrusted,
)
from aiortc_transport.exceptions import ParseError

from .captures import load_capture


def record(content_type: int, body_length: int, seq: int = 0) -> bytes:
    header = RecordHeader(content_type, 0xFEFD, 0, seq, body_length).serialize()
    return header + bytes([seq & 0xFF]) * body_length


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        *[(0, False), (1, False), (19, False), (20, True), (23, True), (63, True)],
        *[(64, False), (128, False), (191, False), (255, False)],
    ],
)
def test_rfc7983_first_byte(first: int, expected: bool) -> None:
    assert is_dtls(bytes([first, 0, 0])) is expected


def test_empty_datagram_is_not_dtls() -> None:
    assert is_dtls(b"") is False


def test_chromium_client_hello_header() -> None:
    """Chromium 156's first ClientHello fragment.

    tshark: Content Type: Handshake (22), Version: DTLS 1.0 (0xfeff), Epoch: 0,
    Sequence Number: 0, Length: 1187.
    """
    datagram = load_capture("chromium")[0].data
    header = RecordHeader.parse_untrusted(datagram)
    assert header == RecordHeader(22, 0xFEFF, 0, 0, 1187)
    assert header.serialize() == datagram[:RECORD_HEADER_SIZE]
    assert str(header) == "DTLS record handshake version=0xfeff epoch=0 seq=0 len=1187"
    assert record_spans_untrusted(datagram) == [(0, len(datagram))]
    assert check_single_record_untrusted(datagram) is True


def test_aiortc_server_flight_has_seven_records() -> None:
    """aiortc's server flight to Chromium: ServerHello, Certificate x3 fragments,
    ServerKeyExchange, CertificateRequest, ServerHelloDone (tshark frame 3)."""
    datagram = load_capture("chromium")[2].data
    spans = record_spans_untrusted(datagram)
    assert len(spans) == 7
    assert spans[-1][1] == len(datagram)
    headers = [RecordHeader.parse_untrusted(datagram, start) for start, _ in spans]
    assert [h.sequence_number for h in headers] == list(range(7))
    assert {h.content_type for h in headers} == {22}
    assert check_single_record_untrusted(datagram) is False


def test_werift_record_sequence_starts_at_one() -> None:
    header = RecordHeader.parse_untrusted(load_capture("werift")[0].data)
    assert (header.version, header.sequence_number) == (0xFEFD, 1)


def test_close_notify_alert_from_peers() -> None:
    for peer in ("chromium", "firefox", "wrtc"):
        alert = load_capture(peer)[-1].data
        header = RecordHeader.parse_untrusted(alert)
        assert (header.content_type, header.epoch, header.length) == (21, 1, 26)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x16\xfe\xfd",  # header cut short
        record(22, 10)[:-1],  # body one byte short
        record(22, 10) + b"\x16\xfe",  # second header cut short
        record(23, 5) + record(23, 5)[:-2],
    ],
)
def test_broken_framing_raises_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError):
        record_spans_untrusted(data)
    if data:
        with pytest.raises(ParseError):
            check_single_record_untrusted(data)


def test_oversized_length_rejected() -> None:
    header = RecordHeader(23, 0xFEFD, 1, 0, 2**14 + 2049).serialize()
    with pytest.raises(ParseError, match="2\\^14"):
        record_spans_untrusted(header + bytes(2**14 + 2049))


@given(st.binary(max_size=200))
def test_garbage_only_raises_parse_error(data: bytes) -> None:
    try:
        spans = record_spans_untrusted(data)
    except ParseError:
        return
    # When it parses, the spans tile the datagram exactly.
    assert spans[0][0] == 0 and spans[-1][1] == len(data)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))


def test_pack_records_fills_up_to_mtu() -> None:
    records = [record(22, 87), record(22, 1087), record(22, 265), record(22, 564), record(22, 12)]
    stream = b"".join(records)
    datagrams = pack_records(stream, 1200)
    assert datagrams == [records[0] + records[1], records[2] + records[3] + records[4]]
    assert all(len(d) <= 1200 for d in datagrams)


def test_pack_records_oversized_record_travels_alone() -> None:
    big = record(23, 1300)
    small = record(22, 20)
    assert pack_records(small + big + small, 1200) == [small, big, small]
    assert pack_records(big, 1200) == [big]
    assert pack_records(b"", 1200) == []


@given(st.lists(st.integers(min_value=0, max_value=1500), min_size=1, max_size=12))
def test_pack_records_keeps_records_whole_and_in_order(lengths: list[int]) -> None:
    records = [record(22, n, seq) for seq, n in enumerate(lengths)]
    datagrams = pack_records(b"".join(records), 1200)
    assert b"".join(datagrams) == b"".join(records)
    for datagram in datagrams:
        spans = record_spans_untrusted(datagram)
        assert len(datagram) <= 1200 or len(spans) == 1
