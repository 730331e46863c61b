"""Error causes carried by ABORT and ERROR chunks, RFC 9260 section 3.3.10.

Every cause is a TLV with the parameter header layout:

     0                   1                   2                   3
    +-------------------------------+-------------------------------+
    |          Cause Code           |         Cause Length          |
    +-------------------------------+-------------------------------+
    /                    Cause-Specific Information                 /
    +---------------------------------------------------------------+

One small class per cause code of section 3.3.10 (codes 1 to 13); any other code becomes an
``UnknownCause``. Text causes (12, 13) decode UTF-8 with ``surrogateescape`` so that any peer
bytes survive a parse / serialize round trip unchanged.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet.tlv import encode_tlv, iter_tlvs_untrusted

_U16_RESERVED = struct.Struct("!HH")
_U32 = struct.Struct("!I")


def _expect_empty(value: bytes, name: str) -> None:
    if value:
        raise ParseError(f"{name} cause with {len(value)} unexpected bytes")


@dataclass(slots=True)
class InvalidStreamIdentifierCause:
    """Cause 1 (section 3.3.10.1): DATA sent to a stream that does not exist."""

    stream_id: int

    CODE: ClassVar[int] = 1

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Decode the 4-byte cause value (stream identifier, reserved)."""
        if len(value) != 4:
            raise ParseError(f"invalid-stream-identifier cause of {len(value)} bytes")
        return cls(_U16_RESERVED.unpack(value)[0])

    def serialize(self) -> bytes:
        """Encode the whole TLV."""
        return encode_tlv(self.CODE, _U16_RESERVED.pack(self.stream_id, 0))

    def __str__(self) -> str:
        return f"invalid-stream-identifier(sid={self.stream_id})"


@dataclass(slots=True)
class MissingMandatoryParameterCause:
    """Cause 2 (section 3.3.10.2): the listed mandatory parameter types were missing."""

    types: list[int]

    CODE: ClassVar[int] = 2

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Decode the count and the 16-bit parameter types; the count must match."""
        if len(value) < 4:
            raise ParseError(f"missing-mandatory-parameter cause of {len(value)} bytes")
        count = _U32.unpack_from(value)[0]
        if len(value) != 4 + 2 * count:
            raise ParseError(
                f"missing-mandatory-parameter announces {count} types in {len(value) - 4} bytes"
            )
        return cls(list(struct.unpack_from(f"!{count}H", value, 4)))

    def serialize(self) -> bytes:
        """Encode the whole TLV, padding included."""
        value = _U32.pack(len(self.types)) + struct.pack(f"!{len(self.types)}H", *self.types)
        return encode_tlv(self.CODE, value)

    def __str__(self) -> str:
        return f"missing-mandatory-parameter({self.types})"


@dataclass(slots=True)
class StaleCookieCause:
    """Cause 3 (section 3.3.10.3): the cookie expired this many microseconds ago."""

    staleness_us: int

    CODE: ClassVar[int] = 3

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Decode the 4-byte measure of staleness."""
        if len(value) != 4:
            raise ParseError(f"stale-cookie cause of {len(value)} bytes")
        return cls(_U32.unpack(value)[0])

    def serialize(self) -> bytes:
        """Encode the whole TLV."""
        return encode_tlv(self.CODE, _U32.pack(self.staleness_us))

    def __str__(self) -> str:
        return f"stale-cookie({self.staleness_us} us)"


@dataclass(slots=True)
class OutOfResourceCause:
    """Cause 4 (section 3.3.10.4): the sender is out of resources."""

    CODE: ClassVar[int] = 4

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Decode the (empty) cause value."""
        _expect_empty(value, "out-of-resource")
        return cls()

    def serialize(self) -> bytes:
        """Encode the whole TLV."""
        return encode_tlv(self.CODE, b"")

    def __str__(self) -> str:
        return "out-of-resource"


@dataclass(slots=True)
class UnresolvableAddressCause:
    """Cause 5 (section 3.3.10.5): the address parameter (a raw TLV) could not be resolved."""

    address: bytes

    CODE: ClassVar[int] = 5

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Keep the quoted address TLV as raw bytes."""
        return cls(bytes(value))

    def serialize(self) -> bytes:
        """Encode the whole TLV, padding included."""
        return encode_tlv(self.CODE, self.address)

    def __str__(self) -> str:
        return f"unresolvable-address({len(self.address)} B)"


@dataclass(slots=True)
class UnrecognizedChunkTypeCause:
    """Cause 6 (section 3.3.10.6): quotes the whole chunk (header included) not understood."""

    chunk: bytes

    CODE: ClassVar[int] = 6

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Keep the quoted chunk as raw bytes."""
        return cls(bytes(value))

    def serialize(self) -> bytes:
        """Encode the whole TLV, padding included."""
        return encode_tlv(self.CODE, self.chunk)

    def __str__(self) -> str:
        kind = f"type={self.chunk[0]} " if self.chunk else ""
        return f"unrecognized-chunk-type({kind}{len(self.chunk)} B)"


@dataclass(slots=True)
class InvalidMandatoryParameterCause:
    """Cause 7 (section 3.3.10.7): a mandatory parameter of INIT / INIT ACK was invalid."""

    CODE: ClassVar[int] = 7

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Decode the (empty) cause value."""
        _expect_empty(value, "invalid-mandatory-parameter")
        return cls()

    def serialize(self) -> bytes:
        """Encode the whole TLV."""
        return encode_tlv(self.CODE, b"")

    def __str__(self) -> str:
        return "invalid-mandatory-parameter"


@dataclass(slots=True)
class UnrecognizedParametersCause:
    """Cause 8 (section 3.3.10.8): quotes the parameters (raw TLVs) not understood."""

    parameters: bytes

    CODE: ClassVar[int] = 8

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Keep the quoted parameters as raw bytes."""
        return cls(bytes(value))

    def serialize(self) -> bytes:
        """Encode the whole TLV, padding included."""
        return encode_tlv(self.CODE, self.parameters)

    def __str__(self) -> str:
        return f"unrecognized-parameters({len(self.parameters)} B)"


@dataclass(slots=True)
class NoUserDataCause:
    """Cause 9 (section 3.3.10.9): a DATA chunk with this TSN carried no user data."""

    tsn: int

    CODE: ClassVar[int] = 9

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Decode the 4-byte TSN."""
        if len(value) != 4:
            raise ParseError(f"no-user-data cause of {len(value)} bytes")
        return cls(_U32.unpack(value)[0])

    def serialize(self) -> bytes:
        """Encode the whole TLV."""
        return encode_tlv(self.CODE, _U32.pack(self.tsn))

    def __str__(self) -> str:
        return f"no-user-data(tsn={self.tsn})"


@dataclass(slots=True)
class CookieReceivedWhileShuttingDownCause:
    """Cause 10 (section 3.3.10.10): a COOKIE ECHO arrived in SHUTDOWN-ACK-SENT."""

    CODE: ClassVar[int] = 10

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Decode the (empty) cause value."""
        _expect_empty(value, "cookie-received-while-shutting-down")
        return cls()

    def serialize(self) -> bytes:
        """Encode the whole TLV."""
        return encode_tlv(self.CODE, b"")

    def __str__(self) -> str:
        return "cookie-received-while-shutting-down"


@dataclass(slots=True)
class RestartWithNewAddressesCause:
    """Cause 11 (section 3.3.10.11): a restart INIT added addresses (quoted as raw TLVs)."""

    addresses: bytes

    CODE: ClassVar[int] = 11

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Keep the quoted address TLVs as raw bytes."""
        return cls(bytes(value))

    def serialize(self) -> bytes:
        """Encode the whole TLV, padding included."""
        return encode_tlv(self.CODE, self.addresses)

    def __str__(self) -> str:
        return f"restart-with-new-addresses({len(self.addresses)} B)"


@dataclass(slots=True)
class UserInitiatedAbortCause:
    """Cause 12 (section 3.3.10.12): the upper layer aborted, with a reason."""

    reason: str

    CODE: ClassVar[int] = 12

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Decode the reason (UTF-8; undecodable bytes kept as surrogate escapes)."""
        return cls(bytes(value).decode("utf-8", "surrogateescape"))

    def serialize(self) -> bytes:
        """Encode the whole TLV, padding included."""
        return encode_tlv(self.CODE, self.reason.encode("utf-8", "surrogateescape"))

    def __str__(self) -> str:
        return f"user-initiated-abort({self.reason!r})"


@dataclass(slots=True)
class ProtocolViolationCause:
    """Cause 13 (section 3.3.10.13): the peer broke the protocol; ``info`` says how."""

    info: str

    CODE: ClassVar[int] = 13

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Decode the information (UTF-8; undecodable bytes kept as surrogate escapes)."""
        return cls(bytes(value).decode("utf-8", "surrogateescape"))

    def serialize(self) -> bytes:
        """Encode the whole TLV, padding included."""
        return encode_tlv(self.CODE, self.info.encode("utf-8", "surrogateescape"))

    def __str__(self) -> str:
        return f"protocol-violation({self.info!r})"


@dataclass(slots=True)
class UnknownCause:
    """A cause code this module does not decode, kept raw."""

    code: int
    value: bytes

    #: Not a real code: unknown causes carry theirs in ``code``.
    CODE: ClassVar[int] = -1

    def serialize(self) -> bytes:
        """Encode the whole TLV, padding included."""
        return encode_tlv(self.code, self.value)

    def __str__(self) -> str:
        return f"cause{self.code}({len(self.value)} B)"


#: Any error cause: one of the section 3.3.10 classes or an ``UnknownCause``.
ErrorCause = (
    InvalidStreamIdentifierCause
    | MissingMandatoryParameterCause
    | StaleCookieCause
    | OutOfResourceCause
    | UnresolvableAddressCause
    | UnrecognizedChunkTypeCause
    | InvalidMandatoryParameterCause
    | UnrecognizedParametersCause
    | NoUserDataCause
    | CookieReceivedWhileShuttingDownCause
    | RestartWithNewAddressesCause
    | UserInitiatedAbortCause
    | ProtocolViolationCause
    | UnknownCause
)

#: Cause code -> decoder of its value.
CAUSE_PARSERS: dict[int, Callable[[bytes], ErrorCause]] = {
    InvalidStreamIdentifierCause.CODE: InvalidStreamIdentifierCause.parse_untrusted,
    MissingMandatoryParameterCause.CODE: MissingMandatoryParameterCause.parse_untrusted,
    StaleCookieCause.CODE: StaleCookieCause.parse_untrusted,
    OutOfResourceCause.CODE: OutOfResourceCause.parse_untrusted,
    UnresolvableAddressCause.CODE: UnresolvableAddressCause.parse_untrusted,
    UnrecognizedChunkTypeCause.CODE: UnrecognizedChunkTypeCause.parse_untrusted,
    InvalidMandatoryParameterCause.CODE: InvalidMandatoryParameterCause.parse_untrusted,
    UnrecognizedParametersCause.CODE: UnrecognizedParametersCause.parse_untrusted,
    NoUserDataCause.CODE: NoUserDataCause.parse_untrusted,
    CookieReceivedWhileShuttingDownCause.CODE: (
        CookieReceivedWhileShuttingDownCause.parse_untrusted
    ),
    RestartWithNewAddressesCause.CODE: RestartWithNewAddressesCause.parse_untrusted,
    UserInitiatedAbortCause.CODE: UserInitiatedAbortCause.parse_untrusted,
    ProtocolViolationCause.CODE: ProtocolViolationCause.parse_untrusted,
}


def parse_error_causes_untrusted(data: bytes) -> list[ErrorCause]:
    """Split and decode the causes of an ABORT or ERROR chunk; raises only ParseError."""
    result: list[ErrorCause] = []
    for code, value in iter_tlvs_untrusted(data):
        parser = CAUSE_PARSERS.get(code)
        result.append(UnknownCause(code, bytes(value)) if parser is None else parser(value))
    return result


__all__ = [
    "CAUSE_PARSERS",
    "CookieReceivedWhileShuttingDownCause",
    "ErrorCause",
    "InvalidMandatoryParameterCause",
    "InvalidStreamIdentifierCause",
    "MissingMandatoryParameterCause",
    "NoUserDataCause",
    "OutOfResourceCause",
    "ProtocolViolationCause",
    "RestartWithNewAddressesCause",
    "StaleCookieCause",
    "UnknownCause",
    "UnrecognizedChunkTypeCause",
    "UnrecognizedParametersCause",
    "UnresolvableAddressCause",
    "UserInitiatedAbortCause",
    "parse_error_causes_untrusted",
]
