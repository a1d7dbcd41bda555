#!/usr/bin/env python3
"""Train the matcher's learned event scorer (feeds/understand/scorer.py) and write its weights.

    pip install -e '.[train]'            # scikit-learn: for training only, never at run time
    python tools/train_scorer.py         # -> feeds/data/event_scorer.json
    python tools/train_scorer.py --check # cross-validated figures only, writes nothing
    python tools/train_scorer.py --check --extra DIR   # also a labelled dev set kept outside the repo

Training data: the *tuned* parts of the real labelled sets in ../shared (tools/realsets.py fixes the
split by date; the untuned parts and feeds_2026 are never read here), and with --extra the tune.jsonl
of a labelled set kept outside the repository (its catalog.json beside it; its untuned file is never
read). Only weights would ship: single words and row ids, no text. Each example is one (show the
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


def tuned_sets(extra: Path | None) -> Iterator[tuple[str, Path, list[dict]]]:
    """(name, catalog, items) of every tuned part."""
    for name in CUTOFFS:
        yield name, set_dir(name) / "catalog.json", [i for i in load_items(name) if part_of(name, i) == "tune"]
    if extra is not None:
        with (extra / "tune.jsonl").open(encoding="utf-8") as lines:
            yield extra.name, extra / "catalog.json", [json.loads(line) for line in lines if line.strip()]


def examples(extra: Path | None = None) -> Iterator[tuple[str, list[str], int]]:
    """(set/item id, features, label) for every (show, event) of every tuned item."""
    for name, catalog, items in tuned_sets(extra):
        matcher = Matcher(load_catalog(catalog), learned=False)
        for item in items:
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


def _prf(truth: list[int], guess: list[int]) -> str:
    tp = sum(1 for t, g in zip(truth, guess, strict=True) if t and g)
    fp = sum(1 for t, g in zip(truth, guess, strict=True) if g and not t)
    fn = sum(1 for t, g in zip(truth, guess, strict=True) if t and not g)
    p, r = (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)
    return f"P={p:.3f} R={r:.3f} F1={2 * p * r / (p + r) if p + r else 0.0:.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="cross-validate only; write nothing")
    parser.add_argument("--extra", type=Path, help="a labelled dev set outside the repo (its tune.jsonl only)")
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

    data = list(examples(args.extra))
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
        # across sets: train on all tuned sets but one, judge on the one left out (a new outlet's text)
        names = sorted({g.split("/")[0] for g in groups})
        for held in names if len(names) > 1 else ():
            train = [i for i, g in enumerate(groups) if not g.startswith(held + "/")]
            test = [i for i, g in enumerate(groups) if g.startswith(held + "/")]
            fitted = model(best_c).fit(x[train], [y[i] for i in train])
            probs = fitted.predict_proba(x[test])[:, 1]
            truth = [y[i] for i in test]
            print(f"held out {held:<12} rules {_prf(truth, [rules[i] for i in test])}   "
                  f"learned {_prf(truth, [int(p >= THRESHOLD) for p in probs])}")
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
