//! Stopping the server: the signal that tells every room and connection to finish, and the
//! tracker that knows when they all have, so `run` waits for exactly that and no longer.
//!
//! It owns neither rooms nor sockets: each task spawned through [`Shutdown::spawn`] watches
//! [`Shutdown::signalled`] and ends on its own (a connection closes with 1001 "going away", a
//! room flushes its batch and closes its subscribers). The HTTP connections themselves are
//! axum's graceful shutdown's to wait for.

use std::future::Future;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The server's stop signal and the tasks that must end before it stops. Clones share both.
#[derive(Debug, Clone, Default)]
pub struct Shutdown {
    signal: CancellationToken,
    tasks: TaskTracker,
}

impl Shutdown {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `task` as one the server waits for when it stops (a room, a WebSocket).
    pub fn spawn<F>(&self, task: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.tasks.spawn(task)
    }

    /// Tells every task to finish.
    pub fn signal(&self) {
        self.signal.cancel();
    }

    /// Whether the server is stopping.
    pub fn is_signalled(&self) -> bool {
        self.signal.is_cancelled()
    }

    /// Resolves once the server is stopping (at once if it already is).
    pub async fn signalled(&self) {
        self.signal.cancelled().await;
    }

    /// Waits, up to `limit`, for every task spawned through [`Shutdown::spawn`] to end; no
    /// new ones are expected after the signal. `false` if some were still running.
    pub async fn finished(&self, limit: Duration) -> bool {
        self.tasks.close();
        tokio::time::timeout(limit, self.tasks.wait()).await.is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn finished_waits_for_the_tasks_that_heed_the_signal() {
        let shutdown = Shutdown::new();
        let heeds = shutdown.clone();
        let done = shutdown.spawn(async move {
            heeds.signalled().await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        });
        shutdown.signal();
        assert!(shutdown.is_signalled());
        assert!(shutdown.finished(Duration::from_secs(10)).await);
        assert!(done.is_finished(), "finished means the task ended");

        let stubborn = Shutdown::new();
        stubborn.spawn(std::future::pending::<()>());
        stubborn.signal();
        assert!(!stubborn.finished(Duration::from_millis(20)).await);
    }
}
