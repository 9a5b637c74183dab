"""The judged query set: what a person typing each query wants, graded by the KIND of instrument.

Grades are rules over the kind an instrument is (the simulated world's kinds,
`hub.simulate.catalog.KINDS`, by their canonical Chinese name) — never record ids — so the set
holds however a network spells a name ("HPLC", "高效液相色谱仪（HPLC）") or however the simulated
world is reshuffled: a record's grade for a query is the grade of its kind.

3: exactly what was asked; 2: a close variant the person would accept; 1: a compound or related
instrument that contains it (an LC-MS for "液相色谱"); unlisted kinds: 0.

Typo (one wrong character), word-form (spectrometry, microscopy, chromatography, plural),
pinyin (yexiangsepu), model-family ("Agilent 7890", "SU80") and model-part ("2695", "CFX")
queries are included on purpose, marked by their `kind`. A model family or part is graded by the
kinds its models are: it measures that the models are found, not which model of the kind comes
first (tests/search/test_model_families.py and test_model_parts.py do).
"""

from __future__ import annotations

HPLC, UPLC, GC, IC = "高效液相色谱仪", "超高效液相色谱仪", "气相色谱仪", "离子色谱仪"
GCMS, LCMS, ICPMS, MALDI = "气相色谱质谱联用仪", "液相色谱质谱联用仪", "电感耦合等离子体质谱仪", "基质辅助激光解吸电离飞行时间质谱仪"
SEM, TEM = "扫描电子显微镜", "透射电子显微镜"
NMR, EPR, MRI = "核磁共振波谱仪", "电子顺磁共振波谱仪", "磁共振成像系统"

LIQUID = {HPLC: 3, UPLC: 3, LCMS: 1}
GAS = {GC: 3, GCMS: 1}
MASS = {GCMS: 3, LCMS: 3, ICPMS: 3, MALDI: 3}
EM = {SEM: 3, TEM: 3}
CHROMATOGRAPHS = {HPLC: 3, UPLC: 3, GC: 3, IC: 3, GCMS: 1, LCMS: 1}
FLOW = {"流式细胞仪": 3}

#: (query, how it was typed, {kind: grade})
JUDGED = [
    ("液相色谱", "plain", LIQUID),
    ("高效液相色谱仪", "plain", {HPLC: 3, UPLC: 2, LCMS: 1}),
    ("液象色谱", "typo", LIQUID),
    ("液相色普", "typo", LIQUID),
    ("yexiangsepu", "pinyin", LIQUID),
    ("HPLC", "plain", {HPLC: 3, UPLC: 2, LCMS: 1}),
    ("liquid chromatograph", "english", LIQUID),
    ("liquid chromatography", "word form", LIQUID),
    ("气相色谱", "plain", GAS),
    ("气相色普", "typo", GAS),
    ("qixiangsepu", "pinyin", GAS),
    ("离子色谱", "plain", {IC: 3}),
    ("chromatographs", "word form", CHROMATOGRAPHS),
    ("质谱", "plain", MASS),
    ("质谱仪", "plain", MASS),
    ("mass spectrometer", "english", MASS),
    ("mass spectrometry", "word form", MASS),
    ("气相色谱质谱联用仪", "plain", {GCMS: 3, GC: 1}),
    ("电感耦合等离子体", "plain", {ICPMS: 3, "电感耦合等离子体发射光谱仪": 3}),
    ("电镜", "plain", EM),
    ("扫描电镜", "plain", {SEM: 3}),
    ("扫描电子显微镜", "plain", {SEM: 3}),
    ("扫描电子显微境", "typo", {SEM: 3}),
    ("透射电镜", "plain", {TEM: 3}),
    ("electron microscope", "english", EM),
    ("electron microscopy", "word form", EM),
    ("核磁", "plain", {NMR: 3}),
    ("核磁共振", "plain", {NMR: 3, MRI: 1}),
    ("hecigongzhen", "pinyin", {NMR: 3, MRI: 1}),
    ("NMR", "plain", {NMR: 3}),
    ("X射线衍射", "plain", {"X射线衍射仪": 3, "单晶X射线衍射仪": 3}),
    ("红外光谱", "plain", {"傅里叶变换红外光谱仪": 3}),
    ("拉曼", "plain", {"激光拉曼光谱仪": 3}),
    ("raman spectrometers", "word form", {"激光拉曼光谱仪": 3}),
    ("流式细胞仪", "plain", FLOW),
    ("liushixibao", "pinyin", FLOW),
    ("flow cytometry", "word form", FLOW),
    ("PCR", "plain", {"实时荧光定量PCR仪": 3}),
    ("离心机", "plain", {"超速离心机": 3}),
    ("原子吸收", "plain", {"原子吸收光谱仪": 3}),
    ("荧光显微镜", "plain", {"倒置荧光显微镜": 3, "激光共聚焦显微镜": 1}),
    ("原子力显微镜", "plain", {"原子力显微镜": 3}),
    ("热分析", "plain", {"同步热分析仪": 3, "差示扫描量热仪": 2}),
    ("材料试验机", "plain", {"万能材料试验机": 3, "电液伺服疲劳试验机": 3}),
    ("粒度分析", "plain", {"激光粒度分析仪": 3}),
    ("工业CT", "plain", {"工业CT": 3}),
    ("三坐标", "plain", {"三坐标测量机": 3}),
    ("网络分析仪", "plain", {"矢量网络分析仪": 3}),
    ("电化学工作站", "plain", {"电化学工作站": 3}),
    ("比表面", "plain", {"比表面积及孔径分析仪": 3}),
    ("紫外分光光度计", "plain", {"紫外可见分光光度计": 3, "荧光分光光度计": 1}),
    ("基因测序", "plain", {"基因测序仪": 3}),
    ("DNA sequencers", "word form", {"基因测序仪": 3}),
    ("重力仪", "plain", {"相对重力仪": 3}),
    ("Agilent 7890", "model", {GC: 3, GCMS: 3}),
    ("7890", "model", {GC: 3, GCMS: 3}),
    ("SU80", "model", {SEM: 3}),
    ("SU 8010", "model", {SEM: 3}),
    ("QExactive", "model", {LCMS: 3}),
    # A number or letters inside a model (hub.search.model_numbers, parts): e2695, SU8010, CFX96, PGSTAT302N.
    ("2695", "model", {HPLC: 3}),
    ("8010", "model", {SEM: 3}),
    ("CFX", "model", {"实时荧光定量PCR仪": 3}),
    ("PGSTAT", "model", {"电化学工作站": 3}),
]
