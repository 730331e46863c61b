"""SCTP parameters (RFC 9260 section 3.2.1 and the extensions WebRTC uses), one per module.

``parse_parameters_untrusted`` splits a parameter list (the tail of INIT / INIT ACK, the body of
RE-CONFIG) and decodes each known type; any other type becomes an ``UnknownParameter`` so the
association can apply the upper-two-bits rule of RFC 9260 section 3.2.1.
"""

from __future__ import annotations

from collections.abc import Callable

from aiortc_transport.sctp.packet.parameter.add_incoming_streams_request import (
    AddIncomingStreamsRequestParameter,
)
from aiortc_transport.sctp.packet.parameter.add_outgoing_streams_request import (
    AddOutgoingStreamsRequestParameter,
)
from aiortc_transport.sctp.packet.parameter.forward_tsn_supported import (
    ForwardTsnSupportedParameter,
)
from aiortc_transport.sctp.packet.parameter.heartbeat_info import HeartbeatInfoParameter
from aiortc_transport.sctp.packet.parameter.incoming_ssn_reset_request import (
    IncomingSsnResetRequestParameter,
)
from aiortc_transport.sctp.packet.parameter.outgoing_ssn_reset_request import (
    OutgoingSsnResetRequestParameter,
)
from aiortc_transport.sctp.packet.parameter.reconfiguration_response import (
    RESULT_DENIED,
    RESULT_ERROR_BAD_SEQUENCE_NUMBER,
    RESULT_ERROR_REQUEST_ALREADY_IN_PROGRESS,
    RESULT_ERROR_WRONG_SSN,
    RESULT_IN_PROGRESS,
    RESULT_SUCCESS_NOTHING_TO_DO,
    RESULT_SUCCESS_PERFORMED,
    ReconfigurationResponseParameter,
)
from aiortc_transport.sctp.packet.parameter.ssn_tsn_reset_request import (
    SsnTsnResetRequestParameter,
)
from aiortc_transport.sctp.packet.parameter.state_cookie import StateCookieParameter
from aiortc_transport.sctp.packet.parameter.supported_extensions import (
    SupportedExtensionsParameter,
)
from aiortc_transport.sctp.packet.parameter.unknown import UnknownParameter
from aiortc_transport.sctp.packet.parameter.zero_checksum_acceptable import (
    ZeroChecksumAcceptableParameter,
)
from aiortc_transport.sctp.packet.tlv import iter_tlvs_untrusted

#: Any parameter this package decodes, or an ``UnknownParameter``.
Parameter = (
    HeartbeatInfoParameter
    | StateCookieParameter
    | ForwardTsnSupportedParameter
    | SupportedExtensionsParameter
    | OutgoingSsnResetRequestParameter
    | IncomingSsnResetRequestParameter
    | SsnTsnResetRequestParameter
    | ReconfigurationResponseParameter
    | AddOutgoingStreamsRequestParameter
    | AddIncomingStreamsRequestParameter
    | ZeroChecksumAcceptableParameter
    | UnknownParameter
)

#: Parameter type -> decoder of its value.
PARAMETER_PARSERS: dict[int, Callable[[bytes], Parameter]] = {
    HeartbeatInfoParameter.TYPE: HeartbeatInfoParameter.parse_untrusted,
    StateCookieParameter.TYPE: StateCookieParameter.parse_untrusted,
    ForwardTsnSupportedParameter.TYPE: ForwardTsnSupportedParameter.parse_untrusted,
    SupportedExtensionsParameter.TYPE: SupportedExtensionsParameter.parse_untrusted,
    OutgoingSsnResetRequestParameter.TYPE: OutgoingSsnResetRequestParameter.parse_untrusted,
    IncomingSsnResetRequestParameter.TYPE: IncomingSsnResetRequestParameter.parse_untrusted,
    SsnTsnResetRequestParameter.TYPE: SsnTsnResetRequestParameter.parse_untrusted,
    ReconfigurationResponseParameter.TYPE: ReconfigurationResponseParameter.parse_untrusted,
    AddOutgoingStreamsRequestParameter.TYPE: AddOutgoingStreamsRequestParameter.parse_untrusted,
    AddIncomingStreamsRequestParameter.TYPE: AddIncomingStreamsRequestParameter.parse_untrusted,
    ZeroChecksumAcceptableParameter.TYPE: ZeroChecksumAcceptableParameter.parse_untrusted,
}


def parse_parameter_untrusted(parameter_type: int, value: bytes) -> Parameter:
    """Decode one parameter value of the given type (unknown types are kept raw)."""
    parser = PARAMETER_PARSERS.get(parameter_type)
    if parser is None:
        return UnknownParameter(parameter_type, bytes(value))
    return parser(value)


def parse_parameters_untrusted(data: bytes) -> list[Parameter]:
    """Split and decode a run of parameters; raises only ParseError."""
    parsers = PARAMETER_PARSERS
    result: list[Parameter] = []
    for parameter_type, value in iter_tlvs_untrusted(data):
        parser = parsers.get(parameter_type)
        result.append(
            UnknownParameter(parameter_type, bytes(value)) if parser is None else parser(value)
        )
    return result


__all__ = [
    "PARAMETER_PARSERS",
    "RESULT_DENIED",
    "RESULT_ERROR_BAD_SEQUENCE_NUMBER",
    "RESULT_ERROR_REQUEST_ALREADY_IN_PROGRESS",
    "RESULT_ERROR_WRONG_SSN",
    "RESULT_IN_PROGRESS",
    "RESULT_SUCCESS_NOTHING_TO_DO",
    "RESULT_SUCCESS_PERFORMED",
    "AddIncomingStreamsRequestParameter",
    "AddOutgoingStreamsRequestParameter",
    "ForwardTsnSupportedParameter",
    "HeartbeatInfoParameter",
    "IncomingSsnResetRequestParameter",
    "OutgoingSsnResetRequestParameter",
    "Parameter",
    "ReconfigurationResponseParameter",
    "SsnTsnResetRequestParameter",
    "StateCookieParameter",
    "SupportedExtensionsParameter",
    "UnknownParameter",
    "ZeroChecksumAcceptableParameter",
    "parse_parameter_untrusted",
    "parse_parameters_untrusted",
]
