"""Chat and file copy between two terminals, with copy-paste signalling.

Terminal 1::

    python examples/cli_chat.py offer

prints ``OFFER <blob>``: copy that line (the blob) into terminal 2::

    python examples/cli_chat.py answer

which asks for the offer and prints ``ANSWER <blob>``: paste that blob back into terminal 1.
The blob is the session description, JSON in base64 (one line, easy to paste), with every
candidate in it: no trickle, so one round trip of copy-paste is enough.

Then type lines to chat. ``/send PATH`` copies a file to the other side (saved in
``--save-dir``, default the current directory) with a progress display; ``/quit`` (or end
of input) closes the connection, and the other side notices and exits too.

Gathering is loopback-only by default, for two processes on one machine; ``--all-interfaces``
gathers every interface (no STUN server is ever contacted either way).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

# Run from a source checkout without installation.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiortc_transport.datachannel.channel import RTCDataChannel
from aiortc_transport.peerconnection import RTCConfiguration, RTCPeerConnection
from aiortc_transport.sdp import RTCSessionDescription

CHUNK = 64 * 1024
# Stay well under the SCTP send buffer (send() fails when it is full).
HIGH_WATER = 1024 * 1024


def say(text: str) -> None:
    print(text, flush=True)


def encode(description: RTCSessionDescription) -> str:
    data = json.dumps({"type": description.type, "sdp": description.sdp}).encode()
    return base64.b64encode(data).decode("ascii")


def decode(blob: str) -> RTCSessionDescription:
    text = blob.strip().split()[-1]  # accept the whole "OFFER <blob>" line too
    value = json.loads(base64.b64decode(text))
    return RTCSessionDescription(sdp=value["sdp"], type=value["type"])


async def stdin_reader() -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


async def read_line(reader: asyncio.StreamReader) -> str | None:
    line = await reader.readline()
    return line.decode().rstrip("\r\n") if line else None


def receive_files(channel: RTCDataChannel, save_dir: Path) -> None:
    """A "file" channel: a JSON header {name, size}, then the bytes, then close."""
    state: dict[str, Any] = {"header": None, "got": 0, "digest": hashlib.sha256(), "shown": -1}
    handle: list[Any] = []

    def on_message(message: str | bytes) -> None:
        if state["header"] is None:
            assert isinstance(message, str)
            header = json.loads(message)
            state["header"] = header
            name = Path(header["name"]).name  # never a path from the peer
            path = save_dir / name
            handle.append(open(path, "wb"))  # noqa: SIM115 - closed on channel close
            state["path"] = path
            say(f"receiving {name} ({header['size']} bytes)")
            return
        assert isinstance(message, bytes)
        handle[0].write(message)
        state["digest"].update(message)
        state["got"] += len(message)
        size = state["header"]["size"]
        percent = 100 * state["got"] // size if size else 100
        if percent // 10 != state["shown"]:
            state["shown"] = percent // 10
            say(f"progress {percent}%")

    def on_close() -> None:
        if handle:
            handle[0].close()
            header = state["header"]
            complete = state["got"] == header["size"]
            status = "saved" if complete else "INCOMPLETE"
            say(f"{status} {state['path']} sha256={state['digest'].hexdigest()}")

    channel.on("message", on_message)
    channel.on("close", on_close)


async def send_file(pc: RTCPeerConnection, path: Path) -> None:
    size = path.stat().st_size
    channel = pc.createDataChannel("file")
    await channel.wait_open()
    channel.send(json.dumps({"name": path.name, "size": size}))
    channel.bufferedAmountLowThreshold = HIGH_WATER // 4
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            channel.send(chunk)
            if channel.bufferedAmount > HIGH_WATER:
                await channel.drain()
    channel.bufferedAmountLowThreshold = 0
    await channel.drain()  # everything handed to the network before the close
    channel.close()
    say(f"sent {path} sha256={digest.hexdigest()}")


async def main(args: argparse.Namespace) -> int:
    pc = RTCPeerConnection(RTCConfiguration(loopback=not args.all_interfaces))
    save_dir = Path(args.save_dir)
    stdin = await stdin_reader()
    finished = asyncio.Event()
    chat: list[RTCDataChannel] = []

    def use_chat(channel: RTCDataChannel) -> None:
        chat.append(channel)
        channel.on("open", lambda: say("connected: type to chat, /send PATH, /quit"))
        channel.on("message", lambda message: say(f"peer> {message}"))

    @pc.on("datachannel")
    def on_datachannel(channel: RTCDataChannel) -> None:
        if channel.label == "chat":
            use_chat(channel)
            say("connected: type to chat, /send PATH, /quit")
        elif channel.label == "file":
            receive_files(channel, save_dir)

    @pc.on("connectionstatechange")
    def on_state() -> None:
        if pc.connectionState in ("closed", "failed"):
            say(f"connection {pc.connectionState}")
            finished.set()

    if args.mode == "offer":
        use_chat(pc.createDataChannel("chat"))
        await pc.setLocalDescription(await pc.createOffer())
        assert pc.localDescription is not None
        say(f"OFFER {encode(pc.localDescription)}")
        say("Paste the answer:")
        line = await read_line(stdin)
        if line is None:
            return 1
        await pc.setRemoteDescription(decode(line))
    else:
        say("Paste the offer:")
        line = await read_line(stdin)
        if line is None:
            return 1
        await pc.setRemoteDescription(decode(line))
        await pc.setLocalDescription(await pc.createAnswer())
        assert pc.localDescription is not None
        say(f"ANSWER {encode(pc.localDescription)}")

    async def typing() -> None:
        while (line := await read_line(stdin)) is not None:
            if line == "/quit":
                break
            if line.startswith("/send "):
                try:
                    await send_file(pc, Path(line[6:].strip()))
                except (OSError, ConnectionError) as exc:
                    say(f"cannot send: {exc}")
            elif chat and chat[0].readyState == "open":
                chat[0].send(line)
            else:
                say("(not connected yet)")

    typing_task = asyncio.ensure_future(typing())
    await asyncio.wait(
        [typing_task, asyncio.ensure_future(finished.wait())],
        return_when=asyncio.FIRST_COMPLETED,
    )
    typing_task.cancel()
    await pc.close()
    say("closed")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["offer", "answer"])
    parser.add_argument("--save-dir", default=os.curdir, help="where received files go")
    parser.add_argument(
        "--all-interfaces", action="store_true", help="gather every interface, not only lo"
    )
    sys.exit(asyncio.run(main(parser.parse_args())))
