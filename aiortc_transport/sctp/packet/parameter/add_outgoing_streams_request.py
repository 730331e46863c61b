"""Add Outgoing Streams Request parameter, RFC 6525 section 4.5.

 0                   1                   2                   3
+-------------------------------+-------------------------------+
|     Parameter Type = 17       |      Parameter Length = 12    |
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
class AddOutgoingStreamsRequestParameter(AddStreamsRequestBase):
    """Ask to add outgoing streams on the sender's side."""

    TYPE: ClassVar[int] = 17
    NAME: ClassVar[str] = "add-outgoing-streams-request"
