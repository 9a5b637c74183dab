"""Records exactly as the network documents print them (../shared/networks/*.md), shared by the
connector tests (bytes → payload) and the mapping tests (payload → national record)."""

#: hbkx-json.md, the one instrument of the example page.
HBKX_DOC_ROW = {
    "id": 1042,
    "instrumentName": "扫描电子显微镜",
    "instrumentNameEn": "Scanning Electron Microscope",
    "categoryName": "电子光学仪器",
    "modelSpec": "SU8010",
    "manufacturer": "日立",
    "originCountry": "日本",
    "originalValue": 3250000.0,
    "purchaseDate": "2012-03-20",
    "org": {"name": "武汉大学", "creditCode": "12100000707136290Y", "type": 1, "level": "central"},
    "location": {"city": "武汉市", "district": "武昌区", "address": "珞珈山 测试中心"},
    "techSpecs": "分辨率1.0 nm(15 kV)",
    "mainFunctions": "材料表面形貌观察与微区成分分析",
    "serviceItems": ["形貌观察", "能谱分析"],
    "feeStandard": "600元/小时",
    "bookingUrl": None,
    "contact": {"name": "李老师", "phone": "027-68752345", "email": None},
    "status": 1,
    "shareStatus": 1,
    "cmaCertified": False,
    "updateTime": 1378952521000,
    "deleted": False,
}
