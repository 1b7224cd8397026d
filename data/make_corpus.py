"""Regenerate the embedded corpus in data/ from a small facts knowledge base.

The article's §3.4 example asks "中国的首都是什么？" of a knowledge base
``{"中国": {"首都": "北京"}}``. This script holds a larger knowledge base of the
same shape (countries: capital, continent, language, currency, a landmark) and
renders it through sentence templates, in English and in Chinese, into:

- ``facts.json``        the knowledge base itself (both languages): the 24 countries of
                        the corpus and :data:`MORE_COUNTRIES` (capital, continent, official
                        language, currency, largest city), ``"names"`` pairing each English
                        name with its Chinese one (§3.4, §6.1 question answering)
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


# The largest city (by city proper) of the corpus countries (Australia left out: Sydney or
# Melbourne, by where the boundary is drawn); the corpus itself does not mention it, so
# the sentences above stay as they were.
LARGEST_CITY = {
    "China": ("Shanghai", "上海"), "Japan": ("Tokyo", "东京"), "India": ("Mumbai", "孟买"),
    "Korea": ("Seoul", "首尔"), "Thailand": ("Bangkok", "曼谷"),
    "Vietnam": ("Ho Chi Minh City", "胡志明市"), "Indonesia": ("Jakarta", "雅加达"),
    "France": ("Paris", "巴黎"), "Germany": ("Berlin", "柏林"), "Italy": ("Rome", "罗马"),
    "Spain": ("Madrid", "马德里"), "Britain": ("London", "伦敦"), "Russia": ("Moscow", "莫斯科"),
    "Greece": ("Athens", "雅典"), "Egypt": ("Cairo", "开罗"), "Kenya": ("Nairobi", "内罗毕"),
    "Nigeria": ("Lagos", "拉各斯"), "Brazil": ("Sao Paulo", "圣保罗"),
    "Argentina": ("Buenos Aires", "布宜诺斯艾利斯"), "Peru": ("Lima", "利马"),
    "Canada": ("Toronto", "多伦多"), "Mexico": ("Mexico City", "墨西哥城"),
    "America": ("New York", "纽约"),
}

CONTINENTS = {"AS": ("Asia", "亚洲"), "EU": ("Europe", "欧洲"), "AF": ("Africa", "非洲"),
              "NA": ("North America", "北美洲"), "SA": ("South America", "南美洲"),
              "OC": ("Oceania", "大洋洲")}

# More countries for question answering (§6.1), not rendered into the corpus.
# name_en | name_zh | capital_en | capital_zh | continent | language_en | language_zh |
# currency_en | currency_zh | largest_city_en | largest_city_zh; "-" where the fact is
# left out (contested, recently changed or not one value): the knowledge base then has
# no such relation for the country, which the question-answering data uses.
MORE_COUNTRIES = """
Mongolia|蒙古|Ulaanbaatar|乌兰巴托|AS|Mongolian|蒙古语|tugrik|图格里克|Ulaanbaatar|乌兰巴托
Nepal|尼泊尔|Kathmandu|加德满都|AS|Nepali|尼泊尔语|Nepalese rupee|尼泊尔卢比|Kathmandu|加德满都
Bangladesh|孟加拉国|Dhaka|达卡|AS|Bengali|孟加拉语|taka|塔卡|Dhaka|达卡
Pakistan|巴基斯坦|Islamabad|伊斯兰堡|AS|Urdu|乌尔都语|Pakistani rupee|巴基斯坦卢比|Karachi|卡拉奇
Sri Lanka|斯里兰卡|Sri Jayawardenepura Kotte|斯里贾亚瓦德纳普拉科特|AS|Sinhala|僧伽罗语|Sri Lankan rupee|斯里兰卡卢比|Colombo|科伦坡
Malaysia|马来西亚|Kuala Lumpur|吉隆坡|AS|Malay|马来语|ringgit|林吉特|Kuala Lumpur|吉隆坡
Singapore|新加坡|Singapore|新加坡|AS|-|-|Singapore dollar|新加坡元|Singapore|新加坡
Philippines|菲律宾|Manila|马尼拉|AS|Filipino|菲律宾语|Philippine peso|菲律宾比索|Quezon City|奎松城
Cambodia|柬埔寨|Phnom Penh|金边|AS|Khmer|高棉语|riel|瑞尔|Phnom Penh|金边
Laos|老挝|Vientiane|万象|AS|Lao|老挝语|kip|基普|Vientiane|万象
Myanmar|缅甸|Naypyidaw|内比都|AS|Burmese|缅甸语|kyat|缅元|Yangon|仰光
Iran|伊朗|Tehran|德黑兰|AS|Persian|波斯语|Iranian rial|伊朗里亚尔|Tehran|德黑兰
Iraq|伊拉克|Baghdad|巴格达|AS|-|-|Iraqi dinar|伊拉克第纳尔|Baghdad|巴格达
Saudi Arabia|沙特阿拉伯|Riyadh|利雅得|AS|Arabic|阿拉伯语|Saudi riyal|沙特里亚尔|Riyadh|利雅得
Turkey|土耳其|Ankara|安卡拉|AS|Turkish|土耳其语|lira|土耳其里拉|Istanbul|伊斯坦布尔
Jordan|约旦|Amman|安曼|AS|Arabic|阿拉伯语|Jordanian dinar|约旦第纳尔|Amman|安曼
Lebanon|黎巴嫩|Beirut|贝鲁特|AS|Arabic|阿拉伯语|Lebanese pound|黎巴嫩镑|Beirut|贝鲁特
Kuwait|科威特|Kuwait City|科威特城|AS|Arabic|阿拉伯语|Kuwaiti dinar|科威特第纳尔|-|-
Qatar|卡塔尔|Doha|多哈|AS|Arabic|阿拉伯语|Qatari riyal|卡塔尔里亚尔|Doha|多哈
United Arab Emirates|阿联酋|Abu Dhabi|阿布扎比|AS|Arabic|阿拉伯语|dirham|阿联酋迪拉姆|Dubai|迪拜
Oman|阿曼|Muscat|马斯喀特|AS|Arabic|阿拉伯语|Omani rial|阿曼里亚尔|-|-
Yemen|也门|Sanaa|萨那|AS|Arabic|阿拉伯语|Yemeni rial|也门里亚尔|Sanaa|萨那
Bahrain|巴林|Manama|麦纳麦|AS|Arabic|阿拉伯语|Bahraini dinar|巴林第纳尔|Manama|麦纳麦
Afghanistan|阿富汗|Kabul|喀布尔|AS|-|-|afghani|阿富汗尼|Kabul|喀布尔
Kazakhstan|哈萨克斯坦|Astana|阿斯塔纳|AS|Kazakh|哈萨克语|tenge|坚戈|Almaty|阿拉木图
Uzbekistan|乌兹别克斯坦|Tashkent|塔什干|AS|Uzbek|乌兹别克语|Uzbek som|乌兹别克斯坦苏姆|Tashkent|塔什干
Kyrgyzstan|吉尔吉斯斯坦|Bishkek|比什凯克|AS|Kyrgyz|吉尔吉斯语|Kyrgyz som|吉尔吉斯斯坦索姆|Bishkek|比什凯克
Tajikistan|塔吉克斯坦|Dushanbe|杜尚别|AS|Tajik|塔吉克语|somoni|索莫尼|Dushanbe|杜尚别
Turkmenistan|土库曼斯坦|Ashgabat|阿什哈巴德|AS|Turkmen|土库曼语|manat|土库曼斯坦马纳特|Ashgabat|阿什哈巴德
Bhutan|不丹|Thimphu|廷布|AS|Dzongkha|宗卡语|ngultrum|努扎姆|Thimphu|廷布
Maldives|马尔代夫|Male|马累|AS|Dhivehi|迪维希语|rufiyaa|拉菲亚|Male|马累
Brunei|文莱|Bandar Seri Begawan|斯里巴加湾市|AS|Malay|马来语|Brunei dollar|文莱元|-|-
North Korea|朝鲜|Pyongyang|平壤|AS|Korean|朝鲜语|North Korean won|朝鲜元|Pyongyang|平壤
Georgia|格鲁吉亚|Tbilisi|第比利斯|AS|Georgian|格鲁吉亚语|lari|拉里|Tbilisi|第比利斯
Armenia|亚美尼亚|Yerevan|埃里温|AS|Armenian|亚美尼亚语|dram|德拉姆|Yerevan|埃里温
Azerbaijan|阿塞拜疆|Baku|巴库|AS|Azerbaijani|阿塞拜疆语|Azerbaijani manat|阿塞拜疆马纳特|Baku|巴库
East Timor|东帝汶|Dili|帝力|AS|-|-|US dollar|美元|Dili|帝力
Portugal|葡萄牙|Lisbon|里斯本|EU|Portuguese|葡萄牙语|euro|欧元|Lisbon|里斯本
Netherlands|荷兰|Amsterdam|阿姆斯特丹|EU|Dutch|荷兰语|euro|欧元|Amsterdam|阿姆斯特丹
Belgium|比利时|Brussels|布鲁塞尔|EU|-|-|euro|欧元|-|-
Switzerland|瑞士|Bern|伯尔尼|EU|-|-|Swiss franc|瑞士法郎|Zurich|苏黎世
Austria|奥地利|Vienna|维也纳|EU|German|德语|euro|欧元|Vienna|维也纳
Poland|波兰|Warsaw|华沙|EU|Polish|波兰语|zloty|兹罗提|Warsaw|华沙
Czechia|捷克|Prague|布拉格|EU|Czech|捷克语|Czech koruna|捷克克朗|Prague|布拉格
Slovakia|斯洛伐克|Bratislava|布拉迪斯拉发|EU|Slovak|斯洛伐克语|euro|欧元|Bratislava|布拉迪斯拉发
Hungary|匈牙利|Budapest|布达佩斯|EU|Hungarian|匈牙利语|forint|福林|Budapest|布达佩斯
Romania|罗马尼亚|Bucharest|布加勒斯特|EU|Romanian|罗马尼亚语|Romanian leu|罗马尼亚列伊|Bucharest|布加勒斯特
Bulgaria|保加利亚|Sofia|索非亚|EU|Bulgarian|保加利亚语|-|-|Sofia|索非亚
Serbia|塞尔维亚|Belgrade|贝尔格莱德|EU|Serbian|塞尔维亚语|Serbian dinar|塞尔维亚第纳尔|Belgrade|贝尔格莱德
Croatia|克罗地亚|Zagreb|萨格勒布|EU|Croatian|克罗地亚语|euro|欧元|Zagreb|萨格勒布
Slovenia|斯洛文尼亚|Ljubljana|卢布尔雅那|EU|Slovene|斯洛文尼亚语|euro|欧元|Ljubljana|卢布尔雅那
Bosnia and Herzegovina|波黑|Sarajevo|萨拉热窝|EU|-|-|convertible mark|可兑换马克|Sarajevo|萨拉热窝
Albania|阿尔巴尼亚|Tirana|地拉那|EU|Albanian|阿尔巴尼亚语|lek|列克|Tirana|地拉那
North Macedonia|北马其顿|Skopje|斯科普里|EU|Macedonian|马其顿语|denar|代纳尔|Skopje|斯科普里
Montenegro|黑山|Podgorica|波德戈里察|EU|Montenegrin|黑山语|euro|欧元|Podgorica|波德戈里察
Ukraine|乌克兰|Kyiv|基辅|EU|Ukrainian|乌克兰语|hryvnia|格里夫纳|Kyiv|基辅
Belarus|白俄罗斯|Minsk|明斯克|EU|-|-|Belarusian ruble|白俄罗斯卢布|Minsk|明斯克
Moldova|摩尔多瓦|Chisinau|基希讷乌|EU|Romanian|罗马尼亚语|Moldovan leu|摩尔多瓦列伊|Chisinau|基希讷乌
Lithuania|立陶宛|Vilnius|维尔纽斯|EU|Lithuanian|立陶宛语|euro|欧元|Vilnius|维尔纽斯
Latvia|拉脱维亚|Riga|里加|EU|Latvian|拉脱维亚语|euro|欧元|Riga|里加
Estonia|爱沙尼亚|Tallinn|塔林|EU|Estonian|爱沙尼亚语|euro|欧元|Tallinn|塔林
Finland|芬兰|Helsinki|赫尔辛基|EU|-|-|euro|欧元|Helsinki|赫尔辛基
Sweden|瑞典|Stockholm|斯德哥尔摩|EU|Swedish|瑞典语|Swedish krona|瑞典克朗|Stockholm|斯德哥尔摩
Norway|挪威|Oslo|奥斯陆|EU|Norwegian|挪威语|Norwegian krone|挪威克朗|Oslo|奥斯陆
Denmark|丹麦|Copenhagen|哥本哈根|EU|Danish|丹麦语|Danish krone|丹麦克朗|Copenhagen|哥本哈根
Iceland|冰岛|Reykjavik|雷克雅未克|EU|Icelandic|冰岛语|Icelandic krona|冰岛克朗|Reykjavik|雷克雅未克
Ireland|爱尔兰|Dublin|都柏林|EU|-|-|euro|欧元|Dublin|都柏林
Luxembourg|卢森堡|Luxembourg|卢森堡|EU|-|-|euro|欧元|Luxembourg|卢森堡
Andorra|安道尔|Andorra la Vella|安道尔城|EU|Catalan|加泰罗尼亚语|euro|欧元|Andorra la Vella|安道尔城
Liechtenstein|列支敦士登|Vaduz|瓦杜兹|EU|German|德语|Swiss franc|瑞士法郎|Schaan|沙恩
Morocco|摩洛哥|Rabat|拉巴特|AF|-|-|Moroccan dirham|摩洛哥迪拉姆|Casablanca|卡萨布兰卡
Algeria|阿尔及利亚|Algiers|阿尔及尔|AF|-|-|Algerian dinar|阿尔及利亚第纳尔|Algiers|阿尔及尔
Tunisia|突尼斯|Tunis|突尼斯市|AF|Arabic|阿拉伯语|Tunisian dinar|突尼斯第纳尔|Tunis|突尼斯市
Libya|利比亚|Tripoli|的黎波里|AF|Arabic|阿拉伯语|Libyan dinar|利比亚第纳尔|Tripoli|的黎波里
South Sudan|南苏丹|Juba|朱巴|AF|English|英语|South Sudanese pound|南苏丹镑|Juba|朱巴
Ethiopia|埃塞俄比亚|Addis Ababa|亚的斯亚贝巴|AF|-|-|birr|比尔|Addis Ababa|亚的斯亚贝巴
Somalia|索马里|Mogadishu|摩加迪沙|AF|-|-|Somali shilling|索马里先令|Mogadishu|摩加迪沙
Tanzania|坦桑尼亚|Dodoma|多多马|AF|Swahili|斯瓦希里语|Tanzanian shilling|坦桑尼亚先令|Dar es Salaam|达累斯萨拉姆
Uganda|乌干达|Kampala|坎帕拉|AF|-|-|Ugandan shilling|乌干达先令|Kampala|坎帕拉
Rwanda|卢旺达|Kigali|基加利|AF|-|-|Rwandan franc|卢旺达法郎|Kigali|基加利
Senegal|塞内加尔|Dakar|达喀尔|AF|French|法语|CFA franc|西非法郎|Dakar|达喀尔
Ivory Coast|科特迪瓦|Yamoussoukro|亚穆苏克罗|AF|French|法语|CFA franc|西非法郎|Abidjan|阿比让
Cameroon|喀麦隆|Yaounde|雅温得|AF|-|-|Central African CFA franc|中非法郎|Douala|杜阿拉
Angola|安哥拉|Luanda|罗安达|AF|Portuguese|葡萄牙语|kwanza|宽扎|Luanda|罗安达
Mozambique|莫桑比克|Maputo|马普托|AF|Portuguese|葡萄牙语|metical|梅蒂卡尔|-|-
Zambia|赞比亚|Lusaka|卢萨卡|AF|English|英语|Zambian kwacha|赞比亚克瓦查|Lusaka|卢萨卡
Zimbabwe|津巴布韦|Harare|哈拉雷|AF|-|-|-|-|Harare|哈拉雷
Botswana|博茨瓦纳|Gaborone|哈博罗内|AF|English|英语|pula|普拉|Gaborone|哈博罗内
Namibia|纳米比亚|Windhoek|温得和克|AF|English|英语|Namibian dollar|纳米比亚元|Windhoek|温得和克
South Africa|南非|Pretoria|比勒陀利亚|AF|-|-|rand|兰特|Johannesburg|约翰内斯堡
Madagascar|马达加斯加|Antananarivo|塔那那利佛|AF|-|-|ariary|阿里亚里|Antananarivo|塔那那利佛
Malawi|马拉维|Lilongwe|利隆圭|AF|English|英语|Malawian kwacha|马拉维克瓦查|Lilongwe|利隆圭
Gabon|加蓬|Libreville|利伯维尔|AF|French|法语|Central African CFA franc|中非法郎|Libreville|利伯维尔
Chad|乍得|N'Djamena|恩贾梅纳|AF|-|-|Central African CFA franc|中非法郎|N'Djamena|恩贾梅纳
Mauritania|毛里塔尼亚|Nouakchott|努瓦克肖特|AF|Arabic|阿拉伯语|ouguiya|乌吉亚|Nouakchott|努瓦克肖特
Guinea|几内亚|Conakry|科纳克里|AF|French|法语|Guinean franc|几内亚法郎|Conakry|科纳克里
Sierra Leone|塞拉利昂|Freetown|弗里敦|AF|English|英语|leone|利昂|Freetown|弗里敦
Liberia|利比里亚|Monrovia|蒙罗维亚|AF|English|英语|Liberian dollar|利比里亚元|Monrovia|蒙罗维亚
Benin|贝宁|Porto-Novo|波多诺伏|AF|French|法语|CFA franc|西非法郎|Cotonou|科托努
Togo|多哥|Lome|洛美|AF|French|法语|CFA franc|西非法郎|Lome|洛美
Eritrea|厄立特里亚|Asmara|阿斯马拉|AF|-|-|nakfa|纳克法|Asmara|阿斯马拉
Djibouti|吉布提|Djibouti|吉布提市|AF|-|-|Djiboutian franc|吉布提法郎|Djibouti|吉布提市
Burundi|布隆迪|Gitega|基特加|AF|-|-|Burundian franc|布隆迪法郎|Bujumbura|布琼布拉
Lesotho|莱索托|Maseru|马塞卢|AF|-|-|loti|洛蒂|Maseru|马塞卢
Cape Verde|佛得角|Praia|普拉亚|AF|Portuguese|葡萄牙语|Cape Verdean escudo|佛得角埃斯库多|Praia|普拉亚
Gambia|冈比亚|Banjul|班珠尔|AF|English|英语|dalasi|达拉西|Serekunda|塞雷昆达
Guinea-Bissau|几内亚比绍|Bissau|比绍|AF|Portuguese|葡萄牙语|CFA franc|西非法郎|Bissau|比绍
Sao Tome and Principe|圣多美和普林西比|Sao Tome|圣多美|AF|Portuguese|葡萄牙语|dobra|多布拉|Sao Tome|圣多美
Congo|刚果共和国|Brazzaville|布拉柴维尔|AF|French|法语|Central African CFA franc|中非法郎|Brazzaville|布拉柴维尔
DR Congo|刚果民主共和国|Kinshasa|金沙萨|AF|French|法语|Congolese franc|刚果法郎|Kinshasa|金沙萨
Cuba|古巴|Havana|哈瓦那|NA|Spanish|西班牙语|Cuban peso|古巴比索|Havana|哈瓦那
Jamaica|牙买加|Kingston|金斯敦|NA|English|英语|Jamaican dollar|牙买加元|Kingston|金斯敦
Haiti|海地|Port-au-Prince|太子港|NA|-|-|gourde|古德|Port-au-Prince|太子港
Dominican Republic|多米尼加|Santo Domingo|圣多明各|NA|Spanish|西班牙语|Dominican peso|多米尼加比索|Santo Domingo|圣多明各
Guatemala|危地马拉|Guatemala City|危地马拉城|NA|Spanish|西班牙语|quetzal|格查尔|Guatemala City|危地马拉城
Honduras|洪都拉斯|Tegucigalpa|特古西加尔巴|NA|Spanish|西班牙语|lempira|伦皮拉|Tegucigalpa|特古西加尔巴
Nicaragua|尼加拉瓜|Managua|马那瓜|NA|Spanish|西班牙语|cordoba|科多巴|Managua|马那瓜
Costa Rica|哥斯达黎加|San Jose|圣何塞|NA|Spanish|西班牙语|colon|科朗|San Jose|圣何塞
Panama|巴拿马|Panama City|巴拿马城|NA|Spanish|西班牙语|balboa|巴波亚|Panama City|巴拿马城
Bahamas|巴哈马|Nassau|拿骚|NA|English|英语|Bahamian dollar|巴哈马元|Nassau|拿骚
Barbados|巴巴多斯|Bridgetown|布里奇敦|NA|English|英语|Barbadian dollar|巴巴多斯元|Bridgetown|布里奇敦
Belize|伯利兹|Belmopan|贝尔莫潘|NA|English|英语|Belize dollar|伯利兹元|Belize City|伯利兹城
Chile|智利|Santiago|圣地亚哥|SA|-|-|Chilean peso|智利比索|Santiago|圣地亚哥
Colombia|哥伦比亚|Bogota|波哥大|SA|Spanish|西班牙语|Colombian peso|哥伦比亚比索|Bogota|波哥大
Ecuador|厄瓜多尔|Quito|基多|SA|Spanish|西班牙语|US dollar|美元|Guayaquil|瓜亚基尔
Bolivia|玻利维亚|Sucre|苏克雷|SA|-|-|boliviano|玻利维亚诺|Santa Cruz de la Sierra|圣克鲁斯
Paraguay|巴拉圭|Asuncion|亚松森|SA|-|-|guarani|瓜拉尼|Asuncion|亚松森
Uruguay|乌拉圭|Montevideo|蒙得维的亚|SA|Spanish|西班牙语|Uruguayan peso|乌拉圭比索|Montevideo|蒙得维的亚
Guyana|圭亚那|Georgetown|乔治敦|SA|English|英语|Guyanese dollar|圭亚那元|Georgetown|乔治敦
Suriname|苏里南|Paramaribo|帕拉马里博|SA|Dutch|荷兰语|Surinamese dollar|苏里南元|Paramaribo|帕拉马里博
New Zealand|新西兰|Wellington|惠灵顿|OC|-|-|New Zealand dollar|新西兰元|Auckland|奥克兰
Fiji|斐济|Suva|苏瓦|OC|-|-|Fijian dollar|斐济元|Suva|苏瓦
Papua New Guinea|巴布亚新几内亚|Port Moresby|莫尔兹比港|OC|-|-|kina|基那|Port Moresby|莫尔兹比港
Samoa|萨摩亚|Apia|阿皮亚|OC|-|-|tala|塔拉|Apia|阿皮亚
Tonga|汤加|Nuku'alofa|努库阿洛法|OC|-|-|pa'anga|潘加|Nuku'alofa|努库阿洛法
Vanuatu|瓦努阿图|Port Vila|维拉港|OC|-|-|vatu|瓦图|Port Vila|维拉港
Solomon Islands|所罗门群岛|Honiara|霍尼亚拉|OC|English|英语|Solomon Islands dollar|所罗门群岛元|Honiara|霍尼亚拉
Palau|帕劳|Ngerulmud|恩吉鲁穆德|OC|-|-|US dollar|美元|Koror|科罗尔
Tuvalu|图瓦卢|Funafuti|富纳富提|OC|-|-|Australian dollar|澳元|Funafuti|富纳富提
Seychelles|塞舌尔|Victoria|维多利亚|AF|-|-|Seychellois rupee|塞舌尔卢比|Victoria|维多利亚
Comoros|科摩罗|Moroni|莫罗尼|AF|-|-|Comorian franc|科摩罗法郎|Moroni|莫罗尼
Central African Republic|中非共和国|Bangui|班吉|AF|-|-|Central African CFA franc|中非法郎|Bangui|班吉
"""


def more_countries() -> list[list[str | None]]:
    """:data:`MORE_COUNTRIES` as rows of 12 fields (continent expanded, ``None`` for "-")."""
    rows = []
    for line in MORE_COUNTRIES.strip().splitlines():
        f = [None if x == "-" else x for x in line.split("|")]
        if len(f) != 11:
            raise ValueError(f"MORE_COUNTRIES: expected 11 fields, got {len(f)}: {line!r}")
        rows.append(f[:4] + list(CONTINENTS[f[4]]) + f[5:])
    return rows


def knowledge_base() -> dict:
    """``{"en": {country: {relation: value}}, "zh": {...}, "names": {English: Chinese}}``."""
    kb = {"en": {}, "zh": {}, "names": {}}
    for row in COUNTRIES:
        c_en, c_zh, cap_en, cap_zh, co_en, co_zh, la_en, la_zh, cu_en, cu_zh, l_en, l_zh = row
        kb["en"][c_en] = {
            "capital": cap_en, "continent": co_en, "language": la_en,
            "currency": cu_en, "landmark": l_en,
        }
        kb["zh"][c_zh] = {
            "首都": cap_zh, "大洲": co_zh, "语言": la_zh, "货币": cu_zh, "景点": l_zh,
        }
        if c_en in LARGEST_CITY:
            kb["en"][c_en]["largest city"], kb["zh"][c_zh]["最大城市"] = LARGEST_CITY[c_en]
        kb["names"][c_en] = c_zh
    rel_en = ("capital", "continent", "language", "currency", "largest city")
    rel_zh = ("首都", "大洲", "语言", "货币", "最大城市")
    for row in more_countries():
        c_en, c_zh, values = row[0], row[1], row[2:]
        kb["en"][c_en] = {r: v for r, v in zip(rel_en, values[0::2], strict=True) if v}
        kb["zh"][c_zh] = {r: v for r, v in zip(rel_zh, values[1::2], strict=True) if v}
        kb["names"][c_en] = c_zh
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
