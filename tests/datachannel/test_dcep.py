"""DCEP codec tests: real OPEN / ACK bytes from four stacks, round trips, hostile input."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiortc_transport.datachannel.dcep import (
    PPID_DCEP,
    ChannelType,
    DataChannelAck,
    DataChannelOpen,
    parse_dcep_message_untrusted,
)
from aiortc_transport.exceptions import ParseError

from ._capture import PEERS, data_chunks

# The channel table of /work/shared/captures/README.md: label -> (type, reliability, protocol).
# werift announces its unordered rexmit channel as ordered (0x01): a werift bug kept as is.
EXPECTED = {
    "from-peer": (0x00, 0, ""),
    "from-python": (0x00, 0, ""),
    "peer-rexmit0": (0x81, 0, "x-capture"),
    "peer-lifetime": (0x02, 30, ""),
    "py-rexmit0": (0x81, 0, ""),
    "py-lifetime": (0x82, 30, ""),
}


def _dcep_chunks(peer: str) -> list[tuple[str, str, int, bytes]]:
    return [
        (c.direction, c.session, c.stream_id, c.user_data)
        for c in data_chunks(peer)
        if c.ppid == PPID_DCEP
    ]


@pytest.mark.parametrize("peer", PEERS)
def test_captured_opens_decode_to_the_channel_table(peer: str) -> None:
    opens = [
        (direction, session, stream_id, parse_dcep_message_untrusted(data), data)
        for direction, session, stream_id, data in _dcep_chunks(peer)
        if data[0] == 0x03
    ]
    # 6 OPENs in the main session, 1 in the second one.
    assert len(opens) == 7
    for direction, session, stream_id, message, raw in opens:
        assert isinstance(message, DataChannelOpen)
        channel_type, reliability, protocol = EXPECTED[message.label]
        if peer == "werift" and message.label == "peer-rexmit0":
            channel_type = 0x01
        assert message.channel_type == channel_type
        assert message.reliability_parameter == reliability
        assert message.protocol == protocol
        # Chromium sends the W3C default priority "low" (256) everywhere else sends 0.
        from_chromium = peer == "chromium" and direction == "I"
        assert message.priority == (256 if from_chromium else 0)
        # Stream ids follow the opener's DTLS role: the DTLS client (the peer in the main
        # session, Python in the second one) uses even ids.
        opener_is_client = (direction == "I") == (session == "sctp.txt")
        assert stream_id % 2 == (0 if opener_is_client else 1)
        # Encoding the decoded message gives back the very same bytes.
        assert message.serialize() == raw


@pytest.mark.parametrize("peer", PEERS)
def test_captured_acks_decode(peer: str) -> None:
    acks = [data for _, _, _, data in _dcep_chunks(peer) if data[0] == 0x02]
    assert len(acks) == 7
    for raw in acks:
        assert parse_dcep_message_untrusted(raw) == DataChannelAck()
        assert DataChannelAck().serialize() == raw


def test_capture_reliability_properties() -> None:
    by_label = {}
    for _, _, _, data in _dcep_chunks("chromium"):
        message = parse_dcep_message_untrusted(data)
        if isinstance(message, DataChannelOpen):
            by_label[message.label] = message
    rexmit = by_label["peer-rexmit0"]
    assert (rexmit.ordered, rexmit.max_retransmits, rexmit.max_packet_life_time) == (
        False,
        0,
        None,
    )
    timed = by_label["peer-lifetime"]
    assert (timed.ordered, timed.max_retransmits, timed.max_packet_life_time) == (True, None, 30)
    reliable = by_label["from-peer"]
    assert (reliable.ordered, reliable.max_retransmits, reliable.max_packet_life_time) == (
        True,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("ordered", "max_retransmits", "lifetime", "expected"),
    [
        (True, None, None, ChannelType.RELIABLE),
        (True, 3, None, ChannelType.PARTIAL_RELIABLE_REXMIT),
        (True, None, 500, ChannelType.PARTIAL_RELIABLE_TIMED),
        (False, None, None, ChannelType.RELIABLE_UNORDERED),
        (False, 0, None, ChannelType.PARTIAL_RELIABLE_REXMIT_UNORDERED),
        (False, None, 30, ChannelType.PARTIAL_RELIABLE_TIMED_UNORDERED),
    ],
)
def test_every_channel_type_round_trips(
    ordered: bool, max_retransmits: int | None, lifetime: int | None, expected: ChannelType
) -> None:
    message = DataChannelOpen.from_options(
        label="l",
        protocol="p",
        ordered=ordered,
        max_retransmits=max_retransmits,
        max_packet_life_time=lifetime,
        priority=512,
    )
    assert message.channel_type is expected
    data = message.serialize()
    assert data[1] == expected.value
    parsed = DataChannelOpen.parse_untrusted(data)
    assert parsed == message
    assert parsed.ordered is ordered
    assert parsed.max_retransmits == max_retransmits
    assert parsed.max_packet_life_time == lifetime
    assert parsed.priority == 512


def test_both_reliability_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataChannelOpen.from_options(max_retransmits=1, max_packet_life_time=1)


def test_label_and_protocol_lengths_are_utf8_byte_counts() -> None:
    label = "héllo-✓-😀"  # 10 characters, 15 bytes in UTF-8
    protocol = "прото"  # 5 characters, 10 bytes
    data = DataChannelOpen.from_options(label=label, protocol=protocol).serialize()
    assert data[8:10] == len(label.encode()).to_bytes(2, "big") == b"\x00\x0f"
    assert data[10:12] == b"\x00\x0a"
    assert len(data) == 12 + 15 + 10
    parsed = DataChannelOpen.parse_untrusted(data)
    assert (parsed.label, parsed.protocol) == (label, protocol)


def test_too_long_label_cannot_be_encoded() -> None:
    # 16384 four-byte characters: few characters, but 65536 bytes on the wire.
    with pytest.raises(ValueError, match="65535"):
        DataChannelOpen.from_options(label="😀" * 16384).serialize()
    assert len(DataChannelOpen.from_options(label="a" * 65535).serialize()) == 12 + 65535


def test_every_truncation_of_an_open_raises_parse_error() -> None:
    data = DataChannelOpen.from_options(label="chat", protocol="x-proto").serialize()
    for end in range(len(data)):
        with pytest.raises(ParseError):
            parse_dcep_message_untrusted(data[:end])


def test_trailing_bytes_after_an_open_are_ignored() -> None:
    message = DataChannelOpen.from_options(label="chat")
    assert DataChannelOpen.parse_untrusted(message.serialize() + b"\x00\x01") == message


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\x04", "unknown DCEP message type"),
        (b"\xff\x00", "unknown DCEP message type"),
        (b"\x03\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", "unknown channel type"),
        (b"\x03\x7f\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", "unknown channel type"),
        (b"\x03\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\xff\xfe", "not UTF-8"),
        (b"\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\xc3", "not UTF-8"),
        (b"\x03\x00\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00abc", "truncated"),
    ],
)
def test_malformed_messages_raise_parse_error(data: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_dcep_message_untrusted(data)


def test_codec_classes_reject_the_other_message_type() -> None:
    with pytest.raises(ParseError):
        DataChannelAck.parse_untrusted(DataChannelOpen.from_options().serialize())
    with pytest.raises(ParseError):
        DataChannelOpen.parse_untrusted(b"\x02" + bytes(11))
    with pytest.raises(ParseError):
        DataChannelAck.parse_untrusted(b"")


def test_str_is_one_line() -> None:
    text = str(DataChannelOpen.from_options(label="chat", ordered=False, max_retransmits=0))
    assert text == "DCEP OPEN type=0x81 priority=256 reliability=0 label='chat' protocol=''"
    assert str(DataChannelAck()) == "DCEP ACK"


@given(
    channel_type=st.sampled_from(list(ChannelType)),
    priority=st.integers(0, 0xFFFF),
    reliability=st.integers(0, 0xFFFFFFFF),
    label=st.text(max_size=40),
    protocol=st.text(max_size=40),
)
def test_open_round_trip(
    channel_type: ChannelType, priority: int, reliability: int, label: str, protocol: str
) -> None:
    message = DataChannelOpen(channel_type, priority, reliability, label, protocol)
    assert DataChannelOpen.parse_untrusted(message.serialize()) == message


@given(st.binary(max_size=64))
def test_garbage_raises_only_parse_error(data: bytes) -> None:
    with contextlib.suppress(ParseError):
        parse_dcep_message_untrusted(data)


@given(st.binary(max_size=32))
def test_garbage_after_an_open_header_raises_only_parse_error(tail: bytes) -> None:
    with contextlib.suppress(ParseError):
        parse_dcep_message_untrusted(b"\x03" + tail)
