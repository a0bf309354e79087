//! Whether the link is alive, and what to do when it is not: the application pings, the
//! judgement of silence, the browser's own `offline`/`online` news, and reconnecting with
//! backoff. The rest of the protocol stays in `client.rs`.
//!
//! **The rule.** The link is taken for lost when a request (hello, a submit or its resend, a
//! ping) has had nothing at all come back — no reply, no event, no presence — for a limit that
//! depends on what is at stake: [`BUSY_REPLY_LIMIT_MS`] while a command of this person's is
//! pending, [`IDLE_REPLY_LIMIT_MS`] otherwise, [`CATCH_UP_LIMIT_MS`] until the board has caught
//! up with its welcome. Silence is measured from the first *unanswered request*, never from the
//! last message heard, so a background tab whose timers the browser slowed down does not take a
//! quiet server for a dead one: it pings on its next tick and judges from then.
//!
//! Timings, worst case (ticks every [`TICK_EVERY_MS`]):
//! - a command submitted on a dead link: lost ≤ 3.5 + 0.5 = 4 s after the submit (a ping goes
//!   with it, so the answer does not wait on the room's write);
//! - a link that dies while idle: the next ping is ≤ 3 s away, lost ≤ 6.5 s after it, ≤ 9.5 s;
//! - the browser says it is offline: at once.

use super::{ClientSync, Conn, Effect, Link};
use crate::protocol::ClientMessage;

/// How often the driver should call [`ClientSync::tick`]: the resolution of every timing here.
/// A tick is a comparison of numbers, so ticking often costs nothing; pings go by their own
/// intervals.
pub const TICK_EVERY_MS: u32 = 500;
/// How often an idle client pings. A little under the server's default heartbeat (3 s): the
/// server pings only connections it has not heard from for a heartbeat, so a browser's own
/// pings spare it the server's, and an idle board costs one small exchange every 2.5–3 s —
/// what keeps a mobile radio awake no longer than the server's heartbeat alone would.
pub const IDLE_PING_EVERY_MS: f64 = 2_500.0;
/// How long an idle client waits for any answer to a request before it takes the link for
/// lost: a little over two idle pings, so one lost pong on a lossy mobile link is forgiven.
pub const IDLE_REPLY_LIMIT_MS: f64 = 6_000.0;
/// How often a client pings while one of its commands is pending: every second, so that a
/// reply is never far away while someone waits for theirs.
pub const BUSY_PING_EVERY_MS: f64 = 1_000.0;
/// How long a client with a command pending waits for any answer before it takes the link for
/// lost: with the tick, within 4 s the person sees their board offline rather than a note
/// "sending…" on a board saying "Live". Pongs come from the connection, not the room, so a
/// slow write never trips it; a link slower than this to answer a ping is one to reconnect.
pub const BUSY_REPLY_LIMIT_MS: f64 = 3_500.0;
/// How long a client waits for its welcome and the catch-up after it (a snapshot of a long
/// incident over a slow link arrives as one message, with nothing heard meanwhile).
pub const CATCH_UP_LIMIT_MS: f64 = 30_000.0;
/// How long a socket may take to open (the TCP and WebSocket handshakes) before it is given
/// up on and tried again: a network that drops packets leaves a browser's socket "connecting"
/// for minutes otherwise.
pub const OPEN_LIMIT_MS: f64 = 10_000.0;
/// While the browser says it is offline, how long until the next attempt anyway (the browser
/// may be wrong); `online` tries at once.
pub const OFFLINE_RETRY_MS: f64 = 15_000.0;
/// A reconnect timer that fires this early is still the one due (timers and clocks are not
/// exact); one firing earlier is a stale timer and opens nothing.
const TIMER_SLACK_MS: f64 = 50.0;

impl ClientSync {
    /// The heartbeat, due every [`TICK_EVERY_MS`]: gives up on a link whose requests go
    /// unanswered for too long (see the module docs), else pings when one is due.
    pub fn tick(&mut self, now: f64) -> Vec<Effect> {
        let mut out = Vec::new();
        if self.conn == Conn::Opening {
            // A socket still opening on a network that swallows its handshake.
            if self
                .unanswered_since
                .is_some_and(|since| now - since > OPEN_LIMIT_MS)
            {
                self.abandon(now, &mut out);
            }
            return out;
        }
        if !matches!(self.conn, Conn::Hello | Conn::Live) {
            return out;
        }
        if let Some(since) = self.unanswered_since
            && now - since > self.reply_limit()
        {
            // Half-open, or gone without a close: start over.
            self.abandon(now, &mut out);
            return out;
        }
        let every = if self.is_busy() {
            BUSY_PING_EVERY_MS
        } else {
            IDLE_PING_EVERY_MS
        };
        if self.conn == Conn::Live && now - self.last_ping_ms >= every {
            self.ping(now, &mut out);
        }
        out
    }

    /// The browser says it has lost the network: show offline now, drop the socket (whatever
    /// it still seems to be), and try again only when the browser says `online`, or after
    /// [`OFFLINE_RETRY_MS`] in case it is wrong.
    pub fn browser_offline(&mut self, now: f64) -> Vec<Effect> {
        let mut out = Vec::new();
        if self.conn == Conn::Stopped {
            return out;
        }
        self.offline = true;
        if self.conn != Conn::Down {
            out.push(Effect::Disconnect);
        }
        self.conn = Conn::Down;
        self.schedule(now + OFFLINE_RETRY_MS, &mut out);
        out
    }

    /// The browser says the network is back: reconnect now, from a fresh backoff, unless a
    /// connection is already open or opening.
    pub fn browser_online(&mut self, now: f64) -> Vec<Effect> {
        self.offline = false;
        if self.conn != Conn::Down {
            return Vec::new();
        }
        self.attempt = 0;
        self.retry_at = Some(now);
        vec![Effect::ReconnectAt(now)]
    }

    /// Whether a reconnect timer firing at `now` is the one due; a stale one opens nothing.
    pub(super) fn reconnect_due(&self, now: f64) -> bool {
        self.conn == Conn::Down && self.retry_at.is_none_or(|at| now + TIMER_SLACK_MS >= at)
    }

    /// Something came from the server: every request so far is answered.
    pub(super) fn heard(&mut self, now: f64) {
        self.last_heard_ms = now;
        self.unanswered_since = None;
    }

    /// A request went out at `now`, to be answered.
    pub(super) fn asked(&mut self, now: f64) {
        self.unanswered_since.get_or_insert(now);
    }

    pub(super) fn ping(&mut self, now: f64, out: &mut Vec<Effect>) {
        self.last_ping_ms = now;
        self.asked(now);
        let ping = ClientMessage::Ping { nonce: now as u64 };
        out.push(Effect::Send(ping.to_json()));
    }

    /// Whether a command of this client's waits for its answer.
    fn is_busy(&self) -> bool {
        !self.pending.is_empty()
    }

    fn reply_limit(&self) -> f64 {
        if !self.caught_up() {
            CATCH_UP_LIMIT_MS
        } else if self.is_busy() {
            BUSY_REPLY_LIMIT_MS
        } else {
            IDLE_REPLY_LIMIT_MS
        }
    }

    /// Gives up on the current socket (out of step, or silent) and reconnects.
    pub(super) fn abandon(&mut self, now: f64, out: &mut Vec<Effect>) {
        self.conn = Conn::Down;
        out.push(Effect::Disconnect);
        self.reconnect(now, out);
    }

    pub(super) fn reconnect(&mut self, now: f64, out: &mut Vec<Effect>) {
        self.conn = Conn::Down;
        if self.offline {
            self.schedule(now + OFFLINE_RETRY_MS, out);
            return;
        }
        let attempt = self.attempt;
        self.attempt = attempt.saturating_add(1);
        // Exponential backoff from half a second, capped at eight, with jitter so that a
        // room full of browsers does not reconnect in lockstep after a restart.
        let base = (500.0 * 2f64.powi(attempt.min(4) as i32)).min(8_000.0);
        let retry_at_ms = now + base * (0.5 + 0.5 * self.jitter());
        self.schedule(retry_at_ms, out);
    }

    /// Offline until `retry_at_ms`, when the next attempt is due (any earlier timer is stale).
    fn schedule(&mut self, retry_at_ms: f64, out: &mut Vec<Effect>) {
        self.retry_at = Some(retry_at_ms);
        out.push(Effect::Link(Link::Offline { retry_at_ms }));
        out.push(Effect::ReconnectAt(retry_at_ms));
    }

    /// A number in [0, 1) from the seed (splitmix64).
    fn jitter(&mut self) -> f64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}
