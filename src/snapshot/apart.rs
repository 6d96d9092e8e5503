//! Reading a snapshot with its package list apart, through [`Snapshot`]'s own `Deserialize`.
//!
//! Nearly all of a snapshot's bytes are its package list, and the nodes of a cluster
//! mostly share one. So nodes are read without it: the Ray probes send the rest of each
//! snapshot and its list apart ([`rest`]), and a whole node text can have its list set
//! aside as text ([`split`]) to be told apart from the others by its bytes. Either way
//! serde reads every other field as [`super::from_json_str`] does, and the top-level
//! `packages` member is diverted: the snapshot gets an empty list.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{BorrowedStrDeserializer, CowStrDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::model::Snapshot;

/// The rest of a snapshot whose package list is given apart: `text` without a `packages`
/// member (one is refused: it would be a second list). The snapshot's list is empty.
pub(crate) fn rest(text: &str) -> serde_json::Result<Snapshot> {
    read(text, Packages::Apart).map(|(snapshot, _)| snapshot)
}

/// A whole snapshot's text read but for its package list: the snapshot (with an empty
/// list) and the list's JSON text, borrowed from `text` and not yet read.
pub(crate) fn split(text: &str) -> serde_json::Result<(Snapshot, &RawValue)> {
    let (snapshot, list) = read(text, Packages::Inline)?;
    Ok((snapshot, list.expect("an inline list is required")))
}

#[derive(Clone, Copy, PartialEq)]
enum Packages {
    /// Given apart: the text has no `packages` member.
    Apart,
    /// In the text, required, taken out as text.
    Inline,
}

fn read(text: &str, packages: Packages) -> serde_json::Result<(Snapshot, Option<&RawValue>)> {
    let mut de = serde_json::Deserializer::from_str(text);
    let mut list = None;
    let snapshot = Snapshot::deserialize(Diverting {
        inner: &mut de,
        divert: Divert {
            packages,
            list: &mut list,
        },
    })?;
    de.end()?;
    Ok((snapshot, list))
}

/// Where a `packages` member goes: into `list` when inline, nowhere when given apart.
struct Divert<'a, 'de> {
    packages: Packages,
    list: &'a mut Option<&'de RawValue>,
}

/// A deserializer whose top-level map has its `packages` member diverted, and an empty
/// `packages` in its place for the visitor.
struct Diverting<'a, 'de, D> {
    inner: D,
    divert: Divert<'a, 'de>,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Diverting<'_, 'de, D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = DivertingVisitor {
            visitor,
            divert: self.divert,
        };
        self.inner.deserialize_struct(name, fields, visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
        identifier ignored_any
    }
}

struct DivertingVisitor<'a, 'de, V> {
    visitor: V,
    divert: Divert<'a, 'de>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for DivertingVisitor<'_, 'de, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(DivertingMap {
            map,
            divert: self.divert,
            state: State::Reading,
        })
    }
}

#[derive(PartialEq)]
enum State {
    Reading,
    /// The stand-in `packages` key was given: its empty value comes next.
    StandIn,
    Done,
}

struct DivertingMap<'a, 'de, A> {
    map: A,
    divert: Divert<'a, 'de>,
    state: State,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for DivertingMap<'_, 'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        if self.state == State::Done {
            return Ok(None);
        }
        while let Some(Key(key)) = self.map.next_key::<Key<'de>>()? {
            if key != "packages" {
                return seed.deserialize(CowStrDeserializer::new(key)).map(Some);
            }
            let divert = &mut self.divert;
            if divert.packages == Packages::Apart || divert.list.is_some() {
                return Err(de::Error::duplicate_field("packages"));
            }
            *divert.list = Some(self.map.next_value()?);
        }
        if self.divert.packages == Packages::Inline && self.divert.list.is_none() {
            return Err(de::Error::missing_field("packages"));
        }
        self.state = State::StandIn;
        seed.deserialize(BorrowedStrDeserializer::new("packages"))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        if self.state == State::StandIn {
            self.state = State::Done;
            return seed.deserialize(SeqDeserializer::new(std::iter::empty::<()>()));
        }
        self.map.next_value_seed(seed)
    }
}

/// A map key, borrowed from the text unless it has escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}
