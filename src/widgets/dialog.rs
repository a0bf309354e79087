//! The one modal dialog of the app. Every modal (the handover, the confirmation of resolving or
//! closing) is a [`Dialog`], so they all behave alike:
//!
//! - it opens with focus on its first field (or the element marked `data-autofocus`), because
//!   the person just asked for it;
//! - Tab and Shift+Tab stay inside it, wherever focus was (even on the page behind, after a
//!   click on the backdrop);
//! - Escape closes it, like its Cancel;
//! - when it closes, focus goes back to the element that opened it, or — if that element has
//!   gone, as the "Hand over" button does once the offer is made — to `return_to`.
//!
//! A prompt that arrives unasked (an offer of a role, "You have control") is never a `Dialog`:
//! it must not take the keyboard from whatever the person is typing.

use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// What can take focus inside a dialog, in document order.
const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]), \
     select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex=\"-1\"])";

/// A modal dialog over a backdrop, labelled by its heading (`labelled_by` is the heading's id).
#[component]
pub fn Dialog(
    /// The id of the element that names the dialog (its heading).
    labelled_by: &'static str,
    /// The id of the element that describes it, if any.
    #[prop(optional)]
    described_by: Option<&'static str>,
    /// More CSS classes for the dialog box.
    #[prop(optional)]
    class: &'static str,
    /// Called on Escape (the caller closes the dialog, as its Cancel does).
    on_close: Callback<()>,
    /// Where focus goes on closing when the element that opened the dialog is gone: an id.
    #[prop(optional, into)]
    return_to: Option<String>,
    children: Children,
) -> impl IntoView {
    // Built while the click that opens it is handled: what has focus now opened it.
    let opener = StoredValue::new_local(
        document()
            .active_element()
            .filter(|e| Some(e) != document().body().as_ref().map(AsRef::as_ref))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
    );
    let dialog_ref = NodeRef::<html::Div>::new();
    Effect::new(move |_| {
        if let Some(dialog) = dialog_ref.get() {
            let first = dialog
                .query_selector("[data-autofocus]")
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                .or_else(|| focusables(&dialog).into_iter().next());
            match first {
                Some(el) => {
                    let _ = el.focus();
                }
                None => {
                    let _ = dialog.focus();
                }
            }
        }
    });
    let keys = window_event_listener(ev::keydown, move |ev: web_sys::KeyboardEvent| {
        let Some(dialog) = dialog_ref.get_untracked() else {
            return;
        };
        match ev.key().as_str() {
            "Escape" => {
                ev.prevent_default();
                on_close.run(());
            }
            "Tab" => trap_tab(&dialog, &ev),
            _ => {}
        }
    });
    let keys = StoredValue::new_local(Some(keys));
    on_cleanup(move || {
        if let Some(keys) = keys.try_update_value(Option::take).flatten() {
            keys.remove();
        }
        let opener = opener.try_get_value().flatten();
        // After this render has settled: the opener may be redrawn or gone by then.
        set_timeout(
            move || restore_focus(opener.as_ref(), return_to.as_deref()),
            std::time::Duration::ZERO,
        );
    });
    view! {
        <div class="overlay">
            <div class=format!("dialog {class}") role="dialog" aria-modal="true" tabindex="-1"
                aria-labelledby=labelled_by aria-describedby=described_by node_ref=dialog_ref>
                {children()}
            </div>
        </div>
    }
}

/// The dialog's focusable elements that are shown, in document order.
fn focusables(dialog: &web_sys::HtmlElement) -> Vec<web_sys::HtmlElement> {
    let Ok(list) = dialog.query_selector_all(FOCUSABLE) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        .filter(|e| {
            let r = e.get_bounding_client_rect();
            r.width() > 0.0 || r.height() > 0.0
        })
        .collect()
}

/// Tab from the last element goes to the first, Shift+Tab from the first to the last, and
/// either from outside the dialog comes back into it.
fn trap_tab(dialog: &web_sys::HtmlElement, ev: &web_sys::KeyboardEvent) {
    let items = focusables(dialog);
    let (Some(first), Some(last)) = (items.first(), items.last()) else {
        ev.prevent_default();
        let _ = dialog.focus();
        return;
    };
    let active = document().active_element();
    let inside = active
        .as_ref()
        .is_some_and(|a| dialog.contains(Some(a.unchecked_ref())));
    let at = |el: &web_sys::HtmlElement| {
        active
            .as_ref()
            .is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>())
    };
    let target = if !inside {
        Some(if ev.shift_key() { last } else { first })
    } else if ev.shift_key()
        && (at(first)
            || active
                .as_ref()
                .is_some_and(|a| a == dialog.unchecked_ref::<web_sys::Element>()))
    {
        Some(last)
    } else if !ev.shift_key() && at(last) {
        Some(first)
    } else {
        None
    };
    if let Some(target) = target {
        ev.prevent_default();
        let _ = target.focus();
    }
}

/// Focus back where the dialog was opened from; else on `return_to` (made focusable by script
/// if it is not, like a heading); else where the browser leaves it.
fn restore_focus(opener: Option<&web_sys::HtmlElement>, return_to: Option<&str>) {
    if let Some(opener) = opener.filter(|o| o.is_connected()) {
        let _ = opener.focus();
        return;
    }
    let Some(el) = return_to
        .and_then(|id| document().get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    if !el.has_attribute("tabindex") && el.tab_index() < 0 {
        let _ = el.set_attribute("tabindex", "-1");
    }
    let _ = el.focus();
}
