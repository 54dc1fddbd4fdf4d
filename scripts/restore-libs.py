#!/usr/bin/env python3
"""Restores exactly the files libman.json lists, at its versions, from the npm registry.

LibMan and its CDNs are unreachable here, so this does what `libman restore` would: for each
library it runs `npm pack name@version`, checks the tarball against the registry's published
integrity, and extracts only the listed files to the destination (keeping their relative paths,
as LibMan does). A stamp file records each file's sha256; when every listed file is present and
matches the stamp, nothing is fetched.
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


def up_to_date(library, destination, files):
    path = stamp_path(destination)
    try:
        with open(path) as f:
            stamp = json.load(f)
    except (OSError, ValueError):
        return False
    if stamp.get("library") != library or sorted(stamp.get("files", {})) != sorted(files):
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


def restore(library, destination, files):
    name, version = split_library(library)
    expected = npm("view", f"{name}@{version}", "dist.integrity").strip()
    if not expected.startswith("sha512-"):
        raise SystemExit(f"restore-libs: the registry gave no sha512 integrity for {library}")
    with tempfile.TemporaryDirectory() as tmp:
        packed = json.loads(npm("pack", f"{name}@{version}", "--json", "--silent", cwd=tmp))[0]
        tarball = os.path.join(tmp, packed["filename"])
        with open(tarball, "rb") as f:
            actual = "sha512-" + base64.b64encode(hashlib.sha512(f.read()).digest()).decode()
        if actual != expected:
            raise SystemExit(f"restore-libs: {library} tarball integrity {actual} does not match the registry's {expected}")
        digests = {}
        with tarfile.open(tarball, "r:gz") as tar:
            for rel in files:
                member = tar.getmember("package/" + rel) if ("package/" + rel) in tar.getnames() else None
                if member is None or not member.isfile():
                    raise SystemExit(f"restore-libs: {library} has no file {rel}")
                data = tar.extractfile(member).read()
                target = os.path.join(ROOT, destination, rel)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target + ".tmp", "wb") as out:
                    out.write(data)
                os.replace(target + ".tmp", target)
                digests[rel] = hashlib.sha256(data).hexdigest()
    with open(stamp_path(destination), "w") as f:
        json.dump({"library": library, "integrity": expected, "files": digests}, f, indent=2)
    say(f"restored {library} ({', '.join(files)}) -> {destination}")


def main():
    with open(MANIFEST) as f:
        manifest = json.load(f)
    for lib in manifest.get("libraries", []):
        library, destination, files = lib["library"], lib["destination"], lib.get("files") or []
        if not files:
            raise SystemExit(f"restore-libs: {library} lists no files; list them so only those are restored")
        if up_to_date(library, destination, files):
            continue
        restore(library, destination, files)


if __name__ == "__main__":
    main()
