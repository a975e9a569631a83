//! The IMDb bundle: the reproducible splits and the baselines (`?lab=imdb`, `?lab=baselines`).

#[cfg(target_arch = "wasm32")]
fn main() {
    use datalab::ui::labs::imdb::ImdbLab;
    use leptos::prelude::*;
    datalab::ui::app::start("imdb", |lab, _embed| {
        (lab.id == "imdb").then(|| view! { <ImdbLab /> }.into_any())
    });
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    datalab::native_main();
}
