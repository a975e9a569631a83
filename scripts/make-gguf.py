#!/usr/bin/env python3
"""Makes small random-weight GGUF models for testing and benchmarking the in-page model (issue #20).

No model weights can be downloaded on the lab's build machines, and a test must not depend on a hub. So the
models are made here, with the `gguf` package (llama.cpp's own writer), in the two layouts the lab supports:

* `llama`  — as SmolLM2-135M/360M-Instruct: tied embeddings, no biases, the "smollm" pre-tokenizer;
* `qwen2`  — as Qwen2.5-0.5B-Instruct: q/k/v biases, rope base 1e6, the "qwen2" pre-tokenizer.

The vocabulary is real: GPT-2's byte-level BPE (its 50,256 tokens and the merges recovered from their ranks),
cut or padded to the shape's vocabulary size, with ChatML's special tokens. The chat template is our own
ChatML template (the qwen2 one adds a default system message, so a conditional is exercised). Weights are
random (seeded), in F32; `--quantize` then makes Q8_0 and Q4_K_M files with llama.cpp's own quantizer
(llama-cpp-python), so the quantized files are exactly what llama.cpp would make.

  make-gguf.py --ranks r50k_base.tiktoken --shape tiny-llama --out DIR [--quantize]

Shapes: tiny-llama, tiny-qwen2 (tests: 2 layers, width 256), tiny-q5 (width 192: Q4_K_M falls back to Q5_0), fuzz-llama,
fuzz-qwen2 (the fuzzer's seeds: width 32, vocabulary 320), smollm2-135m, qwen2.5-0.5b (benchmarks: the real
models' shapes). Output: DIR/<shape>-F32.gguf (and -Q8_0, -Q4_K_M), deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import base64
import sys
from pathlib import Path

import numpy as np

try:
    import gguf
except ImportError:  # pragma: no cover - a message instead of a traceback
    sys.exit("make-gguf: the 'gguf' package is missing: scripts/setup.sh --browser installs it into .tools/model-venv")

SHAPES = {
    # name: (arch, hidden, layers, heads, kv_heads, ffn, vocab, rope_base, context)
    "tiny-llama": ("llama", 256, 2, 4, 2, 512, 50_304, 10_000.0, 2048),
    "tiny-qwen2": ("qwen2", 256, 2, 4, 2, 512, 50_304, 1_000_000.0, 2048),
    # Width 192: not a multiple of 256, so llama.cpp's Q4_K_M stores these rows as Q5_0, as it does for
    # SmolLM2 (576) and Qwen2.5-0.5B (896); the engine widens Q5_0 to Q8_0 (src/core/model/widen.rs).
    "tiny-q5": ("qwen2", 192, 2, 4, 2, 384, 50_304, 1_000_000.0, 2048),
    "smollm2-135m": ("llama", 576, 30, 9, 3, 1536, 49_152, 100_000.0, 8192),
    "qwen2.5-0.5b": ("qwen2", 896, 24, 14, 2, 4864, 151_936, 1_000_000.0, 32768),
    # tiny-llama that ends its turns: for the browser tests, which need answers that finish.
    "tiny-chat": ("llama", 256, 2, 4, 2, 512, 50_304, 10_000.0, 2048),
    # The fuzzer's seeds (fuzz/corpus/gguf): whole, valid models of a few tens of KB, so mutations reach
    # every part of the loader (header, metadata, tokenizer, template, tensor table, tensor data).
    "fuzz-llama": ("llama", 32, 1, 2, 1, 64, 320, 10_000.0, 64),
    "fuzz-qwen2": ("qwen2", 32, 1, 2, 1, 64, 320, 1_000_000.0, 64),
}

# tiny-chat: how strongly every position leans towards <|im_end|> (see `write`): with 43, answers
# sampled at temperature 0.8 end after 14 to 43 tokens (llama.cpp, seeds 0-11); 40 runs on past 80
# tokens, 50 ends after 3.
END_LEAN = 43.0

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

CHATML = (
    "{%- for message in messages -%}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}"
)
CHATML_SYSTEM = (
    "{%- if not messages or messages[0]['role'] != 'system' -%}"
    "{{- '<|im_start|>system\\nYou are a careful assistant.<|im_end|>\\n' -}}"
    "{%- endif -%}" + CHATML
)


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's map from bytes to printable characters, as byte-level BPE vocabularies store tokens."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def read_ranks(path: Path) -> list[bytes]:
    """The tokens of a .tiktoken file, in rank order."""
    out: dict[int, bytes] = {}
    for line in path.read_text().splitlines():
        if line:
            tok, rank = line.split()
            out[int(rank)] = base64.b64decode(tok)
    return [out[r] for r in range(len(out))]


def recover_merges(tokens: list[bytes]) -> list[tuple[bytes, bytes]]:
    """The merge list of a rank-ordered byte-level BPE: the pair each multi-byte token is merged from is found
    by running BPE on the token's bytes with only the ranks below its own (the usual tiktoken → HF conversion)."""
    rank = {t: i for i, t in enumerate(tokens)}
    merges = []
    for r, tok in enumerate(tokens):
        if len(tok) == 1:
            continue
        parts = [bytes([b]) for b in tok]
        while len(parts) > 2:
            best = None
            for i in range(len(parts) - 1):
                m = rank.get(parts[i] + parts[i + 1])
                if m is not None and m < r and (best is None or m < best[0]):
                    best = (m, i)
            if best is None:
                break
            i = best[1]
            parts = parts[:i] + [parts[i] + parts[i + 1]] + parts[i + 2 :]
        if len(parts) == 2:
            merges.append((parts[0], parts[1]))
    return merges


def vocabulary(ranks: list[bytes], size: int):
    """Token strings, types and merges for a vocabulary of `size`: GPT-2's tokens (cut to fit), the specials,
    then reserved tokens up to `size`."""
    normal = ranks[: size - len(SPECIALS)]
    b2u = bytes_to_unicode()
    enc = lambda b: "".join(b2u[x] for x in b)  # noqa: E731
    kept = set(normal)
    merges = [f"{enc(a)} {enc(b)}" for a, b in recover_merges(normal) if a + b in kept]
    tokens = [enc(t) for t in normal] + SPECIALS
    types = [gguf.TokenType.NORMAL] * len(normal) + [gguf.TokenType.CONTROL] * len(SPECIALS)
    while len(tokens) < size:
        tokens.append(f"<|reserved_{len(tokens)}|>")
        types.append(gguf.TokenType.CONTROL)
    return tokens, types, merges, len(normal)


def write(shape: str, ranks: list[bytes], out: Path, seed: int) -> Path:
    arch, d, layers, heads, kv, ffn, vocab, rope, ctx = SHAPES[shape]
    rng = np.random.default_rng(seed)
    tokens, types, merges, n_normal = vocabulary(ranks, vocab)
    path = out / f"{shape}-F32.gguf"
    w = gguf.GGUFWriter(str(path), arch)
    w.add_name(f"datalab random {shape}")
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_context_length(ctx)
    w.add_embedding_length(d)
    w.add_block_count(layers)
    w.add_feed_forward_length(ffn)
    w.add_head_count(heads)
    w.add_head_count_kv(kv)
    w.add_rope_freq_base(rope)
    w.add_rope_dimension_count(d // heads)
    w.add_layer_norm_rms_eps(1e-5 if arch == "llama" else 1e-6)
    w.add_vocab_size(vocab)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("smollm" if arch == "llama" else "qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    eot, im_end = n_normal, n_normal + 2
    w.add_bos_token_id(eot)
    w.add_eos_token_id(im_end)
    w.add_add_bos_token(False)
    w.add_chat_template(CHATML if arch == "llama" else CHATML_SYSTEM)

    chat = shape == "tiny-chat"

    def t(name: str, *shape_: int, scale: float | None = None) -> None:
        fan_in = shape_[-1]
        s = scale if scale is not None else 1.0 / np.sqrt(fan_in)
        a = (rng.standard_normal(shape_, dtype=np.float32) * s).astype(np.float32)
        if chat and name == "token_embd.weight":
            a[:, 0] = 4.0  # the constant dimension (see END_LEAN)
        if chat and (name.endswith("attn_output.weight") or name.endswith("ffn_down.weight")):
            a[0, :] = 0.0  # no layer writes to it
        w.add_tensor(name, a)

    hd = d // heads
    # Unit-scale embeddings, so each token moves the residual stream as much as a layer does.
    t("token_embd.weight", vocab, d, scale=1.0)
    for i in range(layers):
        w.add_tensor(f"blk.{i}.attn_norm.weight", (1.0 + 0.1 * rng.standard_normal(d)).astype(np.float32))
        t(f"blk.{i}.attn_q.weight", heads * hd, d)
        t(f"blk.{i}.attn_k.weight", kv * hd, d)
        t(f"blk.{i}.attn_v.weight", kv * hd, d)
        if arch == "qwen2":
            t(f"blk.{i}.attn_q.bias", heads * hd, scale=0.1)
            t(f"blk.{i}.attn_k.bias", kv * hd, scale=0.1)
            t(f"blk.{i}.attn_v.bias", kv * hd, scale=0.1)
        t(f"blk.{i}.attn_output.weight", d, heads * hd)
        w.add_tensor(f"blk.{i}.ffn_norm.weight", (1.0 + 0.1 * rng.standard_normal(d)).astype(np.float32))
        t(f"blk.{i}.ffn_gate.weight", ffn, d)
        t(f"blk.{i}.ffn_up.weight", ffn, d)
        t(f"blk.{i}.ffn_down.weight", d, ffn)
    w.add_tensor("output_norm.weight", np.ones(d, dtype=np.float32))
    if shape.startswith("tiny"):
        # The test models have their own output layer with a wide spread of logits, so greedy decoding
        # follows the input and is never decided by rounding (tied random embeddings make a model that
        # repeats one token). The benchmark shapes tie their embeddings, as SmolLM2 and Qwen2.5-0.5B do.
        # Row norms vary (log-normal), so a few tokens lead each choice by a clear margin.
        rows = rng.standard_normal((vocab, d), dtype=np.float32) * 0.5 / np.sqrt(d) * 16
        rows *= np.exp(0.6 * rng.standard_normal((vocab, 1))).astype(np.float32)
        if shape == "tiny-chat":
            # One dimension of the residual stream is a constant the layers never write to; only
            # <|im_end|>'s output row reads it. So every position leans the same amount towards ending
            # the turn, and sampled answers end after a few tokens, as a real chat model's do.
            rows[:, 0] = 0.0
            rows[im_end, 0] = END_LEAN
        w.add_tensor("output.weight", rows.astype(np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


_QUIET = None


def _quiet_logs() -> None:
    """llama.cpp's quantizer logs every tensor; the script says what it made instead."""
    global _QUIET
    import llama_cpp

    @llama_cpp.llama_log_callback
    def quiet(level, text, user_data):  # noqa: ARG001
        pass

    _QUIET = quiet


def quantize(src: Path, kind: str) -> Path:
    """`src` quantized by llama.cpp's own quantizer (llama-cpp-python's binding of llama_model_quantize)."""
    try:
        import llama_cpp
    except ImportError:
        sys.exit("make-gguf: --quantize needs llama-cpp-python: scripts/setup.sh --browser installs it into .tools/model-venv")
    if _QUIET is None:
        _quiet_logs()
    llama_cpp.llama_log_set(_QUIET, None)
    ftype = {"Q8_0": llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0, "Q4_K_M": llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_M}[kind]
    dst = src.with_name(src.name.replace("-F32", f"-{kind}"))
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    params.nthread = 1
    rc = llama_cpp.llama_model_quantize(str(src).encode(), str(dst).encode(), params)
    if rc != 0:
        sys.exit(f"make-gguf: llama.cpp could not quantize {src} to {kind} (code {rc})")
    return dst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ranks", type=Path, required=True, help="GPT-2's r50k_base.tiktoken")
    ap.add_argument("--shape", choices=sorted(SHAPES), action="append", required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--quantize", action="store_true", help="also make Q8_0 and Q4_K_M files")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    ranks = read_ranks(a.ranks)
    for shape in a.shape:
        f32 = write(shape, ranks, a.out, a.seed)
        print(f"make-gguf: {f32} ({f32.stat().st_size / 1e6:.1f} MB)")
        if a.quantize:
            for kind in ("Q8_0", "Q4_K_M"):
                q = quantize(f32, kind)
                print(f"make-gguf: {q} ({q.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
