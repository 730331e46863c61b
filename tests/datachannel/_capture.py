"""Read the text2pcap-style captures in tests/vectors/dcep/ and pull out DATA chunks.

A deliberately small, independent chunk walker, so that these tests do not depend on the
SCTP codec (written elsewhere): 12-byte common header, then chunks of
type(1) flags(1) length(2) value, each padded to 4 bytes (RFC 9260 section 3.2).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "dcep"
PEERS = ("chromium", "firefox", "wrtc", "werift")


@dataclass(frozen=True)
class CapturedData:
    """One DATA chunk of a captured packet."""

    direction: str  # "I" from the peer, "O" from the Python side (aiortc)
    session: str  # "sctp.txt" (peer is DTLS client) or "sctp-peer-server.txt"
    summary: str
    tsn: int
    stream_id: int
    ssn: int
    ppid: int
    unordered: bool
    beginning: bool
    end: bool
    user_data: bytes


def _packets(path: Path) -> list[tuple[str, str, str, bytes]]:
    packets: list[tuple[str, str, str, bytes]] = []
    session = ""
    summary = ""
    data = bytearray()
    in_block = False
    for line in [*path.read_text().splitlines(), ""]:
        if line.startswith("# ######## from "):
            session = line.removeprefix("# ######## from ").strip()
        elif line.startswith(("# I ", "# O ")):
            summary = line
            data = bytearray()
            in_block = True
        elif in_block and line[:4].isalnum() and line[4:6] == "  " and len(line) > 6:
            data += bytes.fromhex(line[6:].strip())
        elif in_block and not line.strip():
            packets.append((summary[2], session, summary, bytes(data)))
            in_block = False
    return packets


def data_chunks(peer: str) -> list[CapturedData]:
    """Every DATA chunk of the packets in the peer's vector file, in capture order."""
    chunks: list[CapturedData] = []
    for direction, session, summary, packet in _packets(VECTORS / f"{peer}.txt"):
        offset = 12
        while offset + 4 <= len(packet):
            chunk_type, flags, length = struct.unpack_from("!BBH", packet, offset)
            if chunk_type == 0:
                tsn, sid, ssn, ppid = struct.unpack_from("!IHHI", packet, offset + 4)
                chunks.append(
                    CapturedData(
                        direction,
                        session,
                        summary,
                        tsn,
                        sid,
                        ssn,
                        ppid,
                        bool(flags & 4),
                        bool(flags & 2),
                        bool(flags & 1),
                        packet[offset + 16 : offset + length],
                    )
                )
            offset += (length + 3) & ~3
    return chunks
