"""Realistic hotline traffic between the seed units: who calls whom, about what, in both languages."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from shared.units import Unit, registry

OFFICERS = {
    "VN": ["Lt. Col. Vu Tran Minh Dat", "Lt. Col. Dinh Quang Chinh", "Maj. Nguyen Van Hung", "Capt. Nong Thi Lan",
           "Maj. Hoang Van Tuan", "Capt. Lo Van Son", "Sr. Lt. Pham Duc Anh"],
    "CN": ["Zhang Benyu", "Li Wei", "Wang Jianguo", "Yang Hua", "Chen Ming", "Zhao Lei", "Liu Fang"],
}

TOPICS: list[dict[str, str]] = [
    {"vi": "Phát hiện {n} người có dấu hiệu xuất cảnh trái phép gần mốc {m}, đề nghị phối hợp kiểm soát.",
     "zh": "{m}号界碑附近发现{n}人疑似非法越境，请求协同管控。"},
    {"vi": "Nghi vấn vận chuyển hàng lậu qua đường mòn gần mốc {m}; đề nghị trao đổi thông tin.",
     "zh": "{m}号界碑附近小路疑似走私货物，请求交换信息。"},
    {"vi": "Cháy rừng gần mốc {m} có nguy cơ lan sang bên kia biên giới.",
     "zh": "{m}号界碑附近发生森林火灾，有蔓延过境的危险。"},
    {"vi": "Nước sông Hồng dâng cao, đề nghị thông báo tình hình thủy văn đoạn mốc {m}.",
     "zh": "红河水位上涨，请通报{m}号界碑河段水文情况。"},
    {"vi": "Gia súc ({n} con) của dân biên giới đi lạc qua mốc {m}, đề nghị hỗ trợ trao trả.",
     "zh": "边民{n}头牲畜越过{m}号界碑走失，请协助归还。"},
    {"vi": "Thống nhất lịch tuần tra chung từ ngày 15 đến ngày 25, đoạn mốc {m}.",
     "zh": "商定15日至25日在{m}号界碑段的联合巡逻安排。"},
    {"vi": "Thông báo ngày chợ biên giới, đề nghị phối hợp giữ trật tự và phát tờ rơi song ngữ.",
     "zh": "通报边民互市日安排，请协同维持秩序并发放双语宣传单。"},
    {"vi": "Đề nghị xác minh nhân thân {n} người nghi là nạn nhân mua bán người chờ trao trả.",
     "zh": "请核查{n}名疑似被拐卖受害人的身份，以便移交。"},
]

SUBJECTS = [
    {"vi": "Trao đổi thông tin tình hình biên giới", "zh": "边境情况信息通报"},
    {"vi": "Phối hợp tuần tra song phương", "zh": "双边巡逻协调"},
    {"vi": "Xác nhận nội dung cuộc gọi đường dây nóng", "zh": "热线电话内容确认"},
]


def _tz(offset: str) -> timezone:
    sign = 1 if offset[0] == "+" else -1
    return timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))


def local(unit: Unit, moment: datetime) -> str:
    """An instant as the unit's officer would type it: local wall clock with its offset."""
    return moment.astimezone(_tz(unit.utc_offset)).replace(microsecond=0).isoformat()


@dataclass
class Message:
    """A call or letter of a simulated case, as the outcome reported it."""

    event_id: str
    sender: str
    recipient: str
    acknowledged: bool = False
    urgent_unconfirmed: bool = False
    text: dict[str, str] | None = None
    """What the call said or the letter wrote: a written confirmation repeats its call's matter."""


@dataclass
class SimCase:
    """What the simulator knows of one case from the outcomes it received."""

    case_id: str
    vn: Unit
    cn: Unit
    messages: list[Message] = field(default_factory=list)
    matter: dict[str, str] | None = None
    """What the case is about (the first call's summary or letter's body): every later call and letter
    speaks of it, so a case reads as one story."""
    busy: bool = True
    """A report for this case is in flight: the next follow-up waits for its outcome."""

    def record(self, kind: str, report: dict[str, Any], event_id: str) -> None:
        """Learn from one event the report recorded (its type and id): a new call or letter, an
        acknowledgement, or an urgent call confirmed in writing. ``liaison simulate`` learns from
        outcomes, the bench from the events the domain decided; both keep their cases this way."""
        if kind == "HotlineCallLogged":
            urgent = bool(report["urgent"])
            self._add(Message(event_id, report["caller_unit"], report["callee_unit"], False, urgent,
                              report.get("summary")))
        elif kind == "LetterSent":  # a letter, or the written confirmation of a call: to whoever took the call
            to_unit = report.get("to_unit") or next(
                m.recipient for m in self.messages if m.event_id == report["call_id"]
            )
            self._add(Message(event_id, report["unit"], to_unit, text=report.get("body")))
        elif kind == "LetterReceived":
            self._add(Message(event_id, report["from_unit"], report["unit"], text=report.get("body")))
        elif kind == "MessageAcknowledged":
            for message in self.messages:
                if message.event_id == report["message_id"]:
                    message.acknowledged = True
        elif kind == "UrgentCallConfirmedInWriting":
            for message in self.messages:
                if message.event_id == report["call_id"]:
                    message.urgent_unconfirmed = False


    def _add(self, message: Message) -> None:
        self.messages.append(message)
        if self.matter is None:
            self.matter = message.text


class Traffic:
    """Chooses the next report: open a case, or follow up on one whose last outcome arrived."""

    def __init__(self, rng: random.Random, run_id: str) -> None:
        self.rng = rng
        self.run_id = run_id
        """Part of every command id: the seed fixes the traffic's shape, not its identity, so a
        second run with the same seed is new traffic rather than a resend of the first."""
        units = registry()
        self.pairs = sorted(
            {(u.code, c) if u.country == "VN" else (c, u.code) for u in units.values() for c in u.counterparts}
        )
        self.units = units
        self.serial = 0

    def _text(self, original: str, matter: dict[str, str] | None = None) -> dict[str, str]:
        """The case's matter in the sender's language, or a new matter for a case being opened."""
        if matter is not None:
            return matter | {"original": original}
        topic = self.rng.choice(TOPICS)
        n, m = self.rng.randint(2, 12), self.rng.randint(85, 172)
        return {"original": original, "vi": topic["vi"].format(n=n, m=m), "zh": topic["zh"].format(n=n, m=m)}

    def base(self, kind: str, unit: Unit, now: datetime, case_id: str | None) -> dict[str, Any]:
        self.serial += 1
        report: dict[str, Any] = {
            "type": kind,
            "command_id": f"sim-{self.run_id}-{self.serial}",
            "unit": unit.code,
            "officer": self.rng.choice(OFFICERS[unit.country]),
            "at": local(unit, now),
        }
        if case_id is not None:
            report["case_id"] = case_id
        return report

    def open_case(self, now: datetime) -> tuple[dict[str, Any], Unit, Unit]:
        """A report that opens a new case between a Vietnamese and a Chinese unit."""
        vn, cn = (self.units[c] for c in self.rng.choice(self.pairs))
        sender, other = (vn, cn) if self.rng.random() < 0.55 else (cn, vn)
        roll = self.rng.random()
        if roll < 0.7:
            return self.call(sender, other, now, None), vn, cn
        if roll < 0.9:
            return self.letter(sender, other, now, None), vn, cn
        return self.received(sender, other, now, None), vn, cn

    def call(
        self, sender: Unit, other: Unit, now: datetime, case_id: str | None, matter: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """A hotline call the sender made; one in four is urgent and needs written confirmation."""
        started = now - timedelta(minutes=self.rng.randint(3, 40))
        urgent = self.rng.random() < 0.25
        language = "vi" if sender.country == "VN" else "zh"
        return self.base("LogCall", sender, now, case_id) | {
            "direction": "outgoing",
            "caller_unit": sender.code,
            "callee_unit": other.code,
            "line": f"{sender.code}~{other.code}",
            "started_at": local(sender, started),
            "ended_at": local(sender, started + timedelta(minutes=self.rng.randint(2, 15))),
            "languages": ["vi", "zh"],
            "summary": self._text(language, matter),
            "urgent": urgent,
            "written_confirmation_required": urgent,
        }

    def letter(
        self, sender: Unit, other: Unit, now: datetime, case_id: str | None, matter: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """A letter the sender sent, often by liaison officer."""
        language = "vi" if sender.country == "VN" else "zh"
        return self.base("SendLetter", sender, now, case_id) | {
            "reference": f"{sender.code}/{now:%Y}/{self.serial}",
            "to_unit": other.code,
            "channel": self.rng.choice(["letter", "liaison_officer", "fax"]),
            "subject": {"original": language} | self.rng.choice(SUBJECTS),
            "body": self._text(language, matter),
        }

    def received(self, receiver: Unit, other: Unit, now: datetime, case_id: str | None) -> dict[str, Any]:
        """A letter the receiver records as received from across the border."""
        language = "vi" if other.country == "VN" else "zh"
        return self.base("ReceiveLetter", receiver, now, case_id) | {
            "reference": f"{other.code}/{now:%Y}/{self.serial}",
            "from_unit": other.code,
            "channel": "letter",
            "subject": {"original": language} | self.rng.choice(SUBJECTS),
            "body": self._text(language),
        }

    def follow_up(self, case: SimCase, now: datetime) -> dict[str, Any]:
        """The next report in a case: acknowledge, confirm an urgent call, or another call or letter."""
        unconfirmed = [m for m in case.messages if m.urgent_unconfirmed]
        unacknowledged = [m for m in case.messages if not m.acknowledged]
        roll = self.rng.random()
        if unconfirmed and roll < 0.5:
            message = self.rng.choice(unconfirmed)
            sender = self.units[message.sender]
            language = "vi" if sender.country == "VN" else "zh"
            return self.base("ConfirmInWriting", sender, now, case.case_id) | {
                "call_id": message.event_id,
                "reference": f"{sender.code}/{now:%Y}/c{self.serial}",
                "subject": {"original": language} | SUBJECTS[2],
                "body": self._text(language, message.text or case.matter),
            }
        if unacknowledged and roll < 0.8:
            message = self.rng.choice(unacknowledged)
            recipient = self.units[message.recipient]
            return self.base("AcknowledgeMessage", recipient, now, case.case_id) | {"message_id": message.event_id}
        sender, other = (case.vn, case.cn) if self.rng.random() < 0.5 else (case.cn, case.vn)
        if self.rng.random() < 0.6:
            return self.call(sender, other, now, case.case_id, case.matter)
        return self.letter(sender, other, now, case.case_id, case.matter)
