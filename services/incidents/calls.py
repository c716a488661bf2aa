"""Urgent hotline calls as incident reports (pure): which report a call gives, and in which category.

Rule (ADR 0005): every urgent call belongs to one incident per hotline case. The first
urgent call of a hotline case raises it (command id ``hotline-case:<hotline case>``, so the incident's
case id is derived from the hotline case alone); each later urgent call of that hotline case is
linked to it (``LinkCases``, relation ``hotline``, command id ``hotline-call:<call event id>``).
Both reports are sent in the name of the unit that logged the call, by its officer, at its time.

A call carries no category and no place. The category comes from keywords of the summary (any
language), first match in CATEGORY_KEYWORDS order, else DEFAULT_CATEGORY; the place is the hotline
line the call came in on (``border_gate``), with a note that the real place is still to be given.
Both are corrected with ``UpdateIncident``. Reliability B (a counterpart's officer, usually
reliable), accuracy 3 (possibly true: not yet verified).
"""

from __future__ import annotations

from services.incidents.domain.incident_commands import LinkCases, RaiseIncident
from shared.events import HotlineCallLogged
from shared.events.border import Location, Reliability
from shared.events.categories import IncidentCategory
from shared.events.envelope import Text
from shared.events.ids import case_id_for

CATEGORY_KEYWORDS: tuple[tuple[IncidentCategory, tuple[str, ...]], ...] = (
    ("human_trafficking", ("trafficking", "mua bán người", "buôn bán người", "拐卖", "贩卖人口")),
    ("border_river_rescue", ("rescue", "drowning", "cứu nạn", "đuối nước", "救援", "溺水")),
    ("firing_across_border", ("gunfire", "shots", "nổ súng", "bắn", "开枪", "枪击")),
    ("explosion", ("explosion", "vụ nổ", "爆炸")),
    ("border_marker_damage", ("damaged marker", "marker damage", "marker moved", "hư hỏng mốc", "xê dịch mốc",
                              "mốc bị", "mất mốc", "界碑损坏", "损坏界碑", "界碑被", "界碑倾斜", "移动界碑")),
    ("disaster_spread", ("fire", "flood", "landslide", "cháy", "lũ", "sạt lở", "火灾", "山火", "洪水", "滑坡")),
    ("disease_or_pest", ("disease", "epidemic", "pest", "dịch bệnh", "sâu bệnh", "疫情", "病虫害")),
    ("drone_crossing", ("drone", "flycam", "máy bay không người lái", "无人机")),
    ("smuggling", ("smuggl", "buôn lậu", "走私")),
    ("livestock_crossing", ("livestock", "buffalo", "cattle", "gia súc", "trâu", "bò", "牲畜", "水牛")),
    ("boat_crossing", ("boat", "thuyền", "船")),
    ("vehicle_crossing", ("vehicle", "truck", "xe ", "车辆")),
    ("gambling_lure", ("gambling", "cờ bạc", "đánh bạc", "赌博")),
    ("person_crossing", ("crossing", "crossed", "vượt biên", "xuất nhập cảnh trái phép", "越境", "偷渡")),
)
"""Keywords (lower case) of each category, most specific first. A bare "marker" is not one: calls name
markers to say where something happened (``near marker 104``), not that the marker was harmed."""

LINK_PREFIX = "hotline-call:"
"""Command ids of the links of later urgent calls: this prefix and the call's event id."""

DEFAULT_CATEGORY: IncidentCategory = "person_crossing"
"""When no keyword matches: the incident the hotlines report most often (persons crossing without papers)."""

RELIABILITY: Reliability = "B"
ACCURACY = 3


def category_of(summary: Text) -> IncidentCategory:
    """The category an urgent call's summary points to (first keyword match), else DEFAULT_CATEGORY."""
    text = " ".join(t for t in (summary.vi, summary.zh, summary.en) if t).lower()
    for category, words in CATEGORY_KEYWORDS:
        if any(word in text for word in words):
            return category
    return DEFAULT_CATEGORY


def incident_command_id(hotline_case: str) -> str:
    """The command id of the RaiseIncident the first urgent call of a hotline case sends."""
    return f"hotline-case:{hotline_case}"


def incident_case_of(hotline_case: str) -> str:
    """The incident case opened for a hotline case's urgent calls (derived like any opening report's)."""
    return case_id_for(incident_command_id(hotline_case), prefix="IN")


def _other_party(call: HotlineCallLogged) -> str:
    return call.callee_unit if call.unit == call.caller_unit else call.caller_unit


def raise_for(call: HotlineCallLogged) -> RaiseIncident:
    """The report that opens the incident for the first urgent call of its hotline case."""
    note = Text(original="en", en=f"reported by urgent call on hotline line {call.line}; exact place not yet given")
    return RaiseIncident(
        command_id=incident_command_id(call.case_id),
        unit=call.unit,
        officer=call.officer,
        at=call.occurred_at.local(),
        handling=call.handling,
        exercise=call.exercise,
        correlation_id=call.correlation_id,
        category=category_of(call.summary),
        location=Location(border_gate=call.line, description=note),
        happened_at=min(call.started_at.utc, call.occurred_at.utc).astimezone(call.occurred_at.local().tzinfo),
        impact="high",
        reliability=RELIABILITY,
        accuracy=ACCURACY,
        summary=call.summary,
        parties=(_other_party(call),),
        linked_cases=(call.case_id,),
    )


def link_for(call: HotlineCallLogged) -> LinkCases:
    """The report that links a later urgent call of the same hotline case to its incident."""
    return LinkCases(
        command_id=f"{LINK_PREFIX}{call.event_id}",
        case_id=incident_case_of(call.case_id),
        unit=call.unit,
        officer=call.officer,
        at=call.occurred_at.local(),
        handling=call.handling,
        exercise=call.exercise,
        correlation_id=call.correlation_id,
        cases=(call.case_id,),
        relation="hotline",
        note=Text(original="en", en=f"another urgent call ({call.event_id}) on hotline line {call.line}"),
    )


def awaited_opening(command: LinkCases) -> str | None:
    """The command id of the RaiseIncident this service sent just before this link, if it is such a link.

    Such a link names a case that will exist: its incident was submitted first. Another instance
    may still be appending it (ADR 0005), so an unknown case means "not yet", not "no such case".
    """
    if not command.command_id.startswith(LINK_PREFIX) or len(command.cases) != 1:
        return None
    hotline_case = command.cases[0]
    return incident_command_id(hotline_case) if incident_case_of(hotline_case) == command.case_id else None
