//! The scenario library, `/scenarios`: the built-in training scenarios (without their injects,
//! which players must not read ahead), and a checker for a trainer's own scenario file that
//! names the line and the field of any mistake.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ScenarioInfo};
use crate::route::Route;
use crate::widgets::{AppLink, ThemeToggle};

const EXAMPLE: &str = r#"title = "Cache cluster eviction storm"
briefing = "The session cache evicts everything every few minutes."
suggested_crew = ["Commander", "Operations"]

[[inject]]
at = "T+01:00"
source = "Monitoring"
text = "ALERT: login latency p99 above 3 s"

[[inject]]
after = "status:mitigated"
source = "Customer support"
text = "Customers confirm logins work again"

[[expect]]
kind = "status_update_every"
minutes = 5
"#;

#[component]
pub fn ScenarioLibrary() -> impl IntoView {
    let scenarios = RwSignal::new(None::<Result<Vec<ScenarioInfo>, String>>);
    spawn_local(async move { scenarios.set(Some(api::scenarios().await)) });
    view! {
        <header class="topbar">
            <AppLink to=Route::Lobby class="brand">"Warroom"</AppLink>
            <span>"Scenario library"</span>
            <ThemeToggle />
        </header>
        <main id="main" class="page">
            <section class="card" aria-labelledby="library-h">
                <h1 id="library-h">"Training scenarios"</h1>
                <p class="hint">
                    "To run one: declare an exercise in the lobby, open it, and start the scenario from its Exercise panel. "
                    "Whoever starts it facilitates: they see the injects coming, players only see them arrive."
                </p>
                {move || match scenarios.get() {
                    None => view! { <p role="status">"Loading…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                    Some(Ok(list)) => view! {
                        <ul class="plain scenario-list">
                            {list.into_iter().map(|s| view! {
                                <li class="card">
                                    <h2>{s.title}</h2>
                                    <p class="briefing">{s.briefing}</p>
                                    <p class="hint">{format!("{} injects · suggested crew: {}", s.injects, s.suggested_crew.join(", "))}</p>
                                    <p>"Scored on: " {s.expectations.join("; ")}</p>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
            </section>
            <CheckScenario />
        </main>
    }
}

/// Checks a trainer's own scenario file, pasted or uploaded.
#[component]
fn CheckScenario() -> impl IntoView {
    let text = RwSignal::new(EXAMPLE.to_owned());
    let result = RwSignal::new(None::<Result<ScenarioInfo, String>>);
    let check = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let body = text.get_untracked();
        spawn_local(async move { result.set(Some(api::check_scenario(body).await)) });
    };
    let load_file = move |ev: web_sys::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        spawn_local(async move {
            if let Ok(content) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                text.set(content.as_string().unwrap_or_default());
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="check-h">
            <h2 id="check-h">"Your own scenario"</h2>
            <form class="stack" on:submit=check>
                <label for="scenario-upload">"Upload a scenario file (.toml)"</label>
                <input id="scenario-upload" type="file" accept=".toml,text/plain" on:change=load_file />
                <label for="scenario-text">"Scenario file"</label>
                <textarea id="scenario-text" rows="14" class="mono" prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                <button type="submit" class="primary">"Check scenario"</button>
            </form>
            {move || result.get().map(|r| match r {
                Ok(s) => view! {
                    <p class="ok" role="status">{format!("Valid: \"{}\", {} injects, scored on {} expectations. Paste it into an exercise's Exercise panel to run it.", s.title, s.injects, s.expectations.len())}</p>
                }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            })}
        </section>
    }
}
