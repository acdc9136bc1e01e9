//! Pre-tokenization: cutting text into the pieces that BPE then encodes one by one.
//!
//! GPT-2 and GPT-4 (`cl100k_base`) define their pieces by a regular expression matched
//! repeatedly from the end of the previous match (leftmost-first alternation):
//!
//! ```text
//! GPT-2   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//! cl100k  (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//! ```
//!
//! Every character belongs to exactly one class $\kappa(c) \in \{L, N, S, O\}$ (letter, number,
//! white space, other), so the matches tile the text. The look-ahead `\s+(?!\S)` needs a
//! backtracking engine; its meaning is simple though: a white-space run $w$ that is followed by a
//! non-space character $x$ gives up its last character (so that `" x"` stays together), unless
//! $|w| = 1$. [`Pattern::Gpt2`] and [`Pattern::Cl100k`] are hand-written scanners over the class of
//! each character that implement exactly these regexes in $O(n)$ time without backtracking;
//! [`Pattern::Custom`] (and the tests, as the obviously-correct reference) run the regex through
//! `fancy-regex`. The class tables come from `regex-syntax`, the same Unicode data the regex engine
//! uses, so the two agree character for character.
//!
//! Complexity: $O(n)$ for the hand-written patterns (one table lookup per character; ASCII has a
//! 128-entry fast path). Reference: Radford et al., *Language Models are Unsupervised Multitask
//! Learners* (2019), §2.2; OpenAI `tiktoken`'s `cl100k_base` definition.
//!
//! ```
//! use breadth_llm::tokenizer::pretokenize::Pattern;
//! let p = Pattern::Gpt2;
//! assert_eq!(p.split("Hello  world's 42!"), vec!["Hello", " ", " world", "'s", " 42", "!"]);
//! let c = Pattern::Cl100k;
//! assert_eq!(c.split("I'LL pay 12345."), vec!["I", "'LL", " pay", " ", "123", "45", "."]);
//! ```

use std::sync::OnceLock;

use breadth_core::{Error, Result};
use regex_syntax::hir::{Class, HirKind};

/// The GPT-2 pre-tokenization regex.
pub const GPT2_PATTERN: &str =
    r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
/// The GPT-4 (`cl100k_base`) pre-tokenization regex.
pub const CL100K_PATTERN: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// A set of code points given as sorted, disjoint, inclusive ranges.
#[derive(Debug, Clone)]
pub(crate) struct CharSet(Vec<(u32, u32)>);

impl CharSet {
    /// The set a regex class such as `\p{L}` or `\s` denotes, per `regex-syntax`'s Unicode tables.
    pub(crate) fn from_class(class: &str) -> CharSet {
        let hir = regex_syntax::parse(class).expect("a valid built-in class");
        match hir.kind() {
            HirKind::Class(Class::Unicode(c)) => CharSet(
                c.ranges()
                    .iter()
                    .map(|r| (r.start() as u32, r.end() as u32))
                    .collect(),
            ),
            other => unreachable!("{class} parsed to {other:?}"),
        }
    }

    /// Whether `c` is in the set (binary search over the ranges).
    pub(crate) fn contains(&self, c: char) -> bool {
        let c = c as u32;
        self.0
            .binary_search_by(|&(lo, hi)| {
                if hi < c {
                    std::cmp::Ordering::Less
                } else if lo > c {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
    }
}

/// The class of a character for the GPT patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Kind {
    /// Neither letter, number nor white space.
    Other = 0,
    /// `\p{L}`.
    Letter = 1,
    /// `\p{N}`.
    Number = 2,
    /// `\s` (Unicode `White_Space`).
    Space = 3,
}

/// Two-level table of [`Kind`] over all code points: 256-entry blocks, deduplicated.
struct KindTable {
    ascii: [Kind; 128],
    block_of: Vec<u16>,
    blocks: Vec<[Kind; 256]>,
}

fn kind_table() -> &'static KindTable {
    static TABLE: OnceLock<KindTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let letters = CharSet::from_class(r"\p{L}");
        let numbers = CharSet::from_class(r"\p{N}");
        let spaces = CharSet::from_class(r"\s");
        let mut flat = vec![Kind::Other; 0x110000];
        for (set, kind) in [
            (&letters, Kind::Letter),
            (&numbers, Kind::Number),
            (&spaces, Kind::Space),
        ] {
            for &(lo, hi) in &set.0 {
                for c in lo..=hi {
                    flat[c as usize] = kind;
                }
            }
        }
        let mut blocks: Vec<[Kind; 256]> = Vec::new();
        let mut index = rustc_hash::FxHashMap::default();
        let block_of = flat
            .chunks(256)
            .map(|chunk| {
                let block: [Kind; 256] = chunk.try_into().expect("256-entry chunk");
                let key: Vec<u8> = block.iter().map(|&k| k as u8).collect();
                *index.entry(key).or_insert_with(|| {
                    blocks.push(block);
                    (blocks.len() - 1) as u16
                })
            })
            .collect();
        let mut ascii = [Kind::Other; 128];
        ascii.copy_from_slice(&flat[..128]);
        KindTable {
            ascii,
            block_of,
            blocks,
        }
    })
}

/// Decode the character starting at byte `i` of valid UTF-8 text: (code point, byte length).
#[inline(always)]
fn char_at(b: &[u8], i: usize) -> (u32, usize) {
    let b0 = b[i] as u32;
    if b0 < 0x80 {
        (b0, 1)
    } else if b0 < 0xE0 {
        (((b0 & 0x1F) << 6) | (b[i + 1] as u32 & 0x3F), 2)
    } else if b0 < 0xF0 {
        (
            ((b0 & 0x0F) << 12) | ((b[i + 1] as u32 & 0x3F) << 6) | (b[i + 2] as u32 & 0x3F),
            3,
        )
    } else {
        (
            ((b0 & 0x07) << 18)
                | ((b[i + 1] as u32 & 0x3F) << 12)
                | ((b[i + 2] as u32 & 0x3F) << 6)
                | (b[i + 3] as u32 & 0x3F),
            4,
        )
    }
}

/// A cursor over valid UTF-8 that classifies characters.
struct Scanner<'a> {
    b: &'a [u8],
    table: &'static KindTable,
}

impl Scanner<'_> {
    /// (code point, byte length, kind) of the character at `i` (`i < len`).
    #[inline(always)]
    fn at(&self, i: usize) -> (u32, usize, Kind) {
        let b0 = self.b[i];
        if b0 < 0x80 {
            return (b0 as u32, 1, self.table.ascii[b0 as usize]);
        }
        let (c, l) = char_at(self.b, i);
        let block = self.table.block_of[(c >> 8) as usize] as usize;
        (c, l, self.table.blocks[block][(c & 0xFF) as usize])
    }

    /// Kind of the character at `i`, or `None` at the end.
    #[inline(always)]
    fn kind_at(&self, i: usize) -> Option<Kind> {
        (i < self.b.len()).then(|| self.at(i).2)
    }

    /// End of the maximal run of `kind` starting at `i`.
    #[inline(always)]
    fn run(&self, mut i: usize, kind: Kind) -> usize {
        while i < self.b.len() {
            let (_, l, k) = self.at(i);
            if k != kind {
                break;
            }
            i += l;
        }
        i
    }

    /// Byte length of a contraction (`s t re ve m ll d`) right after an apostrophe at `i - 1`.
    /// `fold` also accepts the case-insensitive forms (including U+017F, long s, which Unicode
    /// simple case folding maps to `s`).
    #[inline(always)]
    fn contraction(&self, i: usize, fold: bool) -> Option<usize> {
        let b = self.b;
        let get = |j: usize| -> Option<char> {
            if j >= b.len() {
                return None;
            }
            let (c, l) = char_at(b, j);
            let c = char::from_u32(c)?;
            Some(if fold && l == 1 {
                c.to_ascii_lowercase()
            } else {
                c
            })
            .map(|c| if fold && c == '\u{17F}' { 's' } else { c })
        };
        let c1 = get(i)?;
        let l1 = char_at(b, i).1;
        match c1 {
            's' | 't' | 'm' | 'd' => Some(l1),
            'r' | 'v' => (get(i + 1)? == 'e').then_some(2),
            'l' => (get(i + 1)? == 'l').then_some(2),
            _ => None,
        }
    }

    /// End of the white-space run at `i`, and the start of its last character.
    #[inline(always)]
    fn space_run(&self, i: usize) -> (usize, usize) {
        let (mut j, mut last) = (i, i);
        while j < self.b.len() {
            let (_, l, k) = self.at(j);
            if k != Kind::Space {
                break;
            }
            last = j;
            j += l;
        }
        (j, last)
    }

    /// `\s+(?!\S)|\s+` at `i` given its run `(end, last)`.
    #[inline(always)]
    fn trailing_space(&self, i: usize, end: usize, last: usize) -> usize {
        if end == self.b.len() || last == i {
            end
        } else {
            last
        }
    }

    fn gpt2_next(&self, i: usize) -> usize {
        let (c, _, k) = self.at(i);
        if c == u32::from(b'\'') {
            if let Some(n) = self.contraction(i + 1, false) {
                return i + 1 + n;
            }
        }
        // ` ?X+` for X in {L, N, O}: a single space joins the run that follows it.
        let (start, kind) = match k {
            Kind::Space if c == u32::from(b' ') => match self.kind_at(i + 1) {
                Some(k2) if k2 != Kind::Space => (i + 1, k2),
                _ => (i, Kind::Space),
            },
            _ => (i, k),
        };
        if kind != Kind::Space {
            return self.run(start, kind);
        }
        let (end, last) = self.space_run(i);
        self.trailing_space(i, end, last)
    }

    fn cl100k_next(&self, i: usize) -> usize {
        let (c, l, k) = self.at(i);
        if c == u32::from(b'\'') {
            if let Some(n) = self.contraction(i + 1, true) {
                return i + 1 + n;
            }
        }
        let newline = c == u32::from(b'\r') || c == u32::from(b'\n');
        match k {
            Kind::Letter => return self.run(i, Kind::Letter),
            Kind::Number => {
                let mut j = i;
                for _ in 0..3 {
                    match self.kind_at(j) {
                        Some(Kind::Number) => j += self.at(j).1,
                        _ => break,
                    }
                }
                return j;
            }
            _ => {}
        }
        // `[^\r\n\p{L}\p{N}]?\p{L}+`
        if !newline && self.kind_at(i + l) == Some(Kind::Letter) {
            return self.run(i + l, Kind::Letter);
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        let other_start = match k {
            Kind::Other => Some(i),
            Kind::Space if c == u32::from(b' ') && self.kind_at(i + 1) == Some(Kind::Other) => {
                Some(i + 1)
            }
            _ => None,
        };
        if let Some(s) = other_start {
            let mut j = self.run(s, Kind::Other);
            while j < self.b.len() && (self.b[j] == b'\r' || self.b[j] == b'\n') {
                j += 1;
            }
            return j;
        }
        // White space from here on.
        let (end, last) = self.space_run(i);
        // `\s*[\r\n]+`: the longest prefix of the run that ends in a line break.
        let mut j = end;
        while j > i {
            let b = self.b[j - 1];
            if b == b'\r' || b == b'\n' {
                return j;
            }
            if b < 0x80 {
                j -= 1;
            } else {
                // Step back over a multi-byte space character (never a line break).
                j -= 1;
                while self.b[j] & 0xC0 == 0x80 {
                    j -= 1;
                }
            }
        }
        self.trailing_space(i, end, last)
    }
}

/// A pre-tokenization rule.
#[derive(Debug, Clone)]
pub enum Pattern {
    /// The whole text is one piece (minbpe's `BasicTokenizer`).
    Whole,
    /// GPT-2's regex, by the hand-written scanner.
    Gpt2,
    /// GPT-4's `cl100k_base` regex, by the hand-written scanner.
    Cl100k,
    /// Any other regex (`fancy-regex` syntax), matched with the isolated-pieces behaviour: the
    /// matches and the gaps between them are all pieces.
    Custom(Box<fancy_regex::Regex>),
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Pattern {
    /// The pattern for a regex string: the hand-written scanners where the string is one of the
    /// two known patterns, otherwise a compiled custom regex.
    pub fn from_regex(regex: &str) -> Result<Pattern> {
        if regex == GPT2_PATTERN {
            return Ok(Pattern::Gpt2);
        }
        // Hugging Face writes cl100k with `\p{N}{1,3}` as well as some variants; only the exact
        // string is recognised, anything else runs through the regex engine.
        if regex == CL100K_PATTERN {
            return Ok(Pattern::Cl100k);
        }
        fancy_regex::Regex::new(regex)
            .map(|r| Pattern::Custom(Box::new(r)))
            .map_err(|e| Error::param("pattern", format!("cannot compile `{regex}`: {e}")))
    }

    /// The regex this pattern implements (`""` for [`Pattern::Whole`]).
    pub fn as_str(&self) -> &str {
        match self {
            Pattern::Whole => "",
            Pattern::Gpt2 => GPT2_PATTERN,
            Pattern::Cl100k => CL100K_PATTERN,
            Pattern::Custom(r) => r.as_str(),
        }
    }

    /// Call `f` on each piece of `text`, in order; the pieces concatenate to `text`.
    pub fn for_each_piece<'a>(&self, text: &'a str, mut f: impl FnMut(&'a str)) {
        if text.is_empty() {
            return;
        }
        match self {
            Pattern::Whole => f(text),
            Pattern::Gpt2 | Pattern::Cl100k => {
                let s = Scanner {
                    b: text.as_bytes(),
                    table: kind_table(),
                };
                let gpt2 = matches!(self, Pattern::Gpt2);
                let mut i = 0;
                while i < text.len() {
                    let j = if gpt2 {
                        s.gpt2_next(i)
                    } else {
                        s.cl100k_next(i)
                    };
                    f(&text[i..j]);
                    i = j;
                }
            }
            Pattern::Custom(r) => regex_pieces(r, text, f),
        }
    }

    /// The pieces of `text` as a vector.
    pub fn split<'a>(&self, text: &'a str) -> Vec<&'a str> {
        let mut out = Vec::new();
        self.for_each_piece(text, |p| out.push(p));
        out
    }
}

/// Pieces by a regex: each match, and each non-empty gap between matches. A regex error (the
/// backtracking limit on pathological input) ends the matching and leaves the rest as one piece,
/// so text is never lost.
fn regex_pieces<'a>(r: &fancy_regex::Regex, text: &'a str, mut f: impl FnMut(&'a str)) {
    let mut last = 0;
    for m in r.find_iter(text) {
        let Ok(m) = m else { break };
        if m.start() > last {
            f(&text[last..m.start()]);
        }
        if m.end() > m.start() {
            f(m.as_str());
        }
        last = m.end();
    }
    if last < text.len() {
        f(&text[last..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng as _, SeedableRng};

    /// Characters chosen to hit every branch: contractions in both cases (and long s), every
    /// class, multi-byte spaces, line breaks, combining marks, emoji, CJK, Arabic digits.
    const ALPHABET: &[char] = &[
        ' ', ' ', ' ', '\t', '\n', '\r', '\u{b}', '\u{a0}', '\u{3000}', '\u{85}', '\'', '\'', 's',
        'S', '\u{17f}', 't', 'T', 'r', 'R', 'e', 'E', 'v', 'm', 'l', 'L', 'd', 'a', 'Z', '0', '7',
        '\u{661}', '\u{216b}', '\u{bd}', '!', '?', '.', '(', '\u{301}', '\u{200d}', '😀', 'é',
        '中', 'ß', 'Ω',
    ];

    fn random_text(rng: &mut rand_chacha::ChaCha8Rng, max_len: usize) -> String {
        let n = rng.random_range(0..max_len);
        (0..n)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())])
            .collect()
    }

    fn check_against_regex(p: &Pattern, regex: &str) {
        let r = fancy_regex::Regex::new(regex).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for _ in 0..4000 {
            let text = random_text(&mut rng, 24);
            let mut want = Vec::new();
            regex_pieces(&r, &text, |x| want.push(x));
            assert_eq!(p.split(&text), want, "text {text:?}");
        }
    }

    #[test]
    fn gpt2_scanner_matches_the_regex_on_random_text() {
        check_against_regex(&Pattern::Gpt2, GPT2_PATTERN);
    }

    #[test]
    fn cl100k_scanner_matches_the_regex_on_random_text() {
        check_against_regex(&Pattern::Cl100k, CL100K_PATTERN);
    }

    #[test]
    fn scanners_match_the_regex_on_multilingual_text() {
        let text = "Ça va? Да, всё хорошо!  東京は晴れ。\n\n  مرحبا ١٢٣٤ 🎉🎉 don't WON'T x\u{301}\r\n\t end  ";
        for (p, re) in [
            (Pattern::Gpt2, GPT2_PATTERN),
            (Pattern::Cl100k, CL100K_PATTERN),
        ] {
            let mut want = Vec::new();
            regex_pieces(&fancy_regex::Regex::new(re).unwrap(), text, |x| {
                want.push(x)
            });
            assert_eq!(p.split(text), want);
        }
    }

    #[test]
    fn known_patterns_are_recognised_and_bad_ones_rejected() {
        assert_eq!(Pattern::from_regex(GPT2_PATTERN).unwrap(), Pattern::Gpt2);
        assert_eq!(
            Pattern::from_regex(CL100K_PATTERN).unwrap(),
            Pattern::Cl100k
        );
        assert!(matches!(
            Pattern::from_regex(r"\w+").unwrap(),
            Pattern::Custom(_)
        ));
        assert!(Pattern::from_regex(r"(unclosed").is_err());
        assert_eq!(
            Pattern::Custom(Box::new(fancy_regex::Regex::new(r"\d+").unwrap())).split("ab12cd"),
            vec!["ab", "12", "cd"]
        );
    }

    #[test]
    fn char_sets_answer_membership() {
        let p = CharSet::from_class(r"\p{P}");
        assert!(p.contains('!') && p.contains('「') && !p.contains('a') && !p.contains('$'));
    }
}
