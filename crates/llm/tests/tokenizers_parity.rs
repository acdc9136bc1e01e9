//! Parity with the reference tokenizers on committed fixtures.
//!
//! Fixtures: `tests/fixtures/tokenizers/`, written by `reference/tokenizers.py` with Hugging Face
//! `tokenizers` 0.23.3 and `tiktoken` 0.14.0 (pinned in `reference/requirements.txt`). Every
//! comparison is exact: same ids, same merges.

use std::path::PathBuf;

use breadth_llm::tokenizer::bpe_train::BpeTrainer;
use breadth_llm::tokenizer::pretokenize::Pattern;
use breadth_llm::tokenizer::unigram::UnigramTrainer;
use breadth_llm::tokenizer::{hf_json, tiktoken, AllowedSpecial, SpecialTokens, Tokenizer};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tokenizers")
        .join(name)
}

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("expected.json")).unwrap()).unwrap()
}

/// FNV-1a over ids as 32-bit values, as in the reference script.
fn fnv(ids: &[u32]) -> String {
    let h = ids.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &i| {
        (h ^ u64::from(i)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{h:016x}")
}

fn ids_of(v: &Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

fn samples(e: &Value) -> Vec<String> {
    e["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn corpus() -> String {
    breadth_data::datasets::shakespeare().unwrap()
}

#[test]
fn hf_byte_level_bpe_encodes_the_corpus_and_multilingual_text_identically() {
    let e = expected();
    let tok = hf_json::load(&fixture("bpe_shakespeare.json")).unwrap();
    let Tokenizer::Bpe(bpe) = &tok else {
        panic!("a BPE model")
    };
    let ids = bpe.encode_ordinary(&corpus());
    assert_eq!(ids.len() as u64, e["bpe"]["corpus_n_ids"].as_u64().unwrap());
    assert_eq!(fnv(&ids), e["bpe"]["corpus_fnv"].as_str().unwrap());
    for (text, want) in samples(&e)
        .iter()
        .zip(e["bpe"]["samples"].as_array().unwrap())
    {
        let got = tok.encode(text).unwrap();
        assert_eq!(got, ids_of(want), "{text}");
        assert_eq!(tok.decode(&got).unwrap(), *text);
    }
}

#[test]
fn hf_loaded_bpe_round_trips_random_text_and_bytes() {
    use rand::{Rng as _, SeedableRng};
    let Tokenizer::Bpe(tok) = hf_json::load(&fixture("bpe_shakespeare.json")).unwrap() else {
        panic!("a BPE model")
    };
    let alphabet: Vec<char> = "ab cd\n\t  'sX9٣😀é中\u{301}\u{a0}!?".chars().collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    for _ in 0..500 {
        let n = rng.random_range(0..40);
        let s: String = (0..n)
            .map(|_| alphabet[rng.random_range(0..alphabet.len())])
            .collect();
        assert_eq!(tok.decode(&tok.encode_ordinary(&s)).unwrap(), s);
        let bytes: Vec<u8> = (0..n).map(|_| rng.random::<u8>()).collect();
        assert_eq!(tok.decode_bytes(&tok.encode_bytes(&bytes)).unwrap(), bytes);
    }
}

#[test]
fn tiktoken_rank_file_encodes_like_tiktoken() {
    let e = expected();
    let specials = SpecialTokens::new(vec![("<|endoftext|>".into(), 0)]).unwrap();
    let tok = tiktoken::load(&fixture("shakespeare.tiktoken"), Pattern::Gpt2, specials).unwrap();
    let ids = tok.encode_ordinary(&corpus());
    assert_eq!(
        ids.len() as u64,
        e["tiktoken"]["corpus_n_ids"].as_u64().unwrap()
    );
    assert_eq!(fnv(&ids), e["tiktoken"]["corpus_fnv"].as_str().unwrap());
    for (text, want) in samples(&e)
        .iter()
        .zip(e["tiktoken"]["samples"].as_array().unwrap())
    {
        assert_eq!(
            tok.encode(text, &AllowedSpecial::All).unwrap(),
            ids_of(want),
            "{text}"
        );
    }
    let text = &samples(&e)[12];
    assert!(
        tok.encode(text, &AllowedSpecial::None).is_err(),
        "a disallowed special token is refused"
    );
}

#[test]
fn bpe_trained_by_breadth_has_the_same_vocabulary_and_merges_as_hf() {
    let text = corpus();
    let docs: Vec<&str> = text.split_inclusive('\n').collect();
    let ours = BpeTrainer::default()
        .vocab_size(3000)
        .min_frequency(2)
        .special_tokens(vec!["<|endoftext|>".into()])
        .train(&docs)
        .unwrap();
    let Tokenizer::Bpe(hf) = hf_json::load(&fixture("bpe_shakespeare.json")).unwrap() else {
        panic!("a BPE model")
    };
    let (a, b) = (ours.model(), hf.model());
    assert_eq!(a.len(), b.len());
    for id in 0..a.len() as u32 {
        assert_eq!(a.token(id), b.token(id), "token {id}");
    }
    let strip = |m: &breadth_llm::tokenizer::bpe::BpeModel| -> Vec<(u32, u32, u32)> {
        m.merges()
            .iter()
            .map(|x| (x.left, x.right, x.new))
            .collect()
    };
    assert_eq!(strip(a), strip(b));
}

#[test]
fn hf_wordpiece_encodes_identically() {
    let e = &expected()["wordpiece"];
    let tok = hf_json::load(&fixture("wordpiece_shakespeare.json")).unwrap();
    let text = corpus();
    let head: String = text
        .chars()
        .take(e["head_chars"].as_u64().unwrap() as usize)
        .collect();
    let ids = tok.encode(&head).unwrap();
    assert_eq!(ids.len() as u64, e["head_n_ids"].as_u64().unwrap());
    assert_eq!(fnv(&ids), e["head_fnv"].as_str().unwrap());
    for (text, want) in samples(e).iter().zip(e["ids"].as_array().unwrap()) {
        assert_eq!(tok.encode(text).unwrap(), ids_of(want), "{text:?}");
    }
}

#[test]
fn hf_unigram_viterbi_segments_identically() {
    let e = &expected()["unigram"];
    let Tokenizer::Unigram(tok) = hf_json::load(&fixture("unigram_shakespeare.json")).unwrap()
    else {
        panic!("a Unigram model")
    };
    for (w, want) in e["words"]
        .as_array()
        .unwrap()
        .iter()
        .zip(e["ids"].as_array().unwrap())
    {
        let mut got = Vec::new();
        tok.model().encode_word(w.as_str().unwrap(), &mut got);
        assert_eq!(got, ids_of(want), "{w}");
    }
}

#[test]
fn unigram_training_compresses_at_least_as_well_as_hf() {
    let e = &expected()["unigram"];
    let text = corpus();
    let head = &text[..e["train_head_chars"].as_u64().unwrap() as usize];
    let docs: Vec<&str> = head.split_inclusive('\n').collect();
    let vocab = e["train_vocab"].as_u64().unwrap() as usize;
    let tok = UnigramTrainer::default()
        .vocab_size(vocab)
        .train(&docs)
        .unwrap();
    assert_eq!(tok.model().pieces().len(), vocab);
    let n: usize = tok.encode_batch(&docs).unwrap().iter().map(Vec::len).sum();
    let ours = head.len() as f64 / n as f64;
    let hf = e["train_bytes_per_token"].as_f64().unwrap();
    assert!(ours >= 0.98 * hf, "bytes per token: ours {ours}, HF {hf}");
}

#[test]
fn own_format_round_trips_every_family() {
    let dir = std::env::temp_dir().join(format!("breadth-tok-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let e = expected();
    for name in [
        "bpe_shakespeare.json",
        "wordpiece_shakespeare.json",
        "unigram_shakespeare.json",
    ] {
        let tok = Tokenizer::load(&fixture(name)).unwrap();
        let path = dir.join(format!("{name}.tok"));
        tok.save(&path).unwrap();
        let back = Tokenizer::load(&path).unwrap();
        assert_eq!(back.kind(), tok.kind());
        for s in samples(&e) {
            assert_eq!(back.encode(&s).unwrap(), tok.encode(&s).unwrap(), "{name}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
