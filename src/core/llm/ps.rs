//! Whether the model is in memory, from Ollama's `/api/ps`. A shared server unloads a model after a few idle
//! minutes, and the next request first loads it — tens of seconds on a laptop, longer while thirty students
//! queue behind it. A long wait then is not an error, and the page says so instead of leaving a student
//! to guess.

use serde_json::Value;

/// Lists the models loaded in memory.
pub const PS_PATH: &str = "/api/ps";

/// One loaded model.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub name: String,
    /// Bytes of the model in GPU memory (0: it runs on the CPU).
    pub size_vram: u64,
    pub size: u64,
}

/// The models `/api/ps` lists (an unexpected answer reads as none).
pub fn parse_ps(v: &Value) -> Vec<Loaded> {
    v.get("models")
        .and_then(Value::as_array)
        .map(|ms| {
            ms.iter()
                .filter_map(|m| {
                    Some(Loaded {
                        name: m
                            .get("name")
                            .or_else(|| m.get("model"))?
                            .as_str()?
                            .to_string(),
                        size_vram: m.get("size_vram").and_then(Value::as_u64).unwrap_or(0),
                        size: m.get("size").and_then(Value::as_u64).unwrap_or(0),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `llama3.2` and `llama3.2:latest` name the same model.
fn same_model(a: &str, b: &str) -> bool {
    let full = |s: &str| {
        if s.contains(':') {
            s.to_string()
        } else {
            format!("{s}:latest")
        }
    };
    full(a) == full(b)
}

/// The status line for `model`: loaded (where), or not yet and what that means for the wait.
pub fn loaded_line(model: &str, loaded: &[Loaded]) -> (bool, String) {
    let gb = |b: u64| b as f64 / 1e9;
    match loaded.iter().find(|l| same_model(&l.name, model)) {
        Some(l) if l.size_vram > 0 => (
            true,
            format!("{model} is loaded ({:.1} GB, on the GPU): answers start at once unless the queue is long.", gb(l.size)),
        ),
        Some(l) => (
            true,
            format!("{model} is loaded ({:.1} GB, on the CPU): answers come slowly but steadily.", gb(l.size)),
        ),
        None => (
            false,
            format!("{model} is not loaded yet: the first request loads it into memory, which takes from seconds to over a minute (longer on a shared server) — waiting is normal, not an error."),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_ps_and_says_whether_the_model_is_loaded() {
        let v = json!({"models": [{"name": "llama3.2:latest", "model": "llama3.2:latest", "size": 3_100_000_000u64,
            "size_vram": 3_100_000_000u64, "expires_at": "2026-12-03T10:05:00Z"}]});
        let ps = parse_ps(&v);
        assert_eq!(ps.len(), 1);
        let (yes, line) = loaded_line("llama3.2", &ps);
        assert!(
            yes && line.contains("3.1 GB") && line.contains("GPU"),
            "{line}"
        );
        let (no, line) = loaded_line("qwen2.5:0.5b", &ps);
        assert!(!no && line.contains("not loaded yet"), "{line}");
        assert!(parse_ps(&json!({"error": "x"})).is_empty());
        let cpu = parse_ps(&json!({"models": [{"name": "a:1b", "size": 1}]}));
        assert!(loaded_line("a:1b", &cpu).1.contains("CPU"));
    }
}
