"""aiortc_transport: WebRTC data channels over an ORTC transport stack.

ICE (aioice) -> DTLS 1.2 (pyOpenSSL) -> SCTP (a sans-I/O RFC 9260 association) -> DCEP.
The public names follow aiortc's ORTC API so that an aiortc user can switch imports.
"""

from __future__ import annotations

from .datachannel.channel import RTCDataChannel
from .datachannel.parameters import RTCDataChannelParameters
from .dtls.certificate import RTCCertificate, RTCDtlsFingerprint
from .dtls.transport import RTCDtlsParameters, RTCDtlsTransport
from .exceptions import (
    InvalidAccessError,
    InvalidStateError,
    OperationError,
    ParseError,
    ProtocolError,
)
from .ice import (
    RTCIceCandidate,
    RTCIceGatherer,
    RTCIceParameters,
    RTCIceServer,
    RTCIceTransport,
)
from .peerconnection import RTCConfiguration, RTCPeerConnection
from .sctp.transport import RTCSctpCapabilities, RTCSctpTransport
from .sdp import RTCSessionDescription, SdpParseError

__version__ = "0.1.0"

__all__ = [
    "InvalidAccessError",
    "InvalidStateError",
    "OperationError",
    "ParseError",
    "ProtocolError",
    "RTCCertificate",
    "RTCConfiguration",
    "RTCDataChannel",
    "RTCDataChannelParameters",
    "RTCDtlsFingerprint",
    "RTCDtlsParameters",
    "RTCDtlsTransport",
    "RTCIceCandidate",
    "RTCIceGatherer",
    "RTCIceParameters",
    "RTCIceServer",
    "RTCIceTransport",
    "RTCPeerConnection",
    "RTCSctpCapabilities",
    "RTCSctpTransport",
    "RTCSessionDescription",
    "SdpParseError",
    "__version__",
]
