"""Write docs/api.md, the API reference, from the docstrings of the public names.

    python docs/gen_api_docs.py            # (re)write docs/api.md
    python docs/gen_api_docs.py --check    # exit 1 if docs/api.md is out of date
    python docs/gen_api_docs.py --stdout   # print instead of writing

Only the standard library (``inspect``): each module in ``MODULES`` contributes its
``__all__`` (or, without one, the names listed next to it); classes list their constructor,
then their own public properties and methods (members inherited from pyee's event emitter
are left out). The output is deterministic, so ``--check`` can run in CI.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "api.md"

#: (module, names or None for its ``__all__``, one-line summary), in reading order.
MODULES: list[tuple[str, list[str] | None, str]] = [
    (
        "aiortc_transport.peerconnection",
        None,
        "The W3C RTCPeerConnection for data channels, over the ORTC objects.",
    ),
    (
        "aiortc_transport.datachannel.channel",
        ["RTCDataChannel"],
        "The W3C data channel object.",
    ),
    (
        "aiortc_transport.datachannel.parameters",
        ["RTCDataChannelParameters"],
        "Data channel options (aiortc's dictionary).",
    ),
    (
        "aiortc_transport.sctp.transport",
        ["RTCSctpTransport", "RTCSctpCapabilities"],
        "The SCTP association of a session, as an ORTC object.",
    ),
    (
        "aiortc_transport.dtls.transport",
        ["RTCDtlsTransport", "RTCDtlsParameters"],
        "DTLS over an ICE transport.",
    ),
    (
        "aiortc_transport.dtls.certificate",
        ["RTCCertificate", "RTCDtlsFingerprint"],
        "Certificates and fingerprints.",
    ),
    (
        "aiortc_transport.ice",
        None,
        "ICE gathering and connectivity over aioice.",
    ),
    (
        "aiortc_transport.sdp",
        None,
        "Data-channel session descriptions.",
    ),
    (
        "aiortc_transport.exceptions",
        None,
        "Exceptions.",
    ),
]

#: pyee's methods, present on every ORTC object; documented once, not per class.
_EMITTER_MEMBERS = frozenset(
    {
        "add_listener",
        "emit",
        "event_names",
        "listeners",
        "on",
        "once",
        "remove_all_listeners",
        "remove_listener",
        "listens_to",
    }
)


_ROLE = re.compile(r":(?:class|meth|func|attr|mod|data|exc|obj):`~?\.?([^`]+)`")
_FIELD = re.compile(r"^:param (\w+):", re.MULTILINE)
_RAISES = re.compile(r"^:raises (\w+):", re.MULTILINE)


def _doc(obj: Any) -> str:
    """The docstring, with reST roles and fields turned into Markdown."""
    text = (inspect.getdoc(obj) or "").strip()
    text = _ROLE.sub(lambda m: f"`{m[1].rsplit('.', 1)[-1]}`", text)
    text = _FIELD.sub(lambda m: f"- `{m[1]}`:", text)
    return _RAISES.sub(lambda m: f"- raises `{m[1]}`:", text)


def _annotation(annotation: Any) -> str:
    # With postponed evaluation the annotations are the source text already.
    return annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)


def _signature(obj: Any, name: str) -> str:
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return f"{name}(...)"
    parts: list[str] = []
    star_done = False
    previous_kind = None
    for parameter in signature.parameters.values():
        if parameter.name in ("self", "cls"):
            continue
        kind = parameter.kind
        if previous_kind is inspect.Parameter.POSITIONAL_ONLY and kind is not previous_kind:
            parts.append("/")
        if kind is inspect.Parameter.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        text = parameter.name
        if kind is inspect.Parameter.VAR_POSITIONAL:
            text, star_done = "*" + text, True
        elif kind is inspect.Parameter.VAR_KEYWORD:
            text = "**" + text
        annotated = parameter.annotation is not inspect.Parameter.empty
        if annotated:
            text += f": {_annotation(parameter.annotation)}"
        if parameter.default is not inspect.Parameter.empty:
            default = parameter.default
            shown = "<factory>" if repr(default) == "<factory>" else repr(default)
            text += f" = {shown}" if annotated else f"={shown}"
        parts.append(text)
        previous_kind = kind
    result = f"{name}({', '.join(parts)})"
    if signature.return_annotation is not inspect.Signature.empty:
        returned = _annotation(signature.return_annotation)
        if returned != "None" or name[:1].islower():
            result += f" -> {returned}"
    return result


def _own_members(cls: type) -> list[tuple[str, Any]]:
    """Public members defined by ``cls`` or by its bases inside this package."""
    members: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith("aiortc_transport"):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_") or name in _EMITTER_MEMBERS:
                continue
            members[name] = value
    fields = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    return sorted((n, v) for n, v in members.items() if n not in fields)


def _class_section(name: str, cls: type) -> list[str]:
    lines = [f"### `{name}`", ""]
    kind = "dataclass" if dataclasses.is_dataclass(cls) else "class"
    if issubclass(cls, BaseException):
        bases = ", ".join(b.__name__ for b in cls.__bases__)
        lines += [f"```python\nclass {name}({bases})\n```", ""]
    else:
        lines += [f"```python\n{kind} {_signature(cls, name)}\n```", ""]
    doc = _doc(cls)
    if doc:
        lines += [doc, ""]
    if any(klass.__name__ == "EventEmitter" for klass in cls.__mro__):
        lines += ["An event emitter (pyee): `on(event, handler)`, `once`, `remove_listener`.", ""]
    for member_name, value in _own_members(cls):
        if isinstance(value, property):
            setter = " (settable)" if value.fset is not None else ""
            lines.append(f"- **`{member_name}`**{setter}: {_first_paragraph(_doc(value))}")
        elif isinstance(value, classmethod | staticmethod):
            function = value.__func__
            lines.append(
                f"- **`{_signature(function, member_name)}`** ({type(value).__name__}): "
                f"{_first_paragraph(_doc(function))}"
            )
        elif inspect.isfunction(value):
            prefix = "async " if inspect.iscoroutinefunction(value) else ""
            lines.append(
                f"- **`{prefix}{_signature(value, member_name)}`**: {_first_paragraph(_doc(value))}"
            )
    if lines[-1] != "":
        lines.append("")
    return lines


def _first_paragraph(text: str) -> str:
    paragraph = text.split("\n\n", 1)[0]
    return " ".join(paragraph.split()) or "(undocumented)"


def _function_section(name: str, function: Any) -> list[str]:
    lines = [f"### `{name}()`", "", f"```python\n{_signature(function, name)}\n```", ""]
    doc = _doc(function)
    return lines + ([doc, ""] if doc else [])


def _module_names(module: ModuleType, names: list[str] | None) -> list[str]:
    if names is not None:
        return names
    exported = getattr(module, "__all__", None)
    if exported is None:
        raise SystemExit(f"{module.__name__} has no __all__: list its names in MODULES")
    return sorted(exported)


def render() -> str:
    """The whole of docs/api.md."""
    out = [
        "# API reference",
        "",
        "Generated from the docstrings by `docs/gen_api_docs.py`; do not edit by hand.",
        "Guides: [getting started](getting-started.md), [RTCPeerConnection](peerconnection.md),",
        "[ORTC](ortc-guide.md), [browsers](browser-interop.md).",
        "",
    ]
    out += [
        f"- [`{module}`](#{module.replace('.', '')}): {summary}" for module, _, summary in MODULES
    ]
    out.append("")
    for module_name, names, summary in MODULES:
        module = importlib.import_module(module_name)
        out += [f"## {module_name}", "", summary, ""]
        for name in _module_names(module, names):
            obj = getattr(module, name)
            if inspect.isclass(obj):
                out += _class_section(name, obj)
            elif inspect.isfunction(obj):
                out += _function_section(name, obj)
            else:
                out += [f"### `{name}`", "", f"```python\n{name} = {obj!r}\n```", ""]
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="fail if docs/api.md is stale")
    group.add_argument("--stdout", action="store_true", help="print instead of writing")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    text = render()
    if args.stdout:
        sys.stdout.write(text)
        return 0
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is out of date: run docs/gen_api_docs.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
