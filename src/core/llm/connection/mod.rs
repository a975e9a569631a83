//! Connecting the page to a local model, and saying in plain words what to do when it does not work.
//!
//! Most first-time failures are not bugs but security rules working as designed, and the browser reports
//! them all the same way: `fetch` throws a `TypeError` with no status and no body. Whether Ollama is not
//! running, or is running but refused this page's origin (CORS), or the browser blocked an https page from
//! calling http (mixed content) cannot be read from the error itself. So [`classify_network_error`] reasons
//! from what *is* known — the page's origin, the endpoint, the browser — and [`advise`] always includes the
//! one test that tells the cases apart (open `/api/version` in a tab: if it answers, Ollama is up and the
//! browser blocked the page).
//!
//! When a response does arrive, its status and body say more: [`classify_status`] turns them into a
//! [`Failure`] (a 404 naming a model means `ollama pull`, a 404 without JSON means the address is not
//! Ollama, and so on).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::core::llm::ndjson::excerpt;
use crate::core::llm::ollama::{error_message, Accumulator};

mod advice;
mod context;
mod endpoint;
mod failure;
mod origins;

pub use advice::{advise, Advice, Step};
pub use context::{Browser, Context};
use endpoint::*;
pub use endpoint::{parse_endpoint, Endpoint, EndpointError};
pub use failure::{check_json, classify_network_error, classify_status, classify_stream, Failure};
pub use origins::is_default_allowed_origin;
use origins::*;

/// Where Ollama listens unless told otherwise.
pub const DEFAULT_ENDPOINT: &str = "http://localhost:11434";

/// Which HTTP API the endpoint speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiKind {
    /// Ollama's native `/api/...` routes (streaming NDJSON, `options`).
    Ollama,
    /// `/v1/chat/completions` (OpenAI, vLLM, llama.cpp, and Ollama's own compatibility layer).
    OpenAi,
}

impl ApiKind {
    pub fn label(self) -> &'static str {
        match self {
            ApiKind::Ollama => "Ollama",
            ApiKind::OpenAi => "OpenAI-compatible",
        }
    }

    /// The cheapest call that proves the server is there and speaks this API.
    pub fn probe_path(self) -> &'static str {
        match self {
            ApiKind::Ollama => super::ollama::VERSION_PATH,
            ApiKind::OpenAi => super::openai::MODELS_PATH,
        }
    }

    pub fn models_path(self) -> &'static str {
        match self {
            ApiKind::Ollama => super::ollama::TAGS_PATH,
            ApiKind::OpenAi => super::openai::MODELS_PATH,
        }
    }

    pub fn chat_path(self) -> &'static str {
        match self {
            ApiKind::Ollama => super::ollama::CHAT_PATH,
            ApiKind::OpenAi => super::openai::CHAT_PATH,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(s: &str) -> Endpoint {
        parse_endpoint(s).unwrap()
    }

    fn ctx(origin: &str, endpoint: &str, browser: Browser) -> Context {
        Context {
            page_origin: origin.into(),
            endpoint: ep(endpoint),
            kind: ApiKind::Ollama,
            embedded: false,
            browser,
            model: Some("llama3.2".into()),
        }
    }

    fn all_code(a: &Advice) -> String {
        a.steps
            .iter()
            .filter_map(|s| s.code.clone())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn endpoints_are_normalised() {
        let e = ep("  localhost:11434/ ");
        assert_eq!(e.base, "http://localhost:11434");
        assert_eq!((e.port, e.hint), (Some(11434), None));
        assert_eq!(
            ep("HTTP://LocalHost:11434/api").base,
            "http://localhost:11434"
        );
        assert_eq!(
            ep("http://127.0.0.1:11434/api/chat").hint,
            Some(ApiKind::Ollama)
        );
        let v1 = ep("https://api.openai.com/v1/");
        assert_eq!(
            (v1.base.as_str(), v1.hint),
            ("https://api.openai.com", Some(ApiKind::OpenAi))
        );
        assert_eq!(
            ep("https://openrouter.ai/api/v1").base,
            "https://openrouter.ai/api"
        );
        assert_eq!(ep("http://[::1]:11434").host, "[::1]");
        assert_eq!(
            ep("http://localhost:11434").url("/api/tags"),
            "http://localhost:11434/api/tags"
        );
    }

    #[test]
    fn a_path_with_wide_characters_is_kept_not_a_panic() {
        // Found by fuzzing: the route suffix check cut the path inside a character.
        let e = parse_endpoint("http://localhost:11434/éé").unwrap();
        assert!(e.base.ends_with("/éé"), "{}", e.base);
        let e = parse_endpoint("http://localhost:11434/x€/api/chat").unwrap();
        assert!(e.base.ends_with("/x€"), "{}", e.base);
    }

    #[test]
    fn bad_endpoints_get_clear_messages() {
        let msg = |s: &str| parse_endpoint(s).unwrap_err().to_string();
        assert!(msg("").contains("http://localhost:11434"));
        assert!(msg("   ").contains("Enter the address"));
        assert!(msg("ftp://localhost").contains("http:// or https://"));
        assert!(msg("ws://localhost:11434").contains("`ws://`"));
        assert!(msg("localhost:99999").contains("1 to 65535"));
        assert!(msg("localhost:abc").contains("port `abc`"));
        assert!(msg("http://:11434").contains("no host"));
        assert!(msg("http://user:pw@host").contains("API key"));
        assert!(msg("http://local host").contains("space"));
        assert!(msg("http://localhost:11434/?x=1").contains("`?…`"));
        assert!(msg("http://ex%ample.com").contains("not a valid host"));
    }

    #[test]
    fn loopback_detection() {
        assert!(ep("localhost:1").is_loopback());
        assert!(ep("127.0.0.1").is_loopback());
        assert!(ep("http://127.1.2.3").is_loopback());
        assert!(ep("http://[::1]").is_loopback());
        assert!(ep("http://lab.localhost").is_loopback());
        assert!(!ep("http://192.168.1.5:11434").is_loopback());
        assert!(!ep("http://127.example.com").is_loopback());
    }

    #[test]
    fn ollama_default_origins() {
        for ok in [
            "http://localhost",
            "http://localhost:8080",
            "https://127.0.0.1:3000",
            "http://0.0.0.0:1",
            "HTTP://LOCALHOST:5173",
            "app://anything",
            "file://",
            "tauri://localhost",
            "vscode-webview://abc123",
            "chrome-extension://abcdef",
        ] {
            assert!(is_default_allowed_origin(ok), "{ok}");
        }
        for refused in [
            "https://course.example",
            "http://localhost.evil.com",
            "http://127.0.0.2:8080",
            "http://[::1]:8080",
            "http://lab.localhost:8080",
            "http://localhost:abc",
            "null",
            "",
        ] {
            assert!(!is_default_allowed_origin(refused), "{refused}");
        }
    }

    #[test]
    fn browsers_from_user_agents() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";
        let safari = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        let ios_chrome = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0 Mobile/15E148 Safari/604.1";
        assert_eq!(Browser::from_user_agent(chrome), Browser::Chromium);
        assert_eq!(Browser::from_user_agent(safari), Browser::Safari);
        assert_eq!(Browser::from_user_agent(firefox), Browser::Firefox);
        assert_eq!(Browser::from_user_agent(ios_chrome), Browser::Safari);
        assert_eq!(Browser::from_user_agent("curl/8"), Browser::Other);
    }

    #[test]
    fn network_errors_are_classified_from_context() {
        let local = ctx("http://127.0.0.1:8080", DEFAULT_ENDPOINT, Browser::Chromium);
        assert_eq!(classify_network_error(&local), Failure::NothingListening);
        let course = ctx("https://course.example", DEFAULT_ENDPOINT, Browser::Firefox);
        assert_eq!(classify_network_error(&course), Failure::BlockedByBrowser);
        let safari = ctx("https://course.example", DEFAULT_ENDPOINT, Browser::Safari);
        assert_eq!(classify_network_error(&safari), Failure::MixedContent);
        let remote_http = ctx(
            "https://course.example",
            "http://192.168.1.5:11434",
            Browser::Chromium,
        );
        assert_eq!(classify_network_error(&remote_http), Failure::MixedContent);
        // An allowed origin on Chrome reaching localhost needs no permission: the page is local too.
        let lan_page = ctx(
            "http://localhost:3000",
            "http://127.0.0.1:11434",
            Browser::Chromium,
        );
        assert_eq!(classify_network_error(&lan_page), Failure::NothingListening);
        // A remote OpenAI-compatible server over https: no local rule is involved, so it is unreachable.
        let allowed_remote = Context {
            kind: ApiKind::OpenAi,
            endpoint: ep("https://api.example.com/v1"),
            ..ctx(
                "https://course.example",
                DEFAULT_ENDPOINT,
                Browser::Chromium,
            )
        };
        assert_eq!(
            classify_network_error(&allowed_remote),
            Failure::NothingListening
        );
    }

    #[test]
    fn statuses_are_classified() {
        let f = classify_status(
            404,
            r#"{"error":"model \"llama3.2\" not found, try pulling it first"}"#,
            "/api/chat",
            None,
        );
        assert_eq!(
            f,
            Some(Failure::ModelNotFound {
                model: "llama3.2".into()
            })
        );
        let f = classify_status(
            404,
            r#"{"error":"model 'qwen2:0.5b' not found"}"#,
            "/api/chat",
            None,
        );
        assert_eq!(
            f,
            Some(Failure::ModelNotFound {
                model: "qwen2:0.5b".into()
            })
        );
        let f = classify_status(
            404,
            r#"{"error":{"message":"The model does not exist","code":"model_not_found"}}"#,
            "/v1/chat/completions",
            Some("gpt-x"),
        );
        assert_eq!(
            f,
            Some(Failure::ModelNotFound {
                model: "gpt-x".into()
            })
        );
        let f = classify_status(404, "404 page not found", "/api/version", None);
        assert_eq!(
            f,
            Some(Failure::RouteNotFound {
                path: "/api/version".into()
            })
        );
        assert_eq!(
            classify_status(403, "", "/api/tags", None),
            Some(Failure::Forbidden)
        );
        assert_eq!(
            classify_status(
                500,
                r#"{"error":"llama runner process has terminated"}"#,
                "/api/chat",
                None
            ),
            Some(Failure::Server {
                status: 500,
                message: "llama runner process has terminated".into()
            })
        );
        assert_eq!(
            classify_status(502, "", "/api/chat", None),
            Some(Failure::Server {
                status: 502,
                message: "(empty body)".into()
            })
        );
        assert!(matches!(
            classify_status(401, "{}", "/v1/models", None),
            Some(Failure::Unauthorized { .. })
        ));
        assert!(matches!(
            classify_status(429, "slow down", "/api/chat", None),
            Some(Failure::Http { status: 429, .. })
        ));
        assert_eq!(classify_status(200, "{}", "/api/tags", None), None);
    }

    #[test]
    fn non_json_bodies_are_recognised() {
        let Err(Failure::InvalidJson { detail, excerpt }) = check_json("<!doctype html><html>")
        else {
            panic!()
        };
        assert!(detail.contains("web page"));
        assert!(excerpt.starts_with("<!doctype"));
        assert!(
            matches!(check_json(""), Err(Failure::InvalidJson { detail, .. }) if detail.contains("empty"))
        );
        assert!(check_json("{\"version\":\"0.1\"}").is_ok());
    }

    #[test]
    fn blocked_advice_has_every_systems_command_for_this_origin() {
        let c = ctx("https://course.example", DEFAULT_ENDPOINT, Browser::Other);
        let a = advise(&Failure::BlockedByBrowser, &c);
        let code = all_code(&a);
        for expected in [
            "launchctl setenv OLLAMA_ORIGINS \"https://course.example\"",
            "sudo systemctl edit ollama.service",
            "[Service]\nEnvironment=\"OLLAMA_ORIGINS=https://course.example\"",
            "sudo systemctl daemon-reload && sudo systemctl restart ollama",
            "setx OLLAMA_ORIGINS \"https://course.example\"",
            "OLLAMA_ORIGINS=https://course.example ollama serve",
            "curl http://localhost:11434/api/version",
        ] {
            assert!(code.contains(expected), "missing {expected:?} in\n{code}");
        }
        let labels: String = a.steps.iter().map(|s| s.label.as_str()).collect();
        assert!(
            labels.contains("Local network access"),
            "Chrome's permission is explained"
        );
        assert!(
            labels.contains("Safari"),
            "Safari's rule is explained for an unknown browser"
        );
        assert!(!labels.contains("iframe"), "not embedded");
    }

    #[test]
    fn embedded_advice_mentions_the_iframe_allow_attribute() {
        let c = Context {
            embedded: true,
            ..ctx(
                "https://slides.example",
                DEFAULT_ENDPOINT,
                Browser::Chromium,
            )
        };
        let a = advise(&Failure::BlockedByBrowser, &c);
        assert!(all_code(&a).contains("allow=\"local-network-access\""));
        assert!(a
            .steps
            .iter()
            .any(|s| s.label.contains("Private Network Access")));
        assert!(
            !a.steps.iter().any(|s| s.label.contains("Safari")),
            "Chromium only"
        );
    }

    #[test]
    fn unsafe_or_opaque_origins_never_reach_a_command() {
        let c = ctx("null", DEFAULT_ENDPOINT, Browser::Firefox);
        let a = advise(&Failure::BlockedByBrowser, &c);
        assert!(!all_code(&a).contains("OLLAMA_ORIGINS"));
        assert!(a.steps.iter().any(|s| s.label.contains("opened as a file")));
        let evil = ctx(
            "https://x.example\"; rm -rf ~; \"",
            DEFAULT_ENDPOINT,
            Browser::Firefox,
        );
        let a = advise(&Failure::Forbidden, &evil);
        assert!(!all_code(&a).contains("rm -rf"));
        assert!(all_code(&a).contains("<this page's origin>"));
    }

    #[test]
    fn other_advice() {
        let c = ctx("http://127.0.0.1:8080", DEFAULT_ENDPOINT, Browser::Firefox);
        let a = advise(
            &Failure::ModelNotFound {
                model: "llama3.2:1b".into(),
            },
            &c,
        );
        assert!(all_code(&a).contains("ollama pull llama3.2:1b"));
        let a = advise(
            &Failure::ModelNotFound {
                model: String::new(),
            },
            &c,
        );
        assert!(
            all_code(&a).contains("ollama pull llama3.2"),
            "falls back to the requested model"
        );
        let a = advise(&Failure::NothingListening, &c);
        assert!(all_code(&a).contains("ollama serve"));
        assert_eq!(a.title, "Nothing answered");
        let safari = ctx("https://course.example", DEFAULT_ENDPOINT, Browser::Safari);
        let a = advise(&Failure::MixedContent, &safari);
        assert!(a.steps[0].label.contains("Safari"));
        assert!(advise(&Failure::Timeout { seconds: 60 }, &c)
            .explanation
            .contains("60 s"));
        for f in [
            Failure::RouteNotFound {
                path: "/api/tags".into(),
            },
            Failure::Server {
                status: 500,
                message: "x".into(),
            },
            Failure::StreamCut,
            Failure::StreamError {
                message: "y".into(),
            },
        ] {
            let a = advise(&f, &c);
            assert!(!a.title.is_empty() && !a.steps.is_empty(), "{f:?}");
            assert!(!f.short().is_empty());
        }
    }

    #[test]
    fn ended_streams_are_classified() {
        use crate::core::llm::ollama::{FinalStats, StreamEvent};
        let mut acc = Accumulator::default();
        acc.apply(&StreamEvent::Delta("a".into()));
        assert_eq!(classify_stream(&acc), Some(Failure::StreamCut));
        acc.apply(&StreamEvent::Done(FinalStats::default()));
        assert_eq!(classify_stream(&acc), None);
        let mut bad = Accumulator::default();
        bad.apply(&StreamEvent::Error("oom".into()));
        assert_eq!(
            classify_stream(&bad),
            Some(Failure::StreamError {
                message: "oom".into()
            })
        );
    }

    #[test]
    fn failure_serialises_with_a_kind_tag() {
        let v = serde_json::to_value(Failure::ModelNotFound { model: "m".into() }).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"kind": "model_not_found", "model": "m"})
        );
    }

    #[test]
    fn a_class_server_on_the_local_network_is_advised_for_http_and_https_labs() {
        assert!(ep("http://192.168.1.20:11434").is_private());
        assert!(ep("http://10.0.0.5:11434").is_private());
        assert!(ep("http://172.20.1.1:11434").is_private());
        assert!(!ep("http://172.32.1.1:11434").is_private());
        assert!(ep("http://teacher.local:11434").is_private());
        assert!(!ep("http://localhost:11434").is_private());
        assert!(!ep("https://ollama.example.org").is_private());

        // A public course site over https calling the class server: mixed content, and the advice says to
        // serve the lab from the instructor's machine.
        let c = ctx(
            "https://course.example",
            "http://192.168.1.20:11434",
            Browser::Chromium,
        );
        assert_eq!(classify_network_error(&c), Failure::MixedContent);
        let a = advise(&Failure::MixedContent, &c);
        assert!(
            all_code(&a).contains("scripts/serve.sh --host 0.0.0.0"),
            "{a:?}"
        );

        // A public http page calling it: Chrome's local-network permission (and the origin).
        let c = ctx(
            "http://course.example",
            "http://192.168.1.20:11434",
            Browser::Chromium,
        );
        assert_eq!(classify_network_error(&c), Failure::BlockedByBrowser);
        let a = advise(&Failure::BlockedByBrowser, &c);
        let text = format!("{a:?}");
        assert!(text.contains("local network"), "{text}");
        assert!(all_code(&a).contains("OLLAMA_ORIGINS=http://course.example"));

        // The lab served from the instructor's machine over http: no permission, only the origin rule.
        let c = ctx(
            "http://192.168.1.20:8080",
            "http://192.168.1.20:11434",
            Browser::Chromium,
        );
        assert!(!c.needs_local_network_permission());
        let a = advise(&Failure::BlockedByBrowser, &c);
        assert!(all_code(&a).contains("OLLAMA_ORIGINS=http://192.168.1.20:8080"));
        assert!(!format!("{a:?}").contains("access devices on your local network"));
    }
}
