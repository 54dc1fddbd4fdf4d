#!/usr/bin/env python3
"""Restores exactly the files libman.json lists, at its versions, from the npm registry.

LibMan and its CDNs are unreachable here, so this does what `libman restore` would: for each
package it runs `npm pack name@version`, refuses the tarball unless its sha512 matches the
integrity pinned in scripts/npm-pins.json (kept in the repository, so the registry cannot change
what is restored), and extracts only the listed files to the destination (keeping their paths
relative to the entry's "root" inside the package, the package itself for LibMan's entries).
A stamp file records each file's sha256; when every listed file is present and matches the
stamp, nothing is fetched.
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MANIFEST = os.path.join(ROOT, "libman.json")
PINS = os.path.join(ROOT, "scripts", "npm-pins.json")


def say(msg):
    print(f"restore-libs: {msg}", file=sys.stderr)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def split_library(spec):
    name, sep, version = spec.rpartition("@")
    if not sep or not name or not version:
        raise SystemExit(f"restore-libs: library '{spec}' must be name@version")
    return name, version


def stamp_path(destination):
    return os.path.join(ROOT, destination, ".libman-restore.json")


def up_to_date(library, integrity, destination, files):
    path = stamp_path(destination)
    try:
        with open(path) as f:
            stamp = json.load(f)
    except (OSError, ValueError):
        return False
    if (stamp.get("library") != library or stamp.get("integrity") != integrity
            or sorted(stamp.get("files", {})) != sorted(files)):
        return False
    for rel, digest in stamp["files"].items():
        target = os.path.join(ROOT, destination, rel)
        if not os.path.isfile(target) or sha256(target) != digest:
            return False
    return True


def npm(*args, cwd=None):
    result = subprocess.run(["npm", *args], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"restore-libs: npm {' '.join(args)} failed:\n{result.stderr.strip()}")
    return result.stdout


def restore(library, expected, destination, files, root=""):
    name, version = split_library(library)
    with tempfile.TemporaryDirectory() as tmp:
        packed = json.loads(npm("pack", f"{name}@{version}", "--json", "--silent", cwd=tmp))[0]
        tarball = os.path.join(tmp, packed["filename"])
        with open(tarball, "rb") as f:
            actual = "sha512-" + base64.b64encode(hashlib.sha512(f.read()).digest()).decode()
        if actual != expected:
            raise SystemExit(f"restore-libs: refusing {library}: its tarball's integrity {actual} is not the one pinned "
                             f"in scripts/npm-pins.json ({expected}); the registry served different bytes")
        digests = {}
        with tarfile.open(tarball, "r:gz") as tar:
            names = set(tar.getnames())
            for rel in files:
                inside = "package/" + root + rel
                member = tar.getmember(inside) if inside in names else None
                if member is None or not member.isfile():
                    raise SystemExit(f"restore-libs: {library} has no file {root + rel}")
                data = tar.extractfile(member).read()
                target = os.path.join(ROOT, destination, rel)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target + ".tmp", "wb") as out:
                    out.write(data)
                os.replace(target + ".tmp", target)
                digests[rel] = hashlib.sha256(data).hexdigest()
    with open(stamp_path(destination), "w") as f:
        json.dump({"library": library, "integrity": expected, "files": digests}, f, indent=2)
    listed = ", ".join(files) if len(files) <= 3 else f"{len(files)} files"
    say(f"restored {library} ({listed}) -> {destination}")


def load(path):
    with open(path) as f:
        return json.load(f)


def main():
    pins = load(PINS)
    entries = load(MANIFEST).get("libraries", [])
    for entry in entries:
        library, destination, files = entry["library"], entry["destination"], entry.get("files") or []
        if not files:
            raise SystemExit(f"restore-libs: {library} lists no files; list them so only those are restored")
        integrity = pins["integrity"].get(library, "")
        if not integrity.startswith("sha512-"):
            raise SystemExit(f"restore-libs: no sha512 integrity pinned for {library} in scripts/npm-pins.json "
                             f"(add the value of `npm view {library} dist.integrity` after checking it)")
        if up_to_date(library, integrity, destination, files):
            continue
        restore(library, integrity, destination, files, entry.get("root", ""))


if __name__ == "__main__":
    main()
