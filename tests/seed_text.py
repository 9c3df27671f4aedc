"""The seed documents as the registry quotes them: where they are, and the one conversion
the quotations of rmw-2019 went through (traditional characters to simplified, the pinyin
garbage of the reprint such as "(wǎng)" removed; wording unchanged), as docs/registry.md
describes it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The seed documents, beside the repository (../shared/seeds) as CI and development have it.
SEEDS = ROOT.parent / "shared" / "seeds"

#: Built by hand; checked against the human-simplified quotations of the schema-1 file
#: (see `check_rmw_against_old_notes`).
T2S_TRAD = ("來個偉備剛劃動區協參單國圍圖報場夢實寧審將對導屆層復戰戲擴據時曬會條極樁樓樞機"
            "滬滿為無爭現環療發盡礎積納紐紛紹組結經綜綱線編縣績繪臨與興華蓋蕭藍號規計設試認"
            "調論謀證議護讓負責車軌輸這連進運過達邁醫鍵鎮鐵長門開關際項領頭飽體點"
            "優儲創業營產著該質辦蘇簽誠勵應階別錢購閱預節聯腦驗診費煩內構記測當")
T2S_SIMP = ("来个伟备刚划动区协参单国围图报场梦实宁审将对导届层复战戏扩据时晒会条极桩楼枢机"
            "沪满为无争现环疗发尽础积纳纽纷绍组结经综纲线编县绩绘临与兴华盖萧蓝号规计设试认"
            "调论谋证议护让负责车轨输这连进运过达迈医键镇铁长门开关际项领头饱体点"
            "优储创业营产着该质办苏签诚励应阶别钱购阅预节联脑验诊费烦内构记测当")
T2S = str.maketrans(T2S_TRAD, T2S_SIMP)
#: Pinyin garbage such as "(wǎng)": ASCII parentheses around lower-case pinyin letters.
PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")



def simplify(text: str) -> str:
    """The documented rmw-2019 conversion: drop pinyin garbage, map characters."""
    return PINYIN.sub("", text).translate(T2S)


def seed_text(file: str, source_id: str) -> str:
    """A seed file's text as the registry quotes it (rmw-2019 simplified)."""
    text = (SEEDS / file).read_text(encoding="utf-8")
    return simplify(text) if source_id == "rmw-2019" else text
