#!/usr/bin/env python3
"""What llama.cpp and jinja2 make of the test models, for the in-page model's native tests (tests/model.rs).

For each GGUF file given, llama.cpp (through llama-cpp-python, built from PyPI) records:
* the token ids of a set of awkward strings (tokenize with special tokens parsed, no BOS added), and
* the token ids of greedy decoding (temperature 0, no repeat penalty) after fixed prompts, on one thread;
and Python's jinja2 renders the file's chat template for a few conversations the way transformers does
(`trim_blocks`, `lstrip_blocks`, the loop-controls extension). Everything goes to one JSON file; the Rust
tests must reproduce each entry exactly.

  llama-reference.py --out reference.json model-a.gguf model-b.gguf …
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

try:
    import jinja2
    import jinja2.ext
    import jinja2.sandbox
    import llama_cpp
    import numpy as np
    from gguf import GGUFReader
except ImportError as e:  # pragma: no cover
    sys.exit(f"llama-reference: {e.name} is missing: scripts/setup.sh --browser installs it into .tools/model-venv")

AWKWARD = [
    "Hello world",
    "  leading spaces and trailing  ",
    "tabs\tand\nnew\n\nlines\r\n",
    "numbers 1234567 and 3.14159, 2025-05-25",
    "don't I'LL we've THEY'RE o'clock",
    "émigré café naïve — “quotes” ‘single’",
    "日本語のテキスト、中文文本，한국어 텍스트",
    "emoji 🙂👍🏽 and 🇩🇪 flags",
    "code: fn main() { println!(\"{}\", x + 1); }",
    "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
    "a<|im_end|>b <|endoftext|>",
    "    \n\n   \t  ",
    "ſ's and 'S and ’s",
    "x" * 300,
    "1 2 3  4   5",
    "mixed١٢٣ digits ⅷ ²",
]

PROMPTS = [
    "<|im_start|>user\nWrite a haiku about data.<|im_end|>\n<|im_start|>assistant\n",
    "The quick brown fox",
    "<|im_start|>user\n",
]

CONVERSATIONS = [
    [{"role": "user", "content": "What is a tokenizer?"}],
    [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": " Two  spaces "},
        {"role": "assistant", "content": "Fine."},
        {"role": "user", "content": "Again"},
    ],
]

N_GREEDY = 24


def render(template: str, messages, add_generation_prompt: bool, bos: str, eos: str) -> str:
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols]
    )

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    env.globals["raise_exception"] = raise_exception
    return env.from_string(template).render(
        messages=messages, add_generation_prompt=add_generation_prompt, bos_token=bos, eos_token=eos
    )


def open_model(path: Path):
    """llama.cpp on one thread, without its repacked CPU weight layouts (`use_extra_bufts`): on this lab's
    build machines (AVX-512/AMX) llama-cpp-python 0.3.36 crashes decoding Q8_0 and Q4_K with them; the
    plain layouts compute the same quantized dot products."""
    default = llama_cpp.llama_model_default_params

    def plain():
        p = default()
        p.use_extra_bufts = False
        return p

    llama_cpp.llama_cpp.llama_model_default_params = plain
    llama_cpp.llama.llama_cpp.llama_model_default_params = plain
    try:
        # An F32 key/value cache (llama.cpp's default is F16): the engine keeps F32, and the comparison is
        # of the model, not of the cache's rounding.
        return llama_cpp.Llama(
            str(path), n_ctx=1024, n_threads=1, n_batch=512, verbose=False, type_k=0, type_v=0, flash_attn=False
        )
    finally:
        llama_cpp.llama_cpp.llama_model_default_params = default
        llama_cpp.llama.llama_cpp.llama_model_default_params = default


def greedy(path: Path, prompt: str) -> tuple[list[int], list[float]]:
    """Greedy decoding from a fresh context: the argmax of the last logits, token by token, and the margin
    of each choice (top logit minus the runner-up, relative to the top logit). Every token is kept, end-of-turn tokens included (the
    test compares up to the first one the engine stops at, and up to the first near-tie: two engines that
    add in a different order may split a tie either way, and after that their texts differ by design)."""
    llm = open_model(path)
    ids = llm.tokenize(prompt.encode(), add_bos=False, special=True)
    llm.eval(ids)
    out, margins = [], []
    for _ in range(N_GREEDY):
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),))
        top2 = np.sort(np.partition(logits, -2)[-2:])
        tok = int(np.argmax(logits))
        out.append(tok)
        # Relative to the top logit's size: the engines' rounding errors grow with the logits.
        margins.append(round(float((top2[1] - top2[0]) / max(1.0, abs(top2[1]))), 6))
        llm.eval([tok])
    return out, margins


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("models", type=Path, nargs="+")
    a = ap.parse_args()
    result = {"llama_cpp_python": llama_cpp.__version__, "jinja2": jinja2.__version__, "models": {}}
    for path in a.models:
        llm = open_model(path)
        entry = {
            "tokenize": [[s, llm.tokenize(s.encode(), add_bos=False, special=True)] for s in AWKWARD],
            "greedy": [[p, *greedy(path, p)] for p in PROMPTS],
        }
        fields = GGUFReader(str(path)).fields
        tmpl = fields.get("tokenizer.chat_template")
        if tmpl is not None:
            tokens = fields["tokenizer.ggml.tokens"].contents()
            bos = tokens[fields["tokenizer.ggml.bos_token_id"].contents()]
            eos = tokens[fields["tokenizer.ggml.eos_token_id"].contents()]
            template = tmpl.contents()
            entry["chat"] = [[c, render(template, c, True, bos, eos)] for c in CONVERSATIONS]
        result["models"][path.name] = entry
        del llm
        print(f"llama-reference: {path.name}: {len(entry['tokenize'])} strings, {len(entry['greedy'])} prompts")
    a.out.write_text(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
