"""§3.4 答案生成网络: the listing, then an answer generator that answers from the knowledge base.

What the listing claims
    question = "中国的首都是什么？"; knowledge_base = {"中国": {"首都": "北京"}};
    model = AnswerGenerator(input_shape=(1, embedding_size), output_shape=(vocab_size,));
    model.fit([question], epochs=10); answer = model.predict([question]); print(answer)

What this script shows
    1. the listing as printed cannot run: Keras has no AnswerGenerator, the shapes it
       gives describe one vector in and one token out, ``fit`` gets no answers and the
       knowledge base is never given to the model;
    2. the nearest honest listing: ``AnswerGenerator()``, ``fit(questions, answers,
       knowledge_base=knowledge_base)``, ``predict([question])`` -> "北京";
    3. real training (:func:`~llm_tf.training.qa_trainer.train_qa`) on the Chinese
       questions of data/qa/train.jsonl, then exact match on countries held out of
       training (their answers were never a training target) and on a knowledge base
       changed after training: the answers follow the new facts.
The model is an LSTM encoder-decoder with additive attention and a copy mechanism
(§4.4, ``chapters/ch04_4_encoder_decoder.py``). Every printed number is asserted.

Run
    python chapters/ch03_4_answer_generator.py [--quick] [--seed N]
    (about 3-5 minutes on 2 CPU cores; --quick: a small model on a slice, seconds)

The same from the command line: ``llm-tf qa train | ask | evaluate``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from llm_tf.runtime import quiet_tensorflow_import, set_seed

quiet_tensorflow_import()

from llm_tf.errors import UserInputError  # noqa: E402
from llm_tf.models import AnswerGenerator, QAConfig  # noqa: E402
from llm_tf.text.knowledge_base import KnowledgeBase  # noqa: E402
from llm_tf.text.retrieval import UNKNOWN  # noqa: E402
from llm_tf.training.qa_trainer import evaluate_qa, load_questions, train_qa  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "data"
question = "中国的首都是什么？"
knowledge_base = {"中国": {"首都": "北京"}}


# ---- 1. the listing as printed
def step1_listing() -> None:
    print("1. the listing as printed")
    embedding_size, vocab_size = 256, 10_000
    try:
        AnswerGenerator(input_shape=(1, embedding_size), output_shape=(vocab_size,))
        raise AssertionError("the listing's constructor should not be accepted")
    except UserInputError:
        print(f"   AnswerGenerator(input_shape=(1, {embedding_size}), output_shape="
              f"({vocab_size},)): refused: one vector in and one token out fit neither a "
              "question with its facts nor a multi-token answer")
    model = AnswerGenerator()
    for call, kwargs in (("model.fit([question], epochs=10)", {}),
                         ('model.fit([question], ["北京"], epochs=10)', {"answers": ["北京"]})):
        try:
            model.fit([question], kwargs.get("answers"), epochs=10, verbose=0)
            raise AssertionError(f"{call} should not train")
        except UserInputError as e:
            print(f"   {call}: {str(e).split(':')[0]}")


# ---- 2. the nearest honest listing
def step2_corrected(seed: int) -> AnswerGenerator:
    print("2. AnswerGenerator(); fit(questions, answers, knowledge_base=...); predict")
    set_seed(seed)
    kb = {**knowledge_base, "日本": {"首都": "东京"}, "法国": {"首都": "巴黎"}}
    questions = ["中国的首都是什么？", "日本的首都是什么？", "法国的首都是什么？"]
    model = AnswerGenerator(embedding_dim=16, units=32, attention_units=32, dropout=0.0,
                            seed=seed)
    model.fit(questions, ["北京", "东京", "巴黎"], knowledge_base=kb, epochs=60, verbose=0)
    answer = model.predict([question])
    print(f"   model.predict([{question!r}]) -> {answer}")
    assert answer == ["北京"]
    unknown = model.predict(["美国的首都是什么？"])
    print(f"   an entity the knowledge base lacks: {unknown}")
    assert unknown == [UNKNOWN]
    return model


# ---- 3. real training, held-out countries, a changed knowledge base
def step3_training(quick: bool, seed: int) -> None:
    print("3. train on data/qa (Chinese), answer for countries never trained on")
    kb = KnowledgeBase.load(DATA / "facts.json")
    train = [r for r in load_questions(DATA / "qa" / "train.jsonl") if r["lang"] == "zh"]
    test = [r for r in load_questions(DATA / "qa" / "test_entities.jsonl") if r["lang"] == "zh"]
    cfg = QAConfig(seed=seed, epochs=15)
    if quick:
        train, test, cfg = train[::6], test[::5], QAConfig.tiny(seed=seed, epochs=3)
    model, metrics = train_qa(kb, None, cfg, questions=train, verbose=0)
    print(f"   {len(train)} training questions, {metrics['params']:,} parameters, "
          f"{cfg.epochs} epochs: loss {metrics['history']['loss'][0]:.3f} -> "
          f"{metrics['history']['loss'][-1]:.3f}")
    loss = metrics["history"]["loss"]
    assert loss[-1] < 0.8 * loss[0], loss  # --quick falls to about 0.6 of the start
    result = evaluate_qa(model, kb, test, max_mistakes=len(test))  # every mistake listed
    em = result["exact_match"]
    print(f"   held-out countries: exact match {em:.3f} on {result['questions']} questions")
    by_hand = 1 - len(result["mistakes"]) / len(test)  # recounted from the mistakes
    assert result["questions"] == len(test) and abs(em - by_hand) < 1e-12, (em, by_hand)
    assert em >= (0.0 if quick else 0.9)
    print(f"   check: exact match = 1 - {len(result['mistakes'])} mistakes / {len(test)} ok")
    zh = dict(kb.tables["zh"])
    zh["法国"] = {**zh["法国"], "首都": "里昂"}  # a changed fact
    zh["自由尼亚"] = {"首都": "自由城", "大洲": "欧洲"}  # an entity nowhere in training
    changed = KnowledgeBase({"zh": zh, "en": kb.tables["en"]}, kb.names)
    asked = ["法国的首都是什么？", "自由尼亚的首都是什么？", "自由尼亚的货币是什么？"]
    got = model.predict(asked, knowledge_base=changed)
    answers = dict(zip(asked, got, strict=True))
    print(f"   after changing the knowledge base, no retraining: {answers}")
    assert got[2] == UNKNOWN  # a relation the knowledge base lacks: retrieval says so
    if not quick:
        assert got == ["里昂", "自由城", UNKNOWN]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a small model on a slice (seconds)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    step1_listing()
    step2_corrected(args.seed)
    step3_training(args.quick, args.seed)
    print("all numbers checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
