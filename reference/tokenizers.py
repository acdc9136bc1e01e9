"""Reference fixtures for breadth-llm's tokenizers (crates/llm/tests/fixtures/tokenizers/).

Run from the repository root:  python reference/tokenizers.py
Versions are pinned in reference/requirements.txt (tokenizers 0.23.3, tiktoken 0.14.0).

Writes:
- bpe_shakespeare.json: a ByteLevel BPE tokenizer.json trained by HF tokenizers on the
  Shakespeare corpus (one document per line, line ends kept), vocab 3000, min_frequency 2;
- wordpiece_shakespeare.json: a BERT WordPiece tokenizer.json trained by HF on the same lines;
- unigram_shakespeare.json: a SentencePiece-style Unigram tokenizer.json trained by HF;
- shakespeare.tiktoken: the BPE vocabulary as a tiktoken rank file (rank = HF id);
- expected.json: ids that each reference produced on the corpus (count + hash), sampled
  passages, and a multilingual / emoji text.
"""

from __future__ import annotations

import base64
import gzip
import importlib.metadata
import json
import sys
from pathlib import Path

# This file's name shadows the `tokenizers` package when run as a script: drop its folder.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import tiktoken  # noqa: E402
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers  # noqa: E402
from tokenizers.implementations import BertWordPieceTokenizer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "crates" / "llm" / "tests" / "fixtures" / "tokenizers"
CORPUS = ROOT / "crates" / "data" / "datasets" / "shakespeare.txt.gz"

MULTILINGUAL = (
    "Hello, world! It's 2024; we'll see.  Don't\tstop\r\n\n"
    "Ça va? Déjà vu, naïve café, Ångström. Straße. ΑΒΓ αβγ. Привет, мир!\n"
    "中文字符测试，日本語のテキスト。한국어 텍스트.\n"
    "مرحبا بالعالم ١٢٣ — हिन्दी पाठ।\n"
    "Emoji: 😀😃 👍🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️ e\u0301 x\u200dy\n"
    "   trailing spaces   \n\n\n  12345678 3.14159 $100 #hash @user <|endoftext|> end"
)

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def fnv(ids) -> str:
    """FNV-1a over the ids as 32-bit values (same as the Rust tests)."""
    h = 0xCBF29CE484222325
    for i in ids:
        h = ((h ^ i) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def passages(text: str, n: int = 12, length: int = 400) -> list[str]:
    lines = text.splitlines(keepends=True)
    out = []
    step = len(lines) // n
    for k in range(n):
        chunk, i = "", k * step + 7
        while len(chunk) < length and i < len(lines):
            chunk += lines[i]
            i += 1
        out.append(chunk)
    return out


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    text = gzip.open(CORPUS).read().decode("utf-8")
    docs = text.splitlines(keepends=True)
    samples = passages(text) + [MULTILINGUAL]
    expected: dict = {
        "versions": {p: importlib.metadata.version(p) for p in ("tokenizers", "tiktoken")},
        "fnv": "FNV-1a 64 over ids as u32 values: h = (h ^ id) * 0x100000001b3",
        "samples": samples,
    }

    # Byte-level BPE, GPT-2 style.
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=3000,
        min_frequency=2,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(docs, trainer)
    bpe.save(str(OUT / "bpe_shakespeare.json"))
    corpus_ids = bpe.encode(text).ids
    expected["bpe"] = {
        "corpus_n_ids": len(corpus_ids),
        "corpus_fnv": fnv(corpus_ids),
        "samples": [bpe.encode(s).ids for s in samples],
    }
    assert bpe.decode(expected["bpe"]["samples"][-1], skip_special_tokens=False) == MULTILINGUAL

    # The same vocabulary as a tiktoken rank file (rank = HF id), and tiktoken's ids.
    vocab = bpe.get_vocab()
    byte_of = {c: b for b, c in zip(*_bytes_to_unicode())}
    ranks = {
        bytes(byte_of[c] for c in tok): i for tok, i in vocab.items() if tok != "<|endoftext|>"
    }
    with open(OUT / "shakespeare.tiktoken", "w") as f:
        for tok, i in sorted(ranks.items(), key=lambda kv: kv[1]):
            f.write(f"{base64.b64encode(tok).decode()} {i}\n")
    enc = tiktoken.Encoding(
        "shakespeare",
        pat_str=GPT2_PATTERN,
        mergeable_ranks=ranks,
        special_tokens={"<|endoftext|>": vocab["<|endoftext|>"]},
    )
    t_ids = enc.encode_ordinary(text)
    expected["tiktoken"] = {
        "corpus_n_ids": len(t_ids),
        "corpus_fnv": fnv(t_ids),
        "samples": [enc.encode(s, allowed_special="all") for s in samples],
    }

    # WordPiece, BERT style (lower-cased, accents stripped, [CLS] ... [SEP]).
    wp = BertWordPieceTokenizer(lowercase=True)
    wp.train_from_iterator(docs, vocab_size=2000, min_frequency=2, show_progress=False)
    wp.post_processor = processors.BertProcessing(
        ("[SEP]", wp.token_to_id("[SEP]")), ("[CLS]", wp.token_to_id("[CLS]"))
    )
    wp.save(str(OUT / "wordpiece_shakespeare.json"))
    head = text[:300_000]
    wp_ids = wp.encode(head).ids
    long_word = "a" * 120
    wp_samples = samples + [
        f"Unbelievable {long_word} zzzqqq ÉCOLE\u00a0naïve \x00\x07ok 中文 [CLS] [MASK] done"
    ]
    expected["wordpiece"] = {
        "head_chars": len(head),
        "head_n_ids": len(wp_ids),
        "head_fnv": fnv(wp_ids),
        "samples": wp_samples,
        "ids": [wp.encode(s).ids for s in wp_samples],
    }

    # Unigram (SentencePiece style): Viterbi segmentations of words by HF's model.
    un = Tokenizer(models.Unigram())
    un.pre_tokenizer = pre_tokenizers.Metaspace()
    un.decoder = decoders.Metaspace()
    un_trainer = trainers.UnigramTrainer(
        vocab_size=2000, unk_token="<unk>", special_tokens=["<unk>"], show_progress=False
    )
    un.train_from_iterator(docs, un_trainer)
    un.save(str(OUT / "unigram_shakespeare.json"))
    model = un.model
    words = sorted({w for w in text[:200_000].split()})[:400] + ["Straße", "naïve", "中文", "zzzz"]
    words = ["\u2581" + w for w in words]
    expected["unigram"] = {
        "words": words,
        "ids": [[t.id for t in model.tokenize(w)] for w in words],
    }
    # Training quality: HF's Unigram trainer on the first 300,000 characters (one document per
    # line), vocab 500; bytes per token of its own encoding of that text.
    head_docs = text[:300_000].splitlines(keepends=True)
    small = Tokenizer(models.Unigram())
    small.pre_tokenizer = pre_tokenizers.Metaspace()
    small.train_from_iterator(
        head_docs,
        trainers.UnigramTrainer(
            vocab_size=500, unk_token="<unk>", special_tokens=["<unk>"], show_progress=False
        ),
    )
    n_tokens = sum(len(e.ids) for e in small.encode_batch(head_docs))
    expected["unigram"]["train_head_chars"] = 300_000
    expected["unigram"]["train_vocab"] = 500
    expected["unigram"]["train_bytes_per_token"] = len(text[:300_000].encode()) / n_tokens
    (OUT / "expected.json").write_text(json.dumps(expected, ensure_ascii=False))
    for p in sorted(OUT.iterdir()):
        print(f"{p.name:32} {p.stat().st_size:>9} bytes")


def _bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return bs, [chr(c) for c in cs]


if __name__ == "__main__":
    main()
