"""The rule-based sentence splitter: English, Chinese and mixed text, on tricky cases."""

import pytest

from llm_tf.errors import UserInputError
from llm_tf.text.sentences import detect_language, split_sentences

ENGLISH = [
    ("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"]),
    # abbreviations and initials do not end a sentence
    ("Mr. Smith met Dr. Jones at St. Mary's. They talked.",
     ["Mr. Smith met Dr. Jones at St. Mary's.", "They talked."]),
    ("She moved to the U.S. Last year she worked in the U.K. for Acme Inc. Now she rests.",
     ["She moved to the U.S. Last year she worked in the U.K. for Acme Inc. Now she rests."]),
    ("Fruit, e.g. Apples, i.e. Fuji. Fine.", ["Fruit, e.g. Apples, i.e. Fuji.", "Fine."]),
    ("J. K. Rowling wrote it. True.", ["J. K. Rowling wrote it.", "True."]),
    ("See No. 5 on p. 12. Next one.", ["See No. 5 on p. 12.", "Next one."]),
    ("No. That is wrong.", ["No.", "That is wrong."]),  # "No" is only an abbreviation before a number
    ("It rained, etc. Then it cleared.", ["It rained, etc.", "Then it cleared."]),
    # decimals, lower-case continuations, no space
    ("It costs 3.5 dollars. Cheap.", ["It costs 3.5 dollars.", "Cheap."]),
    ("Wait. then what?", ["Wait. then what?"]),
    ("See example.com for more.", ["See example.com for more."]),
    # runs of marks, closing quotes and brackets stay with their sentence
    ("Really?! Yes... Maybe.", ["Really?!", "Yes...", "Maybe."]),
    ('He said "Stop!" Then he left.', ['He said "Stop!"', "Then he left."]),
    ("(See below.) Next one.", ["(See below.)", "Next one."]),
    ("He shouted. 'Run!' She ran.", ["He shouted.", "'Run!'", "She ran."]),
    ("It ended in 1999. 2000 was new.", ["It ended in 1999.", "2000 was new."]),
    # blank lines end a sentence; single line breaks are spaces
    ("A title\n\nThe body starts\nhere. And ends.", ["A title", "The body starts here.", "And ends."]),
]

CHINESE = [
    ("今天下雨。明天晴！后天呢？不知道；再说吧", ["今天下雨。", "明天晴！", "后天呢？", "不知道；", "再说吧"]),
    ("真的吗？！是的。", ["真的吗？！", "是的。"]),
    ("他说：“好！”然后走了。", ["他说：“好！”", "然后走了。"]),
    ("“好！”，他说。", ["“好！”，他说。"]),  # a comma after the quote continues the sentence
    ("你好!我很好?真的;是的", ["你好!", "我很好?", "真的;", "是的"]),  # halfwidth marks
    ("圆周率约等于3.14。对吧", ["圆周率约等于3.14。", "对吧"]),
    ("第一行\n第二行。\n\n新段落", ["第一行第二行。", "新段落"]),
    ("书名是《再见！》。好看。", ["书名是《再见！》。", "好看。"]),
]

MIXED = [
    ("我喜欢Python。It is great! 你呢？", ["我喜欢Python。", "It is great!", "你呢？"]),
    ("Dr. Li lives in the U.S. now. 她喜欢北京！", ["Dr. Li lives in the U.S. now.", "她喜欢北京！"]),
    ("他说 Hello! How are you? 然后走了。", ["他说 Hello!", "How are you?", "然后走了。"]),
    ("English paragraph. Two.\n\n中文段落。第二句。", ["English paragraph.", "Two.", "中文段落。", "第二句。"]),
]


@pytest.mark.parametrize("text, expected", ENGLISH)
def test_english(text, expected):
    assert split_sentences(text, lang="en") == expected
    assert split_sentences(text) == expected  # auto picks English


@pytest.mark.parametrize("text, expected", CHINESE)
def test_chinese(text, expected):
    assert split_sentences(text, lang="zh") == expected
    assert split_sentences(text) == expected


@pytest.mark.parametrize("text, expected", MIXED)
def test_mixed_text(text, expected):
    assert split_sentences(text) == expected
    assert split_sentences(text, lang="zh") == expected
    assert split_sentences(text, lang="en") == expected


def test_halfwidth_marks_in_chinese_mode_only_in_chinese_context():
    assert split_sentences("中文 hello? world", lang="zh") == ["中文 hello?", "world"]
    assert split_sentences("中文 hello? world", lang="en") == ["中文 hello? world"]
    # a URL's "?" is not an end, in either mode
    url = "看看 http://x.com/a?b=1 吧。"
    assert split_sentences(url, lang="zh") == [url]


def test_no_text_is_lost():
    text = "First one. 第二句！Third?\n\n  第四句；fifth  "
    sentences = split_sentences(text)
    assert "".join(sentences).replace(" ", "") == text.replace(" ", "").replace("\n", "")


def test_empty_and_blank():
    assert split_sentences("") == []
    assert split_sentences("  \n\n \t") == []


def test_detect_language():
    assert detect_language("今天天气很好。") == "zh"
    assert detect_language("The weather is fine.") == "en"
    assert detect_language("12345") == "en"


def test_bad_arguments():
    with pytest.raises(UserInputError, match="lang must be one of"):
        split_sentences("x", lang="fr")
    with pytest.raises(UserInputError, match="must be a string"):
        split_sentences(["x"])
