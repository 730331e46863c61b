"""text2pcap-compatible hex dumps of SCTP packets, for logs and failing tests.

The format is the one of the shared captures: an optional ``# <I|O> ...`` summary line, a
``<I|O> <HH:MM:SS.ffffff>`` line and 16-byte offset hex lines. Wireshark reads it with
``text2pcap -D -t '%H:%M:%S.%f' -l 248 dump.txt dump.pcapng`` (raw SCTP link type).
The time is passed in (seconds, e.g. the virtual clock's ``now``); nothing here reads a clock.
"""

from __future__ import annotations


def format_time_of_day(seconds: float) -> str:
    """Format seconds (taken modulo one day) as ``HH:MM:SS.ffffff``."""
    micros = round(seconds * 1_000_000) % 86_400_000_000
    whole, fraction = divmod(micros, 1_000_000)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{fraction:06d}"


def text2pcap_block(data: bytes, *, outbound: bool, time: float, summary: str | None = None) -> str:
    """Return one packet as a text2pcap block (``O`` = sent by us, ``I`` = received).

    ``summary`` (e.g. ``str(SctpPacket)``) becomes a comment line above the block.
    """
    direction = "O" if outbound else "I"
    lines = []
    if summary is not None:
        lines.append(f"# {direction} {time:.6f} len={len(data)} | {summary}")
    lines.append(f"{direction} {format_time_of_day(time)}")
    for offset in range(0, len(data), 16):
        lines.append(f"{offset:04x}  {data[offset : offset + 16].hex(' ')}")
    return "\n".join(lines) + "\n"
