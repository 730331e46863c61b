"""Exceptions raised by aiortc_transport.

The W3C names (``InvalidStateError``, ``InvalidAccessError``, ``OperationError``) match
aiortc's so that code catching them keeps working after switching imports. Protocol errors
are split by blame, as h11 does: ``LocalProtocolError`` means *we* were asked to do
something the protocol forbids; ``RemoteProtocolError`` means the peer sent something it
should not have. ``ParseError`` is the one exception every parser of network bytes may
raise.
"""

from __future__ import annotations


class InvalidStateError(Exception):
    """An operation was attempted on an object in a state that does not allow it."""


class InvalidAccessError(Exception):
    """An operation was given parameters that the object cannot accept."""


class OperationError(Exception):
    """An operation failed for a reason specific to it (for example a message too large)."""


class ProtocolError(Exception):
    """A protocol rule was broken; see the two subclasses for who broke it."""


class LocalProtocolError(ProtocolError):
    """This side was asked to do something the protocol does not allow."""


class RemoteProtocolError(ProtocolError):
    """The peer sent something the protocol does not allow."""


class ParseError(RemoteProtocolError):
    """Bytes from the network could not be decoded. Raised only by ``*_untrusted`` parsers."""


__all__ = [
    "InvalidAccessError",
    "InvalidStateError",
    "LocalProtocolError",
    "OperationError",
    "ParseError",
    "ProtocolError",
    "RemoteProtocolError",
]
