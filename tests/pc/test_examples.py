"""The examples run, non-interactively, as their own processes (browser_echo.py is driven
by Chromium in tests/browser/test_python_examples.py)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TIMEOUT = 30.0


async def test_ortc_two_peers_runs() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLES / "ortc_two_peers.py"),
        "--messages",
        "20",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
    text = out.decode()
    assert process.returncode == 0, err.decode()
    assert "RTCSctpTransport connected" in text
    assert "20 echoes" in text and "channel closed" in text
    assert text.rstrip().endswith("ok")


class Terminal:
    """One cli_chat.py process: feed it lines, wait for lines it prints."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []

    @classmethod
    async def start(cls, mode: str, save_dir: Path) -> Terminal:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(EXAMPLES / "cli_chat.py"),
            mode,
            "--save-dir",
            str(save_dir),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        return cls(process)

    def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")

    async def expect(self, prefix: str) -> str:
        """The next printed line starting with ``prefix`` (earlier lines are kept)."""
        assert self.process.stdout is not None

        async def read() -> str:
            while True:
                raw = await self.process.stdout.readline()  # type: ignore[union-attr]
                if not raw:
                    raise AssertionError(f"exited waiting for {prefix!r}: {self.lines}")
                line = raw.decode().rstrip()
                self.lines.append(line)
                if line.startswith(prefix):
                    return line

        return await asyncio.wait_for(read(), TIMEOUT)


async def test_cli_chat_two_processes_with_copy_paste_signalling(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    alice = await Terminal.start("offer", tmp_path / "a")
    bob = await Terminal.start("answer", tmp_path / "b")
    try:
        offer = await alice.expect("OFFER ")
        await bob.expect("Paste the offer")
        bob.type(offer)  # the whole line works as well as the blob alone
        answer = await bob.expect("ANSWER ")
        alice.type(answer.split()[1])
        await asyncio.gather(alice.expect("connected"), bob.expect("connected"))

        alice.type("hello bob")
        assert await bob.expect("peer> ") == "peer> hello bob"
        bob.type("hi alice, ünïcode")
        assert await alice.expect("peer> ") == "peer> hi alice, ünïcode"

        payload = os.urandom(3 * 1024 * 1024 + 17)
        source = tmp_path / "payload.bin"
        source.write_bytes(payload)
        alice.type(f"/send {source}")
        digest = hashlib.sha256(payload).hexdigest()
        assert (await bob.expect("receiving ")) == f"receiving payload.bin ({len(payload)} bytes)"
        await bob.expect("progress 100%")
        assert (await bob.expect("saved ")).endswith(f"sha256={digest}")
        assert (tmp_path / "b" / "payload.bin").read_bytes() == payload
        assert (await alice.expect("sent ")).endswith(f"sha256={digest}")

        alice.type("/quit")
        await alice.expect("closed")
        await bob.expect("connection closed")
        await bob.expect("closed")
        assert await asyncio.wait_for(alice.process.wait(), TIMEOUT) == 0
        assert await asyncio.wait_for(bob.process.wait(), TIMEOUT) == 0
    finally:
        for terminal in (alice, bob):
            if terminal.process.returncode is None:
                terminal.process.kill()
                await terminal.process.wait()
