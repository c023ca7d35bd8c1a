//! Pretty JSON written straight into a document's text, byte for byte what
//! `serde_json`'s pretty printer (two spaces) writes for the same tree,
//! for documents whose parts repeat: a Klaviyo flow repeats its body in the
//! file of every trigger, and a poll repeats its condition in every check.
//! Those parts are rendered once, at the depth where they go ([`Placed`]),
//! and copied, instead of being built, cloned, serialized and dropped as
//! `serde_json::Value` trees for each use.

use serde::Serialize;
use std::io;

/// Rendered JSON for a place `indent` spaces deep: its first line continues
/// the line of its key or `[`, its other lines are indented for that depth.
pub(crate) struct Placed {
    text: Vec<u8>,
    indent: usize,
}

impl Placed {
    /// Its length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.text.len()
    }
}

/// An object rendered for a place `indent` spaces deep.
pub(crate) fn placed_object(indent: usize, fields: impl FnOnce(&mut Object<'_>)) -> Placed {
    let text = in_scratch(|scratch| push_object(scratch, indent, fields));
    Placed { text, indent }
}

/// Any serializable value rendered for a place `indent` spaces deep.
pub(crate) fn placed<T: Serialize + ?Sized>(indent: usize, value: &T) -> Placed {
    let text = in_scratch(|mut scratch| {
        push_value(&mut scratch, value, indent);
        scratch
    });
    Placed { text, indent }
}

thread_local! {
    /// Where the thread renders a part before copying it out at its size.
    static SCRATCH: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// What `render` writes into the thread's scratch buffer (emptied), copied
/// into a buffer of its own length: a Klaviyo flow keeps thousands of
/// rendered actions, and rendering each into a buffer of its own grew it
/// eight or nine times and left it up to twice its length (perf: growing
/// was a fifth of a Klaviyo build's samples). A part rendered while another is
/// (an action's data) takes an empty buffer of its own.
fn in_scratch(render: impl FnOnce(Vec<u8>) -> Vec<u8>) -> Vec<u8> {
    let mut scratch = SCRATCH.take();
    scratch.clear();
    let rendered = render(scratch);
    let text = rendered.as_slice().to_vec();
    SCRATCH.set(rendered);
    text
}

/// `text` and the object `fields` writes, `indent` spaces deep.
fn push_object(mut text: Vec<u8>, indent: usize, fields: impl FnOnce(&mut Object<'_>)) -> Vec<u8> {
    let mut object = Object(Open::new(&mut text, indent, b'{'));
    fields(&mut object);
    object.close();
    text
}

/// A whole file: the object `fields` writes, and a line break; `size` is
/// a guess of its length, to grow the text fewer times.
pub(crate) fn document(size: usize, fields: impl FnOnce(&mut Object<'_>)) -> String {
    let mut text = push_object(Vec::with_capacity(size), 0, fields);
    text.push(b'\n');
    utf8(text)
}

/// `value` as a whole file: what `serde_json::to_string_pretty` writes,
/// and a line break.
pub(crate) fn to_pretty<T: Serialize + ?Sized>(value: &T) -> String {
    let mut text = Vec::new();
    push_value(&mut text, value, 0);
    text.push(b'\n');
    utf8(text)
}

/// Only `&str` and serde_json's output go into a document: it is UTF-8.
fn utf8(text: Vec<u8>) -> String {
    String::from_utf8(text).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

const SPACES: &[u8; 64] = &[b' '; 64];

/// `n` spaces, in as few slices as [`SPACES`] allows.
fn space_runs(n: usize) -> impl Iterator<Item = &'static [u8]> {
    (0..n)
        .step_by(SPACES.len())
        .map(move |start| &SPACES[..(n - start).min(SPACES.len())])
}

fn push_spaces(out: &mut Vec<u8>, n: usize) {
    for run in space_runs(n) {
        out.extend_from_slice(run);
    }
}

/// `s` as a JSON string, as serde_json writes it. It escapes only `"`, `\`
/// and the control characters below U+0020, so a string without them (a
/// key, an id, most names) is copied between quotes.
fn push_str(out: &mut Vec<u8>, s: &str) {
    // Without an early exit, so that the test runs on many bytes at once.
    let plain = !s.bytes().fold(false, |escape, b| {
        escape | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if plain {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        push_value(out, s, 0);
    }
}

/// `value`, serialized at `indent` spaces deep.
fn push_value<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T, indent: usize) {
    let mut serializer = serde_json::Serializer::with_formatter(
        &mut *out,
        Nested {
            indent,
            has_value: false,
        },
    );
    // Writing to a Vec fails only on a map with non-string keys, which no
    // backend builds; `null` keeps the document well formed all the same.
    if value.serialize(&mut serializer).is_err() {
        out.extend_from_slice(b"null");
    }
}

/// serde_json's `PrettyFormatter` starting `indent` spaces deep, writing
/// each indentation at once.
struct Nested {
    indent: usize,
    has_value: bool,
}

impl Nested {
    fn open<W: ?Sized + io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.indent += 2;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn close<W: ?Sized + io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.indent -= 2;
        if self.has_value {
            self.line(writer, b"\n")?;
        }
        writer.write_all(bracket)
    }

    fn line<W: ?Sized + io::Write>(&mut self, writer: &mut W, lead: &[u8]) -> io::Result<()> {
        writer.write_all(lead)?;
        for run in space_runs(self.indent) {
            writer.write_all(run)?;
        }
        Ok(())
    }

    fn item<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        self.line(writer, if first { b"\n" } else { b",\n" })
    }
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// An object or array being written `indent` spaces deep: its bracket is
/// open, and `empty` until its first entry.
struct Open<'a> {
    out: &'a mut Vec<u8>,
    indent: usize,
    empty: bool,
}

impl<'a> Open<'a> {
    fn new(out: &'a mut Vec<u8>, indent: usize, bracket: u8) -> Self {
        out.push(bracket);
        Open {
            out,
            indent,
            empty: true,
        }
    }

    /// How deep the entries are.
    fn inner(&self) -> usize {
        self.indent + 2
    }

    /// Starts an entry on a line of its own.
    fn next(&mut self) {
        self.out
            .extend_from_slice(if self.empty { b"\n" } else { b",\n" });
        self.empty = false;
        push_spaces(self.out, self.inner());
    }

    fn close(self, bracket: u8) {
        if !self.empty {
            self.out.push(b'\n');
            push_spaces(self.out, self.indent);
        }
        self.out.push(bracket);
    }
}

/// An object being written; its fields in the order they are added.
/// [`Object::close`] ends it.
pub(crate) struct Object<'a>(Open<'a>);

impl Object<'_> {
    fn key(&mut self, key: &str) {
        self.0.next();
        push_str(self.0.out, key);
        self.0.out.extend_from_slice(b": ");
    }

    /// A field holding a string: [`Object::value`] of a `&str`, without
    /// going through a serializer when nothing in it needs an escape.
    pub(crate) fn string(&mut self, key: &str, value: &str) -> &mut Self {
        self.key(key);
        push_str(self.0.out, value);
        self
    }

    /// A field of any serializable value.
    pub(crate) fn value<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> &mut Self {
        self.key(key);
        push_value(self.0.out, value, self.0.inner());
        self
    }

    /// A field rendered before, for this depth.
    pub(crate) fn placed(&mut self, key: &str, value: &Placed) -> &mut Self {
        debug_assert_eq!(value.indent, self.0.inner(), "placed for another depth");
        self.key(key);
        self.0.out.extend_from_slice(&value.text);
        self
    }

    /// A field holding an object, written through the returned writer,
    /// which must be closed before this one is used again.
    pub(crate) fn object(&mut self, key: &str) -> Object<'_> {
        self.key(key);
        let indent = self.0.inner();
        Object(Open::new(self.0.out, indent, b'{'))
    }

    /// A field holding an array, written through the returned writer,
    /// which must be closed before this one is used again.
    pub(crate) fn array(&mut self, key: &str) -> Array<'_> {
        self.key(key);
        let indent = self.0.inner();
        Array(Open::new(self.0.out, indent, b'['))
    }

    pub(crate) fn close(self) {
        self.0.close(b'}');
    }
}

/// An array being written. [`Array::close`] ends it.
pub(crate) struct Array<'a>(Open<'a>);

impl Array<'_> {
    /// How deep this array's items are: where a [`Placed`] item goes.
    pub(crate) fn item_indent(&self) -> usize {
        self.0.inner()
    }

    /// An item holding an object, written through the returned writer,
    /// which must be closed before this one is used again.
    pub(crate) fn object(&mut self) -> Object<'_> {
        self.0.next();
        let indent = self.0.inner();
        Object(Open::new(self.0.out, indent, b'{'))
    }

    /// An item rendered before, for this depth.
    pub(crate) fn placed(&mut self, item: &Placed) {
        debug_assert_eq!(item.indent, self.0.inner(), "placed for another depth");
        self.0.next();
        self.0.out.extend_from_slice(&item.text);
    }

    pub(crate) fn close(self) {
        self.0.close(b']');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Deeper than the 64 spaces written at once.
    fn deep(levels: usize) -> serde_json::Value {
        (0..levels).fold(
            json!([1, "x"]),
            |inner, i| json!({ format!("k{i}"): inner, "n": [] }),
        )
    }

    #[test]
    fn documents_are_what_serde_json_prints() {
        let inner = json!({ "a": [1, {"b": "x\ny"}, []], "c": {}, "d": null, "e": deep(40) });
        let strings = [
            "plain",
            "quote \" and \\ slash",
            "tab\tcontrol\u{1}",
            "ünï\u{7f}",
        ];
        let item = placed_object(6, |o| {
            o.value("inner", &inner);
        });
        let field = placed_object(4, |o| {
            o.value("s", strings[1]);
        });
        let again = placed(4, &inner);
        let text = document(0, |o| {
            o.value("type", "flow");
            for (i, s) in strings.iter().enumerate() {
                o.value(&format!("s{i}"), s);
                o.string(&format!("t{i}"), s);
            }
            let mut nested = o.object("nested \"key\"");
            nested.value("inner", &inner);
            let mut list = nested.array("list");
            list.placed(&item);
            list.placed(&item);
            list.close();
            nested.array("none").close();
            let mut items = nested.array("items");
            let mut entry = items.object();
            entry.value("s", strings[2]);
            entry.close();
            items.close();
            nested.placed("again", &again);
            nested.object("empty").close();
            nested.placed("field", &field);
            nested.close();
            o.value("last", &inner);
        });
        let expected = json!({
            "type": "flow",
            "s0": strings[0], "t0": strings[0], "s1": strings[1], "t1": strings[1],
            "s2": strings[2], "t2": strings[2], "s3": strings[3], "t3": strings[3],
            "nested \"key\"": {
                "inner": inner,
                "list": [{ "inner": inner }, { "inner": inner }],
                "none": [],
                "items": [{ "s": strings[2] }],
                "again": inner,
                "empty": {},
                "field": { "s": strings[1] },
            },
            "last": inner,
        });
        let mut printed = serde_json::to_string_pretty(&expected).unwrap_or_default();
        printed.push('\n');
        assert_eq!(text, printed);
        assert_eq!(to_pretty(&expected), printed);
        assert_eq!(document(0, |_| {}), "{}\n");
    }
}
