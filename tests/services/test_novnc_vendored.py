"""Offline checks of the vendored noVNC tree (resources/novnc) and of scripts/update_novnc.py's own safeguards."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import json
import re
import sys
import tarfile
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "resources"
NOVNC = RESOURCES / "novnc"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("update_novnc", ROOT / "scripts" / "update_novnc.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("update_novnc", module)
    spec.loader.exec_module(module)
    return module


update_novnc = _load_script()


def _manifest() -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in (NOVNC / "MANIFEST.sha256").read_text(encoding="utf-8").splitlines():
        digest, sep, path = line.partition("  ")
        assert sep, f"malformed manifest line: {line!r}"
        assert re.fullmatch(r"[0-9a-f]{64}", digest), f"malformed manifest line: {line!r}"
        entries[path] = digest
    return entries


def test_package_json_says_1_7_0_es_module() -> None:
    package = json.loads((NOVNC / "package.json").read_text(encoding="utf-8"))
    assert package["name"] == "@novnc/novnc"
    assert package["version"] == "1.7.0"
    assert package["type"] == "module"
    assert package["exports"] == "./core/rfb.js"


def test_rfb_is_an_es_module_with_default_export() -> None:
    source = (NOVNC / "core" / "rfb.js").read_text(encoding="utf-8")
    assert re.search(r"^export default class RFB\b", source, re.MULTILINE)
    assert re.search(r"^import .+ from \"\./display\.js\";$", source, re.MULTILINE)


def test_licence_files_present_and_right() -> None:
    assert "MPL 2.0" in (NOVNC / "LICENSE.txt").read_text(encoding="utf-8")
    assert "Mozilla Public License Version 2.0" in (NOVNC / "docs" / "LICENSE.MPL-2.0").read_text(encoding="utf-8")
    assert "The MIT License" in (NOVNC / "vendor" / "pako" / "LICENSE").read_text(encoding="utf-8")
    notes = (NOVNC / "VENDORED.md").read_text(encoding="utf-8")
    for needle in ("1.7.0", update_novnc.INTEGRITY, "MPL-2.0", "MIT", "must stay under MPL-2.0"):
        assert needle in notes


def test_manifest_matches_every_file_on_disk() -> None:
    manifest = _manifest()
    on_disk = {
        p.relative_to(NOVNC).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in NOVNC.rglob("*")
        if p.is_file() and p.name not in update_novnc.GENERATED
    }
    assert len(manifest) > 50
    assert set(manifest) == set(on_disk), set(manifest) ^ set(on_disk)
    mismatched = sorted(p for p in manifest if manifest[p] != on_disk[p])
    assert not mismatched, f"vendored files differ from MANIFEST.sha256: {mismatched}"
    assert f"Files: {len(manifest)} " in (NOVNC / "VENDORED.md").read_text(encoding="utf-8")


def test_only_runtime_files_vendored() -> None:
    for path in _manifest():
        assert update_novnc._wanted(path), path
    assert not (NOVNC / "app").exists()
    assert not (NOVNC / "vnc.html").exists()


def test_no_vmware_wmks_anywhere_under_resources() -> None:
    offenders = [p for p in RESOURCES.rglob("*") if re.fullmatch(r"wmks.*\.js", p.name, re.IGNORECASE)]
    assert offenders == []


# ---- the script's safeguards, on synthetic tarballs (no network) ------------------------------------------------


def _tgz(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


_MINIMAL = {
    "package/core/rfb.js": b"export default class RFB {}\n",
    "package/LICENSE.txt": b"MPL 2.0\n",
    "package/package.json": b'{"version": "1.7.0"}\n',
    "package/docs/LICENSE.MPL-2.0": b"Mozilla Public License Version 2.0\n",
    "package/vendor/pako/LICENSE": b"MIT\n",
    "package/README.md": b"not vendored\n",
}


def test_integrity_mismatch_is_refused() -> None:
    data = _tgz(_MINIMAL)
    update_novnc.verify_integrity(data, _integrity(data))
    with pytest.raises(update_novnc.VendorError, match="integrity mismatch"):
        update_novnc.verify_integrity(data + b"x", _integrity(data))


def test_selection_skips_docs_and_refuses_traversal() -> None:
    files = update_novnc.select_files(_tgz(_MINIMAL))
    assert "README.md" not in files
    assert files["core/rfb.js"].startswith(b"export default")
    with pytest.raises(update_novnc.VendorError, match="unsafe path"):
        update_novnc.select_files(_tgz({**_MINIMAL, "package/../evil.js": b"x"}))
    missing = dict(_MINIMAL)
    del missing["package/docs/LICENSE.MPL-2.0"]
    with pytest.raises(update_novnc.VendorError, match=r"docs/LICENSE\.MPL-2\.0"):
        update_novnc.select_files(_tgz(missing))


def test_write_then_check_detects_tampering(tmp_path: Path) -> None:
    files = update_novnc.select_files(_tgz(_MINIMAL))
    dest = tmp_path / "novnc"
    update_novnc.write_tree(files, dest)
    assert update_novnc.check(files, dest) == []
    (dest / "core" / "rfb.js").write_bytes(b"export default class RFB { evil() {} }\n")
    (dest / "core" / "extra.js").write_bytes(b"")
    assert update_novnc.check(files, dest) == ["not in the package: core/extra.js", "modified: core/rfb.js"]
