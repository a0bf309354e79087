//! `docs/protocol.md` is the protocol's reference, so its examples must be real messages.
//!
//! Every ` ```json ` block in it must parse as exactly one of [`ClientMessage`],
//! [`ServerMessage`], [`Command`] or [`Recorded`], serialise back to the very JSON the doc
//! shows (so a misspelt or missing field cannot hide behind serde's leniency), and survive a
//! round trip through text. Blocks fenced ` ```json http ` are HTTP bodies, whose types live in
//! the server; they need only be valid JSON.
//!
//! Every message, command and event type must have an example, and every error and rejection
//! code a row. The lists of types come from serde itself, so adding a variant fails this test
//! until the doc shows it.

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;

use serde::Serialize;
use serde::de::value::{MapDeserializer, StrDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer};
use serde_json::Value;
use strum::{IntoEnumIterator as _, VariantNames as _};
use warroom_core::protocol::{ClientMessage, ErrorCode, ServerMessage, close};
use warroom_core::{Command, CommandKind, Event, EventKind, Recorded, RejectionCode};

#[test]
fn every_json_block_is_a_real_message() {
    let doc = doc();
    let mut failures = Vec::new();
    for block in json_blocks(&doc) {
        if let Err(why) = read(&block) {
            failures.push(format!("docs/protocol.md:{}: {why}", block.line));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_message_command_and_event_type_has_an_example() {
    let seen = Seen::of(&doc());
    let expected = [
        ("client message", tags::<ClientMessage>(), &seen.client),
        ("server message", tags::<ServerMessage>(), &seen.server),
        ("command", tags::<Command>(), &seen.command),
        ("event", tags::<Event>(), &seen.event),
    ];
    let mut missing = Vec::new();
    for (kind, tags, seen) in &expected {
        assert!(!tags.is_empty(), "serde listed no {kind} types");
        missing.extend(
            tags.iter()
                .filter(|tag| !seen.contains(**tag))
                .map(|tag| format!("{kind} `{tag}`")),
        );
    }
    assert!(
        missing.is_empty(),
        "docs/protocol.md has no example of: {}",
        missing.join(", ")
    );
}

/// `Event::name` and `Command::name` (strum's names) are the `type` tags serde writes.
#[test]
fn the_derived_names_are_the_wire_names() {
    let events: BTreeSet<&str> = EventKind::iter().map(<&str>::from).collect();
    assert_eq!(events, tags::<Event>());
    let commands: BTreeSet<&str> = CommandKind::iter().map(<&str>::from).collect();
    assert_eq!(commands, tags::<Command>());
    let clients: BTreeSet<&str> = ClientMessage::VARIANTS.iter().copied().collect();
    assert_eq!(clients, tags::<ClientMessage>());
}

#[test]
fn every_error_rejection_and_close_code_has_a_row() {
    let doc = doc();
    let rows: BTreeSet<&str> = doc
        .lines()
        .filter(|line| line.starts_with('|'))
        .filter_map(|line| line.split('|').nth(1))
        .map(str::trim)
        .collect();
    let codes = names::<ErrorCode>()
        .into_iter()
        .chain(names::<RejectionCode>())
        .map(|name| format!("`{name}`"));
    let closes = [
        close::GOING_AWAY,
        close::TOO_BIG,
        close::SLOW_CONSUMER,
        close::HEARTBEAT_TIMEOUT,
        close::REFUSED,
        close::POLICY,
        close::INTERNAL,
        close::INVALID_DATA,
        close::TOO_MANY_CONNECTIONS,
        close::SIGNED_OUT,
    ]
    .map(|code| code.to_string());
    let missing: Vec<String> = codes
        .chain(closes)
        .filter(|code| !rows.contains(code.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/protocol.md has no table row for: {}",
        missing.join(", ")
    );
}

/// The HTTP section's table of error codes: a row for every `ApiErrorCode`, with its status.
#[test]
fn every_http_error_code_has_a_row_with_its_status() {
    let doc = doc();
    let http = doc
        .split("\n## HTTP API")
        .nth(1)
        .expect("docs/protocol.md has an HTTP API section");
    let rows: Vec<(String, String)> = http
        .lines()
        .filter(|line| line.starts_with("| `"))
        .filter_map(|line| {
            let mut cells = line.split('|').skip(1).map(str::trim);
            Some((cells.next()?.to_owned(), cells.next()?.to_owned()))
        })
        .collect();
    let missing: Vec<String> = warroom_core::api::ApiErrorCode::ALL
        .iter()
        .filter(|code| {
            let name = format!("`{}`", code.as_str());
            let status = format!("`{} ", code.status());
            !rows
                .iter()
                .any(|(first, second)| *first == name && second.starts_with(&status))
        })
        .map(|code| format!("{} ({})", code.as_str(), code.status()))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/protocol.md's HTTP section has no row `code` | `status …` for: {}",
        missing.join(", ")
    );
}

/// The block reader itself: fences, info strings and line numbers.
#[test]
fn json_blocks_are_found_with_their_lines() {
    let doc = "# Title\n\n```json\n{\"a\": 1}\n```\n\n```text\nnot json\n```\n  ```json http\n  [1]\n  ```\n";
    let blocks = json_blocks(doc);
    let found: Vec<(usize, bool, &str)> = blocks
        .iter()
        .map(|b| (b.line, b.http, b.text.trim()))
        .collect();
    assert_eq!(found, [(3, false, "{\"a\": 1}"), (10, true, "[1]")]);
}

/// The protocol document, as a string.
fn doc() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/protocol.md");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

/// A ` ```json ` fenced block of the document.
struct Block {
    /// The line of its opening fence, counting from 1.
    line: usize,
    /// Fenced ` ```json http `: an HTTP body, checked only for being JSON.
    http: bool,
    text: String,
}

/// Every block fenced ` ```json ` or ` ```json http `; other fences are skipped. Any other
/// word after `json` is refused, so that a typo cannot turn a block's checks off.
fn json_blocks(doc: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, Option<Block>)> = None;
    for (index, raw) in doc.lines().enumerate() {
        let line = raw.trim();
        match &mut open {
            None => {
                let Some(info) = line.strip_prefix("```") else {
                    continue;
                };
                let mut words = info.split_whitespace();
                let block = match (words.next(), words.next(), words.next()) {
                    (Some("json"), None, None) => Some(false),
                    (Some("json"), Some("http"), None) => Some(true),
                    (Some("json"), ..) => panic!(
                        "docs/protocol.md:{}: a json fence takes only `http` after it, not {info:?}",
                        index + 1
                    ),
                    _ => None,
                }
                .map(|http| Block {
                    line: index + 1,
                    http,
                    text: String::new(),
                });
                open = Some((index + 1, block));
            }
            Some((_, block)) => {
                if line == "```" {
                    blocks.extend(open.take().and_then(|(_, block)| block));
                } else if let Some(block) = block {
                    block.text.push_str(raw);
                    block.text.push('\n');
                }
            }
        }
    }
    if let Some((line, _)) = open {
        panic!("docs/protocol.md:{line}: this fence is never closed");
    }
    blocks
}

/// What a ` ```json ` block turned out to be.
enum Example {
    Client(ClientMessage),
    Server(ServerMessage),
    Command(Command),
    Recorded(Recorded),
    /// An HTTP body.
    Http,
}

/// Reads a block as the one type it can be, and checks that it is exactly that type's JSON.
fn read(block: &Block) -> Result<Example, String> {
    let value: Value =
        serde_json::from_str(&block.text).map_err(|err| format!("not valid JSON: {err}"))?;
    if block.http {
        return Ok(Example::Http);
    }
    let candidates = [
        exact::<ClientMessage>(&block.text, &value).map(|r| r.map(Example::Client)),
        exact::<ServerMessage>(&block.text, &value).map(|r| r.map(Example::Server)),
        exact::<Command>(&block.text, &value).map(|r| r.map(Example::Command)),
        exact::<Recorded>(&block.text, &value).map(|r| r.map(Example::Recorded)),
    ];
    let mut parsed: Vec<Result<Example, String>> = candidates.into_iter().flatten().collect();
    match parsed.len() {
        0 => Err(format!(
            "parses as none of ClientMessage, ServerMessage, Command or Recorded (fence HTTP \
             bodies as ```json http):\n  as a client message: {}\n  as a server message: {}\n  \
             as a command: {}\n  as a recorded event: {}",
            why_not::<ClientMessage>(&block.text),
            why_not::<ServerMessage>(&block.text),
            why_not::<Command>(&block.text),
            why_not::<Recorded>(&block.text),
        )),
        1 => parsed.remove(0),
        n => Err(format!("ambiguous: parses as {n} different types")),
    }
}

/// `None` if `text` is not a `T`; otherwise whether it is exactly the JSON a `T` serialises
/// to, and reads back as the same value after a round trip through text.
fn exact<T>(text: &str, value: &Value) -> Option<Result<T, String>>
where
    T: Serialize + DeserializeOwned + PartialEq + fmt::Debug,
{
    let parsed: T = serde_json::from_str(text).ok()?;
    let written = serde_json::to_string(&parsed).expect("protocol values serialise");
    let rewritten: Value = serde_json::from_str(&written).expect("serde_json writes JSON");
    if &rewritten != value {
        return Some(Err(format!(
            "reads as {} but is not what it serialises to (a misspelt, extra or missing \
             field?); it serialises to:\n{}",
            std::any::type_name::<T>(),
            serde_json::to_string_pretty(&rewritten).expect("a value serialises")
        )));
    }
    let again: T = match serde_json::from_str(&written) {
        Ok(again) => again,
        Err(err) => return Some(Err(format!("does not read back after writing: {err}"))),
    };
    if again != parsed {
        return Some(Err(format!(
            "changes in a round trip: {parsed:?} became {again:?}"
        )));
    }
    Some(Ok(parsed))
}

fn why_not<T: DeserializeOwned>(text: &str) -> String {
    serde_json::from_str::<T>(text)
        .err()
        .map_or_else(String::new, |e| e.to_string())
}

/// The `type` tags the document's examples show.
#[derive(Default)]
struct Seen {
    client: BTreeSet<String>,
    server: BTreeSet<String>,
    command: BTreeSet<String>,
    event: BTreeSet<String>,
}

impl Seen {
    /// Only blocks that read: a block that does not is `every_json_block_is_a_real_message`'s
    /// failure to report.
    fn of(doc: &str) -> Self {
        let mut seen = Self::default();
        for example in json_blocks(doc).iter().filter_map(|b| read(b).ok()) {
            match example {
                Example::Client(message) => {
                    seen.client.insert(tag(&message));
                    if let ClientMessage::Submit { command, .. } = &message {
                        seen.command.insert(tag(command));
                    }
                }
                Example::Server(message) => {
                    seen.server.insert(tag(&message));
                    if let ServerMessage::Events { events }
                    | ServerMessage::History { events, .. } = &message
                    {
                        seen.event.extend(events.iter().map(|r| tag(&r.event)));
                    }
                }
                Example::Command(command) => {
                    seen.command.insert(tag(&command));
                }
                Example::Recorded(recorded) => {
                    seen.event.insert(tag(&recorded.event));
                }
                Example::Http => {}
            }
        }
        seen
    }
}

/// The `type` tag a value serialises with.
fn tag(value: &impl Serialize) -> String {
    let value = serde_json::to_value(value).expect("protocol values serialise");
    value["type"]
        .as_str()
        .expect("a tagged value has a `type`")
        .to_owned()
}

/// Every `type` tag of an internally tagged enum, as serde knows them: serde lists them in
/// the error for an unknown tag, which [`Variants`] keeps.
fn tags<T: DeserializeOwned>() -> BTreeSet<&'static str> {
    let unknown = MapDeserializer::<_, Variants>::new(std::iter::once(("type", "\u{0}")));
    T::deserialize(unknown)
        .err()
        .map(|v| v.0)
        .unwrap_or_default()
}

/// Every name of a unit-variant enum (the error and rejection codes), as serde knows them.
fn names<T: DeserializeOwned>() -> BTreeSet<&'static str> {
    let unknown: StrDeserializer<'_, Variants> = "\u{0}".into_deserializer();
    T::deserialize(unknown)
        .err()
        .map(|v| v.0)
        .unwrap_or_default()
}

/// A deserialisation error that keeps the variant names serde expected, and nothing else.
#[derive(Debug)]
struct Variants(BTreeSet<&'static str>);

impl fmt::Display for Variants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected one of {:?}", self.0)
    }
}

impl std::error::Error for Variants {}

impl de::Error for Variants {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Self(BTreeSet::new())
    }

    fn unknown_variant(_: &str, expected: &'static [&'static str]) -> Self {
        Self(expected.iter().copied().collect())
    }
}
