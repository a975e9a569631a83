#!/usr/bin/env python3
"""Writes models.json for a folder of GGUF files, so the lab's "In this page" panel can list them.

    python3 scripts/models-listing.py models/

Each entry has the file name, its size in bytes and its SHA-256 (the page checks every download against
it and shows it beside the kept model, so students can compare it with `sha256sum`). Files that do not
start with the GGUF magic are skipped with a warning. Python's standard library only.
"""
import hashlib
import json
import os
import sys


def entry(folder, name):
    path = os.path.join(folder, name)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        if f.read(4) != b"GGUF":
            return None
        f.seek(0)
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return {"file": name, "size": os.path.getsize(path), "sha256": h.hexdigest()}


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: python3 scripts/models-listing.py <folder with .gguf files>")
    folder = sys.argv[1]
    models = []
    for name in sorted(os.listdir(folder)):
        if not name.lower().endswith(".gguf"):
            continue
        e = entry(folder, name)
        if e is None:
            print(f"skipped {name}: it does not start with 'GGUF'", file=sys.stderr)
            continue
        models.append(e)
        print(f"{name}: {e['size'] / 1e6:.0f} MB, sha256 {e['sha256']}")
    if not models:
        sys.exit(f"no GGUF files in {folder}: put the .gguf models there first")
    out = os.path.join(folder, "models.json")
    with open(out, "w") as f:
        json.dump(models, f, indent=2)
        f.write("\n")
    print(f"wrote {out} ({len(models)} model(s))")


if __name__ == "__main__":
    main()
