#!/usr/bin/env python3
"""Train the matcher's learned event scorer (feeds/understand/scorer.py) and write its weights.

    pip install -e '.[train]'            # scikit-learn: for training only, never at run time
    python tools/train_scorer.py         # -> feeds/data/event_scorer.json
    python tools/train_scorer.py --check # cross-validated figures only, writes nothing

Training data: the *tuned* parts of the real labelled sets in ../shared (tools/realsets.py fixes the
split by date; the untuned parts and feeds_2026 are never read here). Each example is one (show the
item is about, event) pair as the rules see it — which pattern rows fired for it, in the title or the
summary, whether the title is a review or rumour, the headline's words — labelled by whether the
item announces that event for that show. A logistic regression (L2, liblinear, fixed seed); its
strength C is picked by 5-fold cross-validation over items. Reproducible: the same data and code
give the same file. The file records what it was trained on, from which commit, and when."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from feeds.model import Event  # noqa: E402
from feeds.understand.matcher import Matcher  # noqa: E402
from feeds.understand.scorer import WEIGHTS_FILE  # noqa: E402
from tests.support.scoring import load_catalog  # noqa: E402
from tools.realsets import CUTOFFS, LABELLED, load_items, part_of, set_dir  # noqa: E402

SEED = 20260301
C_GRID = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
THRESHOLD = 0.5
OUT = ROOT / "feeds" / "data" / WEIGHTS_FILE


def examples() -> Iterator[tuple[str, list[str], int]]:
    """(item id, features, label) for every (show, event) of every tuned item."""
    for name in CUTOFFS:
        matcher = Matcher(load_catalog(set_dir(name) / "catalog.json"), learned=False)
        for item in load_items(name):
            if part_of(name, item) != "tune":
                continue
            gold = {g["show"]: g for g in item["gold"]}
            for show, event, names in matcher.event_candidates(item["title"], item.get("summary", "")):
                g = gold.get(show)
                if g is not None and g.get("optional"):
                    continue
                yield f"{name}/{item['id']}", names, int(g is not None and event.slug in g["events"])


def _f1(truth: list[int], guess: list[int]) -> float:
    tp = sum(1 for t, g in zip(truth, guess, strict=True) if t and g)
    fp = sum(1 for t, g in zip(truth, guess, strict=True) if g and not t)
    fn = sum(1 for t, g in zip(truth, guess, strict=True) if t and not g)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="cross-validate only; write nothing")
    args = parser.parse_args()
    if not LABELLED.is_dir():
        print(f"{LABELLED} is not here: nothing to train on", file=sys.stderr)
        return 1
    try:
        import sklearn
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import GroupKFold
    except ImportError:
        print("scikit-learn is needed for training: pip install -e '.[train]'", file=sys.stderr)
        return 1

    data = list(examples())
    groups = [g for g, _, _ in data]
    y = [label for _, _, label in data]
    vectorizer = DictVectorizer(sparse=False)  # a few thousand rows: dense is simplest
    x = vectorizer.fit_transform([{name: 1 for name in names} for _, names, _ in data])
    rules = [int(any(n.startswith("rule:") for n in names)) for _, names, _ in data]
    print(f"{len(data)} (show, event) examples from {len(set(groups))} tuned items, {sum(y)} announced")
    print(f"rules alone: event F1 {_f1(y, rules):.3f}")

    def model(c: float) -> LogisticRegression:
        return LogisticRegression(C=c, solver="liblinear", random_state=SEED, max_iter=1000)

    best_c, best_f1 = C_GRID[0], -1.0
    for c in C_GRID:
        guesses = [0] * len(y)
        for train, test in GroupKFold(n_splits=5).split(x, y, groups):
            fitted = model(c).fit(x[train], [y[i] for i in train])
            for i, p in zip(test, fitted.predict_proba(x[test])[:, 1], strict=True):
                guesses[i] = int(p >= THRESHOLD)
        f1 = _f1(y, guesses)
        print(f"C={c:<5} cross-validated event F1 {f1:.3f}")
        if f1 > best_f1:
            best_c, best_f1 = c, f1
    if args.check:
        return 0

    fitted = model(best_c).fit(x, y)
    names = vectorizer.get_feature_names_out()
    weights = {str(n): round(float(w), 4) for n, w in zip(names, fitted.coef_[0], strict=True) if abs(w) >= 1e-3}
    intercept = float(fitted.intercept_[0])
    for event in Event:  # every example has exactly one bias feature: the intercept goes there
        key = f"bias:{event.slug}"
        weights[key] = round(weights.get(key, 0.0) + intercept, 4)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=False).stdout.strip()
    OUT.write_text(json.dumps({
        "provenance": {
            "trained_on": {name: "tuned part (tools/realsets.py split), ../shared/realdata/labelled/" + name
                           for name in CUTOFFS},
            "examples": len(data), "items": len(set(groups)), "announced": sum(y),
            "commit": commit, "date": datetime.now(UTC).strftime("%Y-%m-%d"),
            "trainer": f"scikit-learn {sklearn.__version__} LogisticRegression(C={best_c}, liblinear, "
                       f"random_state={SEED})",
            "cross_validated_event_f1": round(best_f1, 3),
        },
        "threshold": THRESHOLD,
        "weights": dict(sorted(weights.items())),
    }, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(weights)} weights, C={best_c}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
