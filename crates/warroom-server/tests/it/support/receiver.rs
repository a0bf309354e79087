//! A webhook receiver inside the test: an axum server on a free port that keeps every request
//! it gets (headers and body) and answers 500 while it is told to fail (for its next N
//! requests, or until it is brought back up), else 200 — or, once, takes a request and never
//! answers it.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;

use super::WAIT;

/// One request as the receiver got it, and what it answered.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub event: String,
    pub key: String,
    pub timestamp: i64,
    pub signature: String,
    pub body: String,
    pub answered: u16,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct Inner {
    got: Vec<Received>,
    /// Requests still to answer 500.
    fail_next: u32,
    down: bool,
    /// Take the next request as delivered, but never finish answering it.
    stall_next: bool,
}

/// The receiver; dropping it stops it.
pub struct Receiver {
    pub port: u16,
    inner: Arc<Mutex<Inner>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// A receiver that answers 500 to its first `fail_first` requests.
    pub async fn start(fail_first: u32) -> Self {
        let inner = Arc::new(Mutex::new(Inner {
            fail_next: fail_first,
            ..Inner::default()
        }));
        let app = Router::new()
            .route("/{*path}", post(hook))
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port for the receiver");
        let port = listener.local_addr().expect("an address").port();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("the receiver serves");
        });
        Self { port, inner, task }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }

    /// Answer 500 to everything until [`Receiver::stall_next`].
    pub fn down(&self) {
        self.inner.lock().unwrap().down = true;
    }

    /// The next request is kept as answered 200, but the answer never leaves: the sender is
    /// left waiting (and, if it stops then, cannot know it was delivered).
    pub fn stall_next(&self) {
        let mut inner = self.inner.lock().unwrap();
        inner.down = false;
        inner.stall_next = true;
    }

    /// Every request so far, in the order they arrived.
    pub fn got(&self) -> Vec<Received> {
        self.inner.lock().unwrap().got.clone()
    }

    /// Waits until `done` holds of what has arrived; what had arrived by then.
    pub async fn until(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let got = self.got();
            if done(&got) {
                return got;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("the receiver never got {what}; it got: {got:#?}");
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn hook(
    State(inner): State<Arc<Mutex<Inner>>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (stall, answered) = {
        let mut inner = inner.lock().unwrap();
        let stall = std::mem::take(&mut inner.stall_next);
        let fail = !stall && (inner.down || inner.fail_next > 0);
        inner.fail_next = inner.fail_next.saturating_sub(1);
        let answered = if fail {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::OK
        };
        inner.got.push(Received {
            path: uri.path().to_owned(),
            event: header("warroom-event"),
            key: header("idempotency-key"),
            timestamp: header("warroom-timestamp").parse().unwrap_or_default(),
            signature: header("warroom-signature"),
            body,
            answered: answered.as_u16(),
        });
        (stall, answered)
    };
    if stall {
        tokio::time::sleep(std::time::Duration::from_secs(120)).await;
    }
    answered
}
