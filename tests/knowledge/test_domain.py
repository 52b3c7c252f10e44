"""knowledge/domain.py: the in-domain classifier and its training data, on small files of our own."""
import pytest

from knowledge.domain import DomainModel, in_scope_questions, out_of_scope_questions, training_data
from knowledge.index import Passage

IN_SCOPE = ["làm căn cước ở đâu", "thu tuc dang ky khai sinh", "gia han bao hiem y te", "đăng ký tạm trú online",
            "how do i register a birth", "imperial city ticket price", "ve vao dai noi bao nhieu",
            "bus to the train station", "đóng tiền nước ở đâu", "lich thu gom rac", "where to pay water bill",
            "xin giấy phép xây dựng nhà ở", "renew my driving licence", "thủ tục cấp hộ chiếu"]
OUT_OF_SCOPE = ["thời tiết ở paris ngày mai", "write me a poem about love", "coin nao sap tang gia",
                "best pizza recipe", "kết quả bóng đá tối qua", "tell me a joke", "dau bung uong thuoc gi",
                "what stocks should i buy", "lời bài hát mới nhất", "capital of australia",
                "cach choi game moi", "giải bài toán đạo hàm", "who won the football match", "công thức nấu phở"]


def _write(tmp_path, in_scope, out_of_scope):
    nlu = tmp_path / "nlu"
    nlu.mkdir()
    examples = lambda texts: "\n".join(f"      - {t}" for t in texts)  # noqa: E731
    (nlu / "ask.yml").write_text(
        'version: "3.1"\nnlu:\n  - intent: ask_procedure\n    examples: |\n' + examples(in_scope[:6])
        + "\n  - intent: out_of_scope\n    examples: |\n" + examples(out_of_scope[:7]) + "\n"
        + "  - intent: greet\n    examples: |\n      - xin chào\n", encoding="utf-8")
    hard = tmp_path / "out_of_scope.yml"
    hard.write_text("questions:\n" + "".join(f"  - text: {t}\n" for t in out_of_scope[7:]), encoding="utf-8")
    extra = tmp_path / "in_scope.yml"
    extra.write_text("questions:\n" + "".join(f"  - text: {t}\n    lang: vi\n" for t in in_scope[6:10]),
                     encoding="utf-8")
    passages = [Passage("e1", "vi", "title", t) for t in in_scope[10:12]] + \
               [Passage("e1", "vi", "question", t) for t in in_scope[12:]] + \
               [Passage("e1", "vi", "answer", "an answer is not a question and is not learned from")]
    return nlu, hard, extra, passages


def _model(tmp_path):
    nlu, hard, extra, passages = _write(tmp_path, IN_SCOPE, OUT_OF_SCOPE)
    return DomainModel.from_passages(passages, nlu, hard, extra)


def test_training_data_labels_each_source_and_skips_answers_and_other_intents(tmp_path):
    nlu, hard, extra, passages = _write(tmp_path, IN_SCOPE, OUT_OF_SCOPE)
    texts, labels = training_data(passages, nlu, hard, extra)
    by_text = dict(zip(texts, labels.tolist()))
    assert len(texts) == len(IN_SCOPE) + len(OUT_OF_SCOPE)
    assert by_text["lam can cuoc o dau"] == 1           # folded: accents and case do not matter
    assert by_text["imperial city ticket price"] == 1   # from in_scope.yml
    assert by_text["tell me a joke"] == 0               # from the hard negatives
    assert "xin chao" not in by_text and not any("answer" in t for t in texts)
    assert [t for t, _ in in_scope_questions(nlu, extra)][-1] == IN_SCOPE[9]
    assert len(out_of_scope_questions(nlu, hard)) == len(OUT_OF_SCOPE)


def test_a_duplicate_keeps_its_first_label(tmp_path):
    nlu, hard, extra, passages = _write(tmp_path, IN_SCOPE, OUT_OF_SCOPE + ["Làm căn cước ở đâu"])
    texts, labels = training_data(passages, nlu, hard, extra)
    assert texts.count("lam can cuoc o dau") == 1
    assert labels[texts.index("lam can cuoc o dau")] == 1


def test_the_model_tells_the_domain_from_other_questions(tmp_path):
    model = _model(tmp_path)
    assert model.trained
    assert model.probability("thu tuc lam can cuoc cho con") > 0.5
    assert model.probability("thời tiết paris cuối tuần") < 0.5
    assert model.probability("THỦ TỤC LÀM CĂN CƯỚC") == pytest.approx(model.probability("thu tuc lam can cuoc"))


def test_out_of_fold_probabilities_come_from_models_that_did_not_see_the_text(tmp_path):
    model = _model(tmp_path)
    seen = ["làm căn cước ở đâu", "tell me a joke"]
    unseen = "đăng ký kết hôn ở phường"
    out_of_fold = model.out_of_fold(seen + [unseen])
    # a training text's own label pulls the full model towards it; held out, it is less certain
    assert out_of_fold[0] < model.probability(seen[0])
    assert out_of_fold[1] > model.probability(seen[1])
    assert out_of_fold[2] == pytest.approx(model.probability(unseen))  # not trained on: full model


def test_one_class_only_gives_a_neutral_model():
    model = DomainModel(["lam can cuoc", "dang ky khai sinh"], __import__("numpy").array([1, 1]))
    assert not model.trained
    assert model.probability("anything at all") == 1.0
    assert model.out_of_fold(["x", "y"]) == [1.0, 1.0]
