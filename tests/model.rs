//! The in-page model's engine (`core::model`) against llama.cpp and jinja2 on the same GGUF files.
//!
//! `scripts/model-fixtures.sh` makes small random-weight models with `scripts/make-gguf.py` (llama and
//! qwen2 layouts, GPT-2's real BPE vocabulary, F32 then Q8_0 and Q4_K_M by llama.cpp's own quantizer) and
//! records with `scripts/llama-reference.py` what llama.cpp (llama-cpp-python) tokenizes and generates
//! greedily, and what jinja2 renders from each chat template. Every entry must be reproduced exactly:
//! the same token ids for every awkward string, the same greedy token ids, the same prompt text.
//!
//! The fixtures live in `target/model-fixtures/` (or `DATALAB_MODEL_FIXTURES`); `scripts/test.sh` makes
//! them before `cargo test`. Without them this test fails and says how to make them.

use datalab::core::model::engine::{GenOptions, Model};
use datalab::core::model::template::Message;
use serde_json::Value;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    std::env::var_os("DATALAB_MODEL_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/model-fixtures"))
}

fn reference() -> Value {
    let path = fixtures().join("reference.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}\nThe model fixtures are made by llama.cpp: run `bash scripts/model-fixtures.sh` (scripts/test.sh does)",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("reference.json is JSON")
}

fn clock() -> f64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1e3
}

fn ids(v: &Value) -> Vec<u32> {
    v.as_array()
        .expect("an id list")
        .iter()
        .map(|x| x.as_u64().expect("an id") as u32)
        .collect()
}

/// candle's own x86 kernels for AVX-512 VNNI multiply Q8_0 weights with activations quantized in its own
/// way (a repacked layout), which moves logits by about 1% from llama.cpp's. The browser build (wasm
/// simd128) and AVX2 use ggml's scheme, equal to llama.cpp's: the native tests run that one, so they check
/// the arithmetic the page runs. (candle reads this switch once, before its first matmul.)
fn ggml_kernels() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::env::set_var("MISTRALRS_FORCE_AVX2", "1"));
}

fn each_model(check: impl Fn(&str, &mut Model, &Value)) {
    ggml_kernels();
    let r = reference();
    let models = r["models"].as_object().expect("models");
    assert!(
        models.len() >= 6,
        "llama and qwen2, each F32, Q8_0 and Q4_K_M: {:?}",
        models.keys()
    );
    for (name, entry) in models {
        let bytes = std::fs::read(fixtures().join(name)).expect("the model file");
        let mut model = Model::load(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        check(name, &mut model, entry);
    }
}

#[test]
fn tokenization_equals_llama_cpp() {
    each_model(|name, model, entry| {
        for case in entry["tokenize"].as_array().unwrap() {
            let text = case[0].as_str().unwrap();
            let mut ours = Vec::new();
            model.tokenizer.encode_into(text, true, &mut ours);
            assert_eq!(ours, ids(&case[1]), "{name}: tokens of {text:?}");
        }
    });
}

/// A choice llama.cpp made by less than this (top logit minus the runner-up, relative to the top logit)
/// is a near-tie: two correct engines that round and add in a different order (llama.cpp also quantizes
/// activations in its own blocked kernels) may split it either way, so the texts are compared up to the
/// first one. The test asserts that at least 40% of all tokens are compared all the same.
const NEAR_TIE: f64 = 0.005;
#[test]
fn greedy_decoding_equals_llama_cpp() {
    let compared = std::cell::Cell::new((0usize, 0usize));
    each_model(|name, model, entry| {
        for case in entry["greedy"].as_array().unwrap() {
            let prompt = case[0].as_str().unwrap();
            let theirs = ids(&case[1]);
            let margins: Vec<f64> = case[2]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_f64().unwrap())
                .collect();
            let n = theirs.len();
            let tie = margins.iter().position(|&m| m < NEAR_TIE).unwrap_or(n);
            let eog = theirs
                .iter()
                .position(|&t| model.tokenizer.is_eog(t))
                .unwrap_or(n);
            let upto = tie.min(eog);
            let opts = GenOptions {
                temperature: 0.0,
                repeat_penalty: 1.0,
                num_predict: Some(upto),
                ..GenOptions::default()
            };
            let prompt_ids = model.encode_prompt(prompt);
            let got = model
                .generate(&prompt_ids, &opts, &clock, |_| true)
                .unwrap();
            assert_eq!(
                got.generated,
                theirs[..upto],
                "{name}: greedy ids after {prompt:?}"
            );
            let (c, t) = compared.get();
            compared.set((c + upto, t + n));
        }
    });
    let (c, t) = compared.get();
    assert!(
        c * 5 >= t * 2,
        "only {c} of {t} greedy tokens were compared: too many near-ties"
    );
}

#[test]
fn chat_templates_render_as_jinja2_does() {
    each_model(|name, model, entry| {
        let Some(cases) = entry["chat"].as_array() else {
            return;
        };
        for case in cases {
            let messages: Vec<Message> = case[0]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| Message {
                    role: m["role"].as_str().unwrap().into(),
                    content: m["content"].as_str().unwrap().into(),
                })
                .collect();
            let ours = model.chat_prompt(&messages).unwrap();
            assert_eq!(
                ours,
                case[1].as_str().unwrap(),
                "{name}: prompt of {messages:?}"
            );
        }
    });
}

#[test]
fn same_seed_same_text_and_sampling_differs_by_seed() {
    each_model(|name, model, _| {
        if !name.contains("Q8_0") {
            return;
        }
        let prompt = model.encode_prompt(
            "<|im_start|>user\nTell me something.<|im_end|>\n<|im_start|>assistant\n",
        );
        let run = |model: &mut Model, seed| {
            let opts = GenOptions {
                seed,
                num_predict: Some(16),
                ..GenOptions::default()
            };
            let mut text = String::new();
            let s = model
                .generate(&prompt, &opts, &clock, |t| {
                    text.push_str(t);
                    true
                })
                .unwrap();
            (s.generated, text)
        };
        let a = run(model, 7);
        assert_eq!(a, run(model, 7), "{name}: same seed, same tokens and text");
        assert_ne!(
            a.0,
            run(model, 8).0,
            "{name}: another seed samples differently"
        );
        assert_eq!(
            a.1,
            model.tokenizer.decode(&a.0),
            "{name}: streamed text is the decoded tokens"
        );
    });
}

#[test]
fn answers_ollama_requests_in_ollamas_own_lines() {
    use datalab::core::llm::ollama::{
        parse_event, ChatRequest, GenerateRequest, Message as OMessage, Options, StreamEvent,
    };
    use datalab::core::model::serve::{answer_info, chunk_line, done_line, plan};
    each_model(|name, model, _| {
        if !name.contains("Q4_K_M") {
            return;
        }
        // Magpie's raw pre-query template, and a chat turn: the bodies the labs build.
        let raw = GenerateRequest::new("m", "<|im_start|>user\n")
            .raw(true)
            .stream(true)
            .options(Options {
                seed: Some(3),
                num_predict: Some(12),
                ..Options::default()
            });
        let chat = ChatRequest::new("m", vec![OMessage::user("Say hi")]).stream(true);
        for (path, body) in [
            ("/api/generate", raw.to_value()),
            ("/api/chat", chat.to_value()),
        ] {
            let p = plan(model, path, &body).unwrap();
            let ids = model.encode_prompt(&p.prompt);
            let mut lines = Vec::new();
            let stats = model
                .generate(&ids, &p.opts, &clock, |t| {
                    lines.push(chunk_line(&p, t, "2026-01-01T00:00:00Z"));
                    true
                })
                .unwrap();
            lines.push(done_line(&p, &stats, 0.0, "2026-01-01T00:00:00Z", None));
            let mut text = String::new();
            let mut done = None;
            for l in &lines {
                for e in parse_event(&serde_json::from_str(l).unwrap()) {
                    match e {
                        StreamEvent::Delta(t) => text.push_str(&t),
                        StreamEvent::Done(s) => done = Some(s),
                        other => panic!("{name} {path}: {other:?}"),
                    }
                }
            }
            let done = done.expect("a final line");
            assert_eq!(done.eval_count, Some(stats.generated.len() as u64));
            assert_eq!(done.prompt_eval_count, Some(ids.len() as u64));
            assert_eq!(
                text,
                model.tokenizer.decode(&stats.generated),
                "{name} {path}"
            );
        }
        let tags = answer_info(Some(model), "/api/tags").unwrap();
        assert_eq!(tags["models"][0]["details"]["quantization_level"], "Q4_K_M");
    });
}

#[test]
fn the_prompts_time_is_its_forward_pass() {
    // Ollama's prompt_eval_duration ends when the prompt's forward pass does: a clock read before the
    // pass would put the prompt's whole cost into eval_duration (and make prompt tokens/s meaningless).
    use datalab::core::model::engine::GenOptions;
    each_model(|name, model, _| {
        if !name.contains("Q8_0") {
            return;
        }
        let prompt = "The quick brown fox jumps over the lazy dog. ".repeat(24);
        let ids = model.encode_prompt(&prompt);
        let opts = GenOptions {
            temperature: 0.0,
            num_predict: Some(8),
            ..GenOptions::default()
        };
        let stats = model.generate(&ids, &opts, &clock, |_| true).unwrap();
        let per_token = stats.eval_ms / stats.generated.len().max(1) as f64;
        assert!(
            stats.prompt_ms > 0.2 * per_token,
            "{name}: {} prompt tokens took {:.3} ms, one generated token {per_token:.3} ms",
            ids.len(),
            stats.prompt_ms
        );
    });
}

#[test]
fn format_json_answers_always_parse() {
    each_model(|name, model, _| {
        if !name.contains("Q8_0") {
            return;
        }
        for seed in 0..3 {
            let opts = GenOptions {
                seed,
                json: true,
                num_predict: Some(400),
                ..GenOptions::default()
            };
            let prompt = model.encode_prompt(
                "<|im_start|>user\nRate this answer as JSON.<|im_end|>\n<|im_start|>assistant\n",
            );
            let mut text = String::new();
            let s = model
                .generate(&prompt, &opts, &clock, |t| {
                    text.push_str(t);
                    true
                })
                .unwrap();
            // A random model may run out of tokens mid-object; a finished one must parse.
            if s.done == datalab::core::model::engine::DoneReason::Stop {
                serde_json::from_str::<Value>(&text)
                    .unwrap_or_else(|e| panic!("{name} seed {seed}: {e}: {text}"));
            } else {
                assert!(text.trim_start().starts_with('{'), "{name}: {text}");
            }
        }
    });
}

/// One Q8_0 matrix times activations, against ggml's reference arithmetic written out here: activations
/// quantized in blocks of 32 (scale = max |x| / 127, stored as f16, values rounded), then exact dot
/// products. Catches a kernel that quantizes differently (see [`ggml_kernels`]).
#[test]
fn a_rubric_schema_gives_scores_the_judge_reads() {
    // The rubric lab's own request: `format` is the judge's schema. Every finished answer — even from a
    // random-weight model — is read by the lab's parser with every criterion in range.
    use datalab::core::llm::judge::{parse_scores, schema, Rubric};
    use datalab::core::llm::ollama::{ChatRequest, Message as OMessage, Options};
    use datalab::core::model::serve::plan;
    let rubric = Rubric::default();
    each_model(|name, model, _| {
        if !name.contains("Q8_0") {
            return;
        }
        let mut finished = 0;
        for seed in 0..4 {
            let body = ChatRequest::new("m", vec![OMessage::user("Score this answer.")])
                .format(schema(&rubric))
                .options(Options {
                    seed: Some(seed),
                    // The schema caps a string at 600 characters, so an answer must end within this many
                    // tokens (a random model may fill its reason with two-byte escapes such as `\/`).
                    num_predict: Some(800),
                    ..Options::default()
                })
                .to_value();
            let p = plan(model, "/api/chat", &body).unwrap();
            assert!(p.opts.schema.is_some(), "the judge's schema is followed");
            let ids = model.encode_prompt(&p.prompt);
            let mut text = String::new();
            let s = model
                .generate(&ids, &p.opts, &clock, |t| {
                    text.push_str(t);
                    true
                })
                .unwrap();
            if s.done == datalab::core::model::engine::DoneReason::Stop {
                finished += 1;
                let scores = parse_scores(&rubric, &text)
                    .unwrap_or_else(|e| panic!("{name} seed {seed}: {e}: {text}"));
                assert_eq!(scores.values.len(), rubric.criteria.len());
            } else {
                assert!(text.starts_with("{\""), "{name}: {text}");
            }
            if finished > 0 {
                break;
            }
        }
        assert!(finished > 0, "{name}: no answer finished within 800 tokens");
    });
}

#[test]
fn q8_0_matmul_is_ggmls() {
    use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
    use candle_core::{DType, Device, Module, Tensor};
    ggml_kernels();
    let dev = Device::Cpu;
    let (n, k) = (64usize, 256usize);
    let w: Vec<f32> = (0..n * k)
        .map(|i| (i * 7919 % 1000) as f32 / 500.0 - 1.0)
        .collect();
    let qt =
        QTensor::quantize(&Tensor::from_vec(w, (n, k), &dev).unwrap(), GgmlDType::Q8_0).unwrap();
    let wd: Vec<f32> = qt
        .dequantize(&dev)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap();
    let mm = QMatMul::from_qtensor(qt).unwrap();
    let f16 = |d: f32| -> f32 {
        Tensor::new(&[d], &dev)
            .unwrap()
            .to_dtype(DType::F16)
            .unwrap()
            .to_dtype(DType::F32)
            .unwrap()
            .to_vec1::<f32>()
            .unwrap()[0]
    };
    for m in [1usize, 20] {
        let x: Vec<f32> = (0..m * k)
            .map(|i| ((i * 104729 % 997) as f32 / 498.0 - 1.0) * 3.0)
            .collect();
        let got: Vec<f32> = mm
            .forward(&Tensor::from_vec(x.clone(), (m, k), &dev).unwrap())
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        for r in 0..m {
            let mut xq = x[r * k..(r + 1) * k].to_vec();
            for b in xq.chunks_mut(32) {
                let d = b.iter().fold(0f32, |a, v| a.max(v.abs())) / 127.0;
                let (id, dh) = (if d != 0.0 { 1.0 / d } else { 0.0 }, f16(d));
                b.iter_mut().for_each(|v| *v = (*v * id).round() * dh);
            }
            for c in 0..n {
                let want: f32 = wd[c * k..(c + 1) * k]
                    .iter()
                    .zip(&xq)
                    .map(|(a, b)| a * b)
                    .sum();
                let g = got[r * n + c];
                assert!(
                    (g - want).abs() < 1e-3,
                    "m={m} row {r} col {c}: {g} vs ggml's {want}"
                );
            }
        }
    }
}

#[test]
#[ignore]
fn print_first_logits() {
    each_model(|name, model, _| {
        let p = model.encode_prompt(
            "<|im_start|>user\nWrite a haiku about data.<|im_end|>\n<|im_start|>assistant\n",
        );
        let l = model.next_logits(&p).unwrap();
        let mut idx: Vec<usize> = (0..l.len()).collect();
        idx.sort_by(|&a, &b| l[b].total_cmp(&l[a]));
        println!(
            "{name} {:?}",
            idx[..5].iter().map(|&i| (i, l[i])).collect::<Vec<_>>()
        );
    });
}
