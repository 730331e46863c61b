"""SCTP packet codecs: common header, chunks, parameters and error causes.

Everything that decodes network bytes is named ``*_untrusted`` and raises only
``aiortc_transport.exceptions.ParseError``.
"""

from aiortc_transport.sctp.packet.packet import SctpPacket, serialize_packet

__all__ = ["SctpPacket", "serialize_packet"]
