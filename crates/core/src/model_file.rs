//! Versioned, checksummed model files.
//!
//! Layout: one header line of JSON, a newline, then the body (the model serialized with serde as
//! JSON, floats written so they read back bit-for-bit):
//!
//! ```text
//! {"magic":"breadth-model","format_version":1,"crate_version":"0.1.0","kind":"dummy-classifier","body_len":1234,"body_fnv1a64":"9f3c..."}
//! {...model...}
//! ```
//!
//! Loading checks, in order: the magic (a foreign file), the format version (a newer file), the
//! body length (a truncated file), the FNV-1a checksum (a corrupt file), the model kind (a file of
//! another model), then the body itself. Each failure is an [`Error::ModelFile`] saying which.
//! Files are written to a temporary name beside the target and renamed, so an interrupted save
//! never leaves a half-written model under the real name.
//!
//! ```
//! use breadth_core::model_file::{to_bytes, from_bytes};
//! let bytes = to_bytes("demo", &vec![1.5_f64, 2.0]).unwrap();
//! let back: Vec<f64> = from_bytes(&bytes, "demo", "<memory>").unwrap();
//! assert_eq!(back, vec![1.5, 2.0]);
//! assert!(from_bytes::<Vec<f64>>(&bytes[..bytes.len() - 1], "demo", "<memory>").is_err());
//! ```

use std::io::Write;
use std::path::Path;

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::error::{Error, Result};

/// The first field of every breadth model file.
pub const MAGIC: &str = "breadth-model";
/// The layout version this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

/// The header line of a model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Always [`MAGIC`].
    pub magic: String,
    /// The layout version.
    pub format_version: u32,
    /// The breadth version that wrote the file.
    pub crate_version: String,
    /// The registered model name (`dummy-classifier`).
    pub kind: String,
    /// Length of the body in bytes.
    pub body_len: usize,
    /// FNV-1a 64-bit hash of the body, in hex.
    pub body_fnv1a64: String,
    /// Free-form context kept with the model, such as the CLI's record of the training columns
    /// and their encodings, so that new data is read the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
}

/// FNV-1a, 64 bits: enough to catch corruption (not an authenticity check).
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn file_err(source: &str, reason: impl Into<String>) -> Error {
    Error::ModelFile {
        path: source.into(),
        reason: reason.into(),
    }
}

/// Serialize `model` of kind `kind` into the file layout.
pub fn to_bytes<T: Serialize + ?Sized>(kind: &str, model: &T) -> Result<Vec<u8>> {
    let body = serde_json::to_vec(model)
        .map_err(|e| file_err("<memory>", format!("cannot serialize {kind}: {e}")))?;
    let header = Header {
        magic: MAGIC.into(),
        format_version: FORMAT_VERSION,
        crate_version: env!("CARGO_PKG_VERSION").into(),
        kind: kind.into(),
        body_len: body.len(),
        body_fnv1a64: format!("{:016x}", fnv1a64(&body)),
        metadata: None,
    };
    let mut out = serde_json::to_vec(&header).expect("header serializes");
    out.push(b'\n');
    out.extend_from_slice(&body);
    Ok(out)
}

/// Attach `metadata` to the header of model-file `bytes` (replacing any that was there).
pub fn with_metadata(bytes: &[u8], metadata: serde_json::Value, source: &str) -> Result<Vec<u8>> {
    let (mut header, body) = read_header(bytes, source)?;
    header.metadata = Some(metadata);
    let mut out = serde_json::to_vec(&header).expect("header serializes");
    out.push(b'\n');
    out.extend_from_slice(body);
    Ok(out)
}

/// Split a file into its checked header and body, without looking at the kind.
pub fn read_header<'a>(bytes: &'a [u8], source: &str) -> Result<(Header, &'a [u8])> {
    let newline = bytes
        .iter()
        .position(|&b| b == b'\n')
        .ok_or_else(|| file_err(source, "not a breadth model file (no header line)"))?;
    let header: Header = serde_json::from_slice(&bytes[..newline])
        .map_err(|_| file_err(source, "not a breadth model file (unreadable header)"))?;
    if header.magic != MAGIC {
        return Err(file_err(
            source,
            format!("not a breadth model file (magic `{}`)", header.magic),
        ));
    }
    if header.format_version > FORMAT_VERSION {
        return Err(file_err(
            source,
            format!(
                "written by breadth {} in format version {}, but this build reads up to version {}; upgrade breadth",
                header.crate_version, header.format_version, FORMAT_VERSION
            ),
        ));
    }
    let body = &bytes[newline + 1..];
    if body.len() != header.body_len {
        return Err(file_err(
            source,
            format!(
                "truncated or padded: body is {} bytes, header says {}",
                body.len(),
                header.body_len
            ),
        ));
    }
    if format!("{:016x}", fnv1a64(body)) != header.body_fnv1a64 {
        return Err(file_err(
            source,
            "corrupt: checksum of the body does not match the header",
        ));
    }
    Ok((header, body))
}

/// Decode a body that [`read_header`] has checked.
pub fn decode_body<T: DeserializeOwned>(body: &[u8], kind: &str, source: &str) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| file_err(source, format!("invalid {kind} body: {e}")))
}

/// Read a whole file's bytes and return the model of kind `kind`.
pub fn from_bytes<T: DeserializeOwned>(bytes: &[u8], kind: &str, source: &str) -> Result<T> {
    let (header, body) = read_header(bytes, source)?;
    if header.kind != kind {
        return Err(file_err(
            source,
            format!("holds a `{}` model, expected `{kind}`", header.kind),
        ));
    }
    decode_body(body, kind, source)
}

/// Write `bytes` to `path` atomically: a temporary file beside it, flushed, then renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let file_name = path
        .file_name()
        .ok_or_else(|| file_err(&path.display().to_string(), "not a file path"))?;
    let tmp = path.with_file_name(format!(
        ".{}.tmp-{}",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// Save `model` of kind `kind` to `path` atomically.
pub fn save<T: Serialize + ?Sized>(path: &Path, kind: &str, model: &T) -> Result<()> {
    write_atomic(path, &to_bytes(kind, model)?)
}

/// Load a model of kind `kind` from `path`.
pub fn load<T: DeserializeOwned>(path: &Path, kind: &str) -> Result<T> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    from_bytes(&bytes, kind, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng as _, SeedableRng};

    fn sample() -> Vec<u8> {
        to_bytes("demo", &vec![0.1_f64, 1.0 / 3.0, -2.5e-300]).unwrap()
    }

    #[test]
    fn floats_round_trip_bit_for_bit() {
        let v: Vec<f64> = from_bytes(&sample(), "demo", "m").unwrap();
        assert_eq!(v[1].to_bits(), (1.0_f64 / 3.0).to_bits());
        assert_eq!(v[2].to_bits(), (-2.5e-300_f64).to_bits());
    }

    #[test]
    fn each_kind_of_damage_is_named() {
        let good = sample();
        let msg = |b: &[u8]| {
            from_bytes::<Vec<f64>>(b, "demo", "m")
                .unwrap_err()
                .to_string()
        };
        assert!(msg(&good[..good.len() - 3]).contains("truncated"));
        let mut corrupt = good.clone();
        let last = corrupt.len() - 2;
        corrupt[last] ^= 0x01;
        assert!(msg(&corrupt).contains("corrupt"));
        assert!(msg(b"PK\x03\x04 zip file").contains("not a breadth model file"));
        assert!(from_bytes::<Vec<f64>>(&good, "other", "m")
            .unwrap_err()
            .to_string()
            .contains("holds a `demo` model"));
        let newer = String::from_utf8(good.clone()).unwrap().replacen(
            "\"format_version\":1",
            "\"format_version\":99",
            1,
        );
        assert!(msg(newer.as_bytes()).contains("upgrade breadth"));
    }

    #[test]
    fn random_and_truncated_inputs_never_panic() {
        let good = sample();
        for cut in 0..good.len() {
            assert!(from_bytes::<Vec<f64>>(&good[..cut], "demo", "m").is_err());
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for _ in 0..2000 {
            let n = rng.random_range(0..200);
            let mut bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
            if rng.random_bool(0.5) && !bytes.is_empty() {
                // Keep a valid header but scramble the body.
                let mut g = good.clone();
                let at = rng.random_range(0..g.len());
                g[at] = bytes[0];
                bytes = g;
            }
            let _ = from_bytes::<Vec<f64>>(&bytes, "demo", "m");
        }
    }

    #[test]
    fn metadata_travels_in_the_header() {
        let bytes = with_metadata(&sample(), serde_json::json!({"columns": ["a"]}), "m").unwrap();
        let (header, _) = read_header(&bytes, "m").unwrap();
        assert_eq!(header.metadata.unwrap()["columns"][0], "a");
        let v: Vec<f64> = from_bytes(&bytes, "demo", "m").unwrap();
        assert_eq!(v.len(), 3);
    }

    #[test]
    fn atomic_save_and_load() {
        let dir = std::env::temp_dir().join(format!("breadth-mf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.model");
        save(&path, "demo", &vec![1.0_f64]).unwrap();
        let v: Vec<f64> = load(&path, "demo").unwrap();
        assert_eq!(v, vec![1.0]);
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
