"""What instruments exist and what a record may say about them: the vocabularies, data only.

The kinds (category code, price band, real makers and models, texts, spellings) and the makers are
read from `vocab/kinds.yaml` and `vocab/makers.yaml` by `hub.simulate.vocabulary`, on first use;
`KINDS` and `MAKERS` here are those tables. The generator draws a value first and then a kind whose
band holds it, so a 20-million-yuan record is a TEM, not a balance. The short lists below (status,
sharing, fees, contact names) are the remaining vocabularies of a record.
"""

from __future__ import annotations

from hub.simulate import vocabulary
from hub.simulate.vocabulary import Kind  # noqa: F401  (the generator's records carry a Kind)


def __getattr__(name):
    # loaded on first use, not at import: nothing happens at import time
    if name == "KINDS":
        return vocabulary.kinds()
    if name == "MAKERS":
        return vocabulary.makers()
    raise AttributeError(name)


#: Agents that some networks name instead of the maker (the doc warns of it).
AGENTS = ("北京东西分析仪器有限公司代理", "上海精仪贸易有限公司", "中国仪器进出口（集团）公司", "香港某贸易公司")


STATUS_NATIONAL = ("正常", "待机", "故障", "待修", "待报废", "报废")
STATUS_WEIGHTS = (86, 6, 3, 2, 2, 1)
SHARING = ("外部共享", "内部共享", "不共享")
SHARING_WEIGHTS = (72, 22, 6)
FEES = (
    "200元/样",
    "面议",
    "800元/小时",
    "按成本收费",
    "300元/样",
    "150元/样",
    "600元/小时",
    "1200元/小时",
    "50元/元素",
    "400元/小时",
    "按国家标准收费",
    "2000元/天",
    "100元/样",
)
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程苏魏吕丁任沈姚卢"
TITLES = ("老师", "工", "主任", "教授", "工程师", "女士", "先生")
