//! `send during <days> <open>-<close>`: day names, ranges and lists, and
//! 24-hour `HH:MM` times that open before they close.

use super::Resolver;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, Weekday};
use crate::span::Span;
use crate::syntax::ast;

/// `24:00` may close a window (the end of the day); nothing opens then.
const END_OF_DAY: u32 = 24 * 60;

impl Resolver<'_> {
    /// The window, or `None` (with its diagnostics) when any part is wrong.
    pub(super) fn send_window(
        &mut self,
        window: &ast::SendWindowDef,
        span: Span,
    ) -> Option<ir::SendWindow> {
        let mut days = [false; 7];
        let mut valid = true;
        for spec in &window.days {
            let first = self.weekday(&spec.first);
            let last = spec.last.as_ref().map(|l| self.weekday(l));
            match (first, last) {
                (Some(first), None) => days[first.index()] = true,
                // A range runs forward through the week: `fri-mon` is
                // Friday to Monday, over the weekend.
                (Some(first), Some(Some(last))) => {
                    let mut day = first.index();
                    loop {
                        days[day] = true;
                        if day == last.index() {
                            break;
                        }
                        day = (day + 1) % 7;
                    }
                }
                _ => valid = false,
            }
        }
        let open = self.clock(&window.open, false);
        let close = self.clock(&window.close, true);
        let (Some(open), Some(close)) = (open, close) else {
            return None;
        };
        if open >= close {
            let (message, help) = if open == close {
                (
                    "this send window opens and closes at the same time".to_string(),
                    "give the hours sends may go out, e.g. `09:00-17:00`".to_string(),
                )
            } else {
                (
                    format!(
                        "this send window closes at {} before it opens at {}",
                        window.close.text, window.open.text
                    ),
                    format!(
                        "a window's hours lie within one day and cannot run past midnight; \
                         to allow sends at any time outside {}-{}, use `00:00-{}` or `{}-24:00`",
                        window.close.text, window.open.text, window.close.text, window.open.text
                    ),
                )
            };
            self.diagnostics.push(
                Diagnostic::new(
                    Code::InvalidSendWindow,
                    message,
                    Span::new(
                        window.open.span.file,
                        window.open.span.start,
                        window.close.span.end,
                    ),
                    "the hours must open before they close",
                )
                .with_help(help),
            );
            return None;
        }
        valid.then(|| ir::SendWindow {
            days: Weekday::ALL
                .iter()
                .copied()
                .filter(|d| days[d.index()])
                .collect(),
            open,
            close,
            span,
        })
    }

    fn weekday(&mut self, name: &ast::Ident) -> Option<Weekday> {
        if let Some(day) = Weekday::from_name(&name.name) {
            return Some(day);
        }
        let close = Weekday::ALL
            .iter()
            .find(|d| name.name.starts_with(d.name()))
            .map(|d| d.name());
        let mut d = Diagnostic::new(
            Code::InvalidSendWindow,
            format!("`{}` is not a day of the week", name.name),
            name.span,
            "not a day",
        );
        d = match close {
            Some(close) => d.with_help(format!("days are written with three letters: `{close}`")),
            None => d.with_help("days are `mon`, `tue`, `wed`, `thu`, `fri`, `sat` and `sun`"),
        };
        self.diagnostics.push(d);
        None
    }

    /// Minutes after midnight of an `HH:MM` time.
    fn clock(&mut self, clock: &ast::ClockLit, closing: bool) -> Option<u32> {
        let parsed = match clock.text.split_once(':') {
            Some((h, m)) if h.len() == 2 && m.len() == 2 => {
                match (h.parse::<u32>(), m.parse::<u32>()) {
                    (Ok(h), Ok(m)) if m < 60 && (h < 24 || (closing && h == 24 && m == 0)) => {
                        Some(h * 60 + m)
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        if parsed.is_some() {
            return parsed.map(|m| m.min(END_OF_DAY));
        }
        let padded = match clock.text.split_once(':') {
            Some((h, m)) if h.len() == 1 && m.len() == 2 => Some(format!("0{h}:{m}")),
            _ => None,
        };
        let mut d = Diagnostic::new(
            Code::InvalidSendWindow,
            format!("`{}` is not a time of day", clock.text),
            clock.span,
            "expected `HH:MM`, 24-hour",
        );
        d = match padded {
            Some(p) => d.with_help(format!("write the hour with two digits: `{p}`")),
            _ => d.with_help(if closing {
                "times run from `00:00` to `23:59`; `24:00` closes a window at midnight"
            } else {
                "times run from `00:00` to `23:59`"
            }),
        };
        self.diagnostics.push(d);
        None
    }
}
