"""Every error cause of RFC 9260 section 3.3.10: wire bytes, round trips, malformed values."""

from __future__ import annotations

import pytest

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet.error_cause import (
    CAUSE_PARSERS,
    CookieReceivedWhileShuttingDownCause,
    ErrorCause,
    InvalidMandatoryParameterCause,
    InvalidStreamIdentifierCause,
    MissingMandatoryParameterCause,
    NoUserDataCause,
    OutOfResourceCause,
    ProtocolViolationCause,
    RestartWithNewAddressesCause,
    StaleCookieCause,
    UnknownCause,
    UnrecognizedChunkTypeCause,
    UnrecognizedParametersCause,
    UnresolvableAddressCause,
    UserInitiatedAbortCause,
    parse_error_causes_untrusted,
)

EXAMPLES: list[tuple[ErrorCause, str, str]] = [
    (InvalidStreamIdentifierCause(5), "00010008 00050000", "invalid-stream-identifier(sid=5)"),
    (
        MissingMandatoryParameterCause([7, 0x8008, 9]),
        "0002000e 00000003 00078008 00090000",
        "missing-mandatory-parameter([7, 32776, 9])",
    ),
    (StaleCookieCause(1500), "00030008 000005dc", "stale-cookie(1500 us)"),
    (OutOfResourceCause(), "00040004", "out-of-resource"),
    (
        UnresolvableAddressCause(bytes.fromhex("00050008 7f000001")),
        "0005000c 00050008 7f000001",
        "unresolvable-address(8 B)",
    ),
    (
        # the ERROR the peers sent for the injected chunk type 0x7f
        UnrecognizedChunkTypeCause(bytes.fromhex("7f000008 00000000")),
        "0006000c 7f000008 00000000",
        "unrecognized-chunk-type(type=127 8 B)",
    ),
    (InvalidMandatoryParameterCause(), "00070004", "invalid-mandatory-parameter"),
    (
        UnrecognizedParametersCause(bytes.fromhex("c0060005 ff000000")),
        "0008000c c0060005 ff000000",
        "unrecognized-parameters(8 B)",
    ),
    (NoUserDataCause(0xCAFE), "00090008 0000cafe", "no-user-data(tsn=51966)"),
    (CookieReceivedWhileShuttingDownCause(), "000a0004", "cookie-received-while-shutting-down"),
    (
        RestartWithNewAddressesCause(bytes.fromhex("00050008 0a000001")),
        "000b000c 00050008 0a000001",
        "restart-with-new-addresses(8 B)",
    ),
    (
        UserInitiatedAbortCause("Close called"),
        "000c0010 436c6f73 65206361 6c6c6564",
        "user-initiated-abort('Close called')",
    ),
    (
        ProtocolViolationCause("bad TSN"),
        "000d000b 62616420 54534e00",
        "protocol-violation('bad TSN')",
    ),
    (UnknownCause(0x100, b"\x01"), "01000005 01000000", "cause256(1 B)"),
]


@pytest.mark.parametrize(("cause", "wire", "text"), EXAMPLES, ids=lambda x: str(x)[:30])
def test_error_cause_wire_format(cause: ErrorCause, wire: str, text: str) -> None:
    data = bytes.fromhex(wire)
    assert cause.serialize() == data
    assert parse_error_causes_untrusted(data) == [cause]
    assert str(cause) == text


def test_every_cause_code_has_an_example() -> None:
    covered = {type(c) for c, _, _ in EXAMPLES}
    assert set(CAUSE_PARSERS) == set(range(1, 14))
    assert {parser.__self__ for parser in CAUSE_PARSERS.values()} | {  # type: ignore[attr-defined]
        UnknownCause
    } == covered


def test_text_causes_survive_invalid_utf8() -> None:
    raw = bytes.fromhex("000c0007 ff41fe00")
    (cause,) = parse_error_causes_untrusted(raw)
    assert isinstance(cause, UserInitiatedAbortCause)
    assert cause.reason == "\udcffA\udcfe"
    assert cause.serialize() == raw
    assert "\n" not in str(cause)


def test_non_ascii_reason() -> None:
    cause = UserInitiatedAbortCause("fermé")
    (again,) = parse_error_causes_untrusted(cause.serialize())
    assert again == cause


@pytest.mark.parametrize(
    ("code", "value"),
    [
        (1, "0005"),
        (1, "00050000 00"),
        (2, "000000"),
        (2, "00000002 0007"),
        (2, "00000001 00070008"),
        (2, "ffffffff"),
        (3, "000005"),
        (4, "00"),
        (7, "00"),
        (9, "0000cafe 00"),
        (10, "00000000"),
    ],
)
def test_malformed_cause_values(code: int, value: str) -> None:
    with pytest.raises(ParseError):
        CAUSE_PARSERS[code](bytes.fromhex(value))
