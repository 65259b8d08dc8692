#!/usr/bin/env python3
"""Vendor noVNC (``@novnc/novnc`` from the npm registry) into ``resources/novnc/``, or check the vendored tree.

The tarball's ``dist.integrity`` (SHA-512) is verified *before* anything is extracted. Only the runtime library is
kept: ``core/**``, ``vendor/pako/**``, ``LICENSE.txt``, ``AUTHORS``, ``package.json`` and the licence texts under
``docs/LICENSE*`` (the MPL-2.0 text lives there). The script also writes ``MANIFEST.sha256`` (one ``sha256sum`` line
per vendored file, checked offline by the test suite) and ``VENDORED.md``.

Usage::

    python scripts/update_novnc.py             # download, verify, replace resources/novnc/
    python scripts/update_novnc.py --check     # download, verify, compare with resources/novnc/ (writes nothing)
    python scripts/update_novnc.py --tarball novnc-novnc-1.7.0.tgz [--check]   # use a local tarball instead
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import io
import posixpath
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

PACKAGE = "@novnc/novnc"
VERSION = "1.7.0"
TARBALL_URL = f"https://registry.npmjs.org/{PACKAGE}/-/novnc-{VERSION}.tgz"
INTEGRITY = "sha512-ucEJOx4T2avIRCleodk7YobZj5O2Ga2AeLfQ69A/yjG9HHba2+PDgwSkN3FttrmG+70ZGx21sElNFouK13RzyA=="

ROOT = Path(__file__).resolve().parent.parent
DEST = ROOT / "resources" / "novnc"
MANIFEST_NAME = "MANIFEST.sha256"
NOTES_NAME = "VENDORED.md"
GENERATED = frozenset({MANIFEST_NAME, NOTES_NAME})

_KEEP_PREFIXES = ("core/", "vendor/pako/", "docs/LICENSE")
_KEEP_FILES = frozenset({"LICENSE.txt", "AUTHORS", "package.json"})
_REQUIRED = ("core/rfb.js", "LICENSE.txt", "package.json", "docs/LICENSE.MPL-2.0", "vendor/pako/LICENSE")
_MAX_DOWNLOAD = 20 * 1024 * 1024


class VendorError(Exception):
    """The tarball or the vendored tree is not what it should be; the message says what differs."""


def download(url: str = TARBALL_URL) -> bytes:
    """Fetch the npm tarball over HTTPS (verified TLS, the interpreter's default trust store)."""
    if not url.startswith("https://"):
        raise VendorError(f"refusing a non-HTTPS tarball URL: {url}")
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - scheme checked above
        data: bytes = response.read(_MAX_DOWNLOAD + 1)
    if len(data) > _MAX_DOWNLOAD:
        raise VendorError(f"tarball larger than {_MAX_DOWNLOAD} bytes; refusing it")
    return data


def verify_integrity(data: bytes, integrity: str = INTEGRITY) -> None:
    """Raise :class:`VendorError` unless ``data`` matches the npm ``dist.integrity`` string (``sha512-<base64>``)."""
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise VendorError(f"unsupported integrity algorithm {algorithm!r}")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")
    if actual != expected:
        raise VendorError(f"tarball integrity mismatch: expected sha512-{expected}, got sha512-{actual}")


def _wanted(relpath: str) -> bool:
    return relpath in _KEEP_FILES or relpath.startswith(_KEEP_PREFIXES)


def select_files(data: bytes) -> dict[str, bytes]:
    """The vendored files of an (already verified) npm tarball, keyed by their path below ``package/``."""
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            name = member.name
            if not name.startswith("package/"):
                raise VendorError(f"unexpected tarball entry outside package/: {name!r}")
            relpath = name.removeprefix("package/")
            if posixpath.normpath(relpath) != relpath or relpath.startswith(("/", "..")):
                raise VendorError(f"unsafe path in tarball: {name!r}")
            if not _wanted(relpath):
                continue
            if not member.isfile():
                raise VendorError(f"vendored entry is not a regular file: {name!r}")
            extracted = tar.extractfile(member)
            assert extracted is not None
            files[relpath] = extracted.read()
    missing = [p for p in _REQUIRED if p not in files]
    if missing:
        raise VendorError(f"tarball lacks required files: {', '.join(missing)}")
    return files


def manifest_text(files: dict[str, bytes]) -> str:
    """``sha256sum``-style lines (``<hex>  <path>``), sorted by path."""
    return "".join(f"{hashlib.sha256(files[p]).hexdigest()}  {p}\n" for p in sorted(files))


def notes_text(files: dict[str, bytes], today: dt.date) -> str:
    """The human-readable provenance and licence record written to ``VENDORED.md``."""
    total = sum(len(b) for b in files.values())
    return f"""# Vendored noVNC

- Package: `{PACKAGE}` {VERSION} (npm), `"type": "module"`, entry point `core/rfb.js`
- Source: {TARBALL_URL}
- Integrity (npm `dist.integrity`, verified before extraction): `{INTEGRITY}`
- Vendored on: {today.isoformat()} by `scripts/update_novnc.py`
- Files: {len(files)} ({total} bytes), each listed with its SHA-256 in `{MANIFEST_NAME}`
- Kept from the package: `core/**`, `vendor/pako/**`, `LICENSE.txt`, `AUTHORS`, `package.json`, `docs/LICENSE*`

## Licences

- `core/**`: MPL-2.0 (text: `docs/LICENSE.MPL-2.0`); `core/crypto/des.js` carries its own BSD-style notice.
- `vendor/pako/**`: MIT (text: `vendor/pako/LICENSE`).
- See `LICENSE.txt` for noVNC's own summary.

MPL-2.0 is a file-level copyleft: any modified noVNC file must stay under MPL-2.0 and its source must remain
available. Prefer not to modify these files; re-run `scripts/update_novnc.py` to update them, and
`scripts/update_novnc.py --check` to prove the tree still matches the published tarball.
VMware's `wmks.js` is never vendored here (see docs: licence).
"""


def tree_files(dest: Path) -> dict[str, bytes]:
    """Every file under ``dest`` except the generated ones, keyed by POSIX relative path."""
    return {
        p.relative_to(dest).as_posix(): p.read_bytes()
        for p in sorted(dest.rglob("*"))
        if p.is_file() and p.relative_to(dest).as_posix() not in GENERATED
    }


def check(files: dict[str, bytes], dest: Path = DEST) -> list[str]:
    """Differences between the tarball's selection and the tree at ``dest`` (empty when identical)."""
    problems: list[str] = []
    if not dest.is_dir():
        return [f"{dest} does not exist"]
    on_disk = tree_files(dest)
    for path in sorted(set(files) - set(on_disk)):
        problems.append(f"missing: {path}")
    for path in sorted(set(on_disk) - set(files)):
        problems.append(f"not in the package: {path}")
    for path in sorted(set(files) & set(on_disk)):
        if hashlib.sha256(files[path]).digest() != hashlib.sha256(on_disk[path]).digest():
            problems.append(f"modified: {path}")
    manifest = dest / MANIFEST_NAME
    if not manifest.is_file() or manifest.read_text(encoding="utf-8") != manifest_text(files):
        problems.append(f"{MANIFEST_NAME} is missing or out of date")
    if not (dest / NOTES_NAME).is_file():
        problems.append(f"{NOTES_NAME} is missing")
    return problems


def write_tree(files: dict[str, bytes], dest: Path = DEST, today: dt.date | None = None) -> None:
    """Replace ``dest`` with ``files`` plus the manifest and notes (built aside, then swapped in)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".novnc-", dir=dest.parent))
    try:
        for relpath, content in files.items():
            target = staging / relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        (staging / MANIFEST_NAME).write_text(manifest_text(files), encoding="utf-8")
        (staging / NOTES_NAME).write_text(notes_text(files, today or dt.date.today()), encoding="utf-8")
        staging.chmod(0o755)  # mkdtemp creates it private; the tree is ordinary, readable app data
        if dest.exists():
            shutil.rmtree(dest)
        staging.rename(dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="compare resources/novnc/ with the tarball; write nothing")
    parser.add_argument("--tarball", type=Path, help="use this local .tgz instead of downloading it")
    parser.add_argument("--dest", type=Path, default=DEST, help="vendored tree (default: resources/novnc)")
    args = parser.parse_args(argv)
    try:
        data = args.tarball.read_bytes() if args.tarball else download()
        verify_integrity(data)
        files = select_files(data)
        if args.check:
            problems = check(files, args.dest)
            for line in problems:
                print(line, file=sys.stderr)
            print("vendored noVNC differs from the tarball" if problems else f"vendored noVNC {VERSION} matches")
            return 1 if problems else 0
        write_tree(files, args.dest)
    except (VendorError, OSError, tarfile.TarError) as exc:
        print(f"update_novnc: {exc}", file=sys.stderr)
        return 2
    print(f"vendored {PACKAGE} {VERSION}: {len(files)} files into {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
