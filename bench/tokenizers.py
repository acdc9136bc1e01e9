"""Tokenizers: breadth against tiktoken and Hugging Face tokenizers, same vocabulary, same text.

Run from the repository root:  python bench/tokenizers.py [--mb 100] [--hf-encode-mb 10]

Data: the embedded Shakespeare corpus repeated to --mb megabytes (cut at a line end), split into
~1 MB documents at line ends (both sides split identically).
Rows:
- BPE training to a 32k vocabulary (GPT-2 pattern, min_frequency 2, one document per line)
  against HF's BpeTrainer reading the same file; quality = bytes per token of the trained
  tokenizer on the original corpus.
- Encoding throughput with HF's 32k vocabulary (trained above), single-threaded and with 2 threads,
  against tiktoken (the same ranks, GPT-2 and cl100k patterns) and HF tokenizers (its
  tokenizer.json; HF's encoder is much slower, so its rows use --hf-encode-mb of text).
  Quality = bytes per token (identical ids give identical values).
"""

from __future__ import annotations

import argparse
import base64
import gzip
import os
import sys
import time
from pathlib import Path

# This file's name shadows the `tokenizers` package: import the peers before adding bench/ back.
HERE = Path(__file__).resolve().parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]
import tiktoken  # noqa: E402
from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers  # noqa: E402

sys.path.insert(0, str(HERE))
from harness import DATA, ROOT, Row, compare, example, run_ours, timed  # noqa: E402

GPT2 = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
CL100K = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""


def documents(text: str, size: int = 1 << 20) -> list[str]:
    docs, start = [], 0
    while start < len(text):
        target = min(start + size, len(text))
        p = text.find("\n", target)
        end = len(text) if p < 0 else p + 1
        docs.append(text[start:end])
        start = end
    return docs


def corpus_of(mb: float, corpus: str) -> Path:
    path = DATA / f"shakespeare_{mb:g}mb.txt"
    if not path.exists():
        n = int(mb * 1e6)
        text = corpus * (n // len(corpus) + 1)
        text = text[: text.rfind("\n", 0, n) + 1]
        path.write_text(text)
    return path


def bytes_per_token(text: str, n: int) -> float:
    return len(text.encode()) / n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=100)
    ap.add_argument("--hf-encode-mb", type=float, default=10)
    ap.add_argument("--vocab", type=int, default=32000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    corpus = gzip.open(ROOT / "crates/data/datasets/shakespeare.txt.gz").read().decode()
    eval_path = DATA / "shakespeare.txt"
    eval_path.write_text(corpus)
    big = corpus_of(args.mb, corpus)
    small = corpus_of(args.hf_encode_mb, corpus)
    binary = example("breadth-llm", "bench_tokenizers")
    hf_json = DATA / f"hf_bpe_{args.vocab}.json"
    hf_cl100k_json = DATA / f"hf_bpe_{args.vocab}_cl100k.json"

    def hf_train():
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        trainer = trainers.BpeTrainer(
            vocab_size=args.vocab,
            min_frequency=2,
            special_tokens=["<|endoftext|>"],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        )
        os.environ["TOKENIZERS_PARALLELISM"] = "true"
        seconds, _ = timed(tok.train, [str(big)], trainer)
        quality = bytes_per_token(corpus, len(tok.encode(corpus).ids))
        tok.save(str(hf_json))
        tok.pre_tokenizer = pre_tokenizers.Sequence(
            [
                pre_tokenizers.Split(Regex(CL100K), behavior="isolated"),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
            ]
        )
        tok.save(str(hf_cl100k_json))
        return {"seconds": seconds, "quality": quality}

    def ours_train():
        return run_ours(binary, "train", big, args.vocab, DATA / "ours_bpe.tok", eval_path)

    rows = [
        Row(f"BPE train to {args.vocab}", f"{args.mb:g} MB", ours_train, hf_train, "HF tokenizers", "bytes/token"),
    ]
    compare("tokenizers_train", rows, repeats=args.repeats, peers=("tokenizers",))

    vocab = Tokenizer.from_file(str(hf_json)).get_vocab()
    byte_of = {c: b for b, c in zip(*bytes_to_unicode())}
    ranks = {bytes(byte_of[c] for c in t): i for t, i in vocab.items() if t != "<|endoftext|>"}
    big_text, small_text = big.read_text(), small.read_text()
    big_docs, small_docs = documents(big_text), documents(small_text)

    def tik(pattern: str, threads: int):
        enc = tiktoken.Encoding("shakespeare", pat_str=pattern, mergeable_ranks=ranks, special_tokens={})

        def run():
            seconds, ids = timed(enc.encode_ordinary_batch, big_docs, num_threads=threads)
            return {"seconds": seconds, "quality": bytes_per_token(big_text, sum(map(len, ids)))}

        return run

    def hf(path: Path, threads: int):
        tok = Tokenizer.from_file(str(path))

        def run():
            os.environ["TOKENIZERS_PARALLELISM"] = "true" if threads > 1 else "false"
            seconds, enc = timed(tok.encode_batch, small_docs, add_special_tokens=False)
            return {"seconds": seconds, "quality": bytes_per_token(small_text, sum(len(e.ids) for e in enc))}

        return run

    def ours(path: Path, text: Path, threads: int):
        return lambda: run_ours(binary, "encode", path, text, threads=threads)

    rows = []
    for threads in (1, 2):
        rows.append(Row(f"encode GPT-2 pattern, {threads} thread(s)", f"{args.mb:g} MB", ours(hf_json, big, threads), tik(GPT2, threads), "tiktoken", "bytes/token"))
        rows.append(Row(f"encode cl100k pattern, {threads} thread(s)", f"{args.mb:g} MB", ours(hf_cl100k_json, big, threads), tik(CL100K, threads), "tiktoken", "bytes/token"))
        rows.append(Row(f"encode GPT-2 pattern, {threads} thread(s)", f"{args.hf_encode_mb:g} MB", ours(hf_json, small, threads), hf(hf_json, threads), "HF tokenizers", "bytes/token"))
    compare("tokenizers_encode", rows, repeats=args.repeats, peers=("tiktoken", "tokenizers"))


def bytes_to_unicode():
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
