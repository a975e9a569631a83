//! The model's chat template (`tokenizer.chat_template`), rendered as Hugging Face renders it: Jinja with
//! `trim_blocks` and `lstrip_blocks`, the `raise_exception` helper and Python's string methods
//! (`.strip()`, `.startswith()` …), by `minijinja`. A template is data written for Python's `jinja2`, so the
//! prompt the model sees must be byte for byte what `apply_chat_template` makes, or the model is being
//! asked something slightly different from what it was trained on.

use minijinja::{context, Environment, Error, ErrorKind, Value};

/// One chat message, as the labs send them to Ollama's `/api/chat`.
pub use crate::core::llm::ollama::Message;

/// Whether the template assigns a namespace (or a name bound to one) to a namespace's attribute:
/// `{% set ns.x = ns %}`, `{% set ns.x = [ns] %}`, `{% set ns.x = other_ns %}`. That makes a value that
/// contains itself, and minijinja prints one — in `{{ }}`, with `~`, through filters — by recursing until the
/// stack runs out (found by fuzzing; Jinja2 prints `{...}`). No real chat template does it (they store
/// flags, counters and strings), so such a template is refused when read. Reading `ns.x` is fine.
fn stores_a_namespace_in_a_namespace(src: &str) -> bool {
    let statements: Vec<&str> = src
        .split("{%")
        .skip(1)
        .filter_map(|s| s.split("%}").next())
        .map(|s| s.trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace()))
        .collect();
    let assignment = |st: &str| -> Option<(String, String)> {
        let rest = st.strip_prefix("set")?;
        if !rest.starts_with(char::is_whitespace) {
            return None;
        }
        let (target, value) = rest.split_once('=')?;
        (!value.starts_with('=')).then(|| (target.trim().to_string(), value.trim().to_string()))
    };
    // Names bound to namespaces, directly or through another name, to a fixed point.
    let mut spaces: Vec<String> = Vec::new();
    loop {
        let before = spaces.len();
        for (target, value) in statements.iter().filter_map(|s| assignment(s)) {
            let bound = value.starts_with("namespace(") || spaces.contains(&value);
            if bound && !target.contains('.') && !spaces.contains(&target) {
                spaces.push(target);
            }
        }
        if spaces.len() == before {
            break;
        }
    }
    statements
        .iter()
        .filter_map(|s| assignment(s))
        .filter(|(target, _)| target.contains('.'))
        .any(|(_, value)| {
            bare_names(&value)
                .iter()
                .any(|n| spaces.iter().any(|s| s == n))
        })
}

/// The names an expression uses as values: identifiers outside string literals that are not an
/// attribute (`.x`) and not followed by an access (`ns.x`, `ns[…]`, `f(…)`).
fn bare_names(expr: &str) -> Vec<&str> {
    let b = expr.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut quote) = (0, None::<u8>);
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 1;
            } else if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        if c == b'\'' || c == b'"' {
            quote = Some(c);
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let before = expr[..start].trim_end().as_bytes().last().copied();
            let after = expr[i..].trim_start().as_bytes().first().copied();
            if before != Some(b'.') && !matches!(after, Some(b'.' | b'[' | b'(')) {
                out.push(&expr[start..i]);
            }
            continue;
        }
        i += 1;
    }
    out
}

/// A compiled chat template.
pub struct ChatTemplate {
    env: Environment<'static>,
}

impl std::fmt::Debug for ChatTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChatTemplate")
    }
}

fn raise_exception(msg: String) -> Result<String, Error> {
    Err(Error::new(ErrorKind::InvalidOperation, msg))
}

impl ChatTemplate {
    /// Compiles `source`; a template the engine cannot parse is named with the reason.
    pub fn new(source: &str) -> Result<ChatTemplate, String> {
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .expect("the default delimiters are valid"),
        );
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function("raise_exception", raise_exception);
        if stores_a_namespace_in_a_namespace(source) {
            return Err("the model's chat template stores a namespace inside a namespace, which the engine cannot print; use raw mode, or a model file with a standard template".into());
        }
        env.add_template_owned("chat", source.to_string())
            .map_err(|e| {
                format!("the model's chat template cannot be read ({e}); use raw mode, or a model file with a standard template")
            })?;
        Ok(ChatTemplate { env })
    }

    /// The prompt for `messages`; with `add_generation_prompt`, ending where the assistant's answer starts.
    pub fn render(
        &self,
        messages: &[Message],
        add_generation_prompt: bool,
        bos_token: &str,
        eos_token: &str,
    ) -> Result<String, String> {
        let t = self.env.get_template("chat").map_err(|e| e.to_string())?;
        t.render(context! {
            messages => messages.iter().map(|m| Value::from(std::collections::BTreeMap::from([
                ("role", Value::from(m.role.as_str())),
                ("content", Value::from(m.content.as_str())),
            ]))).collect::<Vec<Value>>(),
            add_generation_prompt => add_generation_prompt,
            bos_token => bos_token,
            eos_token => eos_token,
        })
        .map_err(|e| format!("the model's chat template failed on these messages: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(role: &str, content: &str) -> Message {
        Message {
            role: role.into(),
            content: content.into(),
        }
    }

    #[test]
    fn chatml_with_blocks_trimmed_as_transformers_does() {
        let src = "{% for message in messages %}\n  {{ '<|im_start|>' + message['role'] + '\\n' + message['content'].strip() + '<|im_end|>\\n' }}\n{% endfor %}\n{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
        let t = ChatTemplate::new(src).unwrap();
        let out = t.render(&[m("user", " Hi ")], true, "", "").unwrap();
        // What jinja2 3.1.6 renders (trim_blocks, lstrip_blocks): the indented `{{ }}` line keeps its
        // indent and its newline; the block lines vanish.
        assert_eq!(
            out,
            "  <|im_start|>user\nHi<|im_end|>\n\n<|im_start|>assistant\n"
        );
    }

    #[test]
    fn a_namespace_stored_in_itself_is_refused_not_a_stack_overflow() {
        // Found by fuzzing: printing such a value recursed until the stack ran out.
        for src in [
            "{% set ns = namespace(n=1) %}{% set ns.n = ns %}{{ ns.n }}",
            "{%- set ns = namespace(n=1) -%}{% set ns.n = [1, ns] %}{{ ns ~ 'x' }}",
            "{% set a = namespace() %}{% set b = a %}{% set c = namespace(x=b) %}{% set a.y = c %}",
        ] {
            let e = ChatTemplate::new(src).err().unwrap_or_default();
            assert!(
                e.contains("stores a namespace inside a namespace"),
                "{src}: {e}"
            );
        }
        // What chat templates really do with namespaces is fine.
        let t = ChatTemplate::new(
            "{% set ns = namespace(found=false, i=0, s='') %}{% for m in messages %}{% set ns.i = ns.i + 1 %}\
             {% set ns.s = ns.s ~ m['content'] %}{% set ns.found = ns['found'] or m.role == 'user' %}{% endfor %}\
             {{ ns.i }} {{ ns.s }} {{ ns.found }}",
        )
        .unwrap();
        assert_eq!(
            t.render(&[m("user", "hi")], true, "", "").unwrap(),
            "1 hi True"
        );
    }

    #[test]
    fn raise_exception_and_bad_templates_are_named() {
        let t = ChatTemplate::new("{{ raise_exception('roles must alternate') }}").unwrap();
        let e = t.render(&[], false, "", "").unwrap_err();
        assert!(e.contains("roles must alternate"), "{e}");
        assert!(ChatTemplate::new("{% for %}")
            .unwrap_err()
            .contains("cannot be read"));
    }
}
