//! The model's chat template (`tokenizer.chat_template`), rendered as Hugging Face renders it: Jinja with
//! `trim_blocks` and `lstrip_blocks`, the `raise_exception` helper and Python's string methods
//! (`.strip()`, `.startswith()` …), by `minijinja`. A template is data written for Python's `jinja2`, so the
//! prompt the model sees must be byte for byte what `apply_chat_template` makes, or the model is being
//! asked something slightly different from what it was trained on.

use minijinja::{context, Environment, Error, ErrorKind, Value};

/// One chat message, as the labs send them to Ollama's `/api/chat`.
pub use crate::core::llm::ollama::Message;

/// How deep a value `{{ … }}` prints may nest, and how many parts it may have. A template can store a
/// namespace inside itself (`{% set ns.x = ns %}`), and minijinja prints such a value by recursing until the
/// stack runs out — found by fuzzing: an abort natively, a dead model worker in the browser. So a printed
/// value is first walked with these bounds, far above what any chat template prints.
const MAX_PRINT_DEPTH: usize = 32;
const PRINT_BUDGET: usize = 100_000;

/// Whether `v` nests deeper than [`MAX_PRINT_DEPTH`] (or has more than [`PRINT_BUDGET`] parts).
fn nests_too_deep(v: &Value, depth: usize, budget: &mut usize) -> bool {
    if depth > MAX_PRINT_DEPTH || *budget == 0 {
        return true;
    }
    *budget -= 1;
    match v.kind() {
        minijinja::value::ValueKind::Seq => v
            .try_iter()
            .map(|it| {
                it.into_iter()
                    .any(|x| nests_too_deep(&x, depth + 1, budget))
            })
            .unwrap_or(false),
        minijinja::value::ValueKind::Map => v
            .try_iter()
            .map(|it| {
                it.into_iter().any(|k| {
                    v.get_item(&k)
                        .is_ok_and(|x| nests_too_deep(&x, depth + 1, budget))
                })
            })
            .unwrap_or(false),
        _ => false,
    }
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
        env.set_formatter(|out, state, value| {
            let mut budget = PRINT_BUDGET;
            if nests_too_deep(value, 0, &mut budget) {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    "the template prints a value that contains itself (or nests over 32 levels deep)",
                ));
            }
            minijinja::escape_formatter(out, state, value)
        });
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
        // Found by fuzzing: printing it recursed until the stack ran out.
        let t = ChatTemplate::new("{% set ns = namespace(n=1) %}{% set ns.n = ns %}{{ ns.n }}")
            .unwrap();
        let e = t.render(&[m("user", "hi")], true, "", "").unwrap_err();
        assert!(e.contains("contains itself"), "{e}");
        let ok = ChatTemplate::new(
            "{% set ns = namespace(n=[[1, 2], {'a': 3}]) %}{{ ns.n }}{{ messages }}",
        )
        .unwrap()
        .render(&[m("user", "hi")], true, "", "")
        .unwrap();
        assert_eq!(ok, "[[1, 2], {'a': 3}][{'content': 'hi', 'role': 'user'}]");
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
