"""Add Incoming Streams Request parameter, RFC 6525 section 4.6.

 0                   1                   2                   3
+-------------------------------+-------------------------------+
|     Parameter Type = 18       |      Parameter Length = 12    |
+-------------------------------+-------------------------------+
|          Re-configuration Request Sequence Number             |
+-------------------------------+-------------------------------+
|      Number of new streams    |         Reserved              |
+-------------------------------+-------------------------------+
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from aiortc_transport.sctp.packet.parameter._add_streams import AddStreamsRequestBase


@dataclass(slots=True)
class AddIncomingStreamsRequestParameter(AddStreamsRequestBase):
    """Ask the peer to add outgoing streams (our incoming ones)."""

    TYPE: ClassVar[int] = 18
    NAME: ClassVar[str] = "add-incoming-streams-request"
