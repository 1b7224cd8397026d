"""Regenerate the labelled topic data set in data/classify/ (§6.4 自然语言理解, §3.3).

Short documents of 2-5 sentences, in English and in Chinese, each labelled with one
of six topics (geography, sport, science, food, technology, weather; in Chinese 地理,
体育, 科学, 美食, 科技, 天气). Every sentence is rendered from a template of this
script with slot words (places, people, days, numbers, dishes, ...), so nothing is
copied from anywhere and nothing is downloaded.

How a document is built, and why a bag of words cannot get all of them right:

- Each sentence is a *topic sentence* of one topic or a *neutral* sentence
  ("Thanks for reading."). A topic sentence of another topic than the document's
  is an *aside*, and says so with a discourse marker at its start ("By the way,",
  "In other news,", "Unrelated, but"; 顺便说一句，题外话，另外说件不相干的事：).
- A document's label is the topic of its unmarked topic sentences: it has at
  least one, and they all share a topic. So the label is determined by the text.
- A sixth of the documents have more aside sentences (all of one other topic)
  than label sentences, and a fifth as many. A bag of words counts the aside's
  topic words without knowing which sentence the marker belongs to, so it
  misreads many of these; a model that reads sentence by sentence and weighs
  them (the hierarchical classifier of §3.3, attention across the word and
  sentence levels) can get them all right.
- A topic sentence is *strong* (full of its topic's words: "The goalkeeper saved
  a penalty") or *subtle* (few cues among words other topics use too: record,
  pressure, field, heat, season, cloud, chip, model, peak, wave; 纪录, 压力, 场,
  温, 季, 云, 片, 模型, 峰, 浪). Places, people, days and numbers are shared by
  all topics.

Layout (documented in data/README.md), one fixed split per language:

- ``classify/en/{train,validation,test}/<label>/NNNN.txt``: English, one document
  per file in one folder per label (``keras.utils.text_dataset_from_directory``);
- ``classify/zh/{train,validation,test}.jsonl``: Chinese, ``{"label", "text"}`` per line;
- ``classify/sample.tsv``: ``label<TAB>text``, the first two training documents of
  each label in both languages (a look at the data, and the TSV format).

Nothing is downloaded; the output is deterministic for a given ``--seed``.
:func:`documents` returns the documents with their sentences and each sentence's
topic, for analyses (which sentences does the attention pick?).

    python data/make_classification.py            # rewrite data/classify/
    python data/make_classification.py --check    # exit 1 if the files are stale
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOPICS = ("geography", "sport", "science", "food", "technology", "weather")
ZH_LABELS = {"geography": "地理", "sport": "体育", "science": "科学", "food": "美食",
             "technology": "科技", "weather": "天气"}
SPLITS = ("train", "validation", "test")
NEUTRAL = "neutral"

# ---------------------------------------------------------------- English
EN_SLOTS = {
    "place": ["Paris", "Lima", "Cairo", "Oslo", "Nairobi", "Tokyo", "Madrid", "Toronto",
              "Sydney", "Mumbai", "Beijing", "Berlin", "Rome", "Seoul", "Quito", "Dublin"],
    "person": ["Anna", "Ben", "Carlos", "Dara", "Elena", "Farid", "Grace", "Hiro", "Ines",
               "Jonas", "Kemi", "Lena", "Mei", "Noah", "Omar", "Priya"],
    "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "month": ["January", "March", "April", "June", "July", "August", "October", "December"],
    "num": [str(n) for n in (2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 25, 30, 40)],
    "river": ["Amazon", "Danube", "Mekong", "Nile", "Rhine", "Yangtze", "Volga", "Zambezi"],
    "mountain": ["Andes", "Alps", "Atlas Mountains", "Himalayas", "Rocky Mountains", "Urals"],
    "sport": ["football", "tennis", "basketball", "volleyball", "hockey", "cricket", "rugby"],
    "team": ["{place} United", "{place} City", "{place} Rovers"],
    "score": ["2-1", "3-0", "1-0", "4-2", "3-2"],
    "event": ["100 metres", "long jump", "relay", "high jump", "road race"],
    "ingredient": ["garlic", "ginger", "tomatoes", "mushrooms", "onions", "peppers", "tofu",
                   "spinach", "potatoes", "carrots"],
    "dish": ["dumplings", "curry", "paella", "ramen", "pasta", "tacos", "stew", "fried rice"],
    "company": ["Nova Systems", "Bright Labs", "Orbit Tech", "Kite Software", "Pixel Works"],
}

EN_NEUTRAL = [
    "I read about it on {day}.",
    "{person} sent me the link this morning.",
    "Here is a short note for the group.",
    "More details will follow next week.",
    "{person} wrote this summary.",
    "Let me know what you think.",
    "This was shared in the {day} newsletter.",
    "I wanted to write it down before I forget.",
    "{person} asked me to pass this on.",
    "Thanks for reading.",
]

EN_TOPICS = {
    "geography": {
        "strong": [
            "The {river} flows through three countries before it reaches the sea.",
            "{place} lies on the coast, about {num} kilometres from the border.",
            "The {mountain} stretch across the north of the continent.",
            "Most of the population lives in the valleys near {place}.",
            "The map shows {num} islands off the western coast.",
            "{place} sits on a plateau at the edge of the desert.",
            "The country borders {num} neighbours and has a long coastline.",
            "Glaciers carved the deep valleys around the lake.",
            "The peninsula is separated from the mainland by a narrow strait.",
            "The delta of the {river} is wide and fertile.",
        ],
        "subtle": [
            "A cold current runs along the coast near {place}.",
            "From the highest peak you can see {num} valleys.",
            "Rice fields cover the land south of {place}.",
            "Waves have worn away the cliffs near {place}.",
            "Its highest point is about {num}00 metres above the sea.",
            "The region gets its water from the {mountain}.",
            "The old road follows the river for {num} kilometres.",
        ],
    },
    "sport": {
        "strong": [
            "{team} won the {sport} final {score} on {day}.",
            "The {sport} team scored twice in the second half.",
            "{person} trained every morning before the championship.",
            "The coach picked {num} players for the tournament.",
            "Fans filled the stadium for the derby against {team}.",
            "The goalkeeper saved a penalty in the last minute.",
            "{person} finished the marathon in under three hours.",
            "The referee sent off two players during the match.",
            "{team} are top of the league after {num} games.",
            "{person} won the gold medal in the {event}.",
        ],
        "subtle": [
            "{person} broke the record on {day}.",
            "They were under a lot of pressure in the closing minutes.",
            "The field was wet, but the game went ahead.",
            "It was the fastest heat of the season.",
            "{person} is at the peak of her form.",
            "The crowd did a wave as the sun came out.",
            "{person} hopes to run even faster in {month}.",
        ],
    },
    "science": {
        "strong": [
            "Researchers measured the mass of the particle in the laboratory.",
            "The experiment confirmed the hypothesis after {num} trials.",
            "Cells divide faster when the enzyme is present.",
            "Astronomers found a planet orbiting a distant star.",
            "The chemical reaction releases energy as heat.",
            "{person} published the results in a physics journal.",
            "Under the microscope the bacteria formed long chains.",
            "The team sequenced the genome of a rare plant.",
            "The molecule has {num} carbon atoms.",
            "Electrons move through the circuit when the switch closes.",
        ],
        "subtle": [
            "The current was measured {num} times.",
            "The mice in the second group grew faster.",
            "The magnetic field was strongest near the poles.",
            "Light bends when it passes through water.",
            "The samples were kept at a low temperature.",
            "Sound waves travel faster in warm air.",
            "The model predicted the result within {num} percent.",
        ],
    },
    "food": {
        "strong": [
            "The soup is made with {ingredient} and fresh herbs.",
            "Fry the {ingredient} in a little oil until golden.",
            "{person} cooked {dish} for the whole family.",
            "The restaurant in {place} serves the best {dish} in town.",
            "Add a pinch of salt and stir the sauce slowly.",
            "The recipe needs {num} eggs and a cup of flour.",
            "This bakery sells warm bread every morning.",
            "The {dish} was spicy, sweet and a little sour.",
            "Serve the noodles with sliced {ingredient} on top.",
            "The chef tasted the broth before adding {ingredient}.",
        ],
        "subtle": [
            "Heat the pan for {num} minutes before you start.",
            "Keep it in a cold place overnight.",
            "Season it well and leave it to rest.",
            "The chips were crisp and still warm.",
            "A bowl of it is perfect on a rainy day.",
            "Check the temperature of the oven first.",
            "Apples from {place} are sweet and fresh.",
        ],
    },
    "technology": {
        "strong": [
            "The new phone has a faster processor and a bigger battery.",
            "Engineers released a software update that fixes {num} bugs.",
            "The app now lets users pay with their phone.",
            "{company} opened a data centre near {place}.",
            "The laptop ships with {num} gigabytes of memory.",
            "Hackers stole passwords from the company's servers.",
            "The robot can sort parcels twice as fast as a person.",
            "A new version of the operating system came out on {day}.",
            "The website crashed when too many users logged in.",
            "{person} wrote a program that translates emails automatically.",
        ],
        "subtle": [
            "Most of the files are stored in the cloud now.",
            "The new chip uses less power.",
            "The network was slow during the peak hours.",
            "The model was trained on {num} million examples.",
            "Plug the mouse into the other port.",
            "The signal is weak in the mountains.",
            "The stream started on {day} and lasted {num} hours.",
        ],
    },
    "weather": {
        "strong": [
            "Heavy rain is expected in {place} on {day}.",
            "The forecast says the storm will reach the coast tonight.",
            "Temperatures will drop to {num} degrees overnight.",
            "Strong winds knocked down trees across {place}.",
            "Snow fell for {num} hours and closed the roads.",
            "The sky will clear by the afternoon, with sunshine on {day}.",
            "A thick fog covered the airport this morning.",
            "The typhoon brought floods to the southern provinces.",
            "It has not rained in {place} for {num} weeks.",
            "Thunderstorms are likely later in the week.",
        ],
        "subtle": [
            "Dark clouds gathered over {place}.",
            "Low pressure will move in from the west.",
            "{month} set a new record for heat.",
            "The rainy season starts early this year.",
            "It will feel cold and fresh by the evening.",
            "The wave of hot air will last until {day}.",
            "The light rain should stop by noon.",
        ],
    },
}

# ---------------------------------------------------------------- Chinese
ZH_SLOTS = {
    "place": ["巴黎", "利马", "开罗", "奥斯陆", "内罗毕", "东京", "马德里", "多伦多",
              "悉尼", "孟买", "北京", "柏林", "罗马", "首尔", "成都", "昆明"],
    "person": ["小王", "小李", "张老师", "李阿姨", "王师傅", "陈教授", "赵同学", "刘姐",
               "周明", "孙丽", "吴伟", "郑华", "林芳", "何静", "马超", "高飞"],
    "day": ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
    "month": ["一月", "三月", "四月", "六月", "七月", "八月", "十月", "十二月"],
    "num": ["两", "三", "四", "五", "六", "七", "八", "九", "十", "十二", "十五", "二十",
            "二十五", "三十", "四十"],
    "river": ["亚马孙河", "多瑙河", "湄公河", "尼罗河", "莱茵河", "长江", "伏尔加河", "黄河"],
    "mountain": ["安第斯", "阿尔卑斯", "阿特拉斯", "喜马拉雅", "落基", "乌拉尔"],
    "sport": ["足球", "网球", "篮球", "排球", "冰球", "板球", "橄榄球"],
    "team": ["{place}队", "{place}联队", "{place}城队"],
    "score": ["二比一", "三比零", "一比零", "四比二", "三比二"],
    "event": ["百米", "跳远", "接力", "跳高", "公路自行车"],
    "ingredient": ["大蒜", "生姜", "西红柿", "蘑菇", "洋葱", "辣椒", "豆腐", "菠菜", "土豆",
                   "胡萝卜"],
    "dish": ["饺子", "咖喱", "海鲜饭", "拉面", "意大利面", "卷饼", "炖菜", "炒饭"],
    "company": ["新星系统", "明光实验室", "轨道科技", "风筝软件", "像素工坊"],
}

ZH_NEUTRAL = [
    "这是我{day}看到的消息。",
    "{person}今天早上把链接发给了我。",
    "先简单记一下。",
    "下周会有更多细节。",
    "这段总结是{person}写的。",
    "大家有什么想法可以告诉我。",
    "这条消息来自{day}的简报。",
    "趁还没忘，我先写下来。",
    "{person}让我转告大家。",
    "谢谢阅读。",
]

ZH_TOPICS = {
    "geography": {
        "strong": [
            "{river}流经三个国家后注入大海。",
            "{place}位于沿海地区，离边境大约{num}公里。",
            "{mountain}山脉横贯这片大陆的北部。",
            "大部分人口居住在{place}附近的河谷里。",
            "地图上标出了西海岸外的{num}个岛屿。",
            "{place}坐落在沙漠边缘的高原上。",
            "这个国家与{num}个邻国接壤，海岸线很长。",
            "冰川在湖泊周围切割出深深的峡谷。",
            "半岛与大陆之间隔着一道狭窄的海峡。",
            "{river}的三角洲宽阔而肥沃。",
        ],
        "subtle": [
            "一股寒冷的洋流沿着{place}的海岸流动。",
            "从最高峰可以看到{num}条山谷。",
            "{place}南边是一片片稻田。",
            "海浪把{place}附近的悬崖冲刷得很陡。",
            "从山顶往下看，能数出{num}个村庄。",
            "这一带的水来自{mountain}山。",
            "老路沿着河边延伸了{num}公里。",
        ],
    },
    "sport": {
        "strong": [
            "{team}在{day}的{sport}决赛中以{score}获胜。",
            "{sport}队在下半场连进两球。",
            "{person}每天早上训练，准备参加锦标赛。",
            "教练为这次比赛挑选了{num}名球员。",
            "球迷挤满了体育场，观看与{team}的比赛。",
            "守门员在最后一分钟扑出了点球。",
            "{person}在三小时内跑完了马拉松。",
            "裁判在比赛中罚下了两名球员。",
            "{team}在{num}轮比赛后排名联赛第一。",
            "{person}在{event}比赛中获得了金牌。",
        ],
        "subtle": [
            "{person}在{day}打破了纪录。",
            "最后几分钟他们承受了很大的压力。",
            "场地很湿，但还是照常进行。",
            "这是本赛季最快的一组。",
            "{person}正处在状态的高峰。",
            "太阳出来时，观众们掀起了人浪。",
            "{person}希望{month}能跑得更快。",
        ],
    },
    "science": {
        "strong": [
            "研究人员在实验室里测量了这种粒子的质量。",
            "经过{num}次试验，实验证实了这个假设。",
            "有这种酶存在时，细胞分裂得更快。",
            "天文学家发现了一颗围绕遥远恒星运行的行星。",
            "这个化学反应以热的形式释放能量。",
            "{person}在物理学期刊上发表了研究结果。",
            "在显微镜下，细菌连成了长链。",
            "研究团队测定了一种稀有植物的基因组。",
            "这种分子含有{num}个碳原子。",
            "开关闭合后，电子在电路中流动。",
        ],
        "subtle": [
            "电流被测量了{num}次。",
            "第二组的小鼠长得更快。",
            "两极附近的磁场最强。",
            "光穿过水时会发生弯曲。",
            "样品保存在低温下。",
            "声波在温暖的空气中传播得更快。",
            "模型的预测误差不到百分之一。",
        ],
    },
    "food": {
        "strong": [
            "这道汤是用{ingredient}和新鲜香草做的。",
            "把{ingredient}放进油锅里炸到金黄。",
            "{person}给全家人做了{dish}。",
            "{place}的那家餐厅做的{dish}最好吃。",
            "加一小撮盐，慢慢搅拌酱汁。",
            "这个菜谱需要{num}个鸡蛋和一杯面粉。",
            "这家面包店每天早上卖热乎乎的面包。",
            "这份{dish}又辣又甜，还有点酸。",
            "面条上面放上切好的{ingredient}再端上桌。",
            "厨师尝了尝汤，然后加了{ingredient}。",
        ],
        "subtle": [
            "先把锅加热{num}分钟再开始。",
            "放在阴凉的地方过一夜。",
            "调好味以后放一会儿。",
            "薯片很脆，还是温的。",
            "下雨天来上一碗正合适。",
            "先检查一下烤箱的温度。",
            "{place}的苹果又甜又新鲜。",
        ],
    },
    "technology": {
        "strong": [
            "新手机的处理器更快，电池也更大。",
            "工程师发布了软件更新，修复了{num}个漏洞。",
            "这个应用现在可以用手机付款。",
            "{company}在{place}附近建了一个数据中心。",
            "这台笔记本电脑可以同时运行{num}个虚拟机。",
            "黑客从公司的服务器上盗取了密码。",
            "这台机器人分拣包裹的速度是人的两倍。",
            "新版操作系统在{day}发布了。",
            "用户太多，网站一下子崩溃了。",
            "{person}写了一个能自动翻译邮件的程序。",
        ],
        "subtle": [
            "现在大部分文件都存在云上。",
            "新芯片更省电。",
            "高峰时段网络很慢。",
            "模型用{num}万个样本训练过。",
            "把鼠标插到另一个接口上。",
            "山里的信号很弱。",
            "直播从{day}开始，持续了{num}个小时。",
        ],
    },
    "weather": {
        "strong": [
            "{place}{day}预计有大雨。",
            "天气预报说暴风雨今晚将到达沿海。",
            "夜间气温将降到零下{num}度。",
            "大风刮倒了{place}各处的树木。",
            "大雪下了{num}个小时，道路都封了。",
            "下午天空将转晴，{day}阳光充足。",
            "今天早上浓雾笼罩了机场。",
            "台风给南方各省带来了洪水。",
            "{place}已经{num}个星期没下雨了。",
            "本周晚些时候可能有雷阵雨。",
        ],
        "subtle": [
            "{place}上空聚集了乌云。",
            "低压将从西边移过来。",
            "{month}的高温打破了纪录。",
            "今年雨季来得早。",
            "傍晚会感觉又冷又清爽。",
            "这股热浪将持续到{day}。",
            "小雨中午前应该会停。",
        ],
    },
}

LANGS = {"en": (EN_SLOTS, EN_NEUTRAL, EN_TOPICS), "zh": (ZH_SLOTS, ZH_NEUTRAL, ZH_TOPICS)}

EN_ASIDES = ["By the way,", "In other news,", "Unrelated, but", "On another note,",
             "Side note:", "Off topic, but"]
ZH_ASIDES = ["顺便说一句，", "题外话，", "另外说件不相干的事：", "插一句，", "换个话题，",
             "还有一条无关的消息："]

# Document plans by length: T = a sentence of the label's topic, A = an aside (a
# marked sentence of one other topic), N = a neutral sentence. The order is shuffled.
PLANS = {
    2: ("TT", "TN", "TA"),
    3: ("TTT", "TTN", "TTA", "TAN", "TAA"),
    4: ("TTNN", "TTAN", "TTTA", "TTAA", "TAAA"),
    5: ("TTTAN", "TTTAA", "TTANN", "TTAAN", "TAAAN"),
}
LENGTH_WEIGHTS = {2: 0.2, 3: 0.3, 4: 0.3, 5: 0.2}
SUBTLE_LABEL = 0.5  # chance that a sentence of the label's topic is a subtle one
SUBTLE_ASIDE = 0.15  # the same for an aside


@dataclass(frozen=True)
class Document:
    lang: str  # "en" or "zh"
    topic: str  # the label, as an English topic name
    label: str  # the label as written in the files ("sport" or "体育")
    sentences: tuple[str, ...]  # the document's sentences, in order
    sentence_topics: tuple[str, ...]  # each sentence's topic, or "neutral"; an aside is a
    # sentence whose topic is neither the label's nor "neutral"
    split: str  # "train", "validation" or "test"

    @property
    def text(self) -> str:
        return (" " if self.lang == "en" else "").join(self.sentences)


def _fill(template: str, slots: dict, rng: random.Random) -> str:
    while "{" in template:  # slot values may hold slots ("{place} United")
        start = template.index("{")
        end = template.index("}", start)
        template = template[:start] + rng.choice(slots[template[start + 1:end]]) + template[end + 1:]
    return template


def _sentence(lang: str, topic: str, role: str, rng: random.Random) -> str:
    slots, neutral, topics = LANGS[lang]
    if role == "N":
        template = rng.choice(neutral)
    else:
        subtle = rng.random() < (SUBTLE_LABEL if role == "T" else SUBTLE_ASIDE)
        template = rng.choice(topics[topic]["subtle" if subtle else "strong"])
    text = _fill(template, slots, rng)
    if role == "A":
        if lang == "zh":
            return rng.choice(ZH_ASIDES) + text
        if not template.startswith("{"):  # "the storm", but "Anna", "Paris United"
            text = text[0].lower() + text[1:]
        return rng.choice(EN_ASIDES) + " " + text
    return text[0].upper() + text[1:]


def _document(lang: str, topic: str, rng: random.Random) -> tuple[list[str], list[str]]:
    lengths = sorted(LENGTH_WEIGHTS)
    n = rng.choices(lengths, weights=[LENGTH_WEIGHTS[k] for k in lengths])[0]
    plan = list(rng.choice(PLANS[n]))
    rng.shuffle(plan)
    aside = rng.choice([t for t in TOPICS if t != topic])
    roles = {"T": topic, "A": aside, "N": NEUTRAL}
    sentences, topics = [], []
    for role in plan:
        for _ in range(20):  # no sentence twice in a document
            s = _sentence(lang, roles[role], role, rng)
            if s not in sentences:
                break
        sentences.append(s)
        topics.append(roles[role])
    return sentences, topics


def documents(lang: str, sizes: dict[str, int], seed: int) -> list[Document]:
    """Every document of one language: ``sizes[split]`` documents per label and split."""
    rng = random.Random(f"{seed}-{lang}")
    seen: set[str] = set()
    out = []
    for topic in TOPICS:
        label = topic if lang == "en" else ZH_LABELS[topic]
        for split in SPLITS:
            made = 0
            while made < sizes[split]:
                sentences, topics = _document(lang, topic, rng)
                doc = Document(lang, topic, label, tuple(sentences), tuple(topics), split)
                if doc.text in seen:  # every document is unique across the splits
                    continue
                seen.add(doc.text)
                out.append(doc)
                made += 1
    return out


def layout_files(en: list, zh: list, order_seed: str) -> dict[str, str]:
    """English documents as ``en/<split>/<label>/NNNN.txt``, Chinese as
    ``zh/<split>.jsonl`` (labels interleaved by a seeded shuffle); shared by the
    generators of ``classify*/``."""
    files: dict[str, str] = {}
    for split in SPLITS:
        for topic in TOPICS:
            docs = [d for d in en if d.split == split and d.topic == topic]
            for i, d in enumerate(docs, 1):
                files[f"en/{split}/{d.label}/{i:04d}.txt"] = d.text + "\n"
        docs = [d for d in zh if d.split == split]
        random.Random(f"{order_seed}-{split}-order").shuffle(docs)
        files[f"zh/{split}.jsonl"] = "".join(
            json.dumps({"label": d.label, "text": d.text}, ensure_ascii=False) + "\n"
            for d in docs)
    return files


def outputs(sizes: dict[str, int], seed: int) -> dict[str, str]:
    """File name (relative to data/classify/) -> content."""
    en = documents("en", sizes, seed)
    zh = documents("zh", sizes, seed)
    files = layout_files(en, zh, f"{seed}-zh")
    sample = ["label\ttext"]
    for docs in (en, zh):
        for topic in TOPICS:
            sample += [f"{d.label}\t{d.text}" for d in docs
                       if d.split == "train" and d.topic == topic][:2]
    files["sample.tsv"] = "\n".join(sample) + "\n"
    return files


def _on_disk(out: Path) -> set[str]:
    """This script's files under ``out`` (en/, zh/, sample.tsv), current or left over."""
    found = {p.relative_to(out).as_posix() for d in ("en", "zh") if (out / d).is_dir()
             for p in (out / d).rglob("*") if p.is_file()}
    return found | ({"sample.tsv"} if (out / "sample.tsv").is_file() else set())


def unique_documents(make, lang: str, sizes: dict[str, int], seed: int, tag: str) -> list:
    """``sizes[split]`` documents per label and split from ``make(lang, topic, rng)`` (a
    frozen dataclass with ``text`` and ``split``), each unique across the splits; shared
    by the generators of ``classify_focus/`` and ``classify_pick/``."""
    rng = random.Random(f"{seed}-{tag}-{lang}")
    seen: set[str] = set()
    out = []
    for topic in TOPICS:
        for split in SPLITS:
            made = 0
            while made < sizes[split]:
                doc = make(lang, topic, rng)
                if doc.text in seen:
                    continue
                seen.add(doc.text)
                out.append(replace(doc, split=split))
                made += 1
    return out


def generator_main(argv, description: str, outputs, default_out: Path, seed: int) -> int:
    """The command line of the ``classify_focus/`` and ``classify_pick/`` generators:
    250 / 40 / 50 documents per label by default, ``--check`` to compare."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--train", type=int, default=250, help="training documents per label")
    p.add_argument("--validation", type=int, default=40, help="validation documents per label")
    p.add_argument("--test", type=int, default=50, help="test documents per label")
    p.add_argument("--seed", type=int, default=seed)
    p.add_argument("--out", type=Path, default=default_out,
                   help=f"output folder (default: data/{default_out.name}/)")
    p.add_argument("--check", action="store_true", help="only check the files are current")
    args = p.parse_args(argv)
    sizes = {"train": args.train, "validation": args.validation, "test": args.test}
    on_disk = {q.relative_to(args.out).as_posix() for d in ("en", "zh")
               if (args.out / d).is_dir() for q in (args.out / d).rglob("*") if q.is_file()}
    return write_or_check(outputs(sizes, args.seed), args.out, on_disk, args.check)


def write_or_check(files: dict[str, str], out: Path, on_disk: set[str], check: bool) -> int:
    """Write ``files`` (name relative to ``out`` -> text) under ``out``, removing the files
    of ``on_disk`` it would not write; with ``check``, only say whether they are current
    (exit status 0) or not (1). Shared by the data generators of ``classify*/``."""
    extra = sorted(on_disk - set(files))
    if check:
        stale = [n for n, t in files.items() if not (out / n).is_file()
                 or (out / n).read_text(encoding="utf-8") != t]
        if stale or extra:
            if stale:
                print(f"stale or missing ({len(stale)}): " + ", ".join(stale[:10]),
                      file=sys.stderr)
            if extra:
                print(f"not generated ({len(extra)}): " + ", ".join(extra[:10]), file=sys.stderr)
            return 1
        print(f"{out} is up to date ({len(files)} files)")
        return 0
    for name in extra:  # left over from other sizes
        (out / name).unlink()
    for name, text in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for folder in sorted((d for d in (out / "en").rglob("*") if d.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    total = sum(len(t.encode("utf-8")) for t in files.values())
    print(f"wrote {len(files)} files under {out} ({total:,} bytes); "
          f"removed {len(extra)} stale files")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--train", type=int, default=110, help="training documents per label")
    p.add_argument("--validation", type=int, default=25, help="validation documents per label")
    p.add_argument("--test", type=int, default=25, help="test documents per label")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--out", type=Path, default=HERE / "classify",
                   help="output folder (default: data/classify/)")
    p.add_argument("--check", action="store_true", help="only check the files are current")
    args = p.parse_args(argv)
    sizes = {"train": args.train, "validation": args.validation, "test": args.test}
    return write_or_check(outputs(sizes, args.seed), args.out, _on_disk(args.out), args.check)


if __name__ == "__main__":
    sys.exit(main())
