"""A browser page talking to a Python peer: echo and file transfer with progress.

    python examples/browser_echo.py [--port 8080] [--save-dir DIR]

then open http://127.0.0.1:8080/ in Chromium or Firefox and press "Connect". The page
creates an RTCPeerConnection with an "echo" channel, POSTs its offer (with every candidate
in it) to ``/offer``, and applies the answer this server returns. Python echoes every
message on "echo"; a "file" channel carries a JSON header then the file's bytes, and Python
reports progress back on the same channel (``{"received", "size"}``, then ``"done"`` with
the SHA-256 of what arrived).

The server binds 127.0.0.1 only, and the Python side gathers loopback candidates only:
nothing leaves the machine. Chromium gathers loopback candidates only when started with
``--allow-loopback-in-peer-connection`` (see docs/browser-interop.md).

The HTTP part is a deliberately tiny asyncio server (GET / and POST /offer), so the example
needs nothing beyond this library.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Run from a source checkout without installation.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiortc_transport.datachannel.channel import RTCDataChannel
from aiortc_transport.peerconnection import RTCConfiguration, RTCPeerConnection

PAGE = Path(__file__).with_name("browser_echo.html")
MAX_BODY = 1 << 20


@dataclass
class ReceivedFile:
    """What arrived on one "file" channel."""

    name: str
    size: int
    sha256: str


@dataclass
class EchoServer:
    """The HTTP signalling endpoint and the Python peers it creates, one per offer."""

    save_dir: Path | None = None
    peers: set[RTCPeerConnection] = field(default_factory=set)
    files: list[ReceivedFile] = field(default_factory=list)
    #: Set whenever a file transfer completes (tests wait on it).
    file_done: asyncio.Event = field(default_factory=asyncio.Event)

    async def answer(self, offer: dict[str, Any]) -> dict[str, str]:
        """Create a peer for ``offer`` and return its answer (candidates included)."""
        pc = RTCPeerConnection(RTCConfiguration(loopback=True))
        self.peers.add(pc)

        @pc.on("datachannel")
        def on_datachannel(channel: RTCDataChannel) -> None:
            print(f"channel {channel.label!r} from the browser", flush=True)
            if channel.label == "echo":
                channel.on("message", channel.send)
            elif channel.label == "file":
                self._receive_file(channel)

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            print(f"connection {pc.connectionState}", flush=True)
            if pc.connectionState in ("failed", "closed"):
                self.peers.discard(pc)
                await pc.close()

        await pc.setRemoteDescription(offer)
        await pc.setLocalDescription(await pc.createAnswer())
        local = pc.localDescription
        assert local is not None
        return {"type": local.type, "sdp": local.sdp}

    def _receive_file(self, channel: RTCDataChannel) -> None:
        digest = hashlib.sha256()
        state: dict[str, Any] = {"name": None, "size": 0, "received": 0, "reported": -1}
        sink: list[Any] = []

        def on_message(message: str | bytes) -> None:
            if state["name"] is None:
                header = json.loads(message)
                state["name"] = Path(str(header["name"])).name or "upload"
                state["size"] = int(header["size"])
                if self.save_dir is not None:
                    sink.append((self.save_dir / state["name"]).open("wb"))
            elif isinstance(message, bytes):
                digest.update(message)
                state["received"] += len(message)
                for handle in sink:
                    handle.write(message)
            size, received = state["size"], state["received"]
            step = 100 * received // size if size else 100
            if step // 5 != state["reported"] or received >= size:
                state["reported"] = step // 5
                report: dict[str, Any] = {"received": received, "size": size}
                if received >= size:
                    report |= {"done": True, "sha256": digest.hexdigest()}
                    for handle in sink:
                        handle.close()
                    self.files.append(ReceivedFile(state["name"], received, digest.hexdigest()))
                    self.file_done.set()
                    print(f"received {state['name']}: {received} bytes", flush=True)
                channel.send(json.dumps(report))

        channel.on("message", on_message)

    async def handle_http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """GET / serves the page; POST /offer answers an offer. HTTP/1.0-style, one request."""
        try:
            request = (await reader.readline()).decode("latin-1").split()
            headers: dict[str, str] = {}
            while (line := (await reader.readline()).decode("latin-1").strip()) != "":
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if len(request) < 2:
                return
            method, path = request[0], request[1]
            if method == "GET" and path in ("/", "/index.html"):
                await self._respond(writer, 200, "text/html; charset=utf-8", PAGE.read_bytes())
            elif method == "POST" and path == "/offer":
                length = int(headers.get("content-length", "0"))
                if not 0 < length <= MAX_BODY:
                    await self._respond(writer, 413, "text/plain", b"bad length")
                    return
                offer = json.loads(await reader.readexactly(length))
                try:
                    answer = await self.answer(offer)
                except ValueError as exc:  # SdpParseError: tell the page what was wrong
                    await self._respond(writer, 400, "text/plain", str(exc).encode())
                    return
                await self._respond(writer, 200, "application/json", json.dumps(answer).encode())
            else:
                await self._respond(writer, 404, "text/plain", b"not found")
        finally:
            writer.close()

    @staticmethod
    async def _respond(
        writer: asyncio.StreamWriter, status: int, content_type: str, body: bytes
    ) -> None:
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 413: "Too Large"}[status]
        head = (
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        writer.write(head.encode("latin-1") + body)
        await writer.drain()

    async def close(self) -> None:
        """Close every peer connection."""
        for pc in list(self.peers):
            await pc.close()
        self.peers.clear()


async def serve(echo: EchoServer, port: int) -> asyncio.Server:
    """Listen on 127.0.0.1:``port`` (0: any free port)."""
    return await asyncio.start_server(echo.handle_http, "127.0.0.1", port)


async def main(args: argparse.Namespace) -> None:
    echo = EchoServer(save_dir=Path(args.save_dir) if args.save_dir else None)
    server = await serve(echo, args.port)
    port = server.sockets[0].getsockname()[1]
    print(f"open http://127.0.0.1:{port}/ in a browser (Ctrl-C to stop)", flush=True)
    try:
        async with server:
            await server.serve_forever()
    finally:
        await echo.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--save-dir", help="write received files here")
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is the way to stop it
        asyncio.run(main(parser.parse_args()))
