"""The ICE layer: ``RTCIceGatherer`` and ``RTCIceTransport`` over aioice.

See ``docs/ice.md`` for the options (loopback-only gathering, consent interval, role) and
how they differ from aiortc.
"""

from __future__ import annotations

from .candidate import RTCIceCandidate
from .connection import IceConnection
from .gatherer import RTCIceGatherer
from .parameters import RTCIceParameters, RTCIceServer
from .transport import RTCIceTransport

__all__ = [
    "IceConnection",
    "RTCIceCandidate",
    "RTCIceGatherer",
    "RTCIceParameters",
    "RTCIceServer",
    "RTCIceTransport",
]
