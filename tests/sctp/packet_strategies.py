"""Hypothesis strategies generating every SCTP chunk, parameter and error cause."""

from __future__ import annotations

from hypothesis import strategies as st

from aiortc_transport.sctp.packet import error_cause as ec
from aiortc_transport.sctp.packet import parameter as pm
from aiortc_transport.sctp.packet.chunk import (
    CHUNK_PARSERS,
    AbortChunk,
    Chunk,
    CookieAckChunk,
    CookieEchoChunk,
    DataChunk,
    ErrorChunk,
    ForwardTsnChunk,
    HeartbeatAckChunk,
    HeartbeatRequestChunk,
    IDataChunk,
    IForwardTsnChunk,
    InitAckChunk,
    InitChunk,
    ReConfigChunk,
    SackChunk,
    ShutdownAckChunk,
    ShutdownChunk,
    ShutdownCompleteChunk,
    UnknownChunk,
)

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFF_FFFF)
small_bytes = st.binary(max_size=64)
stream_ids = st.lists(u16, max_size=12)
# any text, including lone surrogates standing for undecodable bytes (surrogateescape)
texts = st.binary(max_size=40).map(lambda b: b.decode("utf-8", "surrogateescape"))

parameters: st.SearchStrategy[pm.Parameter] = st.one_of(
    st.builds(pm.HeartbeatInfoParameter, small_bytes),
    st.builds(pm.StateCookieParameter, small_bytes),
    st.builds(pm.ForwardTsnSupportedParameter),
    st.builds(pm.SupportedExtensionsParameter, st.lists(u8, max_size=8)),
    st.builds(pm.OutgoingSsnResetRequestParameter, u32, u32, u32, stream_ids),
    st.builds(pm.IncomingSsnResetRequestParameter, u32, stream_ids),
    st.builds(pm.SsnTsnResetRequestParameter, u32),
    st.builds(pm.ReconfigurationResponseParameter, u32, u32),
    st.builds(pm.ReconfigurationResponseParameter, u32, u32, u32, u32),
    st.builds(pm.AddOutgoingStreamsRequestParameter, u32, u16),
    st.builds(pm.AddIncomingStreamsRequestParameter, u32, u16),
    st.builds(pm.ZeroChecksumAcceptableParameter, u32),
    st.builds(
        pm.UnknownParameter,
        u16.filter(lambda t: t not in pm.PARAMETER_PARSERS),
        small_bytes,
    ),
)

error_causes: st.SearchStrategy[ec.ErrorCause] = st.one_of(
    st.builds(ec.InvalidStreamIdentifierCause, u16),
    st.builds(ec.MissingMandatoryParameterCause, st.lists(u16, max_size=8)),
    st.builds(ec.StaleCookieCause, u32),
    st.builds(ec.OutOfResourceCause),
    st.builds(ec.UnresolvableAddressCause, small_bytes),
    st.builds(ec.UnrecognizedChunkTypeCause, small_bytes),
    st.builds(ec.InvalidMandatoryParameterCause),
    st.builds(ec.UnrecognizedParametersCause, small_bytes),
    st.builds(ec.NoUserDataCause, u32),
    st.builds(ec.CookieReceivedWhileShuttingDownCause),
    st.builds(ec.RestartWithNewAddressesCause, small_bytes),
    st.builds(ec.UserInitiatedAbortCause, texts),
    st.builds(ec.ProtocolViolationCause, texts),
    st.builds(ec.UnknownCause, u16.filter(lambda c: c not in ec.CAUSE_PARSERS), small_bytes),
)

chunks: st.SearchStrategy[Chunk] = st.one_of(
    st.builds(
        DataChunk,
        u32,
        u16,
        u16,
        u32,
        st.binary(max_size=200),
        st.booleans(),
        st.booleans(),
        st.booleans(),
        st.booleans(),
    ),
    st.builds(InitChunk, u32, u32, u16, u16, u32, st.lists(parameters, max_size=4)),
    st.builds(InitAckChunk, u32, u32, u16, u16, u32, st.lists(parameters, max_size=4)),
    st.builds(
        SackChunk,
        u32,
        u32,
        st.lists(st.tuples(u16, u16), max_size=8),
        st.lists(u32, max_size=8),
    ),
    st.builds(HeartbeatRequestChunk, small_bytes),
    st.builds(HeartbeatAckChunk, small_bytes),
    st.builds(AbortChunk, st.lists(error_causes, max_size=3), st.booleans()),
    st.builds(ShutdownChunk, u32),
    st.builds(ShutdownAckChunk),
    st.builds(ErrorChunk, st.lists(error_causes, max_size=3)),
    st.builds(CookieEchoChunk, small_bytes),
    st.builds(CookieAckChunk),
    st.builds(ShutdownCompleteChunk, st.booleans()),
    st.builds(ReConfigChunk, st.lists(parameters, max_size=2)),
    st.builds(ForwardTsnChunk, u32, st.lists(st.tuples(u16, u16), max_size=8)),
    st.builds(
        IDataChunk,
        u32,
        u16,
        u32,
        u32,
        small_bytes,
        st.booleans(),
        st.booleans(),
        st.booleans(),
        st.booleans(),
    ),
    st.builds(IForwardTsnChunk, u32, st.lists(st.tuples(u16, st.booleans(), u32), max_size=8)),
    st.builds(UnknownChunk, u8.filter(lambda t: t not in CHUNK_PARSERS), u8, small_bytes),
)
