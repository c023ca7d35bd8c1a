//! Whole numbers written into names (node ids, output node names) digit by
//! digit: `format!` and `to_string` go through the formatting machinery,
//! several hundred instructions a number, and names are made per node.

/// Appends `n` in decimal to `out`.
pub(crate) fn push(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
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
