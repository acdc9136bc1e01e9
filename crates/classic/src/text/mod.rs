//! Text feature extraction (bag of words, TF-IDF) and latent semantic analysis.
//!
//! ```
//! use breadth_classic::text::vectorizer::CountVectorizerParams;
//! let cv = CountVectorizerParams::default().fit(&["to be or not to be"]).unwrap();
//! assert_eq!(cv.vocabulary(), &["be", "not", "or", "to"]);
//! assert_eq!(cv.transform(&["to be or not to be"]).to_dense().row(0).to_vec(), vec![2.0, 1.0, 1.0, 2.0]);
//! ```

pub mod lsa;
pub mod stop_words;
pub mod vectorizer;
