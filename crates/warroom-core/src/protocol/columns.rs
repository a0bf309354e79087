//! The board's notes in JSON, column by column: the snapshot message's encoding of
//! `Incident::notes` (see [`super::BoardWire`]). Storage and the export keep notes as objects.
//!
//! A long incident's board is mostly notes, and a browser that joins it decodes every one of
//! them, so their encoding decides how long a join takes. As objects, each note repeats its
//! field names, its author's id and a full timestamp; as columns, a note costs little more than
//! its text: ids, sequences and times are differences from the previous note, authors are
//! indices into a list, and the rarely-set parts (pins, earlier texts, retractions, sterile-phase holds) are listed
//! only for the notes that have them. The encoding is lossless (times to the nanosecond).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::DateTime;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::{NoteId, ParticipantId};
use crate::incident::{Hold, Note, NoteKind, Retraction, Revision};
use crate::time::{Precision, Timestamp};

#[derive(Serialize, Deserialize)]
struct Columns {
    /// Each note id minus the previous one (the first minus zero).
    id: Vec<u32>,
    /// Index into [`NoteKind::ALL`].
    kind: Vec<u8>,
    text: Vec<String>,
    /// Index into `authors`.
    author: Vec<u32>,
    authors: Vec<ParticipantId>,
    /// Nanoseconds since the previous note (the first: since the Unix epoch).
    at: Vec<i64>,
    /// Each note's sequence minus the previous one's (the first minus zero).
    seq: Vec<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pinned: Vec<NoteId>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    history: BTreeMap<NoteId, Vec<Revision>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    retracted: BTreeMap<NoteId, Retraction>,
    /// The notes a sterile phase held back (see `Note::held`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    held: BTreeMap<NoteId, Hold>,
    /// The backdated notes' second time (`occurred_at`, its precision, the marks: backdated,
    /// imported), listed only for the notes that have one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    occurred: BTreeMap<NoteId, NoteOccurred>,
}

#[derive(Serialize, Deserialize)]
struct NoteOccurred {
    at: Timestamp,
    precision: Precision,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    backdated: bool,
    /// Entered from a timeline file (which always gives a time).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    imported: bool,
}

/// Writes `notes`, in id order, as columns.
pub(super) fn serialize<'a, S: Serializer>(
    notes: impl Iterator<Item = (&'a NoteId, &'a Arc<Note>)>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let n = notes.size_hint().0;
    let mut c = Columns {
        id: Vec::with_capacity(n),
        kind: Vec::with_capacity(n),
        text: Vec::with_capacity(n),
        author: Vec::with_capacity(n),
        authors: Vec::new(),
        at: Vec::with_capacity(n),
        seq: Vec::with_capacity(n),
        pinned: Vec::new(),
        history: BTreeMap::new(),
        retracted: BTreeMap::new(),
        held: BTreeMap::new(),
        occurred: BTreeMap::new(),
    };
    let mut author_index: BTreeMap<&ParticipantId, u32> = BTreeMap::new();
    let (mut last_id, mut last_at, mut last_seq) = (0u32, 0i64, 0i64);
    for (id, note) in notes {
        c.id.push(id.0 - last_id);
        last_id = id.0;
        let kind = NoteKind::ALL
            .iter()
            .position(|k| *k == note.kind)
            .unwrap_or(0);
        c.kind.push(kind as u8);
        c.text.push(note.text.clone());
        let next = c.authors.len() as u32;
        let author = *author_index.entry(&note.author).or_insert_with(|| {
            c.authors.push(note.author.clone());
            next
        });
        c.author.push(author);
        let at = note
            .at
            .timestamp_nanos_opt()
            .ok_or_else(|| serde::ser::Error::custom("a note's time is out of range"))?;
        c.at.push(at - last_at);
        last_at = at;
        let seq = note.seq as i64;
        c.seq.push(seq - last_seq);
        last_seq = seq;
        if note.pinned {
            c.pinned.push(*id);
        }
        if !note.history.is_empty() {
            c.history.insert(*id, note.history.clone());
        }
        if let Some(r) = &note.retracted {
            c.retracted.insert(*id, r.clone());
        }
        if let Some(h) = &note.held {
            c.held.insert(*id, h.clone());
        }
        if let Some(at) = note.occurred_at {
            c.occurred.insert(
                *id,
                NoteOccurred {
                    at,
                    precision: note.precision.unwrap_or_default(),
                    backdated: note.backdated,
                    imported: note.imported,
                },
            );
        }
    }
    c.serialize(serializer)
}

pub(super) fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<NoteId, Arc<Note>>, D::Error> {
    let mut c = Columns::deserialize(deserializer)?;
    let n = c.id.len();
    if [
        c.kind.len(),
        c.text.len(),
        c.author.len(),
        c.at.len(),
        c.seq.len(),
    ]
    .iter()
    .any(|len| *len != n)
    {
        return Err(D::Error::custom("the note columns differ in length"));
    }
    // Built in id order and then bulk-loaded: a long incident's board is 100,000 notes, and
    // inserting them one by one into the map was a fifth of a cold room's decode of them.
    let mut notes = Vec::with_capacity(n);
    let (mut id, mut at, mut seq) = (0u32, 0i64, 0i64);
    let pinned: std::collections::BTreeSet<NoteId> = c.pinned.into_iter().collect();
    for (i, text) in c.text.into_iter().enumerate() {
        id = id
            .checked_add(c.id[i])
            .ok_or_else(|| D::Error::custom("a note id is out of range"))?;
        at = at
            .checked_add(c.at[i])
            .ok_or_else(|| D::Error::custom("a note's time is out of range"))?;
        seq = seq
            .checked_add(c.seq[i])
            .ok_or_else(|| D::Error::custom("a note's sequence is out of range"))?;
        let kind = *NoteKind::ALL
            .get(usize::from(c.kind[i]))
            .ok_or_else(|| D::Error::custom("unknown note kind"))?;
        let author = c
            .authors
            .get(c.author[i] as usize)
            .ok_or_else(|| D::Error::custom("a note's author is not in the list"))?
            .clone();
        let note_id = NoteId(id);
        let occurred = c.occurred.remove(&note_id);
        notes.push((
            note_id,
            Arc::new(Note {
                kind,
                text,
                author,
                at: DateTime::from_timestamp_nanos(at),
                seq: u64::try_from(seq)
                    .map_err(|_| D::Error::custom("a note's sequence is negative"))?,
                history: c.history.remove(&note_id).unwrap_or_default(),
                pinned: pinned.contains(&note_id),
                retracted: c.retracted.remove(&note_id),
                held: c.held.remove(&note_id),
                occurred_at: occurred.as_ref().map(|o| o.at),
                precision: occurred.as_ref().map(|o| o.precision),
                backdated: occurred.as_ref().is_some_and(|o| o.backdated),
                imported: occurred.is_some_and(|o| o.imported),
            }),
        ));
    }
    let notes: BTreeMap<NoteId, Arc<Note>> = notes.into_iter().collect();
    Ok(notes)
}
