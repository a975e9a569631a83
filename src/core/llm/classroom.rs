//! One instructor's Ollama for a whole class: the class link (`?ollama=<endpoint>&model=<model>`), the QR
//! code that carries it to thirty phones and laptops, and the exact commands that open Ollama and the lab
//! to the room's network.
//!
//! Two browser rules shape the advice. An https page may not call an http address (mixed content), so a
//! lab on an https course site cannot reach an instructor's plain-http Ollama: serve the lab itself from
//! the instructor's machine over http (then page and model are on the same network), or put Ollama behind
//! https. And Chrome asks each student "allow this site to access devices on your local network?" when a
//! public site calls a private address: they must choose Allow.

use qrcode::{Color, EcLevel, QrCode};

use super::connection::{parse_endpoint, Step};
use crate::core::urlstate::{encode, Query};

/// What a class link asked for, read from the page's query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClassParams {
    /// `?ollama=`: the endpoint, normalised — or why it cannot be used.
    pub endpoint: Option<Result<String, String>>,
    /// `&model=`.
    pub model: Option<String>,
}

/// Reads `ollama` and `model` from a page query.
pub fn class_params(q: &Query) -> ClassParams {
    let endpoint = q.get("ollama").map(|raw| {
        parse_endpoint(raw).map(|e| e.base).map_err(|e| {
            format!(
                "The class link's Ollama endpoint `{raw}` cannot be used: {e} The endpoint was left unchanged; ask for the link again or type the address in the \"Ollama endpoint\" field."
            )
        })
    });
    let model = q
        .get("model")
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(String::from);
    ClassParams { endpoint, model }
}

/// The class link: this page's address (origin and path) with the lab, the endpoint and the model.
pub fn class_link(page: &str, lab: &str, endpoint: &str, model: &str) -> String {
    let base = page.split(['?', '#']).next().unwrap_or(page);
    let mut link = format!("{base}?lab={}&ollama={}", encode(lab), encode(endpoint));
    if !model.trim().is_empty() {
        link.push_str(&format!("&model={}", encode(model.trim())));
    }
    link
}

/// The endpoint a class should use, and a warning when the one typed cannot work for students:
/// `localhost` on a student's laptop is the student's own computer, not the instructor's.
pub fn class_endpoint(endpoint: &str, page_host: &str) -> (String, Option<String>) {
    let Ok(e) = parse_endpoint(endpoint) else {
        return (
            endpoint.to_string(),
            Some("The endpoint above is not an address yet.".into()),
        );
    };
    if !e.is_loopback() {
        return (e.base, None);
    }
    let lan_page = !page_host.is_empty()
        && page_host != "localhost"
        && !page_host.starts_with("127.")
        && page_host != "[::1]";
    let port = e.port.unwrap_or(11434);
    if lan_page {
        (
            format!("{}://{page_host}:{port}", e.scheme),
            Some(format!("{} means each student's own computer; the link uses this page's host ({page_host}) instead, where the lab is served from.", e.base)),
        )
    } else {
        (
            format!("http://<your-LAN-address>:{port}"),
            Some(format!("{} means each student's own computer. Put your machine's LAN address in the endpoint above (the commands below show how to find it) and the link follows.", e.base)),
        )
    }
}

/// The commands that serve Ollama to the room for pages from `origin`, per system, and the lab itself.
pub fn instructor_steps(origin: &str, page_is_https: bool) -> Vec<Step> {
    let s = |label: &str, code: Option<String>| Step {
        label: label.to_string(),
        code,
    };
    let mut steps = vec![
        s(
            "Find your machine's address on the room's network (students use it instead of localhost) — macOS, Linux, Windows:",
            Some("ipconfig getifaddr en0        # macOS\nhostname -I                   # Linux\nipconfig                      # Windows: the IPv4 Address line".into()),
        ),
        s(
            "macOS (the Ollama app): listen on the network, accept this lab's pages, serve 4 requests at once; then quit Ollama from the menu bar and open it again.",
            Some(format!("launchctl setenv OLLAMA_HOST \"0.0.0.0\"\nlaunchctl setenv OLLAMA_ORIGINS \"{origin}\"\nlaunchctl setenv OLLAMA_NUM_PARALLEL \"4\"")),
        ),
        s(
            "Linux (Ollama as a systemd service): add these lines with `sudo systemctl edit ollama.service`, then restart it.",
            Some(format!("[Service]\nEnvironment=\"OLLAMA_HOST=0.0.0.0\"\nEnvironment=\"OLLAMA_ORIGINS={origin}\"\nEnvironment=\"OLLAMA_NUM_PARALLEL=4\"\n\nsudo systemctl daemon-reload && sudo systemctl restart ollama")),
        ),
        s(
            "Windows: run these, then quit Ollama from the tray icon and start it again (and allow it through the firewall when asked).",
            Some(format!("setx OLLAMA_HOST \"0.0.0.0\"\nsetx OLLAMA_ORIGINS \"{origin}\"\nsetx OLLAMA_NUM_PARALLEL \"4\"")),
        ),
        s(
            "Or for this session only, from a terminal (stop the running Ollama first):",
            Some(format!("OLLAMA_HOST=0.0.0.0 OLLAMA_ORIGINS={origin} OLLAMA_NUM_PARALLEL=4 ollama serve")),
        ),
        s(
            "Serve the lab itself to the room from this repository (students then open http://<your-LAN-address>:8080; add that origin to OLLAMA_ORIGINS too):",
            Some("scripts/serve.sh --host 0.0.0.0".into()),
        ),
        s(
            "Students on Chrome or Edge are asked whether this site may access devices on the local network: they choose Allow (if someone chose Block, the site settings left of the address reset it).",
            None,
        ),
    ];
    if page_is_https {
        steps.push(s(
            "This lab was opened over https, and the class Ollama is plain http: browsers block that (mixed content) on every student's machine. Serve the lab from your machine over http (the command above), or put Ollama behind an https proxy with a certificate students' browsers trust.",
            None,
        ));
    }
    steps
}

/// The QR code of `text` as an SVG path (one `M x y h1 v1 h-1 z` square per dark module) and its size
/// in modules, quiet zone included — drawn by the page as an `<svg>`, so no image is made or loaded.
pub fn qr_path(text: &str) -> Result<(usize, String), String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| format!("the link is too long for a QR code ({e})"))?;
    let w = code.width();
    let quiet = 4;
    let mut d = String::new();
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == Color::Dark {
            let (x, y) = (i % w + quiet, i / w + quiet);
            d.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    Ok((w + 2 * quiet, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_params_read_and_check_the_endpoint() {
        let p = class_params(&Query::parse(
            "?lab=generate&ollama=192.168.1.20:11434/&model=llama3.2%3A1b",
        ));
        assert_eq!(p.endpoint, Some(Ok("http://192.168.1.20:11434".into())));
        assert_eq!(p.model.as_deref(), Some("llama3.2:1b"));
        let bad = class_params(&Query::parse("?ollama=http%3A%2F%2Fhost%20name"));
        let e = bad.endpoint.unwrap().unwrap_err();
        assert!(
            e.contains("cannot be used") && e.contains("left unchanged"),
            "{e}"
        );
        assert_eq!(
            class_params(&Query::parse("?lab=x")),
            ClassParams::default()
        );
    }

    #[test]
    fn the_class_link_round_trips_through_the_query() {
        let link = class_link(
            "http://10.0.0.5:8080/datalab/?lab=generate&text=x#top",
            "generate",
            "http://10.0.0.5:11434",
            "qwen2.5:0.5b",
        );
        assert_eq!(link, "http://10.0.0.5:8080/datalab/?lab=generate&ollama=http%3A%2F%2F10.0.0.5%3A11434&model=qwen2.5%3A0.5b");
        let q = Query::parse(link.split_once('?').unwrap().1);
        let p = class_params(&q);
        assert_eq!(p.endpoint, Some(Ok("http://10.0.0.5:11434".into())));
        assert_eq!(p.model.as_deref(), Some("qwen2.5:0.5b"));
    }

    #[test]
    fn localhost_is_replaced_by_the_page_host_or_flagged() {
        let (e, w) = class_endpoint("http://localhost:11434", "10.0.0.5");
        assert_eq!(e, "http://10.0.0.5:11434");
        assert!(w.unwrap().contains("own computer"));
        let (e, w) = class_endpoint("http://127.0.0.1:11434", "127.0.0.1");
        assert_eq!(e, "http://<your-LAN-address>:11434");
        assert!(w.is_some());
        assert_eq!(
            class_endpoint("http://10.0.0.9:11434", "x.org"),
            ("http://10.0.0.9:11434".into(), None)
        );
    }

    #[test]
    fn instructor_commands_name_this_origin_and_https_gets_the_mixed_content_step() {
        let steps = instructor_steps("https://course.example", true);
        let all: String = steps
            .iter()
            .map(|s| format!("{} {}", s.label, s.code.clone().unwrap_or_default()))
            .collect();
        assert!(all.contains("OLLAMA_ORIGINS=https://course.example"));
        assert!(all.contains("OLLAMA_HOST=0.0.0.0"));
        assert!(all.contains("scripts/serve.sh --host 0.0.0.0"));
        assert!(all.contains("mixed content"));
        assert!(!instructor_steps("http://10.0.0.5:8080", false)
            .iter()
            .any(|s| s.label.contains("mixed content")));
    }

    #[test]
    fn the_qr_code_is_a_square_of_modules_with_a_quiet_zone() {
        let (size, d) =
            qr_path("http://10.0.0.5:8080/?lab=generate&ollama=http%3A%2F%2F10.0.0.5%3A11434")
                .unwrap();
        // Version 4 (33 modules) or 5 (37) for a link this long, plus 4 modules of quiet zone each side.
        assert!((41..=45).contains(&size), "{size}");
        // The top-left finder pattern starts at (4, 4).
        assert!(d.starts_with("M4 4h1v1h-1z"), "{}", &d[..40]);
        assert!(qr_path(&"x".repeat(5000)).is_err());
    }
}
