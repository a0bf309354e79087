//! Time on the board: a ticking "now" corrected by the server's clock, and the `T+hh:mm:ss`
//! and UTC formats every screen uses.

use chrono::{TimeZone, Utc};
use gloo_timers::callback::Interval;
use leptos::prelude::*;
use warroom_core::Timestamp;

/// The current time as the server sees it, ticking once a second. Provided as context.
#[derive(Clone, Copy)]
pub struct Clock {
    now_ms: RwSignal<f64>,
    /// Server clock minus browser clock, learnt from the server's welcome.
    offset_ms: RwSignal<f64>,
}

impl Clock {
    pub fn start() -> Self {
        let now_ms = RwSignal::new(js_sys::Date::now());
        let interval = Interval::new(1_000, move || now_ms.set(js_sys::Date::now()));
        // The clock ticks for the life of the page.
        interval.forget();
        Self {
            now_ms,
            offset_ms: RwSignal::new(0.0),
        }
    }

    /// Now, by the server's clock. Reading it subscribes to the tick.
    pub fn now(&self) -> Timestamp {
        let ms = self.now_ms.get() + self.offset_ms.get_untracked();
        Utc.timestamp_millis_opt(ms as i64)
            .single()
            .unwrap_or_default()
    }

    pub fn set_server_time(&self, server: Timestamp) {
        self.offset_ms
            .set(server.timestamp_millis() as f64 - js_sys::Date::now());
    }
}

pub use warroom_core::metrics::{hms, t_plus};

/// `mm:ss` for a countdown; negative values read as overdue.
pub fn countdown(seconds: i64) -> String {
    let s = seconds.abs();
    let text = if s >= 3600 {
        hms(s)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    };
    if seconds < 0 {
        format!("-{text}")
    } else {
        text
    }
}

/// `14:03:27Z`.
pub fn utc_time(at: Timestamp) -> String {
    format!("{}Z", warroom_core::time::hh_mm_ss(at))
}

/// The same moment in the browser's time zone, for hover titles.
pub fn local_time(at: Timestamp) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ));
    let text: String = date
        .to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED)
        .into();
    format!("{text} (local time)")
}
