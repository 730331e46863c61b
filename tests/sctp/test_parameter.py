"""Every parameter class: exact wire bytes, round trips, one-line strings, malformed values."""

from __future__ import annotations

import pytest

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet.parameter import (
    PARAMETER_PARSERS,
    AddIncomingStreamsRequestParameter,
    AddOutgoingStreamsRequestParameter,
    ForwardTsnSupportedParameter,
    HeartbeatInfoParameter,
    IncomingSsnResetRequestParameter,
    OutgoingSsnResetRequestParameter,
    Parameter,
    ReconfigurationResponseParameter,
    SsnTsnResetRequestParameter,
    StateCookieParameter,
    SupportedExtensionsParameter,
    UnknownParameter,
    ZeroChecksumAcceptableParameter,
    parse_parameter_untrusted,
    parse_parameters_untrusted,
)

EXAMPLES: list[tuple[Parameter, str, str]] = [
    (HeartbeatInfoParameter(b"\x01\x02\x03"), "00010007 01020300", "heartbeat-info(3 B)"),
    (StateCookieParameter(b"abcdefgh"), "0007000c 61626364 65666768", "state-cookie(8 B)"),
    (ForwardTsnSupportedParameter(), "c0000004", "forward-tsn-supported"),
    (
        SupportedExtensionsParameter([130, 192, 64, 194]),
        "80080008 82c040c2",
        "supported-extensions[130, 192, 64, 194]",
    ),
    (
        OutgoingSsnResetRequestParameter(1, 2, 3, [2, 3, 4, 5]),
        "000d0018 00000001 00000002 00000003 00020003 00040005",
        "outgoing-ssn-reset-request(req_seq=1 resp_seq=2 sender_last_tsn=3 sids=[2, 3, 4, 5])",
    ),
    (
        OutgoingSsnResetRequestParameter(1, 2, 3, []),
        "000d0010 00000001 00000002 00000003",
        "outgoing-ssn-reset-request(req_seq=1 resp_seq=2 sender_last_tsn=3 sids=[])",
    ),
    (
        IncomingSsnResetRequestParameter(9, [1]),
        "000e000a 00000009 00010000",
        "incoming-ssn-reset-request(req_seq=9 sids=[1])",
    ),
    (SsnTsnResetRequestParameter(7), "000f0008 00000007", "ssn-tsn-reset-request(req_seq=7)"),
    (
        ReconfigurationResponseParameter(5, 6),
        "0010000c 00000005 00000006",
        "reconfiguration-response(resp_seq=5 result=6:in-progress)",
    ),
    (
        ReconfigurationResponseParameter(5, 1, 100, 200),
        "00100014 00000005 00000001 00000064 000000c8",
        "reconfiguration-response(resp_seq=5 result=1:success-performed "
        "sender_next_tsn=100 receiver_next_tsn=200)",
    ),
    (
        AddOutgoingStreamsRequestParameter(3, 16),
        "0011000c 00000003 00100000",
        "add-outgoing-streams-request(req_seq=3 new_streams=16)",
    ),
    (
        AddIncomingStreamsRequestParameter(4, 2),
        "0012000c 00000004 00020000",
        "add-incoming-streams-request(req_seq=4 new_streams=2)",
    ),
    (
        ZeroChecksumAcceptableParameter(1),
        "80010008 00000001",
        "zero-checksum-acceptable(edmid=1)",
    ),
    (UnknownParameter(0x8003, b"\x00\x01"), "80030006 00010000", "param0x8003(2 B)"),
]


@pytest.mark.parametrize(("parameter", "wire", "text"), EXAMPLES, ids=lambda x: str(x)[:30])
def test_parameter_wire_format(parameter: Parameter, wire: str, text: str) -> None:
    data = bytes.fromhex(wire)
    assert parameter.serialize() == data
    assert parse_parameters_untrusted(data) == [parameter]
    assert str(parameter) == text


def test_every_parameter_type_has_an_example() -> None:
    covered = {type(p) for p, _, _ in EXAMPLES}
    assert {parser.__self__ for parser in PARAMETER_PARSERS.values()} | {  # type: ignore[attr-defined]
        UnknownParameter
    } == covered


def test_parameter_list_round_trip() -> None:
    params = [p for p, _, _ in EXAMPLES]
    assert parse_parameters_untrusted(b"".join(p.serialize() for p in params)) == params


def test_reconfiguration_response_writes_tsns_only_when_both_set() -> None:
    assert ReconfigurationResponseParameter(1, 0, 5, None).serialize() == bytes.fromhex(
        "0010000c 00000001 00000000"
    )


def test_last_parameter_may_lack_its_padding() -> None:
    assert parse_parameters_untrusted(bytes.fromhex("c0000004 80080006 82c0")) == [
        ForwardTsnSupportedParameter(),
        SupportedExtensionsParameter([130, 192]),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("80080006 82c0 c0000004", "truncated parameter header"),  # inner padding missing
        ("c000", "truncated parameter header"),
        ("c0000002", "below 4"),
        ("00070010 0000", "past the end"),
        ("c0000004 00", "truncated parameter header"),
        ("00010005 010000", "bad parameter padding"),
    ],
)
def test_malformed_parameter_lists(data: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_parameters_untrusted(bytes.fromhex(data))


@pytest.mark.parametrize(
    ("parameter_type", "value"),
    [
        (ForwardTsnSupportedParameter.TYPE, "00"),
        (OutgoingSsnResetRequestParameter.TYPE, "00000001 00000002 000000"),
        (OutgoingSsnResetRequestParameter.TYPE, "00000001 00000002 00000003 00"),
        (IncomingSsnResetRequestParameter.TYPE, "000000"),
        (IncomingSsnResetRequestParameter.TYPE, "00000001 000100"),
        (SsnTsnResetRequestParameter.TYPE, "00000001 00"),
        (ReconfigurationResponseParameter.TYPE, "00000001 0000000100"),
        (ReconfigurationResponseParameter.TYPE, "00000001 00000001 00000001"),
        (AddOutgoingStreamsRequestParameter.TYPE, "00000001 0001"),
        (AddIncomingStreamsRequestParameter.TYPE, "00000001 00010000 00"),
        (ZeroChecksumAcceptableParameter.TYPE, "000001"),
    ],
)
def test_malformed_parameter_values(parameter_type: int, value: str) -> None:
    with pytest.raises(ParseError):
        parse_parameter_untrusted(parameter_type, bytes.fromhex(value))


def test_unknown_parameter_keeps_type_and_value() -> None:
    assert parse_parameter_untrusted(0x4005, b"xyz") == UnknownParameter(0x4005, b"xyz")


def test_unknown_parameter_upper_bits() -> None:
    """RFC 9260 section 3.2.1: 00 stop, 01 stop + report, 10 skip, 11 skip + report."""
    bits = [
        (UnknownParameter(t, b"").skip, UnknownParameter(t, b"").report)
        for t in (0x3FFF, 0x4001, 0x8003, 0xC006)
    ]
    assert bits == [(False, False), (False, True), (True, False), (True, True)]
