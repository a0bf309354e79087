//! "Import timeline", the commander's, in the Postmortem panel: a timeline file (CSV or JSON,
//! the format of `warroom import --timeline`) entered into this incident, open or closed,
//! over `POST /api/incidents/{id}/timeline` — every row or none. The entries arrive on the
//! board like any others, marked "imported"; a bad row is named at the field, and nothing is
//! entered.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::api;
use crate::sync::Session;

#[component]
pub fn ImportTimeline() -> impl IntoView {
    let session = expect_context::<Session>();
    let file = RwSignal::new(None::<(String, String)>);
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let input = NodeRef::<leptos::html::Input>::new();
    let pick = move |ev: web_sys::Event| {
        error.set(None);
        done.set(None);
        let Some(picked) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|i| i.files())
            .and_then(|f| f.get(0))
        else {
            file.set(None);
            return;
        };
        let name = picked.name();
        spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(picked.text()).await {
                Ok(text) => file.set(Some((name, text.as_string().unwrap_or_default()))),
                Err(_) => error.set(Some(format!("“{name}” could not be read."))),
            }
        });
    };
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Some((name, text)) = file.get_untracked() else {
            error.set(Some("Choose a timeline file first (CSV or JSON).".into()));
            if let Some(i) = input.get_untracked() {
                let _ = i.focus();
            }
            return;
        };
        busy.set(true);
        error.set(None);
        done.set(None);
        let incident = session.incident.get_value();
        spawn_local(async move {
            match api::import_timeline(&incident, text).await {
                Ok(made) => {
                    done.set(Some(format!(
                        "Imported {} row{} from “{name}”.",
                        made.rows,
                        if made.rows == 1 { "" } else { "s" }
                    )));
                    file.set(None);
                    if let Some(i) = input.get_untracked() {
                        i.set_value("");
                    }
                }
                Err(e) => {
                    error.set(Some(format!("Nothing was imported: {e}")));
                    if let Some(i) = input.get_untracked() {
                        let _ = i.focus();
                    }
                }
            }
            busy.set(false);
        });
    };
    view! {
        <form class="import-timeline" on:submit=submit>
            <label for="pm-timeline">"Timeline file (CSV or JSON)"</label>
            <input id="pm-timeline" type="file" node_ref=input
                accept=".csv,.json,text/csv,application/json"
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby=move || if error.with(Option::is_some) { "pm-timeline-error" } else { "pm-timeline-hint" }
                on:change=pick />
            <button type="submit" disabled=move || busy.get()>
                {move || if busy.get() { "Importing…" } else { "Import timeline" }}
            </button>
            <p class="hint" id="pm-timeline-hint">
                "Rows of time, precision, actor, kind, text — notes only; every row is entered, or none. Each entry is marked “imported”."
            </p>
            {move || error.get().map(|e| view! { <p class="field-error" id="pm-timeline-error" role="alert">{e}</p> })}
            {move || done.get().map(|d| view! { <p role="status">{d}</p> })}
        </form>
    }
}
