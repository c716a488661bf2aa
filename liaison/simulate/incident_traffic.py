"""Realistic incidents-service traffic between the seed units: incidents, handovers through their gates,
joint and bilateral patrols, talks and signed minutes.

Each case follows a script (a ``Flow``): the opening report, then its next steps, each built when
the previous one's outcome arrived (the outcome gives the case id). Some scripts stop early on
purpose — an incident nobody acknowledges, a handover nobody answers — so deadlines pass: with
the shipped policy after 24 h and 48 h, sooner under a policy with short deadlines
(``LIAISON_INCIDENTS_POLICY``). One incident in five is typed in a day late, so with the shipped policy
too some are overdue as soon as they are recorded. Victims get personal data in the vault under fresh subject ids;
reports carry only those ids.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from liaison.simulate.hotline_traffic import OFFICERS, local
from services.incidents.domain import default_policy
from services.incidents.domain import patrol_calendar as cal
from services.incidents.domain.policy import PatrolAgreement
from shared.events import Instant
from shared.units import Unit, registry
from shared.vault.store import new_subject_id

Report = dict[str, Any]
Step = Callable[["Flow", datetime], Report]

PAIRS = [("VN-LC-IBGS", "CN-HK-IBCS", "Lao Cai–Hekou"), ("VN-LC-BXBGS", "CN-PS-BP", "Ban Vuoc–Pa Sa"),
         ("VN-LC-BGC", "CN-HH-BMT", "Lao Cai–Hekou"), ("VN-LC-IBGS", "CN-HK-BMC", "Lao Cai–Hekou")]
"""Units that hand over and report incidents to each other, and the gate they use (Lao Cai–Hekou, Bat Xat–Pa Sa)."""

INCIDENTS = [
    ("person_crossing", "medium",
     "{n} người vượt biên trái phép qua đường mòn gần mốc {m}.",
     "{n}人在{m}号界碑附近小路非法越境。"),
    ("smuggling", "medium",
     "Phát hiện vận chuyển hàng lậu qua sông gần mốc {m}.",
     "{m}号界碑附近发现走私货物过河。"),
    ("livestock_crossing", "low",
     "{n} con trâu của dân bản đi lạc qua mốc {m}.",
     "边民{n}头水牛越过{m}号界碑走失。"),
    ("border_marker_damage", "high",
     "Mốc {m} bị nghiêng do sạt lở sau mưa lớn.",
     "{m}号界碑因暴雨塌方倾斜。"),
    ("disaster_spread", "high",
     "Cháy rừng gần mốc {m} đang lan về phía biên giới.",
     "{m}号界碑附近森林火灾向边界蔓延。"),
    ("border_river_rescue", "very_high",
     "Thuyền lật trên sông Hồng gần mốc {m}, {n} người mất tích.",
     "{m}号界碑附近红河翻船，{n}人失踪。"),
    ("cross_border_fishing", "low",
     "Người dân đánh cá vượt qua giữa dòng gần mốc {m}.",
     "{m}号界碑附近村民越过中线捕鱼。"),
    ("drone_crossing", "medium",
     "Thiết bị bay không người lái bay qua biên giới tại mốc {m}.",
     "{m}号界碑处无人机越境飞行。"),
    ("human_trafficking", "very_high",
     "Nghi vấn đưa {n} phụ nữ qua biên giới để mua bán gần mốc {m}.",
     "{m}号界碑附近疑似拐卖{n}名妇女出境。"),
]

RESPONSES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "person_crossing": (("patrol_dispatched", "Đã cử tổ tuần tra chặn giữ tại đường mòn.", "已派巡逻组在小路拦截。"),
                        ("joint_verification", "Hai bên cùng xác minh nhân thân.", "双方共同核查身份。")),
    "smuggling": (("evidence_secured", "Đã thu giữ tang vật hàng lậu.", "已扣押走私物品。"),
                  ("investigation", "Đang điều tra đường dây vận chuyển.", "正在调查运输链条。")),
    "livestock_crossing": (("search", "Đã tìm thấy trâu, chờ trao trả.", "已找到水牛，等待归还。"),),
    "border_marker_damage": (("marker_repaired", "Đã gia cố tạm thời mốc.", "已临时加固界碑。"),
                             ("joint_verification", "Hai bên cùng kiểm tra hiện trạng mốc.", "双方共同查看界碑现状。")),
    "disaster_spread": (("patrol_dispatched", "Đã huy động lực lượng dập lửa.", "已调集力量扑火。"),
                        ("public_notice", "Đã thông báo cho dân bản sơ tán.", "已通知村民疏散。")),
    "border_river_rescue": (("rescue", "Đã cứu được người, đang tìm người còn mất tích.",
                             "已救起人员，继续搜寻失踪者。"),
                            ("search", "Tổ chức tìm kiếm dọc bờ sông.", "沿河岸组织搜寻。")),
    "cross_border_fishing": (("public_notice", "Đã nhắc nhở người dân đánh cá đúng bên mình.",
                              "已提醒村民在本方一侧捕鱼。"),),
    "drone_crossing": (("investigation", "Đang xác định người điều khiển thiết bị bay.", "正在查找无人机操控人员。"),),
    "human_trafficking": (("persons_detained", "Đã giữ đối tượng nghi vấn, bảo vệ nạn nhân.",
                           "已控制嫌疑人并保护受害人。"),
                          ("joint_verification", "Hai bên cùng xác minh nhân thân nạn nhân.",
                           "双方共同核查受害人身份。")),
}
"""What each side does about an incident of each category (action, and its description in both languages):
an incident's responses follow its category, so a simulated case reads as one story."""

LATE_SHARE = 0.2
"""Share of simulated incidents reported the day before they are typed in (their deadline has passed)."""

FAMILY = {"VN": ["Nguyễn", "Lò", "Vàng", "Giàng", "Sùng", "Hoàng", "Phàn", "Tẩn"],
          "CN": ["王", "李", "张", "杨", "陈", "刘", "罗", "赵"]}
GIVEN = {"VN": ["Thị Mai", "Thị Hoa", "Thị Dung", "Văn Sềnh", "Thị Pà", "A Dính", "Thị Lan"],
         "CN": ["秀英", "小红", "丽", "建华", "明", "芳", "玉兰"]}


def _tz(unit: Unit) -> timezone:
    offset = unit.utc_offset
    return timezone((1 if offset[0] == "+" else -1) * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))


def _text(vi: str, zh: str, original: str) -> dict[str, str]:
    return {"original": original, "vi": vi, "zh": zh}


def _lang(unit: Unit) -> str:
    return "vi" if unit.country == "VN" else "zh"


@dataclass
class Flow:
    """One scripted case: its units, what it is about, and the reports still to send."""

    kind: str
    holder: Unit
    """The unit that opened the case (raised, holds the subjects, hosts the talks)."""
    other: Unit
    steps: list[Step]
    gate: str = ""
    case_id: str | None = None
    persons: list[dict[str, Any]] = field(default_factory=list)
    personal: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Subject id -> the personal data the vault holds for them (put before the opening report is sent)."""
    data: dict[str, Any] = field(default_factory=dict)
    busy: bool = True


class IncidentTraffic:
    """Opens scripted cases and builds their next reports; shares command ids and officers with ``Traffic``."""

    def __init__(self, rng: random.Random, base: Callable[[str, Unit, datetime, str | None], Report]) -> None:
        self.rng = rng
        self.base = base
        self.units = registry()
        self.policy = default_policy()

    def _report(self, flow: Flow, kind: str, unit: Unit, now: datetime, fields: Report) -> Report:
        return self.base(kind, unit, now, flow.case_id) | fields

    def _pair(self) -> tuple[Unit, Unit, str]:
        vn, cn, gate = self.rng.choice(PAIRS)
        return self.units[vn], self.units[cn], gate

    def open(self, kind: str, now: datetime) -> tuple[Report, Flow]:
        """The opening report of a new case of ``kind`` (incident, handover, patrol, meeting) and its script."""
        return {"incident": self._incident, "handover": self._handover, "patrol": self._patrol,
                "meeting": self._meeting}[kind](now)

    def next(self, flow: Flow, now: datetime) -> Report | None:
        """The case's next report, or None when its script is done."""
        while flow.steps:
            report = flow.steps.pop(0)(flow, now)
            if report:
                return report
        return None

    # --- incidents -----------------------------------------------------------------------------

    def _incident(self, now: datetime) -> tuple[Report, Flow]:
        vn, cn, gate = self._pair()
        holder, other = (vn, cn) if self.rng.random() < 0.6 else (cn, vn)
        category, impact, vi, zh = self.rng.choice(INCIDENTS)
        n, m = self.rng.randint(2, 9), self.rng.randint(85, 172)
        marker = f"{m}({self.rng.randint(1, 3)})" if self.rng.random() < 0.15 else str(m)
        flow = Flow("incident", holder, other, [], gate=gate)
        # One in five was taken by phone the day before and typed in late: its 24 h acknowledgement
        # deadline, which runs from the report's time, has already passed under the shipped policy.
        late = self.rng.random() < LATE_SHARE
        reported = now - timedelta(hours=self.rng.randint(25, 30)) if late else now
        report = self._report(flow, "RaiseIncident", holder, now, {
            "at": local(holder, reported),
            "category": category,
            "location": {"marker": marker},
            "happened_at": local(holder, reported - timedelta(minutes=self.rng.randint(10, 180))),
            "impact": impact,
            "reliability": self.rng.choice(["A", "B", "B", "C"]),
            "accuracy": self.rng.randint(1, 3),
            "summary": _text(vi.format(n=n, m=marker), zh.format(n=n, m=marker), _lang(holder)),
            "parties": [other.code],
        })
        flow.data["category"] = category
        roll = self.rng.random()
        if roll < (0.5 if late else 0.15):
            return report, flow  # nobody acknowledges: it goes overdue (a late one is overdue at once)
        flow.steps = [self._acknowledge]
        if self.rng.random() < 0.3:
            flow.steps.append(self._update)
        if self.rng.random() < 0.7:
            flow.steps.append(self._respond)
        if self.rng.random() < 0.7:
            flow.steps.append(self._close)
        return report, flow

    def _acknowledge(self, flow: Flow, now: datetime) -> Report:
        note = _text("Đã nhận thông báo, đang xác minh.", "已收到通报，正在核实。", _lang(flow.other))
        return self._report(flow, "AcknowledgeIncident", flow.other, now, {"note": note})

    def _update(self, flow: Flow, now: datetime) -> Report:
        note = _text("Bổ sung: lực lượng tại chỗ xác nhận thông tin.", "补充：现场力量确认情况。", _lang(flow.holder))
        return self._report(flow, "UpdateIncident", flow.holder, now, {"note": note, "accuracy": 1})

    def _respond(self, flow: Flow, now: datetime) -> Report:
        action, vi, zh = self.rng.choice(RESPONSES[flow.data["category"]])
        description = _text(vi, zh, _lang(flow.other))
        return self._report(flow, "RecordResponse", flow.other, now, {"action": action, "description": description})

    def _close(self, flow: Flow, now: datetime) -> Report:
        reason = self.rng.choice(["resolved", "resolved", "resolved", "did_not_occur", "no_further_action"])
        note = _text("Hai bên thống nhất kết thúc vụ việc.", "双方同意结案。", _lang(flow.holder))
        return self._report(flow, "CloseIncident", flow.holder, now, {"reason": reason, "note": note})

    # --- handovers -----------------------------------------------------------------------------

    def _person(self, flow: Flow, country: str, minor: bool) -> dict[str, Any]:
        subject = new_subject_id()
        name = f"{self.rng.choice(FAMILY[country])}{' ' if country == 'VN' else ''}{self.rng.choice(GIVEN[country])}"
        flow.personal[subject] = {"name": name, "born": f"{self.rng.randint(1975, 2011)}", "nationality": country}
        person: dict[str, Any] = {
            "subject_id": subject,
            "sex": "female" if flow.data.get("subject_kind") == "victim" else self.rng.choice(["female", "male"]),
            "age_band": self.rng.choice(["14-15", "16-17"]) if minor else self.rng.choice(["18-29", "30-49"]),
            "is_minor": minor,
        }
        if minor:
            guardian = new_subject_id()
            flow.personal[guardian] = {"name": f"{self.rng.choice(FAMILY[country])} {self.rng.choice(GIVEN[country])}",
                                       "relation": "parent"}
            person["representative"] = {"kind": "guardian", "subject_id": guardian}
        return person

    def _handover(self, now: datetime) -> tuple[Report, Flow]:
        vn, cn, gate = self._pair()
        kind = self.rng.choices(["victim", "illegal_crosser", "livestock"], weights=[5, 4, 2])[0]
        # Victims are mostly Vietnamese women rescued in China; crossers and strays go either way.
        holder, other = (cn, vn) if kind == "victim" or self.rng.random() < 0.5 else (vn, cn)
        flow = Flow("handover", holder, other, [], gate=gate, data={"subject_kind": kind})
        fields: Report = {"subject_kind": kind, "to_unit": other.code}
        if kind == "livestock":
            buffaloes = _text("Trâu", "水牛", _lang(holder))
            fields["items"] = [{"description": buffaloes, "quantity": self.rng.randint(1, 6)}]
            text = ("Gia súc đi lạc qua biên giới, đề nghị trao trả.", "牲畜越境走失，请求移交。")
        else:
            flow.persons = [self._person(flow, other.country, minor=kind == "victim" and self.rng.random() < 0.25)
                            for _ in range(self.rng.randint(1, 3))]
            fields["persons"] = flow.persons
            text = (("Nạn nhân mua bán người được giải cứu, đề nghị trao trả.", "获救的拐卖受害人，请求移交。")
                    if kind == "victim" else ("Người vượt biên trái phép bị bắt giữ, đề nghị trao trả.",
                                              "非法越境人员被查获，请求移交。"))
        fields["circumstances"] = _text(*text, _lang(holder))
        report = self._report(flow, "ProposeHandover", holder, now, fields)
        steps: list[Step] = [self._verify] * len(flow.persons)
        if kind == "victim":
            steps += [self._assess, *([self._consent] * len(flow.persons))]
        roll = self.rng.random()
        if roll < 0.1:
            flow.steps = steps[:1]  # nobody answers: acceptance goes overdue
        elif roll < 0.18:
            flow.steps = [*steps, self._reject]
        elif roll < 0.23:
            flow.steps = [*steps, self._abort]
        else:
            flow.steps = [*steps, self._accept, self._schedule, self._execute, self._complete]
        return report, flow

    def _verify(self, flow: Flow, now: datetime) -> Report:
        done = flow.data.setdefault("verified", 0)
        flow.data["verified"] = done + 1
        fields = {"subject_id": flow.persons[done]["subject_id"], "nationality": flow.other.country,
                  "method": self.rng.choice(["database_check", "interview", "family_confirmation"])}
        return self._report(flow, "RecordNationalityVerification", flow.other, now, fields)

    def _assess(self, flow: Flow, now: datetime) -> Report:
        summary = _text("Gia đình đã được liên hệ, không có nguy cơ bị mua bán lại.", "已联系家属，无再次被拐风险。",
                        _lang(flow.holder))
        fields = {"level": self.rng.choice(["low", "medium"]), "safe_to_return": True, "summary": summary}
        return self._report(flow, "RecordRiskAssessment", flow.holder, now, fields)

    def _consent(self, flow: Flow, now: datetime) -> Report:
        done = flow.data.setdefault("consented", 0)
        flow.data["consented"] = done + 1
        person = flow.persons[done]
        given_by = "guardian" if person["is_minor"] else "subject"
        fields: Report = {"subject_id": person["subject_id"], "decision": "given", "given_by": given_by}
        if self.rng.random() < 0.1:  # an objection, overridden by the station commander for the victim's safety
            fields |= {"decision": "objects_to_notification", "override": {
                "reason": _text("Ở lại có nguy cơ cho an toàn của nạn nhân.", "滞留对受害人安全有风险。",
                                _lang(flow.holder)),
                "authorised_role": "station_commander",
                "authorised_by": self.rng.choice(OFFICERS[flow.holder.country]),
            }}
        return self._report(flow, "RecordConsent", flow.holder, now, fields)

    def _accept(self, flow: Flow, now: datetime) -> Report:
        return self._report(flow, "AcceptHandover", flow.other, now, {})

    def _reject(self, flow: Flow, now: datetime) -> Report:
        cause = self.rng.choice(["nationality_not_confirmed", "insufficient_information"])
        return self._report(flow, "RejectHandover", flow.other, now, {"cause": cause})

    def _abort(self, flow: Flow, now: datetime) -> Report:
        reason = _text("Đối tượng phải nhập viện, hoãn trao trả.", "当事人住院，暂停移交。", _lang(flow.holder))
        return self._report(flow, "AbortHandover", flow.holder, now, {"reason": reason})

    def _schedule(self, flow: Flow, now: datetime) -> Report:
        when = (now.astimezone(_tz(flow.holder)) + timedelta(days=1)).replace(hour=9, minute=0, second=0)
        fields = {"border_gate": flow.gate, "scheduled_for": local(flow.holder, when)}
        return self._report(flow, "ScheduleHandover", flow.holder, now, fields)

    def _execute(self, flow: Flow, now: datetime) -> Report:
        fields: Report = {
            "handing_officers": [{"unit": flow.holder.code, "officer": self.rng.choice(OFFICERS[flow.holder.country])}],
            "receiving_officers": [{"unit": flow.other.code, "officer": self.rng.choice(OFFICERS[flow.other.country])}],
        }
        if flow.persons:
            fields["persons"] = [p["subject_id"] for p in flow.persons]
        else:
            fields["belongings"] = [{"description": _text("Trâu", "水牛", _lang(flow.holder)), "quantity": 1}]
        return self._report(flow, "ExecuteHandover", flow.holder, now, fields)

    def _complete(self, flow: Flow, now: datetime) -> Report:
        return self._report(flow, "CompleteHandover", flow.holder, now, {})

    # --- patrols and meetings ------------------------------------------------------------------

    def _host(self, agreement: PatrolAgreement, country: str) -> Unit:
        return self.units[next(code for code in agreement.units if self.units[code].country == country)]

    def _patrol(self, now: datetime) -> tuple[Report, Flow]:
        agreement = self.rng.choice(self.policy.agreements)
        sender = self.units[agreement.units[0]]
        fields: Report = {"agreement": agreement.code}
        if agreement.joint_monthly is not None:
            rule = agreement.joint_monthly
            wall = cal.wall_clock(rule.timezone, _instant(now))
            index = wall.year * 12 + wall.month - 1 + (0 if wall.day < rule.first_day else 1)
            start = wall.replace(year=index // 12, month=index % 12 + 1, day=self.rng.randint(rule.first_day,
                                 rule.last_day - 1), hour=8, minute=0, second=0, microsecond=0)
            period = cal.month_of(start)
            host = self._host(agreement, cal.host_by_rotation(rule.first_host, cal.months_since(rule.from_period,
                                                                                                   period)))
            fields |= {"kind": "joint_monthly", "host_unit": host.code}
            end = start + timedelta(hours=9)
        else:
            bilateral = agreement.bilateral_quarterly
            assert bilateral is not None  # policy.py checks each agreement has a rule
            start = (now.astimezone(_tz(sender)) + timedelta(days=1)).replace(hour=7, minute=0, second=0)
            period = cal.quarter_of(cal.wall_clock(bilateral.timezone, _instant(start)))
            country = cal.host_by_rotation(bilateral.first_host, cal.quarters_since(bilateral.from_period, period))
            first = self.rng.randrange(len(bilateral.sections) - 1)
            fields |= {"kind": "bilateral_quarterly", "host_unit": self._host(agreement, country).code,
                       "sections": [s.code for s in bilateral.sections[first : first + self.rng.randint(1, 2)]]}
            end = start + timedelta(hours=10)
        fields |= {"starts_at": local(sender, start), "ends_at": local(sender, end),
                   "plan": _text("Tuần tra kiểm tra hệ thống mốc và đường mòn.", "巡查界碑和小路。", _lang(sender))}
        other = next(self.units[c] for c in agreement.units if self.units[c].country != sender.country)
        flow = Flow("patrol", sender, other, [], data={"sections": fields.get("sections", []),
                                                        "units": list(agreement.units)})
        if self.rng.random() < 0.8:
            flow.steps = [self._record_patrol]
        return self._report(flow, "SchedulePatrol", sender, now, fields), flow

    def _record_patrol(self, flow: Flow, now: datetime) -> Report:
        sections = flow.data["sections"]
        by_code = {s.code: s for a in self.policy.agreements if a.bilateral_quarterly
                   for s in a.bilateral_quarterly.sections}
        low, high = ((int(by_code[sections[0]].first), int(by_code[sections[-1]].last)) if sections else (85, 172))
        markers = sorted({self.rng.randint(low, high) for _ in range(4)})
        findings = []
        if self.rng.random() < 0.25:
            m = str(self.rng.choice(markers))
            findings.append({"description": _text(f"Mốc {m} bị nghiêng, cần sửa chữa.", f"{m}号界碑倾斜，需修复。",
                                                  _lang(flow.holder)),
                             "marker": m, "category": "border_marker_damage", "impact": "low", "raise_incident": True})
        officers = [{"unit": code, "officer": self.rng.choice(OFFICERS[self.units[code].country])}
                    for code in flow.data["units"]]
        fields = {"sections": sections, "markers": [str(m) for m in markers], "officers": officers,
                  "findings": findings, "started_at": local(flow.holder, now - timedelta(hours=9)),
                  "ended_at": local(flow.holder, now - timedelta(hours=1))}
        return self._report(flow, "RecordPatrol", flow.holder, now, fields)

    def _meeting(self, now: datetime) -> tuple[Report, Flow]:
        vn, cn, gate = self._pair()
        holder, other = (vn, cn) if self.rng.random() < 0.5 else (cn, vn)
        flow = Flow("meeting", holder, other, [], gate=gate)
        kind = self.rng.choice(["talks", "meeting", "online_meeting", "friendship_exchange"])
        summary = _text("Trao đổi tình hình, thống nhất phối hợp tuần tra và phòng chống tội phạm xuyên biên giới.",
                        "通报情况，商定协同巡逻和打击跨境犯罪。", _lang(holder))
        report = self._report(flow, "RecordMeeting", holder, now, {
            "kind": kind, "participants": [other.code], "held_at": local(holder, now - timedelta(hours=3)),
            "border_gate": gate, "summary": summary,
            "delegation_heads": [{"unit": holder.code, "officer": self.rng.choice(OFFICERS[holder.country])},
                                 {"unit": other.code, "officer": self.rng.choice(OFFICERS[other.country])}],
        })
        if self.rng.random() < 0.8:
            flow.steps = [self._sign]
        return report, flow

    def _sign(self, flow: Flow, now: datetime) -> Report:
        minutes = _text("Biên bản hội đàm, hai bên thống nhất các nội dung phối hợp.", "会谈纪要，双方商定协作事项。",
                        _lang(flow.holder))
        signatories = [{"unit": u.code, "officer": self.rng.choice(OFFICERS[u.country])}
                       for u in (flow.holder, flow.other)]
        return self._report(flow, "SignMinutes", flow.holder, now, {"minutes": minutes, "signatories": signatories})


def _instant(moment: datetime) -> Instant:
    return Instant.at(moment, "+00:00")
