"""SCTP packets captured from Chromium, Firefox, @roamhq/wrtc and werift (and aiortc's answers).

Every packet in tests/vectors/sctp/ (copied from /work/shared/captures, see README.md there)
is decoded, rendered in the syntax of its capture summary line (an independent tshark-like
decode) and compared with that line; re-serializing gives the original bytes exactly.
"""

from __future__ import annotations

import lzma
import struct
from pathlib import Path

import pytest

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet import SctpPacket
from aiortc_transport.sctp.packet.chunk import (
    AbortChunk,
    Chunk,
    CookieAckChunk,
    CookieEchoChunk,
    DataChunk,
    ErrorChunk,
    ForwardTsnChunk,
    HeartbeatAckChunk,
    HeartbeatRequestChunk,
    InitAckChunk,
    InitChunk,
    ReConfigChunk,
    SackChunk,
    UnknownChunk,
    parse_chunks_untrusted,
)
from aiortc_transport.sctp.packet.error_cause import (
    ErrorCause,
    UnrecognizedChunkTypeCause,
    UserInitiatedAbortCause,
)
from aiortc_transport.sctp.packet.parameter import (
    ForwardTsnSupportedParameter,
    OutgoingSsnResetRequestParameter,
    Parameter,
    ReconfigurationResponseParameter,
    StateCookieParameter,
    SupportedExtensionsParameter,
)
from tests.sctp.packet_vectors import Vector, all_vectors, load_vectors, vector_files

VECTORS = all_vectors()
PEERS = ("chromium", "firefox", "wrtc", "werift")
# The complete sessions (shared/captures/<peer>/sctp-full.txt.xz), kept with the tests.
FULL_CAPTURES = Path(__file__).resolve().parent.parent / "vectors" / "sctp" / "full"
VECTOR_DIR = FULL_CAPTURES.parent

# --- an independent renderer of the capture summary syntax --------------------------------

_PPID_NAMES = {50: "DCEP", 51: "string", 53: "binary", 56: "string-empty", 57: "binary-empty"}
_EXTENSION_NAMES = {130: "RE_CONFIG", 192: "FORWARD_TSN", 64: "I_DATA", 194: "I_FORWARD_TSN"}
_CHANNEL_TYPES = {
    0x00: "reliable",
    0x80: "reliable-unordered",
    0x01: "rexmit",
    0x81: "rexmit-unordered",
    0x02: "timed",
    0x82: "timed-unordered",
}
_RESULTS = {1: "success-performed"}


def _dcep(user_data: bytes) -> str:
    """Decode a DCEP message (RFC 8832) the way the capture summaries show it."""
    if user_data == b"\x02":
        return "DCEP ACK"
    assert user_data[0] == 0x03
    channel_type, priority, reliability, label_len, proto_len = struct.unpack_from(
        "!BHIHH", user_data, 1
    )
    label = user_data[12 : 12 + label_len].decode()
    protocol = user_data[12 + label_len : 12 + label_len + proto_len].decode()
    assert len(user_data) == 12 + label_len + proto_len
    return (
        f"DCEP OPEN type={channel_type:#04x}({_CHANNEL_TYPES[channel_type]}) "
        f"priority={priority} reliability={reliability} label={label!r} protocol={protocol!r}"
    )


def _parameter(parameter: Parameter) -> str:
    if isinstance(parameter, ForwardTsnSupportedParameter):
        return "forward-tsn-supported"
    if isinstance(parameter, SupportedExtensionsParameter):
        return (
            f"supported-extensions[{','.join(_EXTENSION_NAMES[t] for t in parameter.chunk_types)}]"
        )
    if isinstance(parameter, StateCookieParameter):
        return f"state-cookie({len(parameter.cookie)} B)"
    if isinstance(parameter, OutgoingSsnResetRequestParameter):
        return (
            f"outgoing-ssn-reset-request(req_seq={parameter.request_sequence} "
            f"resp_seq={parameter.response_sequence} "
            f"sender_last_tsn={parameter.sender_last_tsn} sids={parameter.stream_ids})"
        )
    if isinstance(parameter, ReconfigurationResponseParameter):
        assert parameter.sender_next_tsn is None
        return (
            f"reconfiguration-response(resp_seq={parameter.response_sequence} "
            f"result={parameter.result}:{_RESULTS[parameter.result]})"
        )
    raise AssertionError(f"no summary syntax for {parameter!r}")


def _cause(cause: ErrorCause) -> str:
    if isinstance(cause, UserInitiatedAbortCause):
        return f"user-initiated-abort({cause.reason!r})"
    if isinstance(cause, UnrecognizedChunkTypeCause):
        chunk_type, flags, length = struct.unpack_from("!BBH", cause.chunk)
        return f"unrecognized-chunk-type(chunk type={chunk_type} flags={flags} len={length})"
    raise AssertionError(f"no summary syntax for {cause!r}")


def summarize(chunk: Chunk) -> str:
    """Render one decoded chunk in the capture summary syntax."""
    if isinstance(chunk, DataChunk):
        flags = "".join(
            mark
            for mark, on in (
                ("U", chunk.unordered),
                ("B", chunk.beginning),
                ("E", chunk.end),
                ("I", chunk.immediate_ack),
            )
            if on
        )
        text = (
            f"DATA[{flags or '-'}] tsn={chunk.tsn} sid={chunk.stream_id} ssn={chunk.ssn} "
            f"ppid={chunk.ppid}({_PPID_NAMES[chunk.ppid]}) len={len(chunk.user_data)}"
        )
        if chunk.ppid == 50:
            text += " " + _dcep(chunk.user_data)
        return text
    if isinstance(chunk, InitChunk | InitAckChunk):
        name = "INIT" if isinstance(chunk, InitChunk) else "INIT_ACK"
        return (
            f"{name} init_tag={chunk.initiate_tag:#010x} a_rwnd={chunk.a_rwnd} "
            f"os={chunk.outbound_streams} mis={chunk.inbound_streams} "
            f"init_tsn={chunk.initial_tsn} "
            f"params=[{', '.join(_parameter(p) for p in chunk.parameters)}]"
        )
    if isinstance(chunk, SackChunk):
        text = f"SACK cum_tsn={chunk.cumulative_tsn_ack} a_rwnd={chunk.a_rwnd}"
        if chunk.gap_ack_blocks:
            text += " gaps=" + ",".join(f"{s}-{e}" for s, e in chunk.gap_ack_blocks)
        if chunk.duplicate_tsns:
            text += " dup_tsns=" + ",".join(map(str, chunk.duplicate_tsns))
        return text
    if isinstance(chunk, ForwardTsnChunk):
        text = f"FORWARD_TSN new_cum_tsn={chunk.new_cumulative_tsn}"
        if chunk.streams:
            text += " streams=" + ",".join(f"sid{s}:ssn{n}" for s, n in chunk.streams)
        return text
    if isinstance(chunk, HeartbeatRequestChunk):
        return f"HEARTBEAT param1({len(chunk.info)} B)"
    if isinstance(chunk, HeartbeatAckChunk):
        return f"HEARTBEAT_ACK param1({len(chunk.info)} B)"
    if isinstance(chunk, CookieEchoChunk):
        return f"COOKIE_ECHO cookie={len(chunk.cookie)} B"
    if isinstance(chunk, CookieAckChunk):
        return "COOKIE_ACK"
    if isinstance(chunk, ReConfigChunk):
        return "RE_CONFIG " + ", ".join(_parameter(p) for p in chunk.parameters)
    if isinstance(chunk, AbortChunk):
        assert not chunk.tag_reflected
        return "ABORT " + (", ".join(_cause(c) for c in chunk.causes) or "no-causes")
    if isinstance(chunk, ErrorChunk):
        return "ERROR " + ", ".join(_cause(c) for c in chunk.causes)
    if isinstance(chunk, UnknownChunk):
        return f"UNKNOWN_{chunk.type} flags={chunk.flags:#04x} len={4 + len(chunk.value)}"
    raise AssertionError(f"no summary syntax for {chunk!r}")


# --- every vector -------------------------------------------------------------------------


def test_vector_files_cover_every_peer() -> None:
    names = {path.name for path in vector_files()}
    for peer in PEERS:
        assert f"{peer}.txt" in names
        assert f"{peer}-peer-server.txt" in names
    assert len(VECTORS) > 250


@pytest.mark.parametrize("vector", VECTORS, ids=str)
def test_vector_decodes_as_summarized_and_round_trips(vector: Vector) -> None:
    assert len(vector.data) == vector.length
    packet = SctpPacket.parse_untrusted(vector.data)
    assert packet.source_port == 5000
    assert packet.destination_port == 5000
    assert [summarize(c) for c in packet.chunks] == vector.chunk_summaries
    assert packet.serialize() == vector.data
    # the chunks alone, through the bundling helper's path, give the same bytes too
    body = b"".join(chunk.serialize() for chunk in packet.chunks)
    assert body == vector.data[12:]


def _find(peer: str, direction: str, prefix: str, *, server: bool = False) -> list[SctpPacket]:
    name = f"{peer}-peer-server.txt" if server else f"{peer}.txt"
    path = next(p for p in vector_files() if p.name == name)
    return [
        SctpPacket.parse_untrusted(v.data)
        for v in load_vectors(path)
        if v.direction == direction and v.summary.startswith(prefix)
    ]


# --- decoded fields, per peer -----------------------------------------------------------------

EXPECTED_INIT = {
    # a_rwnd, supported extensions, INIT ACK parameter order (cookie size)
    "chromium": (5242880, [130, 192], ["cookie:48", "fwd", "ext"]),
    "firefox": (16777216, [130, 192, 64, 194], ["cookie:44", "fwd", "ext"]),
    "wrtc": (5242880, [130, 192], ["cookie:31", "fwd", "ext"]),
    "werift": (1048576, [192, 130], ["fwd", "ext", "cookie:24"]),
}


def _shape(parameters: list[Parameter]) -> list[str]:
    shape = []
    for p in parameters:
        if isinstance(p, StateCookieParameter):
            shape.append(f"cookie:{len(p.cookie)}")
        elif isinstance(p, ForwardTsnSupportedParameter):
            shape.append("fwd")
        elif isinstance(p, SupportedExtensionsParameter):
            shape.append("ext")
        else:
            shape.append(repr(p))
    return shape


@pytest.mark.parametrize("peer", PEERS)
def test_init_and_init_ack_parameters_per_peer(peer: str) -> None:
    a_rwnd, extensions, ack_shape = EXPECTED_INIT[peer]
    # werift sends no INIT in the main session, but does as DTLS server
    (init_packet,) = _find(peer, "I", "INIT ", server=True)
    (init,) = init_packet.chunks
    assert isinstance(init, InitChunk)
    assert init_packet.verification_tag == 0  # RFC 9260 section 8.5.1: INIT carries tag 0
    assert init.a_rwnd == a_rwnd
    assert (init.outbound_streams, init.inbound_streams) == (65535, 65535)
    assert init.initiate_tag != 0
    assert init.parameters == [
        ForwardTsnSupportedParameter(),
        SupportedExtensionsParameter(extensions),
    ]
    (ack_packet,) = _find(peer, "I", "INIT_ACK")
    (ack,) = ack_packet.chunks
    assert isinstance(ack, InitAckChunk)
    assert ack.a_rwnd == a_rwnd
    assert _shape(ack.parameters) == ack_shape


def test_init_chunk_length_leaves_out_the_last_parameter_padding() -> None:
    """RFC 9260 section 3.2: a 6-byte supported-extensions parameter last gives length 30."""
    for peer, chunk_length in (("chromium", 30), ("wrtc", 30), ("werift", 30), ("firefox", 32)):
        (packet,) = _find(peer, "I", "INIT ", server=True)
        raw = packet.serialize()
        assert raw[12] == 1
        assert int.from_bytes(raw[14:16], "big") == chunk_length
        assert len(raw) == 12 + 32  # the padding is still written


def test_sack_gap_blocks_and_duplicate_tsns() -> None:
    sacks = [
        c
        for peer in PEERS
        for p in _find(peer, "I", "SACK")
        for c in p.chunks
        if isinstance(c, SackChunk)
    ]
    with_both = [s for s in sacks if s.gap_ack_blocks and s.duplicate_tsns]
    assert with_both
    for sack in sacks:
        for start, end in sack.gap_ack_blocks:
            assert 1 <= start <= end
        # gap blocks are in increasing order and do not overlap
        for (_, end), (start, _) in zip(sack.gap_ack_blocks, sack.gap_ack_blocks[1:], strict=False):
            assert start > end + 1
    # a concrete one from chromium (tests/vectors/sctp/chromium.txt, "# I 8.326326 len=40")
    chromium = [
        c for p in _find("chromium", "I", "SACK") for c in p.chunks if isinstance(c, SackChunk)
    ]
    sack = SackChunk(2579585707, 4718592, [(2, 7), (9, 9)], [2579585716])
    assert sack in chromium
    # the duplicate is the TSN the 9-9 block acknowledges (a packet duplicated on purpose)
    assert sack.duplicate_tsns[0] - sack.cumulative_tsn_ack == 9
    (vector,) = [
        v
        for v in load_vectors(next(p for p in vector_files() if p.name == "chromium.txt"))
        if v.direction == "I" and v.summary == f"{sack}"
    ]
    assert vector.data[12:] == sack.serialize()
    assert vector.data[12:16] == bytes.fromhex("0300001c")  # 16 + 2 blocks * 4 + 1 dup * 4


def test_forward_tsn_with_and_without_stream_entries() -> None:
    chunks = [
        c
        for peer in ("chromium", "wrtc")
        for p in _find(peer, "I", "FORWARD_TSN")
        for c in p.chunks
        if isinstance(c, ForwardTsnChunk)
    ]
    ordered = [c for c in chunks if c.streams]
    unordered = [c for c in chunks if not c.streams]
    assert ordered and unordered
    for chunk in ordered:
        ((stream_id, _ssn),) = chunk.streams
        assert stream_id == 4  # the ordered 'peer-lifetime' channel
    python_side = [c for p in _find("chromium", "O", "FORWARD_TSN") for c in p.chunks]
    assert python_side and all(
        isinstance(c, ForwardTsnChunk) and not c.streams for c in python_side
    )


def test_reconfig_requests_and_responses() -> None:
    (close,) = [
        p
        for p in _find("firefox", "I", "RE_CONFIG")
        if any(
            isinstance(q, OutgoingSsnResetRequestParameter) and len(q.stream_ids) == 4
            for c in p.chunks
            if isinstance(c, ReConfigChunk)
            for q in c.parameters
        )
    ]
    (chunk,) = close.chunks
    assert isinstance(chunk, ReConfigChunk)
    (request,) = chunk.parameters
    assert isinstance(request, OutgoingSsnResetRequestParameter)
    assert request.stream_ids == [2, 3, 4, 5]
    # firefox puts its own request sequence number into the response sequence field
    assert request.response_sequence == request.request_sequence
    responses = [
        q
        for p in _find("chromium", "I", "RE_CONFIG")
        for c in p.chunks
        if isinstance(c, ReConfigChunk)
        for q in c.parameters
        if isinstance(q, ReconfigurationResponseParameter)
    ]
    assert responses and all(r.result == 1 for r in responses)


@pytest.mark.parametrize(
    ("peer", "size"), [("chromium", 8), ("firefox", 8), ("wrtc", 8), ("werift", 4)]
)
def test_heartbeat_info_is_echoed(peer: str, size: int) -> None:
    (request_packet,) = _find(peer, "I", "HEARTBEAT ")
    (ack_packet,) = _find(peer, "O", "HEARTBEAT_ACK")
    (request,) = request_packet.chunks
    (ack,) = ack_packet.chunks
    assert isinstance(request, HeartbeatRequestChunk)
    assert isinstance(ack, HeartbeatAckChunk)
    assert len(request.info) == size
    assert ack.info == request.info


@pytest.mark.parametrize("peer", ["chromium", "firefox", "wrtc"])
def test_abort_user_initiated_close_called(peer: str) -> None:
    for server in (False, True):
        (packet,) = _find(peer, "I", "ABORT", server=server)
        (chunk,) = packet.chunks
        assert chunk == AbortChunk([UserInitiatedAbortCause("Close called")], tag_reflected=False)


def test_python_abort_without_causes() -> None:
    (packet,) = _find("werift", "O", "ABORT")
    assert packet.chunks == [AbortChunk([])]


@pytest.mark.parametrize("peer", ["chromium", "firefox", "wrtc"])
def test_error_cause_6_quotes_the_injected_unknown_chunk(peer: str) -> None:
    (injected,) = _find(peer, "O", "UNKNOWN_127")
    (unknown,) = injected.chunks
    assert isinstance(unknown, UnknownChunk)
    assert (unknown.type, unknown.flags) == (0x7F, 0)
    # 0x7f: upper bits 01 = stop processing the packet and report it
    assert unknown.report and not unknown.skip
    (error_packet,) = _find(peer, "I", "ERROR")
    (error,) = error_packet.chunks
    assert isinstance(error, ErrorChunk)
    (cause,) = error.causes
    assert cause == UnrecognizedChunkTypeCause(unknown.serialize())
    assert len(cause.chunk) == 8


@pytest.mark.parametrize(("peer", "priority"), [("chromium", 256), ("firefox", 0), ("wrtc", 0)])
def test_dcep_open_inside_data_with_ppid_50(peer: str, priority: int) -> None:
    path = next(p for p in vector_files() if p.name == f"{peer}.txt")
    (vector,) = [
        v for v in load_vectors(path) if v.direction == "I" and "label='peer-rexmit0'" in v.summary
    ]
    (chunk,) = SctpPacket.parse_untrusted(vector.data).chunks
    assert isinstance(chunk, DataChunk)
    assert (chunk.ppid, chunk.stream_id, chunk.ssn) == (50, 2, 0)
    # every peer sends its DCEP OPEN ordered, also for an unordered channel
    assert chunk.beginning and chunk.end and not chunk.unordered
    message = chunk.user_data
    assert message[0] == 0x03  # DATA_CHANNEL_OPEN
    assert message[1] == 0x81  # partial reliable rexmit, unordered
    assert int.from_bytes(message[2:4], "big") == priority
    assert int.from_bytes(message[4:8], "big") == 0  # maxRetransmits 0
    assert message[8:12] == b"\x00\x0c\x00\x09"  # label / protocol lengths
    assert message[12:] == b"peer-rexmit0x-capture"


# --- truncation and corruption ----------------------------------------------------------------

TRUNCATION_VECTORS = [v for v in VECTORS if len(v.data) <= 200] + [
    v for v in VECTORS if len(v.data) > 200
][::8]


@pytest.mark.parametrize("vector", TRUNCATION_VECTORS, ids=str)
def test_every_truncation_raises_parse_error_only(vector: Vector) -> None:
    data = vector.data
    original = SctpPacket.parse_untrusted(data)
    boundaries = {12}
    offset = 12
    for chunk in original.chunks:
        offset += len(chunk.serialize())
        boundaries.add(offset)
    for length in range(len(data)):
        truncated = data[:length]
        with pytest.raises(ParseError):
            SctpPacket.parse_untrusted(truncated)
        # without the checksum the chunk parser itself must notice the truncation, unless the
        # cut falls exactly between two chunks (then it is a valid shorter packet)
        if length in boundaries and length > 12:
            shorter = SctpPacket.parse_untrusted(truncated, verify_checksum=False)
            assert shorter.chunks == original.chunks[: len(shorter.chunks)]
        else:
            with pytest.raises(ParseError):
                SctpPacket.parse_untrusted(truncated, verify_checksum=False)
            if length > 12:  # (an empty body is an empty chunk list)
                with pytest.raises(ParseError):
                    parse_chunks_untrusted(data[12:length])


@pytest.mark.parametrize("vector", VECTORS[:: max(1, len(VECTORS) // 40)], ids=str)
def test_any_flipped_byte_fails_the_checksum(vector: Vector) -> None:
    data = bytearray(vector.data)
    for index in range(0, len(data), 7):
        data[index] ^= 0x5A
        with pytest.raises(ParseError, match="checksum"):
            SctpPacket.parse_untrusted(bytes(data))
        data[index] ^= 0x5A


# --- the complete captured sessions -------------------------------------------------------------


@pytest.mark.parametrize("peer", PEERS)
def test_complete_shared_capture_round_trips(peer: str, tmp_path: Path) -> None:
    full = tmp_path / "sctp-full.txt"
    with lzma.open(FULL_CAPTURES / f"{peer}.txt.xz", "rt") as compressed:
        full.write_text(compressed.read())
    vectors = load_vectors(full) + load_vectors(VECTOR_DIR / f"{peer}-peer-server.txt")
    assert len(vectors) > 1000
    for vector in vectors:
        packet = SctpPacket.parse_untrusted(vector.data)
        assert [summarize(c) for c in packet.chunks] == vector.chunk_summaries, str(vector)
        assert packet.serialize() == vector.data, str(vector)
