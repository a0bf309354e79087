//! Warroom's incident domain: the rules of command, as commands and events, and the wire
//! protocol that carries them. The browser app and the server both compile this crate, so the
//! live board, a replayed board and an export can never disagree.
//!
//! **This crate does no I/O**: no async runtime, database, network, DOM, clock reads or
//! randomness. Time, identity and presence arrive in [`Context`]; ids arrive in commands or
//! are counted from the state. `tests/purity.rs` checks the dependency tree for I/O crates and
//! `clippy.toml` forbids clock reads.
//!
//! # Layers
//! The modules form four layers. Each module uses only modules of its own layer or of the
//! layers below it, and the uses form no cycle, within a layer either (`tests/layers.rs` checks
//! both, from the sources, and a new module fails it until its table places the module): the
//! board knows nothing of the rules, the rules nothing of the reports, and nothing below the
//! wire knows there is a wire. Inside the crate, items are reached by their module's path, not
//! through the re-exports at the root.
//!
//! 1. **Model**, what an incident *is*:
//!    - [`ids`]: participant, incident and command ids (validated text), numbered ids.
//!    - [`time`]: [`Timestamp`] and the duration helpers (`seconds`, `hms`, `t_plus`).
//!    - [`incident`]: the board's state and read-only questions about it, in its plain serde
//!      form (what the export writes).
//!    - [`rejection`]: a refusal in plain words, with a code.
//!    - [`templates`]: built-in checklists.
//!    - [`scenario`]: training scenarios: the file format and when injects fire.
//! 2. **Rules**, how it changes:
//!    - [`command`] → [`decide()`](decide::decide) → [`event`]: every rule lives in `decide`;
//!      it returns events or a [`Rejection`] in plain words. Events are the stored contract.
//!    - [`apply()`](apply::apply): folds a recorded event into the state; no rules, cannot
//!      fail.
//!    - [`replay`](mod@replay): the fold of a whole log, and the board at any sequence from
//!      checkpoints (the flight recorder).
//! 3. **Read models**, what the board and the log say, computed on demand:
//!    - [`narrate`]: each event as a timeline sentence.
//!    - [`alerts`]: the annunciator's logic — which warnings, cautions and advisories stand.
//!    - [`brief`]: drafting the ICS-201-style handoff brief from the board.
//!    - [`closing`]: what is still open when the commander resolves or closes the incident.
//!    - [`metrics`]: how the incident was run.
//!    - [`score`]: a drill's scorecard against its scenario's expectations.
//!    - [`export`]: the JSON export (log + derived board and metrics) and the Markdown
//!      postmortem draft.
//! 4. **Wire**, what travels between browser and server:
//!    - [`protocol`]: the WebSocket's JSON messages, and the board's columnar snapshot encoding
//!      ([`protocol::BoardWire`]).
//!    - [`api`]: the HTTP API's bodies.
//!    - [`alertmanager`]: Prometheus Alertmanager's webhook notification and how it becomes
//!      an alert group's state (the label → level mapping, the bounds).
//!    - [`client`]: the client half of the protocol as a pure state machine
//!      ([`ClientSync`](client::ClientSync)), driven by the browser, the test client and the
//!      bench.
//!
//! The crate root only re-exports the items most callers need.
//!
//! # The rules
//! Every command except `declare` and `join` needs a declared, open incident and an actor who
//! has joined it. A closed incident is read-only, but for the postmortem's title, impact and
//! follow-ups (`decide::postmortem::after_close`). Notes, status and severity changes and the
//! declaration may say when they happened (`decide::occurred`).
//!
//! | command | who may | refused when |
//! | --- | --- | --- |
//! | declare | anyone | already declared; title or name empty or too long |
//! | join | anyone (sent by the server on hello) | name empty or too long |
//! | set severity, set status | the commander (closing ends a sterile phase, releasing its notes) | unchanged; closing before resolved or with a safety issue open |
//! | set summary, set cadence | commander or communications | empty text; cadence outside 1–240 min |
//! | offer role | its holder | recipient absent, not joined or oneself; an offer already open; Commander without a brief; Deputy to the commander |
//! | accept, decline | the offer's recipient | no open offer; accepted twice; decline without reason |
//! | confirm handover | the offerer | not yet accepted; recipient no longer present |
//! | cancel offer | the offerer | no open offer |
//! | claim role | anyone | Commander; role held; Deputy by the commander |
//! | release role | its holder | Commander (hand it over instead) |
//! | assume role | anyone present | holder connected; role vacant; no reason; Deputy by the commander |
//! | start sterile phase | the commander | a phase on already; no reason |
//! | end sterile phase | the commander | no phase on |
//! | set span of control | the commander | outside 1–20; unchanged |
//! | post note | anyone (held back during a sterile phase unless essential) | text empty or over 4,000 characters |
//! | amend note | its author | retracted; unchanged |
//! | retract note | its author or the commander | retracted already; no reason |
//! | pin / unpin note | anyone | retracted; already so; queued by a sterile phase |
//! | assign action | commander, deputy or operations | assignee never joined; time box outside 1–1440 min |
//! | read back | the assignee | not awaiting a readback |
//! | confirm / correct readback | the assigner or the commander | no readback to hear |
//! | complete action | assignee, assigner or commander | loop not closed (readback unconfirmed) |
//! | cancel action | the assigner or the commander | already done or cancelled |
//! | raise concern, raise again | anyone | empty text |
//! | acknowledge concern | the commander | acknowledged already; empty response |
//! | start / create checklist, add item | anyone | unknown template; empty text |
//! | check item | anyone (a cadence item changing the cadence: commander or communications) | checked already; value missing where asked, or given to a tick; a cadence item's value not 1–240 minutes |
//! | uncheck item | anyone | not checked |
//! | mark not applicable | anyone | not open; no reason |
//! | start scenario | anyone holding no role, on an exercise | real incident; one ran already; bad file |
//! | pause, resume, end scenario; fire inject | the facilitator | no scenario; ended; already so; inject fired already |
//! | set title | the commander (also after close) | empty or too long; unchanged |
//! | set impact | the commander (also after close) | a time in the future or too early; end before start |
//! | add / update follow-up | anyone who has joined (also after close) | see `decide::postmortem` |
//!
//! **Invariant:** from declaration until close there is exactly one commander — the type says
//! so ([`Incident::commander`] is not optional) — and the commander is never the deputy.
//!
//! **Invariant:** a role changes holder only through `RoleHandedOver` (offered, accepted, then
//! confirmed while the recipient is present), `RoleClaimed` (a vacant non-Commander role),
//! `RoleReleased` (a non-Commander role) or `RoleAssumed` (the holder was not connected).

// Model.
pub mod ids;
pub mod incident;
pub mod rejection;
pub mod scenario;
pub mod tagged;
pub mod templates;
pub mod time;

// Rules.
pub mod apply;
pub mod command;
pub mod decide;
pub mod event;
pub mod import;
pub mod replay;

// Read models.
pub mod alerts;
pub mod brief;
pub mod closing;
pub mod export;
pub mod for_you;
pub mod metrics;
pub mod narrate;
pub mod score;

// Wire.
pub mod alertmanager;
pub mod api;
pub mod client;
pub mod protocol;

pub use apply::apply;
pub use brief::{HandoffBrief, draft_brief};
pub use command::{Command, CommandKind};
pub use decide::{Context, decide, display_name, execute};
pub use event::{Event, EventKind, NewItem, Recorded};
pub use ids::{
    ActionId, ChecklistId, CommandId, ConcernId, FollowUpId, IncidentId, LinkId, NoteId,
    ParticipantId, Seq, TextId,
};
pub use incident::*;
pub use rejection::{Rejection, RejectionCode};
pub use replay::replay;
