"""Re-configuration Response parameter, RFC 6525 section 4.4.

 0                   1                   2                   3
+-------------------------------+-------------------------------+
|     Parameter Type = 16       |      Parameter Length         |
+-------------------------------+-------------------------------+
|         Re-configuration Response Sequence Number             |
+---------------------------------------------------------------+
|                            Result                             |
+---------------------------------------------------------------+
|                   Sender's Next TSN (optional)                |
+---------------------------------------------------------------+
|                  Receiver's Next TSN (optional)               |
+---------------------------------------------------------------+
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet.tlv import encode_tlv

_BASE = struct.Struct("!II")
_WITH_TSNS = struct.Struct("!IIII")

#: Result codes, RFC 6525 section 4.4.
RESULT_SUCCESS_NOTHING_TO_DO = 0
RESULT_SUCCESS_PERFORMED = 1
RESULT_DENIED = 2
RESULT_ERROR_WRONG_SSN = 3
RESULT_ERROR_REQUEST_ALREADY_IN_PROGRESS = 4
RESULT_ERROR_BAD_SEQUENCE_NUMBER = 5
RESULT_IN_PROGRESS = 6

_RESULT_NAMES = {
    0: "success-nothing-to-do",
    1: "success-performed",
    2: "denied",
    3: "error-wrong-ssn",
    4: "error-request-already-in-progress",
    5: "error-bad-sequence-number",
    6: "in-progress",
}


@dataclass(slots=True)
class ReconfigurationResponseParameter:
    """The answer to a re-configuration request; the TSNs only answer an SSN/TSN reset."""

    response_sequence: int
    result: int
    sender_next_tsn: int | None = None
    receiver_next_tsn: int | None = None

    TYPE: ClassVar[int] = 16

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Decode the 8- or 16-byte parameter value."""
        if len(value) == 8:
            return cls(*_BASE.unpack(value))
        if len(value) == 16:
            return cls(*_WITH_TSNS.unpack(value))
        raise ParseError(f"reconfiguration-response value of {len(value)} bytes, expected 8/16")

    def serialize(self) -> bytes:
        """Encode the whole TLV (the TSNs are written only when both are set)."""
        if self.sender_next_tsn is None or self.receiver_next_tsn is None:
            value = _BASE.pack(self.response_sequence, self.result)
        else:
            value = _WITH_TSNS.pack(
                self.response_sequence, self.result, self.sender_next_tsn, self.receiver_next_tsn
            )
        return encode_tlv(self.TYPE, value)

    def __str__(self) -> str:
        name = _RESULT_NAMES.get(self.result, "unknown")
        text = (
            f"reconfiguration-response(resp_seq={self.response_sequence} "
            f"result={self.result}:{name}"
        )
        if self.sender_next_tsn is not None:
            text += (
                f" sender_next_tsn={self.sender_next_tsn}"
                f" receiver_next_tsn={self.receiver_next_tsn}"
            )
        return text + ")"
