//! Fetching files that ship beside the page (rank files, their manifest).

use gloo_net::http::Request;

/// GETs `url` (relative to the page) and returns its bytes, or a message that says what went wrong.
pub async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let resp = Request::get(url)
        .send()
        .await
        .map_err(|e| format!("could not download {url}: {e}"))?;
    if !resp.ok() {
        return Err(format!(
            "could not download {url}: the server answered {} {}",
            resp.status(),
            resp.status_text()
        ));
    }
    resp.binary()
        .await
        .map_err(|e| format!("the download of {url} broke off: {e}"))
}
