//! GPT-2's reversible map from bytes to printable characters.
//!
//! Hugging Face `tokenizer.json` files and GPT-2's `vocab.json` store byte-level tokens as text:
//! each byte $b$ is written as one printable character $\phi(b)$, where $\phi$ is the identity on
//! the 188 printable Latin-1 bytes (`!`..`~`, `¡`..`¬`, `®`..`ÿ`) and sends the other 68 bytes, in
//! increasing order, to U+0100, U+0101, ... Inside breadth tokens are raw bytes; this map is only
//! used at the file boundary. It also fixes the id order of the initial alphabet in Hugging Face's
//! BPE trainer, which sorts the 256 characters $\phi(b)$ by code point.
//!
//! Reference: Radford et al. (2019), the `bytes_to_unicode` function of GPT-2's `encoder.py`.
//!
//! ```
//! use breadth_llm::tokenizer::bytelevel::{byte_to_char, decode_str};
//! assert_eq!(byte_to_char(b' '), 'Ġ');
//! assert_eq!(decode_str("Ġhello").unwrap(), b" hello".to_vec());
//! ```

use std::sync::OnceLock;

/// $\phi(b)$ for every byte.
fn table() -> &'static ([char; 256], rustc_hash::FxHashMap<char, u8>) {
    static T: OnceLock<([char; 256], rustc_hash::FxHashMap<char, u8>)> = OnceLock::new();
    T.get_or_init(|| {
        let mut map = ['\0'; 256];
        let mut n = 0u32;
        for b in 0..=255u8 {
            let printable = (b'!'..=b'~').contains(&b) || (0xA1..=0xAC).contains(&b) || b >= 0xAE;
            map[b as usize] = if printable {
                char::from(b)
            } else {
                n += 1;
                char::from_u32(255 + n).expect("U+0100..U+0143 are chars")
            };
        }
        let inverse = map.iter().enumerate().map(|(b, &c)| (c, b as u8)).collect();
        (map, inverse)
    })
}

/// The printable character standing for byte `b`.
pub fn byte_to_char(b: u8) -> char {
    table().0[b as usize]
}

/// The byte a character stands for, if it is one of the 256 characters of the map.
pub fn char_to_byte(c: char) -> Option<u8> {
    table().1.get(&c).copied()
}

/// A byte string written in the printable alphabet.
pub fn encode_str(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| byte_to_char(b)).collect()
}

/// The bytes a printable-alphabet string stands for; `None` if it holds another character.
pub fn decode_str(s: &str) -> Option<Vec<u8>> {
    s.chars().map(char_to_byte).collect()
}

/// The 256 bytes in the order of their characters' code points: the order Hugging Face's BPE
/// trainer gives the initial alphabet ids.
pub fn bytes_in_char_order() -> Vec<u8> {
    let mut bytes: Vec<u8> = (0..=255).collect();
    bytes.sort_by_key(|&b| byte_to_char(b));
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_is_a_bijection_onto_printable_characters() {
        let all: Vec<u8> = (0..=255).collect();
        let s = encode_str(&all);
        assert_eq!(s.chars().count(), 256);
        assert!(s.chars().all(|c| !c.is_whitespace() && !c.is_control()));
        assert_eq!(decode_str(&s).unwrap(), all);
        assert_eq!(byte_to_char(0), '\u{100}');
        assert_eq!(byte_to_char(b'\n'), 'Ċ');
        assert!(decode_str("x\u{500}").is_none());
        let order = bytes_in_char_order();
        assert_eq!(
            (order[0], order[93], order[94], order[255]),
            (b'!', b'~', 0xA1, 0xAD)
        );
    }
}
