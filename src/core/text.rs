//! Small text helpers for strings the lab did not write.

/// The first `chars` characters of `s`, cut at a character boundary: for showing the start of a hash or
/// an id read from a file, where a byte slice (`&s[..12]`) panics if the file put a multi-byte character
/// there (found by fuzzing run bundles).
pub fn prefix(s: &str, chars: usize) -> &str {
    match s.char_indices().nth(chars) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_character_boundaries() {
        assert_eq!(prefix("5e834bdf41eé", 12), "5e834bdf41eé");
        assert_eq!(prefix("5e834bdf41eéfc", 12), "5e834bdf41eé");
        assert_eq!(prefix("abc", 12), "abc");
        assert_eq!(prefix("", 3), "");
        assert_eq!(prefix("ééé", 0), "");
    }
}
