//! `{{ … }}` merge tags inside strings: found once here, checked by the
//! resolver and translated by each backend.

use std::ops::Range;

/// The namespaces whose tags the compiler checks and translates; tags in any
/// other namespace (`{{ webinar.title }}`) pass through untouched.
pub const CHECKED_NAMESPACES: &[&str] = &["contact", "company"];

/// The tags that exist whatever the project declares.
pub const ALWAYS_PRESENT: &[&str] = &[
    "contact.first_name",
    "contact.last_name",
    "contact.email",
    "company.name",
];

/// One tag in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag<'t> {
    /// The tag, braces included.
    pub range: Range<usize>,
    /// Between the braces, trimmed.
    pub path: &'t str,
}

impl<'t> Tag<'t> {
    /// `("contact", "first_name")` for a tag of a checked namespace with one
    /// property after the dot; `None` for any other tag.
    pub fn checked(&self) -> Option<(&'t str, &'t str)> {
        checked_path(self.path)
    }
}

/// `contact.first_name` → `("contact", "first_name")`; `None` for a path
/// outside the checked namespaces or not of that shape.
pub fn checked_path(path: &str) -> Option<(&str, &str)> {
    let (namespace, property) = path.split_once('.')?;
    let is_name = !property.is_empty()
        && property
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    (CHECKED_NAMESPACES.contains(&namespace) && is_name).then_some((namespace, property))
}

/// Every `{{ … }}` of `text`, in order. An opening `{{` with no `}}` after it
/// is text, not a tag.
pub fn find(text: &str) -> Vec<Tag<'_>> {
    let mut tags = Vec::new();
    let mut from = 0;
    while let Some(open) = text.get(from..).and_then(|rest| rest.find("{{")) {
        let start = from + open;
        let Some(close) = text.get(start + 2..).and_then(|rest| rest.find("}}")) else {
            break;
        };
        let end = start + 2 + close + 2;
        let path = text.get(start + 2..end - 2).unwrap_or("").trim();
        tags.push(Tag {
            range: start..end,
            path,
        });
        from = end;
    }
    tags
}

/// `text` with each tag of a checked namespace replaced by what `translate`
/// makes of it; other tags and the text around them are kept as written.
/// The first error `translate` returns is returned.
pub fn translate<E>(
    text: &str,
    mut translate: impl FnMut(&str, &str) -> Result<String, E>,
) -> Result<String, E> {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for tag in find(text) {
        let Some((namespace, property)) = tag.checked() else {
            continue;
        };
        out.push_str(text.get(last..tag.range.start).unwrap_or(""));
        out.push_str(&translate(namespace, property)?);
        last = tag.range.end;
    }
    out.push_str(text.get(last..).unwrap_or(""));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_found_with_their_ranges() {
        let text = "Hi {{ contact.first_name }}, see {{webinar.title}} {{ open";
        let tags = find(text);
        assert_eq!(tags.len(), 2);
        assert_eq!(&text[tags[0].range.clone()], "{{ contact.first_name }}");
        assert_eq!(tags[0].checked(), Some(("contact", "first_name")));
        assert_eq!(tags[1].path, "webinar.title");
        assert_eq!(tags[1].checked(), None);
    }

    #[test]
    fn translation_keeps_other_namespaces() {
        let out = translate::<()>("{{ contact.email }} / {{ webinar.title }}", |ns, p| {
            Ok(format!("<{ns}:{p}>"))
        });
        assert_eq!(out, Ok("<contact:email> / {{ webinar.title }}".to_string()));
    }
}
