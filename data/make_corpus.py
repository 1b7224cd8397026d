"""Regenerate the embedded corpus in data/ from a small facts knowledge base.

The article's §3.4 example asks "中国的首都是什么？" of a knowledge base
``{"中国": {"首都": "北京"}}``. This script holds a larger knowledge base of the
same shape (countries: capital, continent, language, currency, a landmark) and
renders it through sentence templates, in English and in Chinese, into:

- ``facts.json``        the knowledge base itself (both languages)
- ``corpus.en.txt``     English sentences, one per line (word-level models)
- ``corpus.zh.txt``     Chinese sentences, one per line (character-level models)

Nothing is downloaded; the output is deterministic for a given ``--seed``.

    python data/make_corpus.py            # rewrite the three files
    python data/make_corpus.py --check    # exit 1 if the files are stale
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name_en, name_zh, capital_en, capital_zh, continent_en, continent_zh,
# language_en, language_zh, currency_en, currency_zh, landmark_en, landmark_zh
COUNTRIES = [
    ("China", "中国", "Beijing", "北京", "Asia", "亚洲", "Chinese", "汉语", "yuan", "人民币", "the Great Wall", "长城"),
    ("Japan", "日本", "Tokyo", "东京", "Asia", "亚洲", "Japanese", "日语", "yen", "日元", "Mount Fuji", "富士山"),
    ("India", "印度", "New Delhi", "新德里", "Asia", "亚洲", "Hindi", "印地语", "rupee", "卢比", "the Taj Mahal", "泰姬陵"),
    ("Korea", "韩国", "Seoul", "首尔", "Asia", "亚洲", "Korean", "韩语", "won", "韩元", "Gyeongbokgung Palace", "景福宫"),
    ("Thailand", "泰国", "Bangkok", "曼谷", "Asia", "亚洲", "Thai", "泰语", "baht", "泰铢", "the Grand Palace", "大皇宫"),
    ("Vietnam", "越南", "Hanoi", "河内", "Asia", "亚洲", "Vietnamese", "越南语", "dong", "越南盾", "Ha Long Bay", "下龙湾"),
    ("Indonesia", "印度尼西亚", "Jakarta", "雅加达", "Asia", "亚洲", "Indonesian", "印尼语", "rupiah", "印尼盾", "Borobudur", "婆罗浮屠"),
    ("France", "法国", "Paris", "巴黎", "Europe", "欧洲", "French", "法语", "euro", "欧元", "the Eiffel Tower", "埃菲尔铁塔"),
    ("Germany", "德国", "Berlin", "柏林", "Europe", "欧洲", "German", "德语", "euro", "欧元", "the Brandenburg Gate", "勃兰登堡门"),
    ("Italy", "意大利", "Rome", "罗马", "Europe", "欧洲", "Italian", "意大利语", "euro", "欧元", "the Colosseum", "罗马斗兽场"),
    ("Spain", "西班牙", "Madrid", "马德里", "Europe", "欧洲", "Spanish", "西班牙语", "euro", "欧元", "the Alhambra", "阿尔罕布拉宫"),
    ("Britain", "英国", "London", "伦敦", "Europe", "欧洲", "English", "英语", "pound", "英镑", "Big Ben", "大本钟"),
    ("Russia", "俄罗斯", "Moscow", "莫斯科", "Europe", "欧洲", "Russian", "俄语", "ruble", "卢布", "the Kremlin", "克里姆林宫"),
    ("Greece", "希腊", "Athens", "雅典", "Europe", "欧洲", "Greek", "希腊语", "euro", "欧元", "the Parthenon", "帕特农神庙"),
    ("Egypt", "埃及", "Cairo", "开罗", "Africa", "非洲", "Arabic", "阿拉伯语", "pound", "埃及镑", "the Pyramids", "金字塔"),
    ("Kenya", "肯尼亚", "Nairobi", "内罗毕", "Africa", "非洲", "Swahili", "斯瓦希里语", "shilling", "先令", "Mount Kenya", "肯尼亚山"),
    ("Nigeria", "尼日利亚", "Abuja", "阿布贾", "Africa", "非洲", "English", "英语", "naira", "奈拉", "Zuma Rock", "祖玛岩"),
    ("Brazil", "巴西", "Brasilia", "巴西利亚", "South America", "南美洲", "Portuguese", "葡萄牙语", "real", "雷亚尔", "Christ the Redeemer", "基督像"),
    ("Argentina", "阿根廷", "Buenos Aires", "布宜诺斯艾利斯", "South America", "南美洲", "Spanish", "西班牙语", "peso", "比索", "Iguazu Falls", "伊瓜苏瀑布"),
    ("Peru", "秘鲁", "Lima", "利马", "South America", "南美洲", "Spanish", "西班牙语", "sol", "索尔", "Machu Picchu", "马丘比丘"),
    ("Canada", "加拿大", "Ottawa", "渥太华", "North America", "北美洲", "English", "英语", "dollar", "加元", "Niagara Falls", "尼亚加拉瀑布"),
    ("Mexico", "墨西哥", "Mexico City", "墨西哥城", "North America", "北美洲", "Spanish", "西班牙语", "peso", "比索", "Chichen Itza", "奇琴伊察"),
    ("America", "美国", "Washington", "华盛顿", "North America", "北美洲", "English", "英语", "dollar", "美元", "the Statue of Liberty", "自由女神像"),
    ("Australia", "澳大利亚", "Canberra", "堪培拉", "Oceania", "大洋洲", "English", "英语", "dollar", "澳元", "the Sydney Opera House", "悉尼歌剧院"),
]

EN_TEMPLATES = [
    "The capital of {c} is {cap}.",
    "{cap} is the capital of {c}.",
    "What is the capital of {c}? The capital of {c} is {cap}.",
    "{c} is a country in {cont}.",
    "{c} is in {cont}, and its capital is {cap}.",
    "People in {c} speak {lang}.",
    "The main language of {c} is {lang}.",
    "What language do people speak in {c}? They speak {lang}.",
    "The currency of {c} is the {cur}.",
    "In {c} people pay with the {cur}.",
    "Visitors to {c} often see {land}.",
    "{land} is a famous landmark in {c}.",
    "Where is {land}? {land} is in {c}.",
    "{cap} is a large city in {cont}.",
]

ZH_TEMPLATES = [
    "{c}的首都是{cap}。",
    "{cap}是{c}的首都。",
    "{c}的首都是什么？{c}的首都是{cap}。",
    "{c}是{cont}的一个国家。",
    "{c}位于{cont}，首都是{cap}。",
    "{c}人说{lang}。",
    "{c}的主要语言是{lang}。",
    "{c}人说什么语言？他们说{lang}。",
    "{c}的货币是{cur}。",
    "在{c}，人们用{cur}付钱。",
    "去{c}的游客常常参观{land}。",
    "{land}是{c}的著名景点。",
    "{land}在哪里？{land}在{c}。",
    "{cap}是{cont}的一座大城市。",
]


def knowledge_base() -> dict:
    kb = {"en": {}, "zh": {}}
    for row in COUNTRIES:
        c_en, c_zh, cap_en, cap_zh, co_en, co_zh, la_en, la_zh, cu_en, cu_zh, l_en, l_zh = row
        kb["en"][c_en] = {
            "capital": cap_en, "continent": co_en, "language": la_en,
            "currency": cu_en, "landmark": l_en,
        }
        kb["zh"][c_zh] = {
            "首都": cap_zh, "大洲": co_zh, "语言": la_zh, "货币": cu_zh, "景点": l_zh,
        }
    return kb


def render(lang: str, n_sentences: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    templates = EN_TEMPLATES if lang == "en" else ZH_TEMPLATES
    lines = []
    for _ in range(n_sentences):
        row = rng.choice(COUNTRIES)
        c_en, c_zh, cap_en, cap_zh, co_en, co_zh, la_en, la_zh, cu_en, cu_zh, l_en, l_zh = row
        if lang == "en":
            fields = dict(c=c_en, cap=cap_en, cont=co_en, lang=la_en, cur=cu_en, land=l_en)
        else:
            fields = dict(c=c_zh, cap=cap_zh, cont=co_zh, lang=la_zh, cur=cu_zh, land=l_zh)
        text = rng.choice(templates).format(**fields)
        lines.append(text[0].upper() + text[1:] if lang == "en" else text)
    return lines


def outputs(n_sentences: int, seed: int) -> dict[str, str]:
    return {
        "facts.json": json.dumps(knowledge_base(), ensure_ascii=False, indent=1) + "\n",
        "corpus.en.txt": "\n".join(render("en", n_sentences, seed)) + "\n",
        "corpus.zh.txt": "\n".join(render("zh", n_sentences, seed + 1)) + "\n",
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sentences", type=int, default=4000, help="sentences per language")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--out", type=Path, default=HERE, help="output folder (default: data/)")
    p.add_argument("--check", action="store_true", help="only check the files are current")
    args = p.parse_args(argv)
    files = outputs(args.sentences, args.seed)
    if args.check:
        stale = [n for n, t in files.items() if not (args.out / n).exists()
                 or (args.out / n).read_text(encoding="utf-8") != t]
        if stale:
            print("stale: " + ", ".join(stale), file=sys.stderr)
            return 1
        print("data/ is up to date")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8")
        print(f"wrote {args.out / name} ({len(text):,} characters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
