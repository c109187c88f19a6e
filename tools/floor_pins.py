"""The lowest versions ``pyproject.toml`` allows, as pip constraints, and a check of them.

pip always resolves to the newest versions, so ``make test-min`` pins every runtime
dependency to the floor written in ``pyproject.toml`` (``pandas>=3.0`` becomes
``pandas==3.0``) and, once installed, checks that the environment really holds those versions.

    python tools/floor_pins.py            # print the constraints
    python tools/floor_pins.py --check    # exit 1 unless the floors are what is installed
"""

from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
_FLOOR = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9A-Za-z.]*)\s*$")


def floors() -> dict[str, str]:
    """Each runtime dependency and its lowest allowed version."""
    spec = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    out = {}
    for requirement in spec["project"]["dependencies"]:
        match = _FLOOR.match(requirement)
        if match is None:
            raise SystemExit(f"{requirement!r}: every dependency needs a plain 'name>=X' floor")
        out[match.group(1)] = match.group(2)
    return out


def _same(installed: str, floor: str) -> bool:
    def parts(v: str) -> list[str]:
        p = v.split(".")
        return p + ["0"] * (3 - len(p))

    return parts(installed) == parts(floor)


def main(argv: list[str]) -> int:
    pins = floors()
    if argv[1:] == ["--check"]:
        wrong = [
            f"{name}: installed {metadata.version(name)}, floor {floor}"
            for name, floor in pins.items()
            if not _same(metadata.version(name), floor)
        ]
        print("\n".join(wrong) or f"all {len(pins)} runtime dependencies at their floors")
        return 1 if wrong else 0
    print("\n".join(f"{name}=={floor}" for name, floor in pins.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
