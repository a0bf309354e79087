//! The server's integration tests: one binary that starts the real `warroom` executable on
//! port 0 with a temporary data directory, and talks to it as browsers would, over real
//! WebSockets and plain HTTP. The same tests run on either store: SQLite by default,
//! PostgreSQL with `WARROOM_TEST_STORE=postgres` (`support/store.rs`; `cargo xtask test` runs
//! both). What only SQLite has (the frozen fixture, a data directory's file) stays on SQLite,
//! saying why.
//!
//! - [`support`]: the child server process, a WebSocket client that folds what it receives,
//!   and a tiny HTTP client.
//! - [`access`]: restricted incidents are invisible to non-members; invitations and observer
//!   links, and what revoking them does.
//! - [`sync`]: clients agree on one order of events; late joiners catch up exactly.
//! - [`resume`]: reconnecting clients get exactly what they missed; resent commands apply once.
//! - [`discipline`]: the sterile phase through the binary: only the commander runs it, a held
//!   note is acknowledged, survives a restart and is released.
//! - [`durability`]: a graceful restart and a `kill -9` lose no acknowledged event.
//! - [`errors`]: every HTTP failure of every endpoint, its status and its code, from one
//!   table.
//! - [`fixture`]: a frozen database of the first stored formats opens with its board; a
//!   snapshot that no longer decodes is ignored and the board rebuilt from the log.
//! - [`presence`]: a client that stops answering (its TCP connection still open) is shown as
//!   not connected to the others within the heartbeat timeout; one that only listens stays.
//! - [`race`]: many clients racing for the commander's seat leave exactly one commander.
//! - [`fault`]: the fault run behind HAProxy — cut sockets and `kill -9` of replicas while
//!   clients post and resend; every acknowledged command once, in order (ignored by default;
//!   `cargo xtask test` runs it).
//! - [`replicas`]: several servers on one PostgreSQL database (whichever store the rest runs
//!   on): live events everywhere, a handoff across replicas, concurrent writers in one order
//!   with each command once, the scenario clock once, also after `kill -9` of its holder.
//! - [`startup`]: a SIGTERM right after the up-line is a graceful stop, the database made.
//! - [`stores`]: the store through the library: `warroom migrate` (once, then nothing, a
//!   newer schema refused) and two writers racing for one head (one wins, one conflicts).
//! - [`hostile`]: oversized, malformed, flooding, cross-origin and stalled clients.
//! - [`identity`]: nobody can act as somebody else — hello, every HTTP endpoint, the script,
//!   delete, proxy headers — and sessions are issued, renamed and ended by the server.
//! - [`oidc`]: `--auth oidc` against a provider made for the test: the whole sign-in, the same
//!   subject as the same participant, replayed and carried-off callbacks, forged tokens
//!   (audience, nonce, PKCE), refused domains, and the settings checked at start.
//! - [`assets`]: the app's files precompressed (brotli, gzip) as `Accept-Encoding` asks, with
//!   `Vary`, the right length and a body that decodes to the file.
//! - [`web`]: the web's defences — cross-site simple POSTs (415), a foreign `Host` (DNS
//!   rebinding), security headers — and the connection limits.
//! - [`tls`]: `--tls-cert`/`--tls-key` — https and wss with a certificate made for the run,
//!   `Secure` cookies and HSTS, plain http refused, stalled handshakes, unusable files.
//! - [`postmortem`]: recording after the fact — a retrospective declaration, a backdated
//!   note, follow-ups after close — and an import whose recorded times go backwards refused.
//! - [`operator`]: `/metrics` scraped after traffic and read strictly as Prometheus text (each
//!   family, its type, the counters the traffic moved, no incident's content, the token),
//!   `/readyz` ready and not ready, a client cut off for silence counted.
//! - [`backup`]: `warroom backup` in the middle of a write burst holds every event
//!   acknowledged before it began; no overwrite without `--force`; its exit codes.
//! - [`archive`]: exports over HTTP and the `warroom export` / `import` commands; export →
//!   import → export gives the same bytes.
//!
//! - [`openapi`]: the OpenAPI document validates, its references resolve, and it lists every
//!   `/api` route the server serves.
//! - [`rest`]: the REST API with a token (and a session): declare, note, status through the
//!   room's rules, idempotent retries, strict bodies.
//! - [`tokens`]: integration tokens — the CLI, the admin endpoints, 401 for unknown and
//!   revoked tokens, 403 without the scope, and no secret in the server's log.
//! - [`webhooks`]: outbound webhooks to a receiver in the test — signed, in order per
//!   incident, retried through failures and a restart, duplicates told by their key; the
//!   admin API and the `warroom webhook` command.
//!
//! Every wait has a deadline, so a broken server fails a test instead of hanging it.

mod access;
mod alerts;
mod archive;
mod assets;
mod backup;
mod discipline;
mod durability;
mod errors;
mod fault;
mod fixture;
mod hostile;
mod identity;
mod oidc;
mod openapi;
mod operator;
mod postmortem;
mod presence;
mod race;
mod replicas;
mod rest;
mod resume;
mod startup;
mod stores;
mod support;
mod sync;
mod timeline;
mod tls;
mod tokens;
mod web;
mod webhooks;
