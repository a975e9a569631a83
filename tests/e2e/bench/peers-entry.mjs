// The JavaScript tokenizers the lab is benchmarked against, bundled for the page by esbuild.
import { encode as gptTokR50k } from "gpt-tokenizer/encoding/r50k_base";
import { encode as gptTokCl100k } from "gpt-tokenizer/encoding/cl100k_base";
import { Tiktoken as JsTiktoken } from "js-tiktoken/lite";
import jsR50k from "js-tiktoken/ranks/r50k_base";
import jsCl100k from "js-tiktoken/ranks/cl100k_base";
import { init as initWasm, Tiktoken as WasmTiktoken } from "tiktoken/lite/init";
import wasmR50k from "tiktoken/encoders/r50k_base.json";
import wasmCl100k from "tiktoken/encoders/cl100k_base.json";

window.benchPeers = {
  async load(wasmUrl) {
    const bytes = await (await fetch(wasmUrl)).arrayBuffer();
    await initWasm((imports) => WebAssembly.instantiate(bytes, imports));
    const jsR = new JsTiktoken(jsR50k);
    const jsC = new JsTiktoken(jsCl100k);
    const wR = new WasmTiktoken(wasmR50k.bpe_ranks, wasmR50k.special_tokens, wasmR50k.pat_str);
    const wC = new WasmTiktoken(wasmCl100k.bpe_ranks, wasmCl100k.special_tokens, wasmCl100k.pat_str);
    return {
      "gpt-tokenizer": { gpt2: (t) => gptTokR50k(t), cl100k_base: (t) => gptTokCl100k(t) },
      "js-tiktoken": { gpt2: (t) => jsR.encode(t), cl100k_base: (t) => jsC.encode(t) },
      "tiktoken (WASM)": { gpt2: (t) => wR.encode_ordinary(t), cl100k_base: (t) => wC.encode_ordinary(t) },
    };
  },
};
