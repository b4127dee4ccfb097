//! A serde serializer that writes block YAML straight into a string, laid out as libyaml lays it out
//! (`yaml_serde`'s output: two-space mappings, sequences in mappings not indented, `{}`/`[]` when
//! empty), with strings written by [`scalar::push`]. It replaces a serialize → libyaml events →
//! text → re-read-for-YAML-1.1 chain that dominated large builds.
//!
//! A value inside [`LITERAL`] (a newtype struct of that name) has every string value written with `$`
//! doubled, Compose's escape for interpolation; keys stay as they are.

use std::fmt::{self, Display};

use serde::ser::{self, Serialize};

use super::scalar;

/// The newtype-struct name that asks for Compose's `$$` in every string value below it.
pub const LITERAL: &str = "$stackc::yaml::literal-dollars";

#[derive(Debug)]
pub struct Error(String);

impl Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// Where the next value goes.
#[derive(Clone, Copy)]
enum At {
    /// The whole document.
    Top,
    /// After `key:` written at this column.
    Value(usize),
    /// After `- ` written with its dash at this column.
    Item(usize),
}

pub struct Emitter {
    out: String,
    at: At,
    dollars: bool,
}

impl Emitter {
    pub fn new() -> Self {
        Self {
            out: String::with_capacity(4096),
            at: At::Top,
            dollars: false,
        }
    }

    pub fn finish(self) -> String {
        self.out
    }

    /// A scalar already in its YAML form (numbers, booleans, null).
    fn word(&mut self, text: &str) {
        match self.at {
            At::Value(_) => self.out.push(' '),
            At::Top | At::Item(_) => {}
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn string(&mut self, s: &str) {
        // A block scalar's content sits two columns in from its key or dash (and from the left
        // edge for a whole document).
        let indent = match self.at {
            At::Top => 2,
            At::Value(col) | At::Item(col) => col + 2,
        };
        if let At::Value(_) = self.at {
            self.out.push(' ');
        }
        if self.dollars && s.contains('$') {
            scalar::push(&mut self.out, &super::literal_dollars(s), indent, false);
        } else {
            scalar::push(&mut self.out, s, indent, false);
        }
        self.out.push('\n');
    }

    fn open(&mut self, kind: Kind) -> Block<'_> {
        let (inner, inline) = match (self.at, kind) {
            (At::Top, _) => (0, false),
            (At::Value(col), Kind::Map) => (col + 2, false),
            // Sequences in mappings are not indented.
            (At::Value(col), Kind::Seq) => (col, false),
            (At::Item(col), _) => (col + 2, true),
        };
        Block {
            at: self.at,
            kind,
            indent: inner,
            inline,
            count: 0,
            e: self,
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Map,
    Seq,
}

/// An open mapping or sequence.
pub struct Block<'a> {
    e: &'a mut Emitter,
    /// Where the block itself sits.
    at: At,
    kind: Kind,
    /// The column of its keys or dashes.
    indent: usize,
    /// Its first entry continues the current line (after a `- `).
    inline: bool,
    count: usize,
}

impl Block<'_> {
    /// Starts an entry's line: a newline after a parent key, or the indentation of a later entry.
    fn start_entry(&mut self) {
        if self.count == 0 && matches!(self.at, At::Value(_)) {
            self.e.out.push('\n');
        }
        if self.count > 0 || !self.inline {
            scalar::push_spaces(&mut self.e.out, self.indent);
        }
        self.count += 1;
    }

    fn item<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.start_entry();
        self.e.out.push_str("- ");
        self.e.at = At::Item(self.indent);
        value.serialize(&mut *self.e)
    }

    fn key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
        self.start_entry();
        let key = key.serialize(KeySerializer)?;
        scalar::push(&mut self.e.out, &key, self.indent, true);
        self.e.out.push(':');
        Ok(())
    }

    fn value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.e.at = At::Value(self.indent);
        value.serialize(&mut *self.e)
    }

    fn close(self) {
        if self.count == 0 {
            let empty = if self.kind == Kind::Map { "{}" } else { "[]" };
            self.e.at = self.at;
            self.e.word(empty);
        }
        self.e.at = self.at;
    }
}

impl<'a> ser::Serializer for &'a mut Emitter {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Block<'a>;
    type SerializeTuple = Block<'a>;
    type SerializeTupleStruct = Block<'a>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = Block<'a>;
    type SerializeStruct = Block<'a>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.word(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.word(&v.to_string());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.word(&v.to_string());
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        // libyaml's own spelling of floats, from yaml_serde itself.
        let text = yaml_serde::to_string(&v).map_err(ser::Error::custom)?;
        self.word(text.trim_end());
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.string(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.string(v);
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Error> {
        Err(ser::Error::custom("bytes have no YAML form here"))
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.word("null");
        Ok(())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.word("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.string(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        if name == LITERAL {
            let outer = std::mem::replace(&mut self.dollars, true);
            let result = value.serialize(&mut *self);
            self.dollars = outer;
            return result;
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let mut map = self.open(Kind::Map);
        map.key(variant)?;
        map.value(value)?;
        map.close();
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Block<'a>, Error> {
        Ok(self.open(Kind::Seq))
    }
    fn serialize_tuple(self, _: usize) -> Result<Block<'a>, Error> {
        Ok(self.open(Kind::Seq))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Block<'a>, Error> {
        Ok(self.open(Kind::Seq))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(ser::Error::custom("tuple variants have no YAML form here"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Block<'a>, Error> {
        Ok(self.open(Kind::Map))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Block<'a>, Error> {
        Ok(self.open(Kind::Map))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(ser::Error::custom("struct variants have no YAML form here"))
    }
}

/// Sequences, tuples and tuple structs are all YAML sequences.
macro_rules! sequence {
    ($trait:ident, $method:ident) => {
        impl ser::$trait for Block<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
                self.item(value)
            }
            fn end(self) -> Result<(), Error> {
                self.close();
                Ok(())
            }
        }
    };
}

sequence!(SerializeSeq, serialize_element);
sequence!(SerializeTuple, serialize_element);
sequence!(SerializeTupleStruct, serialize_field);

impl ser::SerializeMap for Block<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
        self.key(key)
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.value(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close();
        Ok(())
    }
}

impl ser::SerializeStruct for Block<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.key(key)?;
        self.value(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close();
        Ok(())
    }
}

/// A mapping key: a string, number or boolean, as text.
struct KeySerializer;

/// Keys that are numbers, booleans or characters: their text.
macro_rules! key_as_text {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(fn $method(self, v: $ty) -> Result<String, Error> {
            Ok(v.to_string())
        })*
    };
}

impl ser::Serializer for KeySerializer {
    type Ok = String;
    type Error = Error;
    type SerializeSeq = ser::Impossible<String, Error>;
    type SerializeTuple = ser::Impossible<String, Error>;
    type SerializeTupleStruct = ser::Impossible<String, Error>;
    type SerializeTupleVariant = ser::Impossible<String, Error>;
    type SerializeMap = ser::Impossible<String, Error>;
    type SerializeStruct = ser::Impossible<String, Error>;
    type SerializeStructVariant = ser::Impossible<String, Error>;

    key_as_text!(
        serialize_bool: bool,
        serialize_i8: i8,
        serialize_i16: i16,
        serialize_i32: i32,
        serialize_i64: i64,
        serialize_u8: u8,
        serialize_u16: u16,
        serialize_u32: u32,
        serialize_u64: u64,
        serialize_char: char,
    );

    fn serialize_f32(self, _: f32) -> Result<String, Error> {
        Err(ser::Error::custom("float keys have no YAML form here"))
    }
    fn serialize_f64(self, _: f64) -> Result<String, Error> {
        Err(ser::Error::custom("float keys have no YAML form here"))
    }
    fn serialize_str(self, v: &str) -> Result<String, Error> {
        Ok(v.to_owned())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, Error> {
        Err(ser::Error::custom("byte keys have no YAML form here"))
    }
    fn serialize_none(self) -> Result<String, Error> {
        Err(ser::Error::custom("null keys have no YAML form here"))
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<String, Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<String, Error> {
        Err(ser::Error::custom("null keys have no YAML form here"))
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        v: &'static str,
    ) -> Result<String, Error> {
        Ok(v.to_owned())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, Error> {
        Err(ser::Error::custom("variant keys have no YAML form here"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(ser::Error::custom("sequence keys have no YAML form here"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(ser::Error::custom("tuple keys have no YAML form here"))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(ser::Error::custom("tuple keys have no YAML form here"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(ser::Error::custom("variant keys have no YAML form here"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(ser::Error::custom("mapping keys have no YAML form here"))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(ser::Error::custom("mapping keys have no YAML form here"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(ser::Error::custom("variant keys have no YAML form here"))
    }
}
