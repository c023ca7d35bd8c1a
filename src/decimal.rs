//! Whole numbers written into names (node ids, output node names) digit by
//! digit: `format!` and `to_string` go through the formatting machinery,
//! several hundred instructions a number, and names are made per node.

/// Appends `n` in decimal to `out`.
pub(crate) fn push(out: &mut String, n: u64) {
    out.push_str(Digits::of(n).as_str());
}

/// The digits of a number, least significant last.
pub(crate) struct Digits {
    digits: [u8; 20],
    start: usize,
}

impl Digits {
    pub(crate) fn of(n: u64) -> Digits {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        let mut rest = n;
        loop {
            start -= 1;
            digits[start] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        Digits { digits, start }
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits are written.
        std::str::from_utf8(&self.digits[self.start..]).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_written_as_to_string_writes_them() {
        for n in [0, 1, 9, 10, 99, 100, 907, 123_456_789, u64::MAX] {
            let mut out = String::from("x");
            super::push(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
    }
}
