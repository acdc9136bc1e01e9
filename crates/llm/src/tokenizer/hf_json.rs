//! Loading Hugging Face `tokenizer.json` files (BPE, WordPiece and Unigram models).
//!
//! A `tokenizer.json` chains added tokens, a normalizer, a pre-tokenizer, a model and a
//! post-processor. The common combinations are supported and anything else is refused with an
//! error naming the component, never approximated:
//!
//! | component | supported |
//! |---|---|
//! | `added_tokens` | matched literally before everything else (their flags are ignored) |
//! | normalizer | none; `BertNormalizer` (WordPiece) |
//! | pre-tokenizer | `ByteLevel` (GPT-2 regex or none); `Sequence[Split(regex, Isolated), ByteLevel]`; `BertPreTokenizer`; `Metaspace` |
//! | model | `BPE` (byte-level vocabularies, merges as `"a b"` or `["a", "b"]`), `WordPiece`, `Unigram` |
//! | post-processor | none, `ByteLevel`, `TemplateProcessing`, `BertProcessing`, `RobertaProcessing`, `Sequence` of these (single sequences) |
//!
//! Byte-level vocabulary strings are turned into raw bytes with [`super::bytelevel`], so the
//! loaded tokenizer works on bytes like every breadth BPE model. Complexity: linear in the file.
//!
//! ```
//! use breadth_llm::tokenizer::{hf_json, Tokenizer};
//! let json = r#"{"added_tokens": [], "normalizer": null,
//!   "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
//!   "post_processor": null,
//!   "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}}"#;
//! let tok = hf_json::from_str(json, "<memory>").unwrap();
//! assert_eq!(tok.encode("abba").unwrap(), vec![2, 1, 0]);
//! assert!(hf_json::from_str("{\"model\": {\"type\": \"BPE\"}}", "<memory>").is_err());
//! ```

use std::path::Path;

use breadth_core::{Error, Result};
use serde_json::Value;

use super::bpe::{BpeModel, BpeTokenizer, Merge};
use super::bytelevel;
use super::pretokenize::Pattern;
use super::unigram::{UnigramModel, UnigramTokenizer};
use super::wordpiece::{BertNormalizer, WordPieceTokenizer};
use super::{PostProcessor, SpecialTokens, Tokenizer};

struct Ctx<'a> {
    source: &'a str,
}

impl Ctx<'_> {
    fn err(&self, reason: impl Into<String>) -> Error {
        Error::Parse {
            source_name: self.source.into(),
            line: 0,
            reason: reason.into(),
        }
    }

    fn field<'v>(&self, v: &'v Value, path: &str, name: &str) -> Result<&'v Value> {
        v.get(name)
            .ok_or_else(|| self.err(format!("missing field `{path}.{name}`")))
    }

    fn str_field<'v>(&self, v: &'v Value, path: &str, name: &str) -> Result<&'v str> {
        self.field(v, path, name)?
            .as_str()
            .ok_or_else(|| self.err(format!("`{path}.{name}` must be a string")))
    }

    fn u32_of(&self, v: &Value, what: &str) -> Result<u32> {
        v.as_u64()
            .and_then(|x| u32::try_from(x).ok())
            .ok_or_else(|| {
                self.err(format!(
                    "{what} must be a non-negative 32-bit integer, found {v}"
                ))
            })
    }

    fn type_of<'v>(&self, v: &'v Value, path: &str) -> Result<&'v str> {
        self.str_field(v, path, "type")
    }
}

/// Load a `tokenizer.json` from its text; `source` names it in errors.
pub fn from_str(json: &str, source: &str) -> Result<Tokenizer> {
    let ctx = Ctx { source };
    let root: Value =
        serde_json::from_str(json).map_err(|e| ctx.err(format!("not valid JSON: {e}")))?;
    let specials = added_tokens(&ctx, &root)?;
    let model = ctx.field(&root, "", "model")?;
    let null = Value::Null;
    let normalizer = root.get("normalizer").unwrap_or(&null);
    let pre = root.get("pre_tokenizer").unwrap_or(&null);
    let post = post_processor(&ctx, root.get("post_processor").unwrap_or(&null))?;
    match ctx.type_of(model, "model")? {
        "BPE" => {
            if !normalizer.is_null() {
                return Err(ctx.err(format!(
                    "normalizer {} is not supported with a BPE model",
                    normalizer.get("type").unwrap_or(&null)
                )));
            }
            bpe(&ctx, model, pre, specials, post).map(Tokenizer::Bpe)
        }
        "WordPiece" => {
            wordpiece(&ctx, model, normalizer, pre, specials, post).map(Tokenizer::WordPiece)
        }
        "Unigram" => unigram(&ctx, model, normalizer, pre, specials).map(Tokenizer::Unigram),
        other => Err(ctx.err(format!("model type `{other}` is not supported"))),
    }
}

/// Load a `tokenizer.json` file.
pub fn load(path: &Path) -> Result<Tokenizer> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    from_str(&text, &path.display().to_string())
}

fn added_tokens(ctx: &Ctx, root: &Value) -> Result<SpecialTokens> {
    let Some(list) = root.get("added_tokens") else {
        return Ok(SpecialTokens::default());
    };
    let list = list
        .as_array()
        .ok_or_else(|| ctx.err("`added_tokens` must be an array"))?;
    let mut out = Vec::new();
    for (i, t) in list.iter().enumerate() {
        let content = ctx.str_field(t, &format!("added_tokens[{i}]"), "content")?;
        let id = ctx.u32_of(
            ctx.field(t, &format!("added_tokens[{i}]"), "id")?,
            "added token id",
        )?;
        out.push((content.to_string(), id));
    }
    SpecialTokens::new(out).map_err(|e| ctx.err(e.to_string()))
}

fn post_processor(ctx: &Ctx, v: &Value) -> Result<PostProcessor> {
    if v.is_null() {
        return Ok(PostProcessor::default());
    }
    let pair = |name: &str| -> Result<u32> {
        let p = ctx.field(v, "post_processor", name)?;
        ctx.u32_of(
            p.get(1).unwrap_or(&Value::Null),
            &format!("post_processor.{name}[1]"),
        )
    };
    match ctx.type_of(v, "post_processor")? {
        "ByteLevel" => Ok(PostProcessor::default()),
        "BertProcessing" | "RobertaProcessing" => Ok(PostProcessor {
            prefix: vec![pair("cls")?],
            suffix: vec![pair("sep")?],
        }),
        "Sequence" => {
            let mut out = PostProcessor::default();
            let list = ctx
                .field(v, "post_processor", "processors")?
                .as_array()
                .ok_or_else(|| ctx.err("`post_processor.processors` must be an array"))?;
            for p in list {
                let inner = post_processor(ctx, p)?;
                out.prefix.extend(inner.prefix);
                out.suffix.extend(inner.suffix);
            }
            Ok(out)
        }
        "TemplateProcessing" => {
            let single = ctx
                .field(v, "post_processor", "single")?
                .as_array()
                .ok_or_else(|| ctx.err("`post_processor.single` must be an array"))?;
            let specials = ctx.field(v, "post_processor", "special_tokens")?;
            let mut out = PostProcessor::default();
            let mut seen_sequence = false;
            for piece in single {
                if piece.get("Sequence").is_some() {
                    seen_sequence = true;
                } else if let Some(sp) = piece.get("SpecialToken") {
                    let name = ctx.str_field(sp, "post_processor.single[].SpecialToken", "id")?;
                    let entry = specials.get(name).ok_or_else(|| {
                        ctx.err(format!(
                            "template names `{name}`, absent from its special_tokens"
                        ))
                    })?;
                    let ids = ctx
                        .field(entry, "post_processor.special_tokens", "ids")?
                        .as_array()
                        .ok_or_else(|| ctx.err("special token ids must be an array"))?;
                    let ids = ids
                        .iter()
                        .map(|i| ctx.u32_of(i, "template id"))
                        .collect::<Result<Vec<_>>>()?;
                    if seen_sequence {
                        out.suffix.extend(ids);
                    } else {
                        out.prefix.extend(ids);
                    }
                } else {
                    return Err(ctx.err(format!("unknown template piece {piece}")));
                }
            }
            Ok(out)
        }
        other => Err(ctx.err(format!("post-processor `{other}` is not supported"))),
    }
}

/// (pattern, add_prefix_space) of a byte-level pre-tokenizer.
fn byte_level_pre(ctx: &Ctx, pre: &Value) -> Result<(Pattern, bool)> {
    let flag = |v: &Value, name: &str, default: bool| {
        v.get(name).and_then(Value::as_bool).unwrap_or(default)
    };
    match ctx.type_of(pre, "pre_tokenizer")? {
        "ByteLevel" => {
            let pattern = if flag(pre, "use_regex", true) {
                Pattern::Gpt2
            } else {
                Pattern::Whole
            };
            Ok((pattern, flag(pre, "add_prefix_space", true)))
        }
        "Sequence" => {
            let list = ctx
                .field(pre, "pre_tokenizer", "pretokenizers")?
                .as_array()
                .ok_or_else(|| ctx.err("`pre_tokenizer.pretokenizers` must be an array"))?;
            match list.as_slice() {
                [split, bl]
                    if split.get("type").and_then(Value::as_str) == Some("Split")
                        && bl.get("type").and_then(Value::as_str) == Some("ByteLevel")
                        && !flag(bl, "use_regex", true) =>
                {
                    let regex = split
                        .get("pattern")
                        .and_then(|p| p.get("Regex"))
                        .and_then(Value::as_str)
                        .ok_or_else(|| ctx.err("Split pre-tokenizer needs a `pattern.Regex`"))?;
                    let behavior = split.get("behavior").and_then(Value::as_str);
                    if behavior != Some("Isolated") || flag(split, "invert", false) {
                        return Err(ctx.err("only Split with behavior Isolated and invert false is supported"));
                    }
                    let pattern = Pattern::from_regex(regex).map_err(|e| ctx.err(e.to_string()))?;
                    Ok((pattern, flag(bl, "add_prefix_space", false)))
                }
                _ => Err(ctx.err(
                    "a BPE pre-tokenizer Sequence must be [Split(regex, Isolated), ByteLevel(use_regex=false)]",
                )),
            }
        }
        other => Err(ctx.err(format!(
            "pre-tokenizer `{other}` is not supported with a BPE model"
        ))),
    }
}

fn bpe(
    ctx: &Ctx,
    model: &Value,
    pre: &Value,
    specials: SpecialTokens,
    post: PostProcessor,
) -> Result<BpeTokenizer> {
    if pre.is_null() {
        return Err(ctx.err(
            "a BPE model needs a ByteLevel pre-tokenizer (only byte-level BPE is supported)",
        ));
    }
    let (pattern, add_prefix_space) = byte_level_pre(ctx, pre)?;
    for (name, ok) in [
        ("dropout", model.get("dropout").is_none_or(Value::is_null)),
        (
            "byte_fallback",
            !model
                .get("byte_fallback")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        ),
        (
            "continuing_subword_prefix",
            model
                .get("continuing_subword_prefix")
                .is_none_or(Value::is_null),
        ),
        (
            "end_of_word_suffix",
            model.get("end_of_word_suffix").is_none_or(Value::is_null),
        ),
    ] {
        if !ok {
            return Err(ctx.err(format!("BPE option `model.{name}` is not supported")));
        }
    }
    let vocab = ctx
        .field(model, "model", "vocab")?
        .as_object()
        .ok_or_else(|| ctx.err("`model.vocab` must be an object"))?;
    let mut tokens: Vec<Option<Vec<u8>>> = Vec::new();
    let mut by_text = rustc_hash::FxHashMap::default();
    for (text, id) in vocab {
        let id = ctx.u32_of(id, &format!("vocab id of `{text}`"))?;
        let bytes = bytelevel::decode_str(text).ok_or_else(|| {
            ctx.err(format!(
                "vocab token `{text}` is not in the byte-level alphabet"
            ))
        })?;
        if tokens.len() <= id as usize {
            tokens.resize(id as usize + 1, None);
        }
        if tokens[id as usize].is_some() {
            return Err(ctx.err(format!("vocab id {id} is used twice")));
        }
        tokens[id as usize] = Some(bytes);
        by_text.insert(text.as_str(), id);
    }
    let merges_v = ctx
        .field(model, "model", "merges")?
        .as_array()
        .ok_or_else(|| ctx.err("`model.merges` must be an array"))?;
    let mut merges = Vec::with_capacity(merges_v.len());
    for (rank, m) in merges_v.iter().enumerate() {
        let (a, b) = match m {
            Value::String(s) => s
                .split_once(' ')
                .ok_or_else(|| ctx.err(format!("merge {rank} `{s}` is not `left right`")))?,
            Value::Array(p) if p.len() == 2 => match (p[0].as_str(), p[1].as_str()) {
                (Some(a), Some(b)) => (a, b),
                _ => return Err(ctx.err(format!("merge {rank} must hold two strings"))),
            },
            _ => return Err(ctx.err(format!("merge {rank} has an unknown form: {m}"))),
        };
        let id = |t: &str| {
            by_text.get(t).copied().ok_or_else(|| {
                ctx.err(format!(
                    "merge {rank} (`{a} {b}`): `{t}` is not in the vocab"
                ))
            })
        };
        let (left, right, new) = (id(a)?, id(b)?, id(&format!("{a}{b}"))?);
        merges.push(Merge {
            left,
            right,
            rank: rank as u32,
            new,
        });
    }
    let unk = match model.get("unk_token").and_then(Value::as_str) {
        Some(u) => Some(
            *by_text
                .get(u)
                .ok_or_else(|| ctx.err(format!("unk_token `{u}` is not in the vocab")))?,
        ),
        None => None,
    };
    let always_whole = model
        .get("ignore_merges")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let model =
        BpeModel::new(tokens, merges, always_whole, unk).map_err(|e| ctx.err(e.to_string()))?;
    Ok(BpeTokenizer::new(model, pattern, specials)
        .with_prefix_space(add_prefix_space)
        .with_post_processor(post))
}

fn wordpiece(
    ctx: &Ctx,
    model: &Value,
    normalizer: &Value,
    pre: &Value,
    specials: SpecialTokens,
    post: PostProcessor,
) -> Result<WordPieceTokenizer> {
    let norm = match normalizer.get("type").and_then(Value::as_str) {
        Some("BertNormalizer") => {
            let b = |name: &str| normalizer.get(name).and_then(Value::as_bool);
            BertNormalizer {
                clean_text: b("clean_text").unwrap_or(true),
                handle_chinese_chars: b("handle_chinese_chars").unwrap_or(true),
                strip_accents: b("strip_accents"),
                lowercase: b("lowercase").unwrap_or(true),
            }
        }
        _ if normalizer.is_null() => BertNormalizer {
            clean_text: false,
            handle_chinese_chars: false,
            strip_accents: Some(false),
            lowercase: false,
        },
        _ => {
            return Err(ctx.err(format!(
                "normalizer {normalizer} is not supported with WordPiece"
            )))
        }
    };
    if pre.get("type").and_then(Value::as_str) != Some("BertPreTokenizer") {
        return Err(ctx.err("WordPiece needs the BertPreTokenizer pre-tokenizer"));
    }
    let vocab = ctx
        .field(model, "model", "vocab")?
        .as_object()
        .ok_or_else(|| ctx.err("`model.vocab` must be an object"))?;
    let mut tokens: Vec<Option<String>> = Vec::new();
    for (text, id) in vocab {
        let id = ctx.u32_of(id, &format!("vocab id of `{text}`"))? as usize;
        if tokens.len() <= id {
            tokens.resize(id + 1, None);
        }
        if tokens[id].is_some() {
            return Err(ctx.err(format!("vocab id {id} is used twice")));
        }
        tokens[id] = Some(text.clone());
    }
    let unk = ctx.str_field(model, "model", "unk_token")?;
    let prefix = model
        .get("continuing_subword_prefix")
        .and_then(Value::as_str)
        .unwrap_or("##")
        .to_string();
    let max_chars = model
        .get("max_input_chars_per_word")
        .and_then(Value::as_u64)
        .unwrap_or(100) as usize;
    WordPieceTokenizer::from_parts(tokens, unk, prefix, max_chars, norm, specials, post)
        .map_err(|e| ctx.err(e.to_string()))
}

fn unigram(
    ctx: &Ctx,
    model: &Value,
    normalizer: &Value,
    pre: &Value,
    specials: SpecialTokens,
) -> Result<UnigramTokenizer> {
    if !normalizer.is_null() {
        return Err(ctx.err("normalizers are not supported with a Unigram model"));
    }
    let metaspace = pre.get("type").and_then(Value::as_str) == Some("Metaspace")
        && pre
            .get("replacement")
            .and_then(Value::as_str)
            .is_none_or(|r| r == "\u{2581}")
        && pre
            .get("prepend_scheme")
            .and_then(Value::as_str)
            .is_none_or(|p| p == "always");
    if !metaspace {
        return Err(
            ctx.err("Unigram needs the Metaspace pre-tokenizer (replacement ▁, prepend always)")
        );
    }
    if model
        .get("byte_fallback")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        return Err(ctx.err("Unigram option `byte_fallback` is not supported"));
    }
    let vocab = ctx
        .field(model, "model", "vocab")?
        .as_array()
        .ok_or_else(|| ctx.err("`model.vocab` must be an array of [piece, score]"))?;
    let mut pieces = Vec::with_capacity(vocab.len());
    for (i, p) in vocab.iter().enumerate() {
        match (
            p.get(0).and_then(Value::as_str),
            p.get(1).and_then(Value::as_f64),
        ) {
            (Some(s), Some(score)) => pieces.push((s.to_string(), score)),
            _ => return Err(ctx.err(format!("vocab entry {i} must be [piece, score]"))),
        }
    }
    let unk = ctx.u32_of(ctx.field(model, "model", "unk_id")?, "model.unk_id")?;
    let model = UnigramModel::new(pieces, unk).map_err(|e| ctx.err(e.to_string()))?;
    Ok(UnigramTokenizer::new(model, specials))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_files_give_clear_errors() {
        let cases = [
            ("not json", "not valid JSON"),
            ("{}", "missing field `.model`"),
            (r#"{"model": {"type": "Foo"}}"#, "model type `Foo`"),
            (
                r#"{"model": {"type": "BPE", "vocab": {}, "merges": []}}"#,
                "needs a ByteLevel",
            ),
            (
                r#"{"pre_tokenizer": {"type": "ByteLevel"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}"#,
                "`b` is not in the vocab",
            ),
            (
                r#"{"pre_tokenizer": {"type": "ByteLevel"}, "model": {"type": "BPE", "vocab": {"a": 0, "b": 0}, "merges": []}}"#,
                "used twice",
            ),
            (
                r#"{"pre_tokenizer": {"type": "ByteLevel"}, "model": {"type": "BPE", "vocab": {"a": -1}, "merges": []}}"#,
                "non-negative",
            ),
            (
                r#"{"pre_tokenizer": {"type": "Whitespace"}, "model": {"type": "BPE", "vocab": {}, "merges": []}}"#,
                "`Whitespace` is not supported",
            ),
            (
                r#"{"pre_tokenizer": {"type": "BertPreTokenizer"}, "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"a": 0}}}"#,
                "`[UNK]` is not in the vocabulary",
            ),
        ];
        for (json, want) in cases {
            let e = from_str(json, "t.json").unwrap_err().to_string();
            assert!(e.contains(want) && e.starts_with("t.json"), "{json}: {e}");
        }
    }

    #[test]
    fn template_processing_adds_its_ids() {
        let v: Value = serde_json::from_str(
            r#"{"type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}, "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}}"#,
        )
        .unwrap();
        let p = post_processor(&Ctx { source: "x" }, &v).unwrap();
        assert_eq!((p.prefix, p.suffix), (vec![1], vec![2]));
    }
}
