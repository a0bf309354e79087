//! What every test needs to talk to a real server: the child process ([`Server`]), a WebSocket
//! client that checks and folds what it receives ([`Client`]), a tiny HTTP/1.1 client, TLS for
//! both with a certificate made for the run ([`TestTls`]), the `warroom` commands that work
//! on a data directory directly ([`warroom`]), on the store the suite runs against (SQLite,
//! or with `WARROOM_TEST_STORE=postgres` a PostgreSQL database per server), and a strict
//! reader of Prometheus text ([`prometheus`]).
//!
//! Nothing here asserts anything about the server's behaviour beyond the protocol's own
//! promises, which every client checks as it reads: events arrive in order without gaps or
//! duplicates, and fold into a board with `warroom_core::apply`.

pub mod balancer;
mod cli;
mod client;
mod http;
pub mod prometheus;
mod receiver;
mod server;
mod store;
mod tls;

use std::time::Duration;

pub use cli::{warroom, warroom_with_input};
pub use client::{Answer, Client, Incoming, Replica, answer_to, posted};
pub use http::Response as HttpResponse;
pub use receiver::{Received, Receiver};
pub use server::{Person, Server};
pub use store::ScratchStore;
pub use tls::TestTls;
use warroom_core::{Command, NoteKind};

/// How long any single wait may take before the test fails. Generous: the machine may be busy;
/// a healthy server answers in milliseconds.
pub const WAIT: Duration = Duration::from_secs(20);

/// A `post_note` command with this text.
pub fn note(text: impl Into<String>) -> Command {
    Command::PostNote {
        kind: NoteKind::Observation,
        text: text.into(),
        essential: false,
        occurred_at: None,
        precision: None,
    }
}
