#!/usr/bin/env python3
"""The native peer of the in-page model's benchmark (issue #20, tests/e2e/bench/model-bench.mjs): llama.cpp
(llama-cpp-python, built from PyPI) on ONE thread, on the same GGUF file and the same raw prompt as the page.

It measures what the page's engine does for one `/api/generate` call with `num_predict = N`, `temperature = 0`:

* prompt processing: the whole prompt in one batch (one `llama_decode`) and the choice of the first token;
* generation: the N - 1 further single-token decodes, each followed by the greedy choice (argmax) — N tokens
  generated in all, the first of them from the prompt's logits. End-of-turn tokens do not stop it (random
  weights; the page must generate N too, and the harness checks that it did).

The prompt is tokenized by llama.cpp with the file's own tokenizer, special tokens parsed and BOS added only
if the file asks for it (`tokenizer.ggml.add_bos_token`), as the engine's `encode_prompt` does. A warm-up run
comes first; then `--reps` runs, each from an empty KV cache; tokens/s are the medians. llama.cpp's own
counters (`llama_perf_context`) are reported beside the Python clock's.

llama.cpp's repacked CPU weight layouts (`use_extra_bufts`) are off: llama-cpp-python 0.3.36 crashes with them
on Q8_0 and Q4_K on this lab's machines (see scripts/llama-reference.py). They would be faster on AVX-512/AMX,
so the ratio against the peer is somewhat flattering to the page. KV cache and attention are llama.cpp's
defaults through llama-cpp-python (F16 cache, no flash attention).

  model-bench-native.py MODEL.gguf --prompt TEXT [--n-predict 64] [--reps 3]   → one JSON object on stdout
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

try:
    import llama_cpp
    import numpy as np
except ImportError as e:  # pragma: no cover
    sys.exit(f"model-bench-native: {e.name} is missing: scripts/setup.sh --browser installs it into .tools/model-venv")


@llama_cpp.llama_log_callback
def _quiet(level, text, user_data):  # noqa: ARG001
    """llama.cpp's log, silenced (kept at module level: llama.cpp calls it until the model is freed)."""


def open_model(path: Path, n_ctx: int):
    """llama.cpp on one thread (prompt batches too), without the repacked CPU weight layouts."""
    default = llama_cpp.llama_model_default_params

    def plain():
        p = default()
        p.use_extra_bufts = False
        return p

    llama_cpp.llama_cpp.llama_model_default_params = plain
    llama_cpp.llama.llama_cpp.llama_model_default_params = plain
    try:
        return llama_cpp.Llama(
            str(path), n_ctx=n_ctx, n_threads=1, n_threads_batch=1, n_batch=512, n_ubatch=512, verbose=False
        )
    finally:
        llama_cpp.llama_cpp.llama_model_default_params = default
        llama_cpp.llama.llama_cpp.llama_model_default_params = default


def argmax(llm) -> int:
    logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),))
    return int(np.argmax(logits))


def run(llm, ids: list[int], n_predict: int) -> dict:
    """One call: prompt, then n_predict tokens (greedy), from an empty KV cache."""
    llm.reset()
    llama_cpp.llama_perf_context_reset(llm.ctx)
    t0 = time.perf_counter()
    llm.eval(ids)  # clears the cache past position 0 first, then one batch (n_batch 512)
    tok = argmax(llm)
    t1 = time.perf_counter()
    out = [tok]
    for _ in range(n_predict - 1):
        llm.eval([tok])
        tok = argmax(llm)
        out.append(tok)
    t2 = time.perf_counter()
    perf = llama_cpp.llama_perf_context(llm.ctx)
    eog = [i for i, t in enumerate(out) if llama_cpp.llama_vocab_is_eog(llm._model.vocab, t)]
    return {
        "pp_ms": (t1 - t0) * 1e3,
        "tg_ms": (t2 - t1) * 1e3,
        "tokens": out,
        "eog_at": eog,
        "llama_perf": {
            "p_eval_ms": perf.t_p_eval_ms,
            "n_p_eval": perf.n_p_eval,
            "eval_ms": perf.t_eval_ms,
            "n_eval": perf.n_eval,
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("--prompt", required=True, help="the raw prompt (as sent with raw: true)")
    ap.add_argument("--n-predict", type=int, default=64)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    if a.n_predict < 2:
        sys.exit("model-bench-native: --n-predict must be at least 2")

    llama_cpp.llama_log_set(_quiet, None)
    t = time.perf_counter()
    # add_bos=True asks llama.cpp to add BOS only if the vocabulary says so (add_bos_token), as the engine does.
    probe = open_model(a.model, 512)
    ids = probe.tokenize(a.prompt.encode(), add_bos=True, special=True)
    del probe
    llm = open_model(a.model, max(512, len(ids) + a.n_predict + 16))
    load_s = time.perf_counter() - t
    run(llm, ids, a.n_predict)  # warm-up
    runs = [run(llm, ids, a.n_predict) for _ in range(a.reps)]
    pp = [len(ids) / (r["pp_ms"] / 1e3) for r in runs]
    tg = [(a.n_predict - 1) / (r["tg_ms"] / 1e3) for r in runs]
    last = runs[-1]
    json.dump(
        {
            "file": a.model.name,
            "llama_cpp_python": llama_cpp.__version__,
            "threads": 1,
            "use_extra_bufts": False,
            "load_s": round(load_s, 3),
            "prompt_tokens": len(ids),
            "prompt_ids_head": ids[:8],
            "generated": len(last["tokens"]),
            "eog_at": last["eog_at"],
            "pp_tok_s": statistics.median(pp),
            "tg_tok_s": statistics.median(tg),
            "pp_tok_s_runs": [round(x, 2) for x in pp],
            "tg_tok_s_runs": [round(x, 2) for x in tg],
            "llama_perf_last": last["llama_perf"],
        },
        sys.stdout,
    )
    print()
    del llm


if __name__ == "__main__":
    main()
