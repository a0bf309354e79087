//! Bounds on what clients can make the server hold or do: how many WebSockets are open (in
//! all, from one address, and still to say hello), and how fast one participant may send —
//! counted across every connection they have open, so ten tabs get the limit of one.
//!
//! Each limit is a small map under a lock held for a count and nothing else. Every admitted
//! connection holds a guard that gives its place back when dropped, however the connection
//! ends. The buckets read no clock: the caller says what time it is (from [`crate::clock`]).
//! What a refused connection is told (4029, a `rate_limited` error) is the connection's.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use tokio::time::Instant;

/// How many connections the server takes.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Open WebSockets in all.
    pub total: usize,
    /// Open WebSockets from one client address.
    pub per_ip: usize,
    /// Connections open but still to say hello (each waits at most the hello timeout).
    pub before_hello: usize,
}

/// Which connection limit refused a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the server has too many connections; try again in a moment")]
    Total,
    #[error("too many connections from your address; close some tabs and try again")]
    PerIp,
    #[error("too many connections are still to say hello; try again in a moment")]
    BeforeHello,
}

#[derive(Default)]
struct Counts {
    total: usize,
    before_hello: usize,
    per_ip: HashMap<IpAddr, usize>,
}

/// The admission desk for WebSockets.
pub struct Admission {
    limits: ConnectionLimits,
    counts: Arc<Mutex<Counts>>,
}

/// One admitted connection's place; given back on drop.
pub struct Admitted {
    ip: IpAddr,
    greeted: bool,
    counts: Arc<Mutex<Counts>>,
}

impl Admission {
    pub fn new(limits: ConnectionLimits) -> Self {
        Self {
            limits,
            counts: Arc::default(),
        }
    }

    /// Takes a place for a new connection from `ip`, or says which limit is reached.
    pub fn admit(&self, ip: IpAddr) -> Result<Admitted, Refusal> {
        let mut counts = self.counts.lock().expect("admission counts poisoned");
        if counts.total >= self.limits.total {
            return Err(Refusal::Total);
        }
        if counts.before_hello >= self.limits.before_hello {
            return Err(Refusal::BeforeHello);
        }
        let from_ip = counts.per_ip.get(&ip).copied().unwrap_or(0);
        if from_ip >= self.limits.per_ip {
            return Err(Refusal::PerIp);
        }
        counts.total += 1;
        counts.before_hello += 1;
        counts.per_ip.insert(ip, from_ip + 1);
        Ok(Admitted {
            ip,
            greeted: false,
            counts: Arc::clone(&self.counts),
        })
    }

    /// How many connections are open.
    pub fn open(&self) -> usize {
        self.counts.lock().expect("admission counts poisoned").total
    }
}

impl Admitted {
    /// The connection said hello: it no longer counts against the before-hello limit.
    pub fn greeted(&mut self) {
        if !self.greeted {
            self.greeted = true;
            self.counts
                .lock()
                .expect("admission counts poisoned")
                .before_hello -= 1;
        }
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().expect("admission counts poisoned");
        counts.total -= 1;
        if !self.greeted {
            counts.before_hello -= 1;
        }
        if let Some(n) = counts.per_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                counts.per_ip.remove(&self.ip);
            }
        }
    }
}

/// A token bucket refilled continuously: `burst` messages at once, `rate` a second after.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    at: Instant,
}

impl TokenBucket {
    /// A full bucket, as of `now`.
    pub fn new(rate: f64, burst: f64, now: Instant) -> Self {
        Self {
            rate,
            burst,
            tokens: burst,
            at: now,
        }
    }

    /// Takes one token if there is one.
    pub fn take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.at = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Whether the bucket is full again, so forgetting it changes nothing.
    fn is_full(&self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens + elapsed * self.rate >= self.burst
    }
}

/// One bucket per key (a participant, a client address), shared by everything that key does.
/// Buckets that are full again are forgotten, so the map stays as small as the set of keys
/// that were busy recently.
pub struct Buckets<K> {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<K, TokenBucket>>,
}

/// Past this many keys, a take first forgets every full bucket.
const FORGET_ABOVE: usize = 1_024;

impl<K: Eq + Hash + Clone> Buckets<K> {
    pub fn new(rate: f64, burst: f64) -> Self {
        Self {
            rate,
            burst,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token from `key`'s bucket.
    pub fn take(&self, key: &K, now: Instant) -> bool {
        let mut buckets = self.buckets.lock().expect("rate buckets poisoned");
        if buckets.len() > FORGET_ABOVE {
            buckets.retain(|_, b| !b.is_full(now));
        }
        buckets
            .entry(key.clone())
            .or_insert_with(|| TokenBucket::new(self.rate, self.burst, now))
            .take(now)
    }

    /// The sustained rate, for error messages.
    pub fn rate(&self) -> f64 {
        self.rate
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn token_bucket_allows_a_burst_then_the_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(10.0, 3.0, start);
        assert!((0..3).all(|_| bucket.take(start)));
        assert!(!bucket.take(start));
        assert!(bucket.take(start + Duration::from_millis(100)));
        assert!(!bucket.take(start + Duration::from_millis(100)));
    }

    #[test]
    fn one_key_shares_one_bucket_and_others_have_their_own() {
        let now = Instant::now();
        let buckets = Buckets::new(1.0, 2.0);
        assert!(buckets.take(&"alice", now));
        assert!(buckets.take(&"alice", now));
        assert!(!buckets.take(&"alice", now), "two tabs, one bucket");
        assert!(buckets.take(&"bob", now));
    }

    #[test]
    fn admission_counts_every_limit_and_gives_places_back() {
        let desk = Admission::new(ConnectionLimits {
            total: 3,
            per_ip: 2,
            before_hello: 2,
        });
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let mut first = desk.admit(a).unwrap();
        let _second = desk.admit(a).unwrap();
        assert_eq!(desk.admit(b).err(), Some(Refusal::BeforeHello));
        first.greeted();
        assert_eq!(desk.admit(a).err(), Some(Refusal::PerIp));
        let third = desk.admit(b).unwrap();
        assert_eq!(desk.admit(b).err(), Some(Refusal::Total));
        drop(third);
        drop(first);
        assert_eq!(desk.open(), 1);
        assert!(desk.admit(a).is_ok());
    }
}
