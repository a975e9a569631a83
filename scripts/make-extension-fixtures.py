#!/usr/bin/env python3
"""Writes tests/fixtures/extension.json: how OpenAI's Python tiktoken encodes a test text with the extended
GPT-2 tokenizers that the lab exports (one per mode), built from the exported .tiktoken file and special
tokens alone. The Rust test then checks the lab gives the same ids and that its export is unchanged.

Run: pip install tiktoken==0.14.0 && python3 scripts/make-extension-fixtures.py
"""
import hashlib
import json
import os
import subprocess

import tiktoken
from tiktoken.load import load_tiktoken_bpe

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPORTS = os.path.join(ROOT, "target", "extension-fixture")
# GPT-2's split pattern, as tiktoken defines it (tiktoken_ext.openai_public.r50k_pat_str).
from tiktoken_ext.openai_public import r50k_pat_str  # noqa: E402

subprocess.check_call(
    ["cargo", "test", "--quiet", "--test", "extend_vs_tiktoken", "write_extension_exports", "--", "--ignored", "--exact"],
    cwd=ROOT,
)

with open(os.path.join(EXPORTS, "text.txt"), encoding="utf-8", newline="") as f:
    text = f.read()
out = {"tiktoken_version": tiktoken.__version__, "text": text}
for name in ["merges", "added"]:
    path = os.path.join(EXPORTS, f"{name}.tiktoken")
    with open(path, "rb") as f:
        data = f.read()
    with open(os.path.join(EXPORTS, f"{name}.specials.json"), encoding="utf-8") as f:
        specials = json.load(f)
    with open(os.path.join(EXPORTS, f"{name}.manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    enc = tiktoken.Encoding(
        name=f"gpt2-{name}",
        pat_str=r50k_pat_str,
        mergeable_ranks=load_tiktoken_bpe(path),
        special_tokens=specials,
    )
    out[name] = {
        "version_id": manifest["id"],
        "tiktoken_sha256": hashlib.sha256(data).hexdigest(),
        "n_vocab": enc.n_vocab,
        "ids": enc.encode(text, allowed_special="all"),
    }
    print(f"{name}: {len(out[name]['ids'])} tokens, n_vocab {enc.n_vocab}")

with open(os.path.join(ROOT, "tests", "fixtures", "extension.json"), "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False)
    f.write("\n")
