//! "Up" means up: once the server has printed its up-line, its store exists with its schema
//! (the SQLite file, or the migrated PostgreSQL database) and a SIGTERM is a graceful stop
//! (exit code 0), however soon it comes.

use crate::support::Server;

#[tokio::test]
async fn a_sigterm_right_after_the_up_line_is_a_graceful_stop() {
    for attempt in 0..5 {
        // `start` returns as soon as the up-line is read.
        let mut server = Server::start().await;
        server.terminate();
        let status = server.exited().await;
        assert!(
            status.success(),
            "attempt {attempt}: a clean exit on SIGTERM: {status}; its log:\n{}",
            server.log()
        );
        assert!(
            server.store_made().await,
            "attempt {attempt}: the store is made"
        );
    }
}
