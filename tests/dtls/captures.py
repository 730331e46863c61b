"""Read the text2pcap-style DTLS captures in tests/vectors/dtls/.

Each block is ``# <I|O> <seconds> <summary>``, then ``<I|O> <time of day>``, then offset hex
dump lines (``0000  16 fe ff ...``). ``I`` datagrams came from the real peer (Chromium,
Firefox, wrtc, werift), ``O`` ones from aiortc 1.16 as DTLS server. See
/work/shared/captures/README.md for how they were taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "dtls"


@dataclass(frozen=True)
class CapturedDatagram:
    direction: str
    summary: str
    data: bytes


def load_capture(name: str) -> list[CapturedDatagram]:
    """All datagrams of ``tests/vectors/dtls/<name>-dtls-handshake.txt``, in order."""
    datagrams: list[CapturedDatagram] = []
    summary = ""
    direction = ""
    hex_parts: list[str] = []

    def flush() -> None:
        if hex_parts:
            datagrams.append(
                CapturedDatagram(direction, summary, bytes.fromhex("".join(hex_parts)))
            )
            hex_parts.clear()

    for line in (VECTORS / f"{name}-dtls-handshake.txt").read_text().splitlines():
        if line.startswith(("# I ", "# O ")) and line[4:5].isdigit():
            flush()
            direction = line[2]
            summary = line[4:]
        elif line[:4].isalnum() and len(line) > 6 and line[4:6] == "  ":
            hex_parts.append(line[6:].replace(" ", ""))
    flush()
    return datagrams
