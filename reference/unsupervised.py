"""Expected values for breadth-classic's unsupervised learning (cluster/, decomposition/, text/).

Run from the repository root:  python reference/unsupervised.py [kmeans pca gmm ...]
Writes small JSON fixtures to crates/classic/tests/fixtures/unsupervised/<name>.json.
Versions are pinned in reference/requirements.txt (scikit-learn 1.9.1, scipy 1.17.1, numpy 2.4.6).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn import datasets

OUT = Path(__file__).resolve().parent.parent / "crates/classic/tests/fixtures/unsupervised"
VERSIONS = f"scikit-learn {sklearn.__version__}, scipy {scipy.__version__}, numpy {np.__version__}"


def dump(name: str, obj: dict) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    obj = {"_source": f"reference/unsupervised.py ({VERSIONS})", **obj}

    def conv(o):
        if isinstance(o, np.ndarray):
            return o.tolist()
        if isinstance(o, (np.floating,)):
            return float(o)
        if isinstance(o, (np.integer,)):
            return int(o)
        raise TypeError(type(o))

    path = OUT / f"{name}.json"
    path.write_text(json.dumps(obj, default=conv))
    print(f"wrote {path} ({path.stat().st_size} bytes)")


def blobs():
    x, y = datasets.make_blobs(n_samples=240, centers=4, n_features=3, cluster_std=1.0, random_state=0)
    return x, y


def kmeans():
    from sklearn.cluster import KMeans

    x, y = blobs()
    iris = datasets.load_iris().data
    w = np.random.default_rng(0).uniform(0.5, 2.0, size=len(iris))
    out = {"blobs_x": x, "blobs_y": y}
    km = KMeans(n_clusters=4, n_init=10, random_state=0).fit(x)
    out["blobs_inertia"] = km.inertia_
    out["blobs_labels"] = km.labels_
    for k in (3, 5):
        km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(iris)
        out[f"iris_k{k}_inertia"] = km.inertia_
    km = KMeans(n_clusters=3, n_init=10, random_state=0).fit(iris, sample_weight=w)
    out["iris_weights"] = w
    out["iris_weighted_k3_inertia"] = km.inertia_
    from sklearn.cluster import MiniBatchKMeans

    mb = MiniBatchKMeans(n_clusters=4, batch_size=64, n_init=3, random_state=0).fit(x)
    out["blobs_minibatch_inertia"] = mb.inertia_
    out["blobs_minibatch_labels"] = mb.labels_
    dump("kmeans", out)


def pca():
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, 6)) @ rng.normal(size=(6, 6)) + rng.normal(size=6)
    out = {"x": x}
    p = PCA(n_components=4).fit(x)
    out["components"] = p.components_
    out["explained_variance"] = p.explained_variance_
    out["explained_variance_ratio"] = p.explained_variance_ratio_
    out["singular_values"] = p.singular_values_
    out["mean"] = p.mean_
    out["noise_variance"] = p.noise_variance_
    out["transform"] = p.transform(x[:5])
    out["inverse"] = p.inverse_transform(p.transform(x[:5]))
    pw = PCA(n_components=3, whiten=True).fit(x)
    out["whiten_transform"] = pw.transform(x[:5])
    out["whiten_inverse"] = pw.inverse_transform(pw.transform(x[:5]))
    from sklearn.decomposition import IncrementalPCA

    ip = IncrementalPCA(n_components=3, batch_size=20).fit(x)
    out["ipca_components"] = ip.components_
    out["ipca_explained_variance"] = ip.explained_variance_
    out["ipca_explained_variance_ratio"] = ip.explained_variance_ratio_
    out["ipca_singular_values"] = ip.singular_values_
    out["ipca_mean"] = ip.mean_
    digits = datasets.load_digits().data
    pd = PCA(n_components=10).fit(digits)
    out["digits_components"] = pd.components_
    out["digits_explained_variance"] = pd.explained_variance_
    dump("pca", out)


def gmm():
    from sklearn.mixture import GaussianMixture

    rng = np.random.default_rng(2)
    parts = [
        rng.multivariate_normal([0, 0], [[1.0, 0.6], [0.6, 1.0]], size=120),
        rng.multivariate_normal([6, 1], [[0.5, -0.2], [-0.2, 0.8]], size=80),
        rng.multivariate_normal([2, 7], [[1.5, 0.0], [0.0, 0.3]], size=100),
    ]
    x = np.vstack(parts)
    out = {"x": x}
    for cov in ("full", "tied", "diag", "spherical"):
        g = GaussianMixture(n_components=3, covariance_type=cov, tol=1e-10, max_iter=2000, n_init=3, random_state=0).fit(x)
        out[cov] = {
            "score": g.score(x),
            "bic": g.bic(x),
            "aic": g.aic(x),
            "weights": g.weights_,
            "means": g.means_,
            "covariances": g.covariances_,
            "score_samples": g.score_samples(x[:10]),
            "predict_proba": g.predict_proba(x[:10]),
        }
    out["bic_by_k"] = [
        GaussianMixture(n_components=k, covariance_type="full", random_state=0, n_init=3).fit(x).bic(x) for k in range(1, 7)
    ]
    dump("gmm", out)


def agglomerative():
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.cluster import AgglomerativeClustering

    x = np.random.default_rng(3).normal(size=(40, 3))
    out = {"x": x}
    for method in ("single", "complete", "average", "ward"):
        z = linkage(x, method=method)
        out[method] = {
            "linkage": z,
            "labels_k4": AgglomerativeClustering(n_clusters=4, linkage=method).fit(x).labels_,
            "labels_t1": AgglomerativeClustering(n_clusters=None, distance_threshold=1.0, linkage=method).fit(x).labels_,
            "fcluster_k4": fcluster(z, 4, criterion="maxclust"),
        }
    from scipy.cluster.hierarchy import dendrogram

    dn = dendrogram(linkage(x[:12], method="average"), no_plot=True)
    out["dendrogram"] = {"icoord": dn["icoord"], "dcoord": dn["dcoord"], "leaves": dn["leaves"]}
    dump("agglomerative", out)


def dbscan():
    from sklearn.cluster import DBSCAN

    x, _ = datasets.make_moons(n_samples=300, noise=0.08, random_state=4)
    x = np.vstack([x, np.random.default_rng(4).uniform(-1.5, 2.5, size=(20, 2))])
    out = {"x": x}
    for eps, ms in ((0.15, 5), (0.25, 10)):
        d = DBSCAN(eps=eps, min_samples=ms).fit(x)
        out[f"eps{eps}_ms{ms}"] = {"labels": d.labels_, "core": d.core_sample_indices_}
    w = np.random.default_rng(5).uniform(0.2, 2.0, size=len(x))
    out["weights"] = w
    out["weighted"] = DBSCAN(eps=0.15, min_samples=5).fit(x, sample_weight=w).labels_
    dump("dbscan", out)


def hdbscan():
    from sklearn.cluster import HDBSCAN

    rng = np.random.default_rng(6)
    # Blobs of different densities, moons and uniform noise: continuous data without ties.
    xb, _ = datasets.make_blobs(n_samples=[120, 80, 60], centers=[[0, 0], [4, 4], [-4, 5]],
                                cluster_std=[0.4, 0.9, 0.25], random_state=6)
    xm, _ = datasets.make_moons(n_samples=100, noise=0.06, random_state=6)
    x = np.vstack([xb, xm * 1.5 + [6, -3], rng.uniform(-6, 9, size=(30, 2))])
    x3 = datasets.make_blobs(n_samples=150, centers=3, n_features=3, random_state=7)[0]
    out = {"x": x, "x3": x3, "cases": []}
    cases = [
        ("x", dict(min_cluster_size=5)),
        ("x", dict(min_cluster_size=15, min_samples=5)),
        ("x", dict(min_cluster_size=10, cluster_selection_method="leaf")),
        ("x", dict(min_cluster_size=8, min_samples=3, metric="manhattan")),
        ("x", dict(min_cluster_size=10, cluster_selection_epsilon=0.8)),
        ("x", dict(min_cluster_size=10, max_cluster_size=90)),
        ("x", dict(min_cluster_size=6, alpha=1.3)),
        ("x3", dict(min_cluster_size=60, allow_single_cluster=True)),
        ("x3", dict(min_cluster_size=10, min_samples=20)),
    ]
    # scikit-learn sorts the spanning tree's edges with numpy's unstable argsort; mutual
    # reachability makes equal edge weights common (a row's core distance on several edges), and
    # their order decides which cluster a row on a tie falls out of. `stable_*` is scikit-learn
    # with that one sort made stable (ties in Prim's order), which breadth reproduces exactly.
    import sklearn.cluster._hdbscan.hdbscan as impl

    default_process = impl._process_mst

    def stable_process(mst):
        return impl.make_single_linkage(mst[np.argsort(mst["distance"], kind="stable")])

    for data, params in cases:
        h = HDBSCAN(**params, copy=True).fit(out[data])
        impl._process_mst = stable_process
        hs = HDBSCAN(**params, copy=True).fit(out[data])
        impl._process_mst = default_process
        out["cases"].append({"data": data, "params": params, "labels": h.labels_,
                             "stable_labels": hs.labels_, "stable_probabilities": hs.probabilities_})
    dump("hdbscan", out)


CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "A quick brown dog outpaces a quick fox!",
    "Lazy dogs sleep all day; lazy cats sleep all night.",
    "Stock markets fell sharply as investors feared rising interest rates.",
    "Interest rates rise again, and the markets react with fear.",
    "Central banks raise interest rates to fight inflation.",
    "The football team won the championship game last night.",
    "Fans celebrated the team's championship win in the streets.",
    "The game was decided by a late goal from the team captain.",
    "Cats and dogs: the eternal rivalry of household pets.",
    "Inflation data surprised investors; stocks and bonds fell.",
    "Naïve café owners serve crème brûlée to the football fans_club 2024.",
]


def text():
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfVectorizer

    out = {"corpus": CORPUS}
    cv = CountVectorizer().fit(CORPUS)
    out["count_vocab"] = cv.get_feature_names_out().tolist()
    out["count"] = cv.transform(CORPUS).toarray()
    tv = TfidfVectorizer().fit(CORPUS)
    out["tfidf_vocab"] = tv.get_feature_names_out().tolist()
    out["tfidf"] = tv.transform(CORPUS).toarray()
    out["tfidf_idf"] = tv.idf_
    tv2 = TfidfVectorizer(ngram_range=(1, 2), stop_words="english", min_df=2, max_df=0.5, sublinear_tf=True).fit(CORPUS)
    out["tfidf2_vocab"] = tv2.get_feature_names_out().tolist()
    x2 = tv2.transform(CORPUS)
    out["tfidf2"] = x2.toarray()
    tv3 = TfidfVectorizer(norm="l1", smooth_idf=False, binary=True, max_features=20).fit(CORPUS)
    out["tfidf3_vocab"] = tv3.get_feature_names_out().tolist()
    out["tfidf3"] = tv3.transform(CORPUS).toarray()
    out["new_doc_tfidf"] = tv.transform(["the lazy fox and the unseen word zebra"]).toarray()
    x = tv.transform(CORPUS)
    svd = TruncatedSVD(n_components=3, algorithm="arpack").fit(x)
    out["svd_components"] = svd.components_
    out["svd_singular_values"] = svd.singular_values_
    out["svd_explained_variance"] = svd.explained_variance_
    out["svd_explained_variance_ratio"] = svd.explained_variance_ratio_
    from sklearn.metrics.pairwise import cosine_similarity

    z = svd.transform(x)
    q = svd.transform(tv.transform(["rising interest rates and inflation"]))
    out["lsa_query_sims"] = cosine_similarity(q, z)[0]
    out["stop_words"] = sorted(ENGLISH_STOP_WORDS)
    dump("text", out)


def tsne():
    from scipy.spatial.distance import squareform
    from sklearn.manifold import TSNE, trustworthiness
    from sklearn.manifold._t_sne import _joint_probabilities
    from sklearn.metrics import pairwise_distances

    iris = datasets.load_iris().data
    out = {}
    d2 = pairwise_distances(iris, squared=True).astype(np.float32)
    out["iris_joint_p_perp10"] = squareform(_joint_probabilities(d2, 10.0, 0))[:5]
    ex = TSNE(method="exact", perplexity=10, random_state=0, max_iter=500).fit(iris)
    out["iris_exact_kl"] = ex.kl_divergence_
    out["iris_exact_trust"] = trustworthiness(iris, ex.embedding_, n_neighbors=10)
    digits = datasets.load_digits().data
    bh = TSNE(random_state=0).fit(digits)
    out["digits_bh_kl"] = bh.kl_divergence_
    out["digits_bh_trust"] = trustworthiness(digits, bh.embedding_, n_neighbors=10)
    out["digits_bh_n_iter"] = bh.n_iter_
    emb = np.random.default_rng(0).normal(size=(150, 2))
    out["trust_random_embedding"] = emb
    out["trust_random"] = trustworthiness(iris, emb, n_neighbors=10)
    dump("tsne", out)


ALL = {"kmeans": kmeans, "pca": pca, "gmm": gmm, "agglomerative": agglomerative, "dbscan": dbscan, "hdbscan": hdbscan, "text": text, "tsne": tsne}

if __name__ == "__main__":
    for name in sys.argv[1:] or ALL:
        ALL[name]()
