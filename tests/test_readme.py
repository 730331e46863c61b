"""The README's example is the file in examples/, and it runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_shows_the_example_file_verbatim() -> None:
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / "examples" / "ortc_minimal.py").read_text()
    assert f"```python\n{example}```" in readme


def test_the_readme_example_runs() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "ortc_minimal.py")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello over ICE, DTLS and SCTP\n"
