//! What to do about a failure, in plain words, with the exact commands for macOS, Linux and Windows.

use super::*;

/// One thing to do: a sentence, and optionally the exact text to type or paste.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub label: String,
    pub code: Option<String>,
}

pub(super) fn step(label: impl Into<String>, code: Option<String>) -> Step {
    Step {
        label: label.into(),
        code,
    }
}

/// What the page shows for a failure: a title, why it happens, and the steps that fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advice {
    pub title: String,
    pub explanation: String,
    pub steps: Vec<Step>,
}

/// The page origin as it may appear inside a shell command. Real origins only contain safe characters;
/// anything else (or the opaque `null`) becomes a placeholder rather than text pasted into a terminal.
pub(super) fn origin_for_commands(origin: &str) -> Option<String> {
    let o = origin.trim().trim_end_matches('/');
    let (scheme, rest) = o.split_once("://")?;
    let safe = !scheme.is_empty()
        && !rest.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '[' | ']' | '_'));
    safe.then(|| o.to_string())
}

pub(super) fn probe_step(ctx: &Context) -> Step {
    let url = ctx.endpoint.url(ctx.kind.probe_path());
    step(
        format!(
            "Check that the server is up: open {url} in a new tab (or run the command). If it shows a version, the server runs and the browser blocked this page; if the tab cannot connect, it is not running."
        ),
        Some(format!("curl {url}")),
    )
}

/// The `OLLAMA_ORIGINS` recipes for each system.
pub(super) fn origins_steps(origin: &str) -> Vec<Step> {
    vec![
        step(
            format!("Allow this page's origin ({origin}) in Ollama. macOS (the Ollama app): run this, then quit Ollama from the menu bar and open it again."),
            Some(format!("launchctl setenv OLLAMA_ORIGINS \"{origin}\"")),
        ),
        step(
            "Linux (Ollama as a systemd service): open an override file for the service…",
            Some("sudo systemctl edit ollama.service".into()),
        ),
        step(
            "…add these two lines in the editor, save and close…",
            Some(format!("[Service]\nEnvironment=\"OLLAMA_ORIGINS={origin}\"")),
        ),
        step(
            "…then reload the configuration and restart Ollama.",
            Some("sudo systemctl daemon-reload && sudo systemctl restart ollama".into()),
        ),
        step(
            "Windows: run this in a terminal, then quit Ollama from the tray icon and start it again.",
            Some(format!("setx OLLAMA_ORIGINS \"{origin}\"")),
        ),
        step(
            "Or, for one session: stop the running Ollama and start it from a terminal with the variable set.",
            Some(format!("OLLAMA_ORIGINS={origin} ollama serve")),
        ),
        step(
            "If OLLAMA_ORIGINS already lists other origins, keep them and add this one after a comma.",
            None,
        ),
    ]
}

pub(super) fn serve_locally_step() -> Step {
    step(
        "Or open the lab from this computer: Ollama accepts pages from http://localhost and http://127.0.0.1 without any setting.",
        Some("scripts/serve.sh    # then open http://127.0.0.1:8080".into()),
    )
}

pub(super) fn chromium_steps(ctx: &Context) -> Vec<Step> {
    let mut steps = vec![step(
        "Chrome and Edge ask before a website may reach your own computer: when asked whether the site may access devices on your local network, choose Allow. If you chose Block earlier, open the site settings (the icon left of the address), set \"Local network access\" to Allow and reload.",
        None,
    )];
    if ctx.embedded {
        steps.push(step(
            "This lab runs inside another page (an iframe), which can only ask for that permission if the embedding page grants it with the allow attribute:",
            Some("<iframe src=\"…\" allow=\"local-network-access\"></iframe>".into()),
        ));
        steps.push(step(
            "Older Chrome versions send a \"Private Network Access\" preflight instead, which Ollama does not answer: update the browser, or use \"Open full lab\" to run the lab in its own tab.",
            None,
        ));
    }
    steps
}

pub(super) fn safari_step() -> Step {
    step(
        "Safari (and every browser on iPhone and iPad) blocks an https page from calling http://localhost as mixed content, and no setting changes that. Open the lab from http://localhost instead, or use Chrome, Edge or Firefox.",
        Some("scripts/serve.sh    # then open http://127.0.0.1:8080".into()),
    )
}

pub(super) fn start_steps(ctx: &Context) -> Vec<Step> {
    if !ctx.endpoint.is_loopback() {
        return vec![
            step(
                format!("Check the address: is {} right, and is that machine on and reachable from yours?", ctx.endpoint.base),
                None,
            ),
            step(
                "A server elsewhere must also allow requests from this page (CORS); for Ollama that is OLLAMA_ORIGINS on that machine.",
                None,
            ),
        ];
    }
    vec![
        step(
            "Start Ollama: on macOS and Windows open the Ollama app; on Linux, or without the app, run:",
            Some("ollama serve".into()),
        ),
        step(
            "Not installed yet? Get it from ollama.com, then fetch a small model:",
            Some("ollama pull llama3.2".into()),
        ),
        step(
            format!(
                "Ollama listens on port 11434 unless OLLAMA_HOST says otherwise; make sure the endpoint ({}) matches.",
                ctx.endpoint.base
            ),
            None,
        ),
    ]
}

/// Plain-words advice for a failure, with the exact commands for this page's origin and endpoint.
pub fn advise(failure: &Failure, ctx: &Context) -> Advice {
    let origin = origin_for_commands(&ctx.page_origin);
    let origin_text = origin
        .clone()
        .unwrap_or_else(|| "<this page's origin>".into());
    let advice = |title: &str, explanation: String, steps: Vec<Step>| Advice {
        title: title.to_string(),
        explanation,
        steps,
    };
    match failure {
        Failure::NothingListening => {
            let mut steps = start_steps(ctx);
            steps.push(probe_step(ctx));
            advice(
                "Nothing answered",
                format!(
                    "The browser could not reach {}. Usually the server is simply not running. (The browser reports a refused connection and a blocked one the same way, so if the check below shows a version, see the origin steps.)",
                    ctx.endpoint.base
                ),
                steps,
            )
        }
        Failure::BlockedByBrowser => {
            let mut steps = vec![probe_step(ctx)];
            if origin.is_none() {
                steps.push(step(
                    "This page has no usable origin (it was probably opened as a file). Serve it over http instead:",
                    Some("scripts/serve.sh    # then open http://127.0.0.1:8080".into()),
                ));
            } else if ctx.ollama_rules() && !is_default_allowed_origin(&ctx.page_origin) {
                steps.extend(origins_steps(&origin_text));
            }
            if ctx.needs_local_network_permission() {
                steps.extend(chromium_steps(ctx));
            }
            if matches!(ctx.browser, Browser::Safari | Browser::Other) && ctx.page_is_https() && !ctx.endpoint.is_https() {
                steps.push(safari_step());
            }
            if origin.is_some() {
                steps.push(serve_locally_step());
            }
            advice(
                "The browser blocked the request",
                format!(
                    "Ollama only answers web pages from origins it trusts: by default pages on localhost or 127.0.0.1. This page comes from {origin_text}, so unless OLLAMA_ORIGINS includes it, Ollama refuses and the browser stops the request. That protects you: otherwise any website you visit could use your local model."
                ),
                steps,
            )
        }
        Failure::MixedContent => {
            let mut steps = Vec::new();
            if ctx.endpoint.is_loopback() {
                steps.push(safari_step());
            } else {
                steps.push(step(
                    format!("Use an https address for the server, or open the lab over http. An https page may not call {} because the answer could be read or changed on the way.", ctx.endpoint.base),
                    None,
                ));
                if ctx.endpoint.is_private() {
                    steps.push(step(
                        "For a class server on the room's network: the instructor serves the lab from the same machine over http, and students open that address instead of the course site (then add it to OLLAMA_ORIGINS):",
                        Some("scripts/serve.sh --host 0.0.0.0    # prints the http://<LAN address>:8080 students open".into()),
                    ));
                }
            }
            steps.push(serve_locally_step());
            advice(
                "An https page cannot call an http address",
                format!(
                    "This page was loaded over https, and {} is plain http. Browsers block that mix (\"mixed content\") so a secure page never depends on an insecure connection.",
                    ctx.endpoint.base
                ),
                steps,
            )
        }
        Failure::Forbidden => {
            let mut steps = Vec::new();
            if ctx.ollama_rules() {
                steps.extend(origins_steps(&origin_text));
            }
            steps.push(serve_locally_step());
            advice(
                "The server refused this page (403)",
                format!("The server answered 403 Forbidden: it does not accept requests from {origin_text}. Ollama does this for origins missing from OLLAMA_ORIGINS."),
                steps,
            )
        }
        Failure::Unauthorized { message } => advice(
            "API key missing or wrong (401)",
            format!("The server wants an API key and did not accept the one sent (it said: {message}). The key is kept in this tab's memory only, never saved, so it must be entered again after a reload."),
            vec![step("Paste the key into the API key field and test the connection again.", None)],
        ),
        Failure::ModelNotFound { model } => {
            let model = if model.is_empty() {
                ctx.model.clone().unwrap_or_else(|| "<model>".into())
            } else {
                model.clone()
            };
            advice(
                "The model is not installed",
                format!("The server is running but has no model called `{model}`. Models are downloaded once, then run offline."),
                vec![
                    step("Download it (a few GB; the progress shows in the terminal):", Some(format!("ollama pull {model}"))),
                    step("Or pick one that is installed: this lists them.", Some("ollama list".into())),
                ],
            )
        }
        Failure::RouteNotFound { path } => advice(
            "This address is not the expected API",
            format!(
                "The server at {} answered 404 for {path}, so it is not {} — or not a version that has this route. Another program may be using the port, or the address has an extra path.",
                ctx.endpoint.base,
                ctx.kind.label()
            ),
            vec![
                probe_step(ctx),
                step(format!("Ollama's address is {DEFAULT_ENDPOINT} unless configured otherwise."), None),
                step("For an OpenAI-compatible server, choose that API kind instead of Ollama.", None),
            ],
        ),
        Failure::Server { status, message } => advice(
            "The server failed",
            format!("The server answered {status}: {message}. Common causes are a model too large for the memory available, or a model file that failed to load."),
            vec![
                step("Try again; if it repeats, try a smaller model.", None),
                step("Read Ollama's log — macOS:", Some("cat ~/.ollama/logs/server.log".into())),
                step("Linux:", Some("journalctl -u ollama --no-pager -n 50".into())),
                step("Windows (PowerShell):", Some("Get-Content $env:LOCALAPPDATA\\Ollama\\server.log -Tail 50".into())),
            ],
        ),
        Failure::Http { status, message } => advice(
            "The server refused the request",
            format!("The server answered {status}: {message}"),
            vec![step(
                if *status == 429 {
                    "Too many requests at once: wait a moment, or lower the number of parallel calls."
                } else {
                    "Check the request in the code view: model name, and the options' types."
                },
                None,
            )],
        ),
        Failure::InvalidJson { detail, excerpt } => advice(
            "The answer is not what the API sends",
            format!("Something answered at {}, but not with JSON ({detail}). It began with: {excerpt}", ctx.endpoint.base),
            vec![probe_step(ctx), step("Check that the address points at the model server, not a web page or a proxy's login page.", None)],
        ),
        Failure::Timeout { seconds } => advice(
            "No answer in time",
            format!("Nothing came back within {seconds} s. The first call after starting Ollama loads the model into memory, which can take a minute on a laptop; a long answer on a CPU is also slow."),
            vec![
                step("Try again: the model stays loaded for a few minutes after a call.", None),
                step("Or choose a smaller model, or lower num_predict.", None),
            ],
        ),
        Failure::StreamError { message } => advice(
            "The model stopped with an error",
            format!("The generation started, then the server reported: {message}. The text received so far is kept."),
            vec![step("Try again; if it repeats, check Ollama's log or use a smaller model.", None)],
        ),
        Failure::StreamCut => advice(
            "The answer was cut short",
            "The stream stopped before the server said it was done: the connection closed, the server restarted, or the request was cancelled. Finished rows are kept.".into(),
            vec![step("Run the remaining rows again (a run can be resumed).", None)],
        ),
        Failure::Busy { retries, waited_s } => advice(
            "The shared server stayed busy",
            format!(
                "{} answered \"server busy\" (its queue of waiting requests is full) to every one of {retries} retries over {waited_s} s, so the lab stopped waiting. Finished rows are kept; run the rest again later.",
                ctx.endpoint.base
            ),
            vec![
                step("Lower \"Parallel requests\" to 1: each student's extra requests fill the class server's queue.", None),
                step("Ask the instructor to let the server queue and run more at once (on the server's machine, then restart Ollama):", Some("OLLAMA_NUM_PARALLEL=4 OLLAMA_MAX_QUEUE=1024 ollama serve".into())),
                step("Or load the instructor's run bundle (\"Run bundle\" above) and replay the recorded run with no server at all.", None),
                step("Raise \"Wait for a busy server\" if the class is large and the server is only slow.", None),
            ],
        ),
        Failure::NotRecorded { what } => advice(
            "This request is not in the run bundle",
            format!("Replay answers only the requests the instructor recorded; the lab asked for {what}, which the bundle does not hold, and nothing is invented in its place."),
            vec![
                step("Use the settings the bundle was recorded with (the message under \"Run bundle\" lists them): the same template, model, seed, number of rows and sampling.", None),
                step("Or connect to a model (choose Ollama above) to run with your own settings.", None),
            ],
        ),
    }
}
