"""Every chunk class: exact wire bytes, round trips, one-line strings, malformed values."""

from __future__ import annotations

import pytest

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet.chunk import (
    CHUNK_PARSERS,
    AbortChunk,
    Chunk,
    CookieAckChunk,
    CookieEchoChunk,
    DataChunk,
    ErrorChunk,
    ForwardTsnChunk,
    HeartbeatAckChunk,
    HeartbeatRequestChunk,
    IDataChunk,
    IForwardTsnChunk,
    InitAckChunk,
    InitChunk,
    ReConfigChunk,
    SackChunk,
    ShutdownAckChunk,
    ShutdownChunk,
    ShutdownCompleteChunk,
    UnknownChunk,
    parse_chunk_untrusted,
    parse_chunks_untrusted,
)
from aiortc_transport.sctp.packet.error_cause import (
    NoUserDataCause,
    ProtocolViolationCause,
    UserInitiatedAbortCause,
)
from aiortc_transport.sctp.packet.parameter import (
    ForwardTsnSupportedParameter,
    OutgoingSsnResetRequestParameter,
    ReconfigurationResponseParameter,
    StateCookieParameter,
    SupportedExtensionsParameter,
    UnknownParameter,
    ZeroChecksumAcceptableParameter,
)

# (chunk, its exact encoding as hex, its string)
EXAMPLES: list[tuple[Chunk, str, str]] = [
    (
        DataChunk(0x01020304, 7, 9, 51, b"hello", unordered=True, beginning=True, end=True),
        "00070015 01020304 00070009 00000033 68656c6c 6f000000",
        "DATA[UBE] tsn=16909060 sid=7 ssn=9 ppid=51 len=5",
    ),
    (
        DataChunk(1, 0, 0, 53, b"abcd", immediate_ack=True),
        "00080014 00000001 00000000 00000035 61626364",
        "DATA[I] tsn=1 sid=0 ssn=0 ppid=53 len=4",
    ),
    (
        InitChunk(
            0xA4E17A19,
            1048576,
            65535,
            65535,
            2579585407,
            [ForwardTsnSupportedParameter(), SupportedExtensionsParameter([192, 130])],
        ),
        # the aiortc INIT of the chromium capture: length 30 leaves out the last padding
        "0100001e a4e17a19 00100000 ffffffff 99c1597f c0000004 80080006 c0820000",
        "INIT init_tag=0xa4e17a19 a_rwnd=1048576 os=65535 mis=65535 init_tsn=2579585407 "
        "params=[forward-tsn-supported, supported-extensions[192, 130]]",
    ),
    (
        InitAckChunk(1, 2, 3, 4, 5, [StateCookieParameter(b"\xaa" * 5)]),
        "0200001d 00000001 00000002 00030004 00000005 00070009 aaaaaaaa aa000000",
        "INIT_ACK init_tag=0x00000001 a_rwnd=2 os=3 mis=4 init_tsn=5 params=[state-cookie(5 B)]",
    ),
    (
        InitChunk(1, 2, 3, 4, 5, []),
        "01000014 00000001 00000002 00030004 00000005",
        "INIT init_tag=0x00000001 a_rwnd=2 os=3 mis=4 init_tsn=5 params=[]",
    ),
    (
        SackChunk(100, 65536, [(2, 3), (5, 5)], [101, 102]),
        "03000020 00000064 00010000 00020002 00020003 00050005 00000065 00000066",
        "SACK cum_tsn=100 a_rwnd=65536 gaps=2-3,5-5 dup_tsns=101,102",
    ),
    (SackChunk(7, 0, [], []), "03000010 00000007 00000000 00000000", "SACK cum_tsn=7 a_rwnd=0"),
    (
        HeartbeatRequestChunk(b"\x01\x02\x03\x04\x05"),
        "0400000d 00010009 01020304 05000000",
        "HEARTBEAT info=5 B",
    ),
    (HeartbeatAckChunk(b"abcd"), "0500000c 00010008 61626364", "HEARTBEAT_ACK info=4 B"),
    (
        AbortChunk([UserInitiatedAbortCause("Close called")]),
        # the chromium ABORT of the captures
        "06000014 000c0010 436c6f73 65206361 6c6c6564",
        "ABORT user-initiated-abort('Close called')",
    ),
    (AbortChunk([], tag_reflected=True), "06010004", "ABORT[T]"),
    (ErrorChunk([]), "09000004", "ERROR"),
    (ShutdownChunk(0xFFFFFFFF), "07000008 ffffffff", "SHUTDOWN cum_tsn=4294967295"),
    (ShutdownAckChunk(), "08000004", "SHUTDOWN_ACK"),
    (
        ErrorChunk([NoUserDataCause(5), ProtocolViolationCause("x")]),
        "09000011 00090008 00000005 000d0005 78000000",
        "ERROR no-user-data(tsn=5), protocol-violation('x')",
    ),
    (CookieEchoChunk(b"cookie"), "0a00000a 636f6f6b 69650000", "COOKIE_ECHO cookie=6 B"),
    (CookieAckChunk(), "0b000004", "COOKIE_ACK"),
    (ShutdownCompleteChunk(), "0e000004", "SHUTDOWN_COMPLETE"),
    (ShutdownCompleteChunk(tag_reflected=True), "0e010004", "SHUTDOWN_COMPLETE[T]"),
    (
        ReConfigChunk(
            [
                OutgoingSsnResetRequestParameter(10, 20, 30, [1]),
                ReconfigurationResponseParameter(40, 1),
            ]
        ),
        "82000024 000d0012 0000000a 00000014 0000001e 00010000 0010000c 00000028 00000001",
        "RE_CONFIG outgoing-ssn-reset-request(req_seq=10 resp_seq=20 sender_last_tsn=30 "
        "sids=[1]), reconfiguration-response(resp_seq=40 result=1:success-performed)",
    ),
    (
        ForwardTsnChunk(1000, [(4, 25), (6, 1)]),
        "c0000010 000003e8 00040019 00060001",
        "FORWARD_TSN new_cum_tsn=1000 streams=sid4:ssn25,sid6:ssn1",
    ),
    (ForwardTsnChunk(5, []), "c0000008 00000005", "FORWARD_TSN new_cum_tsn=5"),
    (
        IDataChunk(0x01020304, 7, 0x0A0B0C0D, 51, b"hello", unordered=True, beginning=True),
        "40060019 01020304 00070000 0a0b0c0d 00000033 68656c6c 6f000000",
        "I_DATA[UB] tsn=16909060 sid=7 mid=168496141 ppid=51 len=5",
    ),
    (
        IDataChunk(9, 1, 2, 3, b"abcd", end=True, immediate_ack=True),
        "40090018 00000009 00010000 00000002 00000003 61626364",
        "I_DATA[EI] tsn=9 sid=1 mid=2 fsn=3 len=4",
    ),
    (
        IForwardTsnChunk(1000, [(4, False, 25), (6, True, 0xFFFFFFFF)]),
        "c2000018 000003e8 00040000 00000019 00060001 ffffffff",
        "I_FORWARD_TSN new_cum_tsn=1000 streams=sid4:mid25,sid6:Umid4294967295",
    ),
    (IForwardTsnChunk(5, []), "c2000008 00000005", "I_FORWARD_TSN new_cum_tsn=5"),
    (
        UnknownChunk(0x7F, 0, b"\x00\x00\x00\x00"),
        "7f000008 00000000",
        "UNKNOWN_127 flags=0x00 len=8",
    ),
    (UnknownChunk(0xC1, 0xA5, b"\x01"), "c1a50005 01000000", "UNKNOWN_193 flags=0xa5 len=5"),
]


@pytest.mark.parametrize(("chunk", "wire", "text"), EXAMPLES, ids=lambda x: str(x)[:30])
def test_chunk_wire_format(chunk: Chunk, wire: str, text: str) -> None:
    data = bytes.fromhex(wire)
    assert chunk.serialize() == data
    assert parse_chunks_untrusted(data) == [chunk]
    assert str(chunk) == text


def test_every_chunk_type_has_an_example() -> None:
    covered = {type(chunk) for chunk, _, _ in EXAMPLES}
    assert {parser.__self__ for parser in CHUNK_PARSERS.values()} <= covered  # type: ignore[attr-defined]
    assert UnknownChunk in covered
    for chunk, _, _ in EXAMPLES:
        if not isinstance(chunk, UnknownChunk):
            assert CHUNK_PARSERS[chunk.TYPE].__self__ is type(chunk)  # type: ignore[attr-defined]


def test_bundle_of_chunks() -> None:
    chunks: list[Chunk] = [chunk for chunk, _, _ in EXAMPLES]
    data = b"".join(chunk.serialize() for chunk in chunks)
    assert parse_chunks_untrusted(data) == chunks


def test_data_chunk_flags_and_parse_entry_point() -> None:
    chunk = DataChunk(5, 1, 2, 3, b"x", unordered=True, end=True)
    assert chunk.flags == 0x05
    value = chunk.serialize()[4:17]
    assert DataChunk.parse_untrusted(0x05, value) == chunk
    assert DataChunk.parse_untrusted(0x05, memoryview(value)).user_data == b"x"  # type: ignore[arg-type]
    # reserved flag bits are ignored
    assert DataChunk.parse_untrusted(0xF5, value) == chunk


def test_idata_chunk_ppid_and_fsn_share_one_field() -> None:
    first = IDataChunk(1, 2, 3, 51, b"x", beginning=True)
    middle = IDataChunk(2, 2, 3, 1, b"y")
    assert (first.ppid, first.fsn) == (51, 0)
    assert (middle.ppid, middle.fsn) == (0, 1)
    assert first.flags == 0x02
    assert IDataChunk.parse_untrusted(0xF0 | 0x0F, bytes(16)).flags == 0x0F


def test_data_chunk_without_user_data_is_structurally_valid() -> None:
    """RFC 9260 section 6.2: the association answers with cause 9 (No User Data)."""
    data = bytes.fromhex("00030010 00000001 00000000 00000033")
    assert parse_chunks_untrusted(data) == [DataChunk(1, 0, 0, 51, b"", beginning=True, end=True)]


def test_unknown_chunk_upper_bits() -> None:
    """RFC 9260 section 3.2: 00 stop, 01 stop + report, 10 skip, 11 skip + report."""
    assert [
        (UnknownChunk(t, 0, b"").skip, UnknownChunk(t, 0, b"").report)
        for t in (0x3F, 0x7F, 0xBF, 0xFF)
    ] == [(False, False), (False, True), (True, False), (True, True)]


def test_init_accepts_last_parameter_with_or_without_padding_in_length() -> None:
    expected = InitChunk(1, 2, 3, 4, 5, [SupportedExtensionsParameter([130, 192])])
    rfc9260 = bytes.fromhex("0100001a 00000001 00000002 00030004 00000005 80080006 82c00000")
    rfc4960 = bytes.fromhex("0100001c 00000001 00000002 00030004 00000005 80080006 82c00000")
    assert parse_chunks_untrusted(rfc9260) == [expected]
    assert parse_chunks_untrusted(rfc4960) == [expected]
    assert expected.serialize() == rfc9260


def test_init_keeps_unknown_parameters() -> None:
    value = bytes.fromhex("00000001 00000002 00030004 00000005 80010008 00000001 c0060005 ff000000")
    chunk = InitChunk.parse_untrusted(0, value)
    assert chunk.parameters == [
        ZeroChecksumAcceptableParameter(1),
        UnknownParameter(0xC006, b"\xff"),
    ]


MALFORMED: list[tuple[int, str, str]] = [
    (DataChunk.TYPE, "00000001 00000000 000000", "< 12"),
    (InitChunk.TYPE, "00000001 00000002 00030004 000000", "< 16"),
    (InitChunk.TYPE, "00000001 00000002 00030004 00000005 c000", "truncated parameter header"),
    (InitChunk.TYPE, "00000001 00000002 00030004 00000005 c0000003", "below 4"),
    (InitAckChunk.TYPE, "00000001 00000002 00030004 00000005 0007000c 0000", "past the end"),
    (SackChunk.TYPE, "00000001 00000002 0001", "< 12"),
    (SackChunk.TYPE, "00000001 00000002 00010000", "announces"),
    (SackChunk.TYPE, "00000001 00000002 00000001 00000005 00000006", "announces"),
    (HeartbeatRequestChunk.TYPE, "", "without a Heartbeat Info"),
    (HeartbeatAckChunk.TYPE, "00020008 00000000", "without a Heartbeat Info"),
    (HeartbeatAckChunk.TYPE, "00010009 0000", "past the end"),
    (AbortChunk.TYPE, "000c0003", "below 4"),
    (ShutdownChunk.TYPE, "000000", "expected 4"),
    (ShutdownChunk.TYPE, "00000000 00000000", "expected 4"),
    (ShutdownAckChunk.TYPE, "00", "value bytes"),
    (ErrorChunk.TYPE, "00010008 0001", "past the end"),
    (ErrorChunk.TYPE, "00010006 0001", "invalid-stream-identifier"),
    (CookieAckChunk.TYPE, "00000000", "value bytes"),
    (ShutdownCompleteChunk.TYPE, "00", "value bytes"),
    (ReConfigChunk.TYPE, "000d000c 00000001 00000002", "< 12"),
    (ReConfigChunk.TYPE, "0010000a 00000001 0000", "expected 8/16"),
    (ForwardTsnChunk.TYPE, "000000", "FORWARD TSN"),
    (ForwardTsnChunk.TYPE, "00000001 0001", "FORWARD TSN"),
    (IDataChunk.TYPE, "00000001 00000000 00000000 000000", "< 16"),
    (IForwardTsnChunk.TYPE, "000000", "I-FORWARD-TSN"),
    (IForwardTsnChunk.TYPE, "00000001 00010000", "I-FORWARD-TSN"),
    (IForwardTsnChunk.TYPE, "00000001 00010000 00000001 0001", "I-FORWARD-TSN"),
]


@pytest.mark.parametrize(("chunk_type", "value", "message"), MALFORMED)
def test_malformed_chunk_values(chunk_type: int, value: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_chunk_untrusted(chunk_type, 0, bytes.fromhex(value))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("0b00", "truncated chunk header"),
        ("0b000003", "below 4"),
        ("0b000000", "below 4"),
        ("0a000006 6162", "runs past the end"),  # padding missing
        ("0a000009 61626364 65", "runs past the end"),  # partial padding
        ("0a000010 61626364", "runs past the end"),
        ("0b000004 0b", "truncated chunk header"),
    ],
)
def test_malformed_chunk_framing(body: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_chunks_untrusted(bytes.fromhex(body))


def test_padding_contents_are_ignored() -> None:
    """RFC 9260 section 3.2: "The receiver MUST ignore the padding bytes"."""
    assert parse_chunks_untrusted(bytes.fromhex("0a000006 6162ffff")) == [CookieEchoChunk(b"ab")]


def test_oversized_chunk_cannot_be_serialized() -> None:
    with pytest.raises(ValueError):
        DataChunk(1, 0, 0, 53, bytes(0xFFFF)).serialize()
    with pytest.raises(ValueError):
        CookieEchoChunk(bytes(0xFFFC)).serialize()
    assert len(CookieEchoChunk(bytes(0xFFFB)).serialize()) == 0x10000


def test_inline_idata_decoding_checks_the_fixed_fields() -> None:
    with pytest.raises(ParseError, match="< 16"):
        parse_chunks_untrusted(bytes.fromhex("40030013 00000001 00000000 00000000 000000 00"))
    chunk = IDataChunk(5, 1, 2, 3, b"ab", unordered=True, end=True)
    assert parse_chunks_untrusted(chunk.serialize() + chunk.serialize()) == [chunk, chunk]
