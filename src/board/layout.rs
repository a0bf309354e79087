//! The cockpit's panes. On a wide screen every pane is in view at once (the style sheet lays
//! them out); on a phone one pane at a time, chosen with the tabs at the bottom, each with its
//! count.

use leptos::prelude::*;
use warroom_core::ActionState;

use crate::board::{Board, slice};
use crate::sync::Session;

/// A pane of the board, as the phone's tabs name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Timeline,
    Actions,
    Concerns,
    Checklists,
    Crew,
}

impl Pane {
    pub const ALL: [Pane; 5] = [
        Self::Timeline,
        Self::Actions,
        Self::Concerns,
        Self::Checklists,
        Self::Crew,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Timeline => "Timeline",
            Self::Actions => "Actions",
            Self::Concerns => "Concerns",
            Self::Checklists => "Checklists",
            Self::Crew => "Crew",
        }
    }

    /// The CSS class of the pane's wrapper, and the stem of its element id.
    pub fn class(self) -> &'static str {
        match self {
            Self::Timeline => "pane-timeline",
            Self::Actions => "pane-actions",
            Self::Concerns => "pane-concerns",
            Self::Checklists => "pane-checklists",
            Self::Crew => "pane-crew",
        }
    }
}

/// Which pane the phone shows, provided as context.
#[derive(Clone, Copy)]
pub struct PaneChoice(RwSignal<Pane>);

impl PaneChoice {
    pub fn new() -> Self {
        Self(RwSignal::new(Pane::Timeline))
    }

    pub fn get(self) -> Pane {
        self.0.get()
    }

    pub fn set(self, pane: Pane) {
        self.0.set(pane);
    }
}

impl Default for PaneChoice {
    fn default() -> Self {
        Self::new()
    }
}

/// The wrapper of one pane: always shown on a wide screen, on a phone only when chosen.
#[component]
pub fn PaneBox(pane: Pane, children: Children) -> impl IntoView {
    let choice = expect_context::<PaneChoice>();
    view! {
        <div id=pane.class() class=format!("pane {}", pane.class()) class:chosen=move || choice.get() == pane>
            {children()}
        </div>
    }
}

/// The phone's tabs: one per pane, with what it holds (entries, open actions, open concerns,
/// open checklist items, people connected).
#[component]
pub fn PaneTabs() -> impl IntoView {
    let choice = expect_context::<PaneChoice>();
    let board = expect_context::<Board>();
    let session = expect_context::<Session>();
    let counts = slice(board, |i| {
        [
            // Notes are numbered from 1 with no gaps, so the highest number on the board counts
            // them all, also when a join left the older ones out (a low count only if the
            // newest note itself is older than the page the join brought).
            i.notes.last_key_value().map_or(0, |(id, _)| id.0 as usize),
            i.actions.values().filter(|a| a.state.is_open()).count(),
            i.concerns.values().filter(|c| c.is_open()).count(),
            i.checklists
                .values()
                .map(|c| c.items.iter().filter(|i| i.is_open()).count())
                .sum(),
            0,
        ]
    });
    let waiting = slice(board, |i| {
        i.actions
            .values()
            .any(|a| a.state == ActionState::AwaitingReadback || a.state == ActionState::ReadBack)
    });
    let present = Memo::new(move |_| session.present.with(|p| p.len()));
    view! {
        <nav class="pane-tabs" aria-label="Panels">
            <div role="tablist" aria-label="Panels">
                {Pane::ALL.into_iter().enumerate().map(|(n, pane)| {
                    let count = move || if pane == Pane::Crew {
                        present.get()
                    } else {
                        counts.get().map_or(0, |c| c[n])
                    };
                    view! {
                        <button type="button" role="tab" class="pane-tab"
                            aria-selected=move || (choice.get() == pane).to_string()
                            aria-controls=pane.class()
                            class:attention=move || pane == Pane::Actions && waiting.get() == Some(true)
                            on:click=move |_| choice.set(pane)>
                            <span class="tab-name">{pane.label()}</span>
                            " "
                            <span class="tab-count">{count}</span>
                        </button>
                    }
                }).collect_view()}
            </div>
        </nav>
    }
}
