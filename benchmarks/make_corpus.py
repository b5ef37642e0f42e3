"""Make a large corpus that reads like the real one, for benchmarks/bench_scale.py.

Not a test fixture: it writes tens of MB (default 55 MB of UTF-8) of dated news items and
policy texts under OUT/YEAR/, never into the repository. Every document is different, and
so is much of what it names: sentences of the real texts in corpus/ are recombined, their
numbers changed and their national bodies sometimes localised (全国总工会 -> 江苏省总工会), and
mixed with templated sentences about provincial and city unions, governments, enterprises,
people, programmes and worker groups drawn from name lists, so the graph keeps growing with
the corpus instead of converging on the three seed texts' entities. Deterministic per --seed.

    .venv/bin/python benchmarks/make_corpus.py output/bench/corpus --mb 55
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROVINCES = (
    "北京市 天津市 河北省 山西省 内蒙古自治区 辽宁省 吉林省 黑龙江省 上海市 江苏省 浙江省 安徽省 福建省 江西省 "
    "山东省 河南省 湖北省 湖南省 广东省 广西壮族自治区 海南省 重庆市 四川省 贵州省 云南省 西藏自治区 陕西省 "
    "甘肃省 青海省 宁夏回族自治区 新疆维吾尔自治区"
).split()
CITIES = (
    "石家庄 唐山 太原 大同 沈阳 大连 长春 吉林 哈尔滨 大庆 南京 苏州 无锡 常州 杭州 宁波 温州 合肥 芜湖 福州 厦门 "
    "泉州 南昌 赣州 济南 青岛 烟台 潍坊 郑州 洛阳 武汉 宜昌 襄阳 长沙 株洲 湘潭 广州 深圳 佛山 东莞 珠海 南宁 "
    "柳州 海口 成都 绵阳 贵阳 遵义 昆明 曲靖 西安 宝鸡 兰州 西宁 银川 乌鲁木齐 包头 鄂尔多斯"
).split()
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "建国华明军平伟强磊洋勇艳杰涛斌超秀英丽敏静燕红霞玉兰桂芳志刚海峰雪梅晓东文亮春林永德福宏鹏飞宇婷佳琪"
INDUSTRIES = ("钢铁 煤炭 电力 纺织 汽车 机械 化工 建筑 物流 快递 餐饮 信息技术 航空 铁路 港口 石油 有色金属 "
              "建材 医药 食品").split()
COMPANY_SUFFIXES = ["集团有限公司", "股份有限公司", "有限责任公司", "集团"]
PROGRAMS = (
    "劳动和技能竞赛 送温暖活动 金秋助学 职工书屋建设 困难职工帮扶 农民工入会集中行动 职业技能提升行动 安康杯竞赛 "
    "职工创新工作室创建 户外劳动者服务站点建设 女职工关爱行动 新就业形态劳动者入会集中行动 职工疗休养 "
    "工匠人才培养工程 “中国梦·劳动美”主题宣传教育"
).split()
WORKERS = (
    "职工 农民工 产业工人 技术工人 货车司机 外卖配送员 快递员 女职工 青年职工 新就业形态劳动者 劳动模范 "
    "一线职工 困难职工 网约车司机 建筑工人"
).split()
POLICIES = ("产业工人队伍建设改革实施方案 职工权益保障条例 集体协商办法 劳动关系和谐企业创建标准 "
            "工会经费管理办法 职业技能培训规划").split()
TEMPLATES = (
    "{prov}总工会召开第{n}届委员会第{m}次全体会议，{person}当选{prov}总工会主席。",
    "{city}市总工会会同{city}市人力资源和社会保障局开展{program}，覆盖{k}万名{worker}。",
    "{company}工会委员会组织{k}名{worker}参加{year}年{prov}{program}。",
    "{person}在{city}调研时强调，要切实维护{worker}合法权益，推动{program}走深走实。",
    "{city}市委书记{person}出席{city}市{industry}行业工会联合会成立大会并讲话。",
    "{prov}人民政府印发《{prov}{policy}》，要求各级工会加强对{worker}的服务。",
    "{company}与{city}市总工会签订集体合同，惠及职工{k}人。",
    "{prov}总工会党组书记{person}主持召开{prov}工会{program}推进会。",
    "{city}市{industry}工会组织{worker}开展{program}，{k}名职工获评{city}市劳动模范。",
    "全国总工会会同{prov}人民政府在{city}举办{program}，{person}出席并致辞。",
    "{person}同志任{company}工会主席，负责{worker}入会和服务工作。",
    "{city}市人民政府与{city}市总工会召开第{n}次联席会议，研究{policy}落实工作。",
)
TITLES = (
    "{prov}总工会召开{year}年工作会议",
    "{city}市总工会部署{program}",
    "{company}工会：让{worker}有更多获得感",
    "{prov}出台{policy}",
    "{city}：{program}覆盖{k}万名{worker}",
    "{person}：推动{prov}工会工作高质量发展",
)
_SENT = re.compile(r"[^。！？；\n]+[。！？；]?")
_NUM = re.compile(r"\d+")
_LOCAL = {"全国总工会": "总工会", "中华全国总工会": "总工会", "党中央": "委", "国务院": "人民政府"}
_NATIONAL = re.compile("|".join(sorted(_LOCAL, key=len, reverse=True)))


def seed_sentences() -> list[str]:
    """Every sentence of the real texts in corpus/, long enough to carry something."""
    out = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        for m in _SENT.finditer(path.read_text(encoding="utf-8")):
            s = m.group().strip()
            if len(s) >= 8:
                out.append(s)
    if not out:
        sys.exit(f"no seed texts in {ROOT / 'corpus'}")
    return out


class Maker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seeds = seed_sentences()
        rng = self.rng
        self.people = sorted({rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
                              for _ in range(4000)})
        self.companies = sorted({rng.choice(CITIES) + rng.choice(GIVEN) + rng.choice(GIVEN) + rng.choice(INDUSTRIES)
                                 + rng.choice(COMPANY_SUFFIXES) for _ in range(6000)})

    def slots(self) -> dict[str, object]:
        rng = self.rng
        return {
            "prov": rng.choice(PROVINCES), "city": rng.choice(CITIES), "person": rng.choice(self.people),
            "company": rng.choice(self.companies), "industry": rng.choice(INDUSTRIES),
            "program": rng.choice(PROGRAMS), "worker": rng.choice(WORKERS), "policy": rng.choice(POLICIES),
            "n": rng.randint(2, 18), "m": rng.randint(1, 9), "k": rng.randint(2, 3000), "year": rng.randint(2014, 2024),
        }

    def sentence(self) -> str:
        rng = self.rng
        if rng.random() < 0.4:
            return rng.choice(TEMPLATES).format(**self.slots())
        s = _NUM.sub(lambda m: str(rng.randint(10 ** (len(m.group()) - 1), 10 ** len(m.group()) - 1)),
                     rng.choice(self.seeds))
        if rng.random() < 0.3:  # a national body becomes a provincial one
            prov = rng.choice(PROVINCES)
            s = _NATIONAL.sub(lambda m: prov + _LOCAL[m.group()], s)
        return s

    def document(self, target_chars: int, year: int, month: int, day: int) -> str:
        rng = self.rng
        slots = self.slots()
        lines = [rng.choice(TITLES).format(**slots),
                 f"{year}年{month}月{day}日 来源：{slots['city']}工人报 记者 {rng.choice(self.people)}"]
        size = 0
        while size < target_chars:
            para = "".join(self.sentence() for _ in range(rng.randint(2, 7)))
            lines.append(para)
            size += len(para)
        return "\n".join(lines) + "\n"


def make_corpus(out: Path, megabytes: float = 55, seed: int = 2024) -> tuple[int, int]:
    """Write documents under `out` until they total `megabytes` of UTF-8; returns (documents, bytes)."""
    maker = Maker(seed)
    rng = maker.rng
    target = int(megabytes * 1_000_000)
    written = docs = 0
    while written < target:
        year, month, day = rng.randint(2014, 2024), rng.randint(1, 12), rng.randint(1, 28)
        # Real items run from a short news flash to a long law or report: 300 .. ~12,000 characters.
        text = maker.document(int(rng.lognormvariate(8.0, 0.8)) + 300, year, month, day)
        path = out / str(year) / f"{year}{month:02d}{day:02d}_{docs:06d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        written += len(data)
        docs += 1
    return docs, written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="folder to write (created; must not be inside the repository's corpus/)")
    ap.add_argument("--mb", type=float, default=55, help="size in MB of UTF-8 text (default 55)")
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args()
    if args.out.exists() and any(args.out.iterdir()):
        sys.exit(f"{args.out} is not empty")
    docs, size = make_corpus(args.out, args.mb, args.seed)
    print(f"{docs} documents, {size / 1e6:.1f} MB in {args.out}")


if __name__ == "__main__":
    main()
