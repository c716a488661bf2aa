"""Incident categories: the border incidents of the 2009 Vietnam–China Agreement on the Land Border
Management Regulations (chapter 8), plus rescue on border rivers and crossing-suspension notices.

Codes are stable snake_case (tools and the log use them); labels in vi/zh/en are for people.
"""

from __future__ import annotations

from typing import Literal, NamedTuple, get_args

IncidentCategory = Literal[
    "border_marker_damage",
    "border_river_works",
    "firing_across_border",
    "explosion",
    "harm_to_persons",
    "person_crossing",
    "livestock_crossing",
    "vehicle_crossing",
    "boat_crossing",
    "aircraft_crossing",
    "drone_crossing",
    "cross_border_logging",
    "cross_border_farming",
    "cross_border_burial",
    "cross_border_fishing",
    "cross_border_hunting",
    "cross_border_gathering",
    "illegal_residence",
    "smuggling",
    "cross_border_property_crime",
    "disease_or_pest",
    "gambling_lure",
    "disaster_spread",
    "human_trafficking",
    "border_river_rescue",
    "crossing_suspension",
]


class Labels(NamedTuple):
    """A category's name in each language."""

    vi: str
    zh: str
    en: str


CATEGORY_LABELS: dict[str, Labels] = {
    "border_marker_damage": Labels(
        "Làm hư hỏng, xê dịch, lấy cắp mốc quốc giới, công trình biên giới",
        "损坏、移动、盗窃界碑或边境设施",
        "Damage, moving or theft of border markers or works",
    ),
    "border_river_works": Labels(
        "Xây dựng công trình trên sông suối biên giới", "在界河上修建工程", "Works on border rivers"
    ),
    "firing_across_border": Labels("Bắn qua biên giới", "向对方境内开枪", "Firing across the border"),
    "explosion": Labels("Gây nổ gần biên giới", "边境附近爆炸", "Explosion near the border"),
    "harm_to_persons": Labels(
        "Gây thương vong cho người bên kia biên giới", "伤害对方境内人员", "Harm to persons on the other side"
    ),
    "person_crossing": Labels("Người qua lại biên giới trái phép", "人员非法越境", "Illegal crossing by persons"),
    "livestock_crossing": Labels("Gia súc qua biên giới", "牲畜越境", "Livestock crossing the border"),
    "vehicle_crossing": Labels("Phương tiện qua biên giới trái phép", "车辆非法越境", "Illegal crossing by vehicles"),
    "boat_crossing": Labels("Tàu thuyền qua biên giới trái phép", "船只非法越境", "Illegal crossing by boats"),
    "aircraft_crossing": Labels(
        "Tàu bay bay qua biên giới trái phép", "航空器非法越境", "Illegal crossing by aircraft"
    ),
    "drone_crossing": Labels(
        "Phương tiện bay không người lái qua biên giới", "无人机非法越境", "Illegal crossing by drones"
    ),
    "cross_border_logging": Labels("Chặt phá cây qua biên giới", "越界砍伐", "Cross-border logging"),
    "cross_border_farming": Labels("Canh tác qua biên giới", "越界耕种", "Cross-border farming"),
    "cross_border_burial": Labels("Chôn cất qua biên giới", "越界埋葬", "Cross-border burial"),
    "cross_border_fishing": Labels("Đánh bắt cá qua biên giới", "越界捕鱼", "Cross-border fishing"),
    "cross_border_hunting": Labels("Săn bắt qua biên giới", "越界狩猎", "Cross-border hunting"),
    "cross_border_gathering": Labels("Hái lượm, khai thác qua biên giới", "越界采集", "Cross-border gathering"),
    "illegal_residence": Labels("Cư trú bất hợp pháp", "非法居留", "Illegal residence"),
    "smuggling": Labels("Buôn lậu qua biên giới", "走私", "Smuggling"),
    "cross_border_property_crime": Labels(
        "Xâm phạm tài sản qua biên giới", "跨境侵犯财产", "Property crime across the line"
    ),
    "disease_or_pest": Labels(
        "Dịch bệnh, sâu bệnh lây lan qua biên giới", "疫病、病虫害跨境传播", "Diseases and pests"
    ),
    "gambling_lure": Labels("Dụ dỗ, lôi kéo đánh bạc", "引诱赌博", "Luring to gamble"),
    "disaster_spread": Labels(
        "Cháy rừng, lũ lụt, thiên tai lan qua biên giới",
        "火灾、洪水等灾害跨境蔓延",
        "Fire, flood and disasters spreading across",
    ),
    "human_trafficking": Labels("Mua bán người", "拐卖人口", "Trafficking in persons"),
    "border_river_rescue": Labels("Cứu hộ, cứu nạn trên sông suối biên giới", "界河救助", "Rescue on border rivers"),
    "crossing_suspension": Labels(
        "Thông báo tạm dừng qua lại biên giới", "暂停边境通行通知", "Crossing-suspension notice"
    ),
}
"""Code -> labels; has exactly the codes of IncidentCategory (a unit test checks)."""

CATEGORIES: tuple[str, ...] = get_args(IncidentCategory)
