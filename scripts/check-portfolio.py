#!/usr/bin/env python3
"""Opens an exported datalab portfolio pack with the tools its readers use, and says what each made of it.

  .tools/venv/bin/python scripts/check-portfolio.py PACK.zip --inputs DIR --ranks DIR

- `sha256sum -c SHA256SUMS` in the unzipped pack;
- the dataset card's YAML front matter (the Hub's fields) and Hugging Face `datasets`, both
  `load_dataset("json", data_files=...)` and `load_dataset(<pack folder>)` through the card's `configs`;
- `mlcroissant validate` on croissant.json, and its records read with `mlcroissant.Dataset`;
- pandas on data/train.json (the book's format);
- `pipeline/pipeline.py --inputs DIR`, which must reproduce every content id, with OpenAI's tiktoken
  reading the lab's own rank files (DIR of --ranks) instead of downloading them.

Prints one JSON object (the e2e test asserts on it); exits 1 with the failing tool's output otherwise.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

# tiktoken caches a downloaded rank file under the SHA-1 of its URL: put the lab's copies there.
RANK_URLS = {
    "r50k_base.tiktoken": "https://openaipublic.blob.core.windows.net/encodings/r50k_base.tiktoken",
    "cl100k_base.tiktoken": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base.tiktoken": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}


def fail(what, detail):
    print(f"{what} failed:\n{detail}", file=sys.stderr)
    sys.exit(1)


def run(cmd, cwd=None, env=None):
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def front_matter(text):
    import yaml

    if not text.startswith("---\n"):
        fail("dataset card", "README.md does not start with YAML front matter")
    end = text.index("\n---\n", 4)
    return yaml.safe_load(text[4:end])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pack")
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--ranks", required=True)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="datalab-pack-"))
    out = {}
    try:
        with zipfile.ZipFile(args.pack) as z:
            z.extractall(work)
        out["files"] = sorted(str(p.relative_to(work)) for p in work.rglob("*") if p.is_file())

        code, text = run(["sha256sum", "-c", "SHA256SUMS"], cwd=work)
        if code:
            fail("sha256sum -c", text)
        out["sha256sum"] = text.count(": OK")

        card = front_matter((work / "README.md").read_text(encoding="utf-8"))
        out["card"] = {k: card.get(k) for k in ("license", "language", "task_categories", "size_categories",
                                               "annotations_creators", "source_datasets", "configs")}
        out["card"]["num_examples"] = card["dataset_info"]["splits"][0]["num_examples"]
        out["card"]["num_bytes"] = card["dataset_info"]["splits"][0]["num_bytes"]

        os.environ.update(HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1", HF_HOME=str(work / ".hf"))
        import datasets

        ds = datasets.load_dataset("json", data_files=str(work / "data/train.jsonl"), split="train")
        out["datasets_json"] = {"rows": ds.num_rows, "columns": ds.column_names, "first": ds[0]}
        via_card = datasets.load_dataset(str(work))
        out["datasets_card"] = {k: v.num_rows for k, v in via_card.items()}

        code, text = run([str(Path(sys.executable).parent / "mlcroissant"), "validate", "--jsonld",
                          str(work / "croissant.json")])
        if code:
            fail("mlcroissant validate", text)
        out["croissant_warnings"] = [l.strip() for l in text.splitlines() if l.strip().startswith("-")]
        import mlcroissant as mlc

        records = list(mlc.Dataset(jsonld=str(work / "croissant.json")).records("train"))
        first = {k.split("/")[-1]: v.decode("utf-8") if isinstance(v, bytes) else v for k, v in records[0].items()}
        out["croissant"] = {"records": len(records), "first": first}

        import pandas as pd

        df = pd.read_json(work / "data/train.json")
        out["pandas"] = {"rows": len(df), "columns": list(df.columns)}

        cache = work / ".tiktoken"
        cache.mkdir()
        for name, url in RANK_URLS.items():
            src = Path(args.ranks) / name
            if src.exists():
                shutil.copy(src, cache / hashlib.sha1(url.encode()).hexdigest())
        env = dict(os.environ, TIKTOKEN_CACHE_DIR=str(cache), PYTHONDONTWRITEBYTECODE="1")
        code, text = run([sys.executable, str(work / "pipeline/pipeline.py"), "--inputs", args.inputs,
                          "--out", str(work / "replayed.jsonl")], env=env)
        out["pipeline"] = {"exit": code, "output": text}
        if code == 0:
            out["pipeline"]["same_rows"] = (work / "replayed.jsonl").exists()
        print(json.dumps(out, ensure_ascii=False))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
