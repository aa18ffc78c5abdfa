//! JSON text for the diagnostics' reports (snapshots, dumps, timelines): a small `serde::Serializer`
//! that writes what `serde_json::to_string`/`to_string_pretty` write for these types.
//!
//! Why not serde_json itself: a library linked into a program brings its trait impls into every
//! crate of the build, and serde_json's `impl PartialEq<Value> for u32` (and for the other number
//! types) makes ordinary code ambiguous: `assert_eq!(a_vec_of_u32, vec![])` stops compiling in a
//! crate that moves from Tokio to the drop-in `tokio` crate (Tokio's own tests/time_interval.rs is
//! one). The reports only need JSON written; reading it back (the tests) still uses serde_json, as a
//! dev-dependency.

use serde::ser::{self, Serialize};
use std::fmt::{self, Write as _};

/// `value` as compact JSON.
pub(crate) fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    write(value, false)
}

/// `value` as JSON indented by two spaces, one member per line.
pub(crate) fn to_string_pretty<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    write(value, true)
}

fn write<T: Serialize + ?Sized>(value: &T, pretty: bool) -> Result<String, Error> {
    let mut out = String::new();
    value.serialize(&mut Serializer { out: &mut out, pretty, depth: 0 })?;
    Ok(out)
}

/// What a type's `Serialize` reported (the reports' types report nothing).
#[derive(Debug)]
pub(crate) struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

struct Serializer<'a> {
    out: &'a mut String,
    pretty: bool,
    depth: usize,
}

impl Serializer<'_> {
    fn newline(&mut self) {
        if self.pretty {
            self.out.push('\n');
            for _ in 0..self.depth {
                self.out.push_str("  ");
            }
        }
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                '\t' => self.out.push_str("\\t"),
                '\u{8}' => self.out.push_str("\\b"),
                '\u{c}' => self.out.push_str("\\f"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(self.out, "\\u{:04x}", c as u32);
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    fn open(&mut self, bracket: char) -> Compound<'_, Self> {
        self.out.push(bracket);
        self.depth += 1;
        Compound { ser: self, first: true, close: if bracket == '[' { ']' } else { '}' }, variant: false }
    }

    /// `{"variant": ` before a newtype, tuple or struct variant's content.
    fn variant_key(&mut self, variant: &str) {
        self.out.push('{');
        self.depth += 1;
        self.newline();
        self.string(variant);
        self.colon();
    }

    fn close_variant(&mut self) {
        self.depth -= 1;
        self.newline();
        self.out.push('}');
    }

    fn colon(&mut self) {
        self.out.push_str(if self.pretty { ": " } else { ":" });
    }

    fn float(&mut self, v: f64) {
        if !v.is_finite() {
            self.out.push_str("null");
            return;
        }
        let start = self.out.len();
        let _ = write!(self.out, "{v}");
        if !self.out[start..].contains(['.', 'e']) {
            self.out.push_str(".0");
        }
    }
}

/// A sequence, map or struct being written (and, with `variant`, the `{"variant": ...}` around it).
struct Compound<'b, S> {
    ser: &'b mut S,
    first: bool,
    close: char,
    variant: bool,
}

impl<'a> Compound<'_, Serializer<'a>> {
    fn element(&mut self) {
        if !self.first {
            self.ser.out.push(',');
        }
        self.first = false;
        self.ser.newline();
    }

    fn member<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element();
        value.serialize(&mut *self.ser)
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.element();
        self.ser.string(key);
        self.ser.colon();
        value.serialize(&mut *self.ser)
    }

    fn finish(self) -> Result<(), Error> {
        self.ser.depth -= 1;
        if !self.first {
            self.ser.newline();
        }
        self.ser.out.push(self.close);
        if self.variant {
            self.ser.close_variant();
        }
        Ok(())
    }
}

impl<'b, 'a> ser::Serializer for &'b mut Serializer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'b, Serializer<'a>>;
    type SerializeTuple = Compound<'b, Serializer<'a>>;
    type SerializeTupleStruct = Compound<'b, Serializer<'a>>;
    type SerializeTupleVariant = Compound<'b, Serializer<'a>>;
    type SerializeMap = Compound<'b, Serializer<'a>>;
    type SerializeStruct = Compound<'b, Serializer<'a>>;
    type SerializeStructVariant = Compound<'b, Serializer<'a>>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.push_str(if v { "true" } else { "false" });
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
        let _ = write!(self.out, "{v}");
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        let _ = write!(self.out, "{v}");
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
        let _ = write!(self.out, "{v}");
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        let _ = write!(self.out, "{v}");
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.float(v.into());
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.float(v);
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
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for b in v {
            seq.serialize_element(b)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.string(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.variant_key(variant);
        value.serialize(&mut *self)?;
        self.close_variant();
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Ok(self.open('['))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Ok(self.open('['))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Ok(self.open('['))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        self.variant_key(variant);
        let mut compound = self.open('[');
        compound.variant = true;
        Ok(compound)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Ok(self.open('{'))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct, Error> {
        Ok(self.open('{'))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        self.variant_key(variant);
        let mut compound = self.open('{');
        compound.variant = true;
        Ok(compound)
    }
}

impl ser::SerializeSeq for Compound<'_, Serializer<'_>> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.member(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTuple for Compound<'_, Serializer<'_>> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.member(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Compound<'_, Serializer<'_>> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.member(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for Compound<'_, Serializer<'_>> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.member(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeMap for Compound<'_, Serializer<'_>> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.element();
        // JSON keys are strings: a key that writes as anything else (a number) is quoted.
        let written = to_string(key)?;
        if written.starts_with('"') {
            self.ser.out.push_str(&written);
        } else {
            self.ser.string(&written);
        }
        self.ser.colon();
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeStruct for Compound<'_, Serializer<'_>> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Compound<'_, Serializer<'_>> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Unit,
        Newtype(u8),
        Tuple(u8, i64),
        Struct { a: Option<f64>, b: Vec<String> },
    }

    #[derive(Serialize)]
    #[serde(tag = "ph")]
    enum Tagged {
        #[serde(rename = "X")]
        Complete { ts: u64 },
    }

    #[derive(Serialize)]
    struct All {
        flag: bool,
        text: &'static str,
        float: f64,
        nan: f64,
        none: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u32>,
        empty: Vec<u8>,
        kinds: Vec<Kind>,
        tagged: Tagged,
        by_id: BTreeMap<u64, &'static str>,
        tuple: (char, i8),
    }

    fn sample() -> All {
        All {
            flag: true,
            text: "quote \" backslash \\ newline \n tab \t bell \u{7} é",
            float: 1.0,
            nan: f64::NAN,
            none: None,
            skipped: None,
            empty: vec![],
            kinds: vec![
                Kind::Unit,
                Kind::Newtype(7),
                Kind::Tuple(1, -2),
                Kind::Struct { a: Some(0.25), b: vec!["x".into()] },
            ],
            tagged: Tagged::Complete { ts: 5 },
            by_id: [(2, "two"), (10, "ten")].into_iter().collect(),
            tuple: ('c', -1),
        }
    }

    /// Byte for byte what serde_json writes, compact and pretty.
    #[test]
    fn writes_what_serde_json_writes() {
        let value = sample();
        assert_eq!(to_string(&value).unwrap(), serde_json::to_string(&value).unwrap());
        assert_eq!(to_string_pretty(&value).unwrap(), serde_json::to_string_pretty(&value).unwrap());
    }
}
