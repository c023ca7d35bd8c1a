//! Pretty JSON written straight into a document's text, byte for byte what
//! `serde_json`'s pretty printer (two spaces) writes for the same tree.
//! Backends write their documents field by field ([`Object`], [`Json`])
//! instead of building, serializing and dropping `serde_json::Value` trees
//! (an IndexMap hashed with SipHash per object). Parts that repeat are
//! rendered once ([`Placed`]) and copied: a Klaviyo flow repeats its body
//! in the file of every trigger, and a poll repeats its condition in every
//! check.

use crate::decimal::Digits;
use serde::Serialize;
use serde_json::Value;
use std::io;

/// Rendered JSON for a place `indent` spaces deep: its first line continues
/// the line of its key or `[`, its other lines are indented for that depth.
/// It can go at another depth too, its lines indented further or less as
/// it is copied: a Klaviyo condition, rendered for a split, also goes into
/// a flow's filter or a segment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Placed {
    text: String,
    indent: usize,
}

impl Placed {
    /// Its length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.text.len()
    }
}

/// `placed` at `indent` spaces deep: copied, its lines indented further
/// or less when it was rendered for another depth. (Its lines start with
/// at least its own depth of spaces: JSON strings hold no line breaks.)
fn push_placed(out: &mut String, placed: &Placed, indent: usize) {
    if placed.indent == indent {
        out.push_str(&placed.text);
        return;
    }
    let mut lines = placed.text.split('\n');
    if let Some(first) = lines.next() {
        out.push_str(first);
    }
    for line in lines {
        out.push('\n');
        if indent > placed.indent {
            push_spaces(out, indent - placed.indent);
            out.push_str(line);
        } else {
            let strip = placed.indent - indent;
            out.push_str(line.get(strip..).unwrap_or(line));
        }
    }
}

/// An object rendered for a place `indent` spaces deep.
pub(crate) fn placed_object(indent: usize, fields: impl FnOnce(&mut Object<'_>)) -> Placed {
    let text = in_scratch(|scratch| push_object(scratch, indent, fields));
    Placed { text, indent }
}

/// Any serializable value rendered for a place `indent` spaces deep,
/// through serde_json's serializer.
pub(crate) fn serialized<T: Serialize + ?Sized>(indent: usize, value: &T) -> Placed {
    let text = in_scratch(|mut scratch| {
        push_value(&mut scratch, value, indent);
        scratch
    });
    Placed { text, indent }
}

thread_local! {
    /// Where the thread renders a part before copying it out at its size.
    static SCRATCH: std::cell::Cell<String> = const { std::cell::Cell::new(String::new()) };
}

/// What `render` writes into the thread's scratch buffer (emptied), copied
/// into a buffer of its own length: a Klaviyo flow keeps thousands of
/// rendered actions, and rendering each into a buffer of its own grew it
/// eight or nine times and left it up to twice its length (perf: growing
/// was a fifth of a Klaviyo build's samples). A part rendered while another is
/// (an action's data) takes an empty buffer of its own.
fn in_scratch(render: impl FnOnce(String) -> String) -> String {
    let mut scratch = SCRATCH.take();
    scratch.clear();
    let rendered = render(scratch);
    let text = rendered.as_str().to_owned();
    SCRATCH.set(rendered);
    text
}

/// `text` and the object `fields` writes, `indent` spaces deep.
fn push_object(mut text: String, indent: usize, fields: impl FnOnce(&mut Object<'_>)) -> String {
    let mut object = Object(Open::new(&mut text, indent, '{'));
    fields(&mut object);
    object.close();
    text
}

/// A whole file: the object `fields` writes, and a line break; `size` is
/// a guess of its length, to grow the text fewer times.
pub(crate) fn document(size: usize, fields: impl FnOnce(&mut Object<'_>)) -> String {
    let mut text = push_object(String::with_capacity(size), 0, fields);
    text.push('\n');
    text
}

/// `value` as a whole file: what `serde_json::to_string_pretty` writes,
/// and a line break.
pub(crate) fn to_pretty(value: &Value) -> String {
    let mut text = String::new();
    value.render(&mut text, 0);
    text.push('\n');
    text
}

/// 64 spaces.
const SPACES: &str = "                                                                ";
const _: () = assert!(SPACES.len() == 64);

/// `n` spaces, in as few slices as [`SPACES`] allows.
fn space_runs(n: usize) -> impl Iterator<Item = &'static str> {
    (0..n)
        .step_by(SPACES.len())
        .map(move |start| &SPACES[..(n - start).min(SPACES.len())])
}

fn push_spaces(out: &mut String, n: usize) {
    match SPACES.get(..n) {
        Some(spaces) => out.push_str(spaces),
        None => space_runs(n).for_each(|run| out.push_str(run)),
    }
}

/// `s` as a JSON string, as serde_json writes it. It escapes only `"`, `\`
/// and the control characters below U+0020, so a string without them (a
/// key, an id, most names) is copied between quotes.
fn push_str(out: &mut String, s: &str) {
    if needs_escape(s.as_bytes()) {
        push_value(out, s, 0);
    } else {
        out.reserve(s.len() + 2);
        out.push('"');
        out.push_str(s);
        out.push('"');
    }
}

/// Whether `bytes` hold a `"`, a `\` or a control character, tested a
/// word at a time: byte by byte, the test cost more than serde_json's
/// escaping it replaced (callgrind, 10k Klaviyo build). A string shorter
/// than a word is read as overlapping pieces, filled with spaces.
fn needs_escape(bytes: &[u8]) -> bool {
    let n = bytes.len();
    let word = |at: usize| {
        let mut w = [b' '; 8];
        w.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let half = |at: usize| {
        let mut w = [b' '; 4];
        w.copy_from_slice(&bytes[at..at + 4]);
        u64::from(u32::from_le_bytes(w))
    };
    match n {
        0 => false,
        1..=3 => {
            let pieces = [
                bytes[0],
                bytes[n / 2],
                bytes[n - 1],
                b' ',
                b' ',
                b' ',
                b' ',
                b' ',
            ];
            word_escapes(u64::from_le_bytes(pieces))
        }
        4..=7 => word_escapes(half(0) | half(n - 4) << 32),
        _ => (0..n / 8).any(|i| word_escapes(word(i * 8))) || word_escapes(word(n - 8)),
    }
}

/// Whether a byte of `word` is a `"`, a `\` or below U+0020.
fn word_escapes(word: u64) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // The bytes of `word` below `n` (n ≤ 0x80) set their high bits: a
    // subtraction borrows into the high bit of a byte that had it clear.
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word;
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    (below(word, 0x20) | below(quote, 1) | below(backslash, 1)) & HIGH != 0
}

/// What a document holds, written without serde's serializer: strings,
/// whole numbers, booleans, `null` (`()` and `None`), serde_json trees and
/// objects, and lists of them.
pub(crate) trait Json {
    /// Appends the value, its lines (after the first) `indent` deep.
    fn render(&self, out: &mut String, indent: usize);
}

impl Json for str {
    fn render(&self, out: &mut String, _indent: usize) {
        push_str(out, self);
    }
}

impl Json for String {
    fn render(&self, out: &mut String, indent: usize) {
        self.as_str().render(out, indent);
    }
}

/// A serde_json tree, as serde_json prints it, walked instead of serialized:
/// serde's serializer escapes every key and string byte by byte (a fifth of
/// a Klaviyo build's instructions went to serializing its trees).
impl Json for Value {
    fn render(&self, out: &mut String, indent: usize) {
        match self {
            Value::Null => ().render(out, indent),
            Value::Bool(b) => b.render(out, indent),
            Value::Number(n) => match n.as_u64() {
                Some(u) => u.render(out, indent),
                None => push_value(out, n, indent),
            },
            Value::String(s) => s.render(out, indent),
            Value::Array(items) => items.render(out, indent),
            Value::Object(fields) => fields.render(out, indent),
        }
    }
}

impl Json for serde_json::Map<String, Value> {
    fn render(&self, out: &mut String, indent: usize) {
        let mut object = Object(Open::new(out, indent, '{'));
        for (key, field) in self {
            object.value(key, field);
        }
        object.close();
    }
}

impl Json for bool {
    fn render(&self, out: &mut String, _indent: usize) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl Json for u64 {
    fn render(&self, out: &mut String, _indent: usize) {
        out.push_str(Digits::of(*self).as_str());
    }
}

impl Json for () {
    fn render(&self, out: &mut String, _indent: usize) {
        out.push_str("null");
    }
}

impl<T: Json + ?Sized> Json for &T {
    fn render(&self, out: &mut String, indent: usize) {
        (**self).render(out, indent);
    }
}

impl<T: Json> Json for Option<T> {
    fn render(&self, out: &mut String, indent: usize) {
        match self {
            Some(value) => value.render(out, indent),
            None => out.push_str("null"),
        }
    }
}

impl<T: Json> Json for [T] {
    fn render(&self, out: &mut String, indent: usize) {
        let mut array = Open::new(out, indent, '[');
        for item in self {
            array.next();
            item.render(array.out, array.inner());
        }
        array.close(']');
    }
}

impl<T: Json> Json for Vec<T> {
    fn render(&self, out: &mut String, indent: usize) {
        self.as_slice().render(out, indent);
    }
}

impl<T: Json, const N: usize> Json for [T; N] {
    fn render(&self, out: &mut String, indent: usize) {
        self.as_slice().render(out, indent);
    }
}

/// `value`, serialized at `indent` spaces deep. serde_json writes a value
/// in many small pieces (a bracket, a key, an indentation): they go into
/// the thread's byte buffer and are checked as UTF-8 once, not piece by
/// piece (checking each piece as it was written into the `String` was
/// 9% of a HubSpot build's samples, perf, 100k bench).
fn push_value<T: Serialize + ?Sized>(out: &mut String, value: &T, indent: usize) {
    let mut bytes = BYTES.take();
    bytes.clear();
    let mut serializer = serde_json::Serializer::with_formatter(
        &mut bytes,
        Nested {
            indent,
            has_value: false,
        },
    );
    // Writing to memory fails only on a map with non-string keys, which no
    // backend builds, and serde_json writes only UTF-8; `null` keeps the
    // document well formed all the same.
    let written = value.serialize(&mut serializer).is_ok();
    match std::str::from_utf8(&bytes) {
        Ok(text) if written => out.push_str(text),
        _ => out.push_str("null"),
    }
    BYTES.set(bytes);
}

thread_local! {
    /// Where the thread serializes a value before copying it out.
    static BYTES: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
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
            writer.write_all(run.as_bytes())?;
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
    out: &'a mut String,
    indent: usize,
    empty: bool,
}

impl<'a> Open<'a> {
    fn new(out: &'a mut String, indent: usize, bracket: char) -> Self {
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
        self.out.push_str(if self.empty { "\n" } else { ",\n" });
        self.empty = false;
        push_spaces(self.out, self.inner());
    }

    fn close(self, bracket: char) {
        if !self.empty {
            self.out.push('\n');
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
        self.0.out.push_str(": ");
    }

    /// A field holding `value`.
    pub(crate) fn value<T: Json + ?Sized>(&mut self, key: &str, value: &T) -> &mut Self {
        self.key(key);
        value.render(self.0.out, self.0.inner());
        self
    }

    /// A field holding any serializable value, through serde_json's
    /// serializer.
    pub(crate) fn serialized<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> &mut Self {
        self.key(key);
        push_value(self.0.out, value, self.0.inner());
        self
    }

    /// A field rendered before, for this depth or a shallower one.
    pub(crate) fn placed(&mut self, key: &str, value: &Placed) -> &mut Self {
        self.key(key);
        push_placed(self.0.out, value, self.0.inner());
        self
    }

    /// A field holding an object, written through the returned writer,
    /// which must be closed before this one is used again.
    pub(crate) fn object(&mut self, key: &str) -> Object<'_> {
        self.key(key);
        let indent = self.0.inner();
        Object(Open::new(self.0.out, indent, '{'))
    }

    /// A field holding an array, written through the returned writer,
    /// which must be closed before this one is used again.
    pub(crate) fn array(&mut self, key: &str) -> Array<'_> {
        self.key(key);
        let indent = self.0.inner();
        Array(Open::new(self.0.out, indent, '['))
    }

    pub(crate) fn close(self) {
        self.0.close('}');
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
        Object(Open::new(self.0.out, indent, '{'))
    }

    /// An item holding `item`.
    pub(crate) fn value<T: Json + ?Sized>(&mut self, item: &T) {
        self.0.next();
        item.render(self.0.out, self.0.inner());
    }

    /// An item rendered before, for this depth or a shallower one.
    pub(crate) fn placed(&mut self, item: &Placed) {
        self.0.next();
        push_placed(self.0.out, item, self.0.inner());
    }

    pub(crate) fn close(self) {
        self.0.close(']');
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
    fn escapes_are_found_at_every_place_in_a_word() {
        for fill in [b'a', 0x7f, 0x80, 0xff, b'!', b'#', b'['] {
            for len in 0..20 {
                assert!(!needs_escape(&vec![fill; len]));
                for at in 0..len {
                    for b in 0..=255u8 {
                        let mut bytes = vec![fill; len];
                        bytes[at] = b;
                        let expected = b < 0x20 || b == b'"' || b == b'\\';
                        assert_eq!(needs_escape(&bytes), expected, "{bytes:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn documents_are_what_serde_json_prints() {
        let inner = json!({
            "a": [1, {"b": "x\ny"}, []], "c": {}, "d": null, "e": deep(40),
            "numbers": [0, -7, u64::MAX, i64::MIN, 0.5, -1.25e-7, 1e300, 2.0],
            "flags": [true, false], "escapes": "quote \" and \\ slash\ttab\u{1}",
        });
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
        let tree = serialized(4, &inner);
        // Placed for one depth, and copied deeper and shallower.
        let shallow = serialized(0, &inner);
        let deep_placed = serialized(12, &inner);
        let scalars = (
            Some("x"),
            None::<&str>,
            (),
            7u64,
            true,
            vec!["a", "b"],
            [false],
        );
        let text = document(0, |o| {
            o.value("type", "flow");
            for (i, s) in strings.iter().enumerate() {
                o.value(&format!("s{i}"), s);
                o.serialized(&format!("t{i}"), s);
            }
            let mut nested = o.object("nested \"key\"");
            nested.value("inner", &inner);
            nested.serialized("tree", &inner);
            let mut list = nested.array("list");
            list.placed(&item);
            list.placed(&item);
            list.placed(&shallow);
            list.placed(&deep_placed);
            list.value("item");
            list.close();
            nested.array("none").close();
            let mut items = nested.array("items");
            let mut entry = items.object();
            entry.value("s", strings[2]);
            entry.close();
            items.close();
            nested.placed("tree again", &tree);
            nested.placed("shallow", &shallow);
            nested.placed("deep", &deep_placed);
            nested.object("empty").close();
            nested.placed("field", &field);
            nested.close();
            o.value("some", &scalars.0)
                .value("none", &scalars.1)
                .value("unit", &scalars.2)
                .value("number", &scalars.3)
                .value("bool", &scalars.4)
                .value("vec", &scalars.5)
                .value("array", &scalars.6);
            o.value("last", &inner);
        });
        let expected = json!({
            "type": "flow",
            "s0": strings[0], "t0": strings[0], "s1": strings[1], "t1": strings[1],
            "s2": strings[2], "t2": strings[2], "s3": strings[3], "t3": strings[3],
            "nested \"key\"": {
                "inner": inner,
                "tree": inner,
                "list": [{ "inner": inner }, { "inner": inner }, inner, inner, "item"],
                "none": [],
                "items": [{ "s": strings[2] }],
                "tree again": inner,
                "shallow": inner,
                "deep": inner,
                "empty": {},
                "field": { "s": strings[1] },
            },
            "some": "x", "none": null, "unit": null, "number": 7, "bool": true,
            "vec": ["a", "b"], "array": [false],
            "last": inner,
        });
        let mut printed = serde_json::to_string_pretty(&expected).unwrap_or_default();
        printed.push('\n');
        assert_eq!(text, printed);
        assert_eq!(to_pretty(&expected), printed);
        assert_eq!(document(0, |_| {}), "{}\n");
    }
}
