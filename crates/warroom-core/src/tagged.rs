//! Internally tagged enums (`{"type": "note_added", …}`) read without serde's buffering.
//!
//! serde's derive reads an internally tagged enum by first buffering the whole object into a
//! tree (its private `Content`), finding the tag in it, and then reading the variant from the
//! tree: a second deserializer, instantiated for every variant, which made up a tenth of the
//! browser app's code (`docs/bundle.md`). [`tag_first_enum!`] declares such an enum with the
//! same JSON both ways, but reads it in one pass when the tag is the object's first key — as
//! the server and this crate always write it (serde writes the tag first) — and otherwise
//! (a third-party client, a JSON tool that sorted the keys) falls back to putting the tag
//! first and reading that.
//!
//! What reads the same as serde's derive (the tests below hold the two side by side): every
//! object, with its keys in any order, and the errors for a missing, repeated or unknown tag
//! or a bad field. What differs, only for input no writer of this protocol sends: the
//! position a decoding error names; a second tag after the first among a struct variant's
//! fields is an unknown field (ignored, or refused where the variant denies unknown fields)
//! rather than refused as a repeat; and an enum written as an array (`["note_added", …]`,
//! which serde's derive also took) is refused.

use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, StrDeserializer};
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IgnoredAny, MapAccess, VariantAccess, Visitor,
};

/// An internally tagged enum whose `Deserialize` reads the tag first; implemented by
/// [`tag_first_enum!`].
pub trait TagFirst: Sized {
    /// The tag's key.
    const TAG: &'static str;
    /// What serde's derive names in an "invalid type" error: `internally tagged enum Event`.
    const EXPECTING: &'static str;
    /// Reads the enum from an externally tagged form (`{"variant": {fields}}`): the derived
    /// reader of a mirror of the enum without its tag, which [`deserialize`] hands the tag and
    /// the rest of the object to.
    fn externally<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// Declares an internally tagged enum: the enum as written, with serde's derived
/// `Serialize` (`tag = …` and the other container attributes given), and a `Deserialize`
/// that reads the tag first ([`deserialize`]). The enum's derive list must not name
/// `Serialize` or `Deserialize`, and its variants may carry only doc comments and `serde`
/// attributes (a mirror of them without the tag is derived as well).
///
/// ```ignore
/// tag_first_enum! {
///     tag = "type", name = "Event", serde(rename_all = "snake_case");
///     #[derive(Debug, Clone)]
///     pub enum Event { NoteAdded { text: String } }
/// }
/// ```
macro_rules! tag_first_enum {
    (
        tag = $tag:literal, name = $name_str:literal, serde($($serde:tt)*);
        $(#[$attr:meta])*
        $vis:vis enum $name:ident { $($body:tt)* }
    ) => {
        $(#[$attr])*
        #[derive(serde::Serialize)]
        #[serde(tag = $tag, $($serde)*)]
        $vis enum $name { $($body)* }

        const _: () = {
            /// The enum without its tag: serde's externally tagged reader of it.
            #[derive(serde::Deserialize)]
            #[serde(remote = $name_str, $($serde)*)]
            #[allow(dead_code, clippy::large_enum_variant)]
            enum Externally { $($body)* }

            impl $crate::tagged::TagFirst for $name {
                const TAG: &'static str = $tag;
                const EXPECTING: &'static str = concat!("internally tagged enum ", $name_str);
                fn externally<'de, D: serde::Deserializer<'de>>(
                    deserializer: D,
                ) -> Result<Self, D::Error> {
                    Externally::deserialize(deserializer)
                }
            }

            impl<'de> serde::Deserialize<'de> for $name {
                fn deserialize<D: serde::Deserializer<'de>>(
                    deserializer: D,
                ) -> Result<Self, D::Error> {
                    $crate::tagged::deserialize(deserializer)
                }
            }
        };
    };
}
pub(crate) use tag_first_enum;

/// Reads a [`TagFirst`] enum from an object: in one pass when the tag is its first key, else
/// by the fallback (the object read into JSON values and read again with the tag first).
pub fn deserialize<'de, T: TagFirst, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_map(TagFirstVisitor(PhantomData))
}

struct TagFirstVisitor<T>(PhantomData<T>);

impl<'de, T: TagFirst> Visitor<'de> for TagFirstVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        match map.next_key_seed(Key(T::TAG))? {
            None => Err(de::Error::missing_field(T::TAG)),
            Some(None) => {
                let variant: Text<'de> = map.next_value()?;
                T::externally(Tagged {
                    tag: T::TAG,
                    variant: variant.as_str(),
                    map,
                })
            }
            Some(Some(first)) => fallback(first, map),
        }
    }
}

/// The tag's key read as `None`, any other key as `Some(key)`.
struct Key(&'static str);

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Option<String>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok((key != self.0).then(|| key.to_owned()))
    }
}

/// The tag's value: borrowed from the input where it can be.
enum Text<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Text<'_> {
    fn as_str(&self) -> &str {
        match self {
            Self::Borrowed(s) => s,
            Self::Owned(s) => s,
        }
    }
}

impl<'de> de::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("variant identifier")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text::Owned(v.to_owned()))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// The tag and the rest of the object, read as an externally tagged enum: the tag names the
/// variant, the rest is its content.
struct Tagged<'a, A> {
    tag: &'static str,
    variant: &'a str,
    map: A,
}

impl<'de, A: MapAccess<'de>> Deserializer<'de> for Tagged<'_, A> {
    type Error = A::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_enum(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

impl<'de, A: MapAccess<'de>> EnumAccess<'de> for Tagged<'_, A> {
    type Error = A::Error;
    type Variant = Rest<A>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Rest<A>), A::Error> {
        let variant = seed.deserialize(StrDeserializer::<A::Error>::new(self.variant))?;
        Ok((variant, Rest(self.map, self.tag)))
    }
}

/// The object after its tag: the variant's fields.
struct Rest<A>(A, &'static str);

impl<'de, A: MapAccess<'de>> VariantAccess<'de> for Rest<A> {
    type Error = A::Error;

    /// As serde's derive does, a unit variant ignores whatever else the object holds, but a
    /// second tag.
    fn unit_variant(mut self) -> Result<(), A::Error> {
        while let Some(key) = self.0.next_key_seed(Key(self.1))? {
            if key.is_none() {
                return Err(de::Error::duplicate_field(self.1));
            }
            self.0.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        seed.deserialize(MapAccessDeserializer::new(self.0))
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, A::Error> {
        Err(de::Error::invalid_type(
            de::Unexpected::Map,
            &"a struct variant (an internally tagged enum has no tuple variants)",
        ))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        visitor.visit_map(self.0)
    }
}

/// The tag is not the first key: the object is read into JSON values, written again with the
/// tag first (keeping the order and any repeats of the other keys, so that a repeated field is
/// still refused), and read from that text.
fn fallback<'de, T: TagFirst, A: MapAccess<'de>>(first: String, mut map: A) -> Result<T, A::Error> {
    let mut entries: Vec<(String, serde_json::Value)> = Vec::new();
    let mut key = Some(first);
    while let Some(name) = key {
        entries.push((name, map.next_value()?));
        key = map
            .next_key_seed(Key(T::TAG))?
            .map(|other| other.unwrap_or_else(|| T::TAG.to_owned()));
    }
    let mut tags = entries.iter().filter(|(name, _)| name == T::TAG);
    let tag = match (tags.next(), tags.next()) {
        (None, _) => return Err(de::Error::missing_field(T::TAG)),
        (Some(_), Some(_)) => return Err(de::Error::duplicate_field(T::TAG)),
        (Some((_, tag)), None) => tag,
    };
    let mut text = String::from("{");
    text.push_str(&json(T::TAG));
    text.push(':');
    text.push_str(&json(tag));
    for (name, value) in entries.iter().filter(|(name, _)| name != T::TAG) {
        text.push(',');
        text.push_str(&json(name.as_str()));
        text.push(':');
        text.push_str(&json(value));
    }
    text.push('}');
    let mut reader = serde_json::Deserializer::from_str(&text);
    let read = deserialize::<T, _>(&mut reader).and_then(|value| reader.end().map(|()| value));
    read.map_err(|e| {
        // The position is the rewritten text's, which means nothing to the sender.
        let message = e.to_string();
        let message = match message.rsplit_once(" at line ") {
            Some((message, _)) if e.line() != 0 => message.to_owned(),
            _ => message,
        };
        de::Error::custom(message)
    })
}

/// A JSON value or key, written out.
fn json<S: serde::Serialize + ?Sized>(value: &S) -> String {
    serde_json::to_string(value).expect("a JSON value and a string always serialize")
}

#[cfg(test)]
mod tests {
    //! Each input read by a `tag_first_enum!` and by serde's derive of the same enum
    //! (`Twin`): the same value, or the same error (without its position).

    use serde::{Deserialize, Serialize};

    tag_first_enum! {
        tag = "type", name = "Sample", serde(rename_all = "snake_case");
        #[derive(Debug, Clone, PartialEq)]
        enum Sample {
            Unit,
            Fields {
                text: String,
                #[serde(default)]
                count: u32,
                inner: Option<Box<Sample>>,
            },
            Newtype(Inner),
        }
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Twin {
        Unit,
        Fields {
            text: String,
            #[serde(default)]
            count: u32,
            inner: Option<Box<Twin>>,
        },
        Newtype(Inner),
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        n: u8,
    }

    const INPUTS: &[&str] = &[
        r#"{"type":"unit"}"#,
        r#"{"type":"unit","extra":[1,{"a":2}]}"#,
        r#"{"extra":true,"type":"unit"}"#,
        r#"{"type":"fields","text":"a","count":2,"inner":null}"#,
        r#"{"text":"a","type":"fields","inner":{"inner":null,"text":"b","type":"fields"}}"#,
        r#"{"inner":{"type":"unit"},"count":7,"text":"\u00e9\"","type":"fields"}"#,
        r#"{"type":"fields","text":"a"}"#,
        r#"{"type":"fields","inner":null}"#,
        r#"{"inner":null,"type":"fields"}"#,
        r#"{"type":"fields","text":"a","text":"b","inner":null}"#,
        r#"{"text":"a","type":"fields","text":"b","inner":null}"#,
        r#"{"type":"fields","text":1,"inner":null}"#,
        r#"{"type":"newtype","n":3}"#,
        r#"{"n":3,"type":"newtype"}"#,
        r#"{"type":"newtype","n":3,"m":4}"#,
        r#"{"type":"newtype","n":300}"#,
        r#"{"type":"nope"}"#,
        r#"{"text":"a","type":"nope"}"#,
        r#"{"type":"unit","type":"unit"}"#,
        r#"{"text":"a","type":"unit","type":"fields"}"#,
        r#"{"type":5}"#,
        r#"{"count":1,"type":null}"#,
        r#"{}"#,
        r#"{"text":"a"}"#,
        r#""unit""#,
        r#"5"#,
        r#"{"type":"unit"} x"#,
    ];

    fn without_position(e: serde_json::Error) -> String {
        let message = e.to_string();
        match message.rsplit_once(" at line ") {
            Some((message, _)) => message.to_owned(),
            None => message,
        }
    }

    #[test]
    fn every_object_reads_as_serdes_derive_reads_it() {
        for input in INPUTS {
            let ours = serde_json::from_str::<Sample>(input).map_err(without_position);
            let theirs = serde_json::from_str::<Twin>(input)
                .map_err(|e| without_position(e).replace("Twin", "Sample"));
            let ours_as_json = ours.map(|v| serde_json::to_string(&v).unwrap());
            let theirs_as_json = theirs.map(|v| serde_json::to_string(&v).unwrap());
            assert_eq!(ours_as_json, theirs_as_json, "{input}");
        }
    }

    /// The one documented difference for an object: a repeated tag after a struct variant's
    /// first field is one more unknown field.
    #[test]
    fn a_second_tag_among_the_fields_is_an_unknown_field() {
        let input = r#"{"type":"fields","text":"a","inner":null,"type":"unit"}"#;
        assert!(serde_json::from_str::<Twin>(input).is_err());
        assert!(matches!(
            serde_json::from_str::<Sample>(input),
            Ok(Sample::Fields { .. })
        ));
    }

    #[test]
    fn it_writes_what_serdes_derive_writes() {
        let value = Sample::Fields {
            text: "a".into(),
            count: 1,
            inner: Some(Box::new(Sample::Newtype(Inner { n: 2 }))),
        };
        assert_eq!(
            serde_json::to_string(&value).unwrap(),
            r#"{"type":"fields","text":"a","count":1,"inner":{"type":"newtype","n":2}}"#
        );
    }

    #[test]
    fn a_reordered_object_reads_from_json_values_too() {
        let value: serde_json::Value =
            serde_json::from_str(r#"{"text":"a","type":"fields","inner":null}"#).unwrap();
        assert_eq!(
            Sample::deserialize(&value).unwrap(),
            Sample::Fields {
                text: "a".into(),
                count: 0,
                inner: None
            }
        );
    }
}
