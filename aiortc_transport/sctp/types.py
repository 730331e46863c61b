"""Strong ID types of the SCTP core.

TSNs and SSNs travel as 32-bit / 16-bit serial numbers on the wire; inside the association
they are *unwrapped* once (see :mod:`aiortc_transport.sctp.sequence`) into plain, ever
growing ints, so that comparisons are ordinary ``<`` and no ``uint32_gt`` helper is needed.
``Tsn`` and ``Ssn`` denote unwrapped values; the wire value is ``value & 0xFFFFFFFF``.
"""

from __future__ import annotations

from typing import NewType

Tsn = NewType("Tsn", int)
"""An unwrapped transmission sequence number (the wire value is ``tsn & 0xFFFFFFFF``)."""

Ssn = NewType("Ssn", int)
"""An unwrapped stream sequence number (the wire value is ``ssn & 0xFFFF``)."""

StreamId = NewType("StreamId", int)
"""An SCTP stream identifier (0..65535)."""

Ppid = NewType("Ppid", int)
"""A payload protocol identifier (RFC 8831: 50 DCEP, 51 string, 53 binary, 56/57 empty)."""

VerificationTag = NewType("VerificationTag", int)
"""A 32-bit verification tag (RFC 9260 section 8.5)."""

PPID_DCEP = 50
PPID_STRING = 51
PPID_BINARY = 53
PPID_STRING_EMPTY = 56
PPID_BINARY_EMPTY = 57
