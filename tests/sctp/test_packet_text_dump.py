"""text2pcap dumps read back by the vector loader give the same bytes."""

from __future__ import annotations

from pathlib import Path

from aiortc_transport.sctp.packet import SctpPacket
from aiortc_transport.sctp.packet.text_dump import format_time_of_day, text2pcap_block
from tests.sctp.packet_vectors import all_vectors, load_vectors


def test_time_of_day() -> None:
    assert format_time_of_day(0) == "00:00:00.000000"
    assert format_time_of_day(3723.0000015) == "01:02:03.000002"
    assert format_time_of_day(86_400 + 1.5) == "00:00:01.500000"


def test_dump_matches_the_capture_format(tmp_path: Path) -> None:
    vectors = all_vectors()[:40]
    blocks = []
    for index, vector in enumerate(vectors):
        packet = SctpPacket.parse_untrusted(vector.data)
        blocks.append(
            text2pcap_block(
                vector.data,
                outbound=vector.direction == "O",
                time=index * 0.25,
                summary=str(packet),
            )
        )
    path = tmp_path / "dump.txt"
    path.write_text("\n".join(blocks))
    again = load_vectors(path)
    assert [v.data for v in again] == [v.data for v in vectors]
    assert [v.direction for v in again] == [v.direction for v in vectors]
    first = blocks[0].splitlines()
    assert first[1].endswith(" 00:00:00.000000")
    assert first[2].startswith("0000  13 88 13 88 ")
