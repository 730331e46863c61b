from aiortc_transport.exceptions import (
    LocalProtocolError,
    ParseError,
    ProtocolError,
    RemoteProtocolError,
)


def test_parse_error_blames_the_remote() -> None:
    assert issubclass(ParseError, RemoteProtocolError)
    assert issubclass(RemoteProtocolError, ProtocolError)
    assert not issubclass(ParseError, LocalProtocolError)
