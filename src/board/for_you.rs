//! "For you": what waits on this person, from warroom-core's `for_you`, always in view. Each
//! item is a button that brings its row into view (switching the phone's panel first) and
//! puts the keyboard there; none of them acts by itself — answering an offer of command stays
//! a deliberate click in the offer prompt.

use leptos::prelude::*;
use warroom_core::for_you::{Target, Waiting, for_you};
use wasm_bindgen::JsCast;

use crate::board::layout::{Pane, PaneChoice};
use crate::board::{Board, now_on};
use crate::clock::Clock;
use crate::identity::Identity;

/// The element ids the row a target names may have (set by the rows themselves): an offer
/// is the recipient's prompt or the offerer's banner.
pub fn row_ids(target: Target) -> Vec<String> {
    match target {
        Target::Offer { role } => vec![
            "offer-prompt".to_owned(),
            format!("handover-{}", role.label().to_lowercase()),
        ],
        Target::Action { action } => vec![format!("action-{action}")],
        Target::Concern { concern } => vec![format!("concern-{concern}")],
        Target::ChecklistItem { checklist, item } => {
            vec![format!("checklist-{checklist}-item-{item}")]
        }
    }
}

fn pane_of(target: Target) -> Option<Pane> {
    match target {
        Target::Offer { .. } => None,
        Target::Action { .. } => Some(Pane::Actions),
        Target::Concern { .. } => Some(Pane::Concerns),
        Target::ChecklistItem { .. } => Some(Pane::Checklists),
    }
}

#[component]
pub fn ForYou() -> impl IntoView {
    let board = expect_context::<Board>();
    let identity = expect_context::<Identity>();
    let clock = expect_context::<Clock>();
    let pane = expect_context::<PaneChoice>();
    let me = identity.participant();
    let items = Memo::new(move |_| {
        let now = now_on(board, clock);
        board.state.with(|s| {
            s.as_ref()
                .map_or_else(Vec::new, |incident| for_you(incident, &me, now))
        })
    });
    let count = Memo::new(move |_| items.with(Vec::len));
    let any = Memo::new(move |_| count.get() > 0);
    let several = Memo::new(move |_| count.get() > 1);
    // On a phone only the first item shows until the list is opened.
    let open = RwSignal::new(false);
    let show = move |target: Target| {
        if let Some(p) = pane_of(target) {
            pane.set(p);
        }
        let ids = row_ids(target);
        // After the panel has been shown.
        request_animation_frame(move || bring_into_view(&ids));
    };
    view! {
        <section class="for-you" class:open=move || open.get() class:waiting=move || any.get()
            aria-labelledby="for-you-h">
            <h2 id="for-you-h">"For you" <span class="count">{move || any.get().then(|| format!(" {}", count.get()))}</span></h2>
            <Show when=move || any.get() fallback=|| view! { <p class="hint nothing">"Nothing waits on you."</p> }>
                <ul class="for-you-list" role="list">
                    <For each=move || items.get() key=|w| (w.key(), w.text.clone()) let:item>
                        <ForYouItem item=item show=show />
                    </For>
                </ul>
                <Show when=move || several.get()>
                    <button type="button" class="ghost small for-you-more" aria-expanded=move || open.get().to_string()
                        on:click=move |_| open.update(|o| *o = !*o)>
                        {move || if open.get() { "Show less".to_owned() } else { format!("Show all {}", count.get()) }}
                    </button>
                </Show>
            </Show>
        </section>
    }
}

#[component]
fn ForYouItem(
    item: Waiting,
    show: impl Fn(Target) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let target = item.target;
    view! {
        <li class="for-you-item" class:urgent=item.urgent>
            <button type="button" class="for-you-go" on:click=move |_| show(target)>
                <span class="due">{item.due.label()}</span>
                " "
                <span class="what">{item.text}</span>
            </button>
        </li>
    }
}

/// Scrolls the first of the elements `ids` there is into the middle of its pane and puts the
/// keyboard on it.
fn bring_into_view(ids: &[String]) {
    let Some(el) = ids.iter().find_map(|id| document().get_element_by_id(id)) else {
        return;
    };
    let options = web_sys::ScrollIntoViewOptions::new();
    options.set_block(web_sys::ScrollLogicalPosition::Center);
    el.scroll_into_view_with_scroll_into_view_options(&options);
    if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
        if !el.has_attribute("tabindex") {
            let _ = el.set_attribute("tabindex", "-1");
        }
        let _ = el.focus();
        let _ = el.class_list().add_1("flash");
        let el = el.clone();
        set_timeout(
            move || {
                let _ = el.class_list().remove_1("flash");
            },
            std::time::Duration::from_millis(1500),
        );
    }
}
