"""Finding names in free text (pure): tokens, runs, keyed hashes, free texts of a report."""

from __future__ import annotations

import re

import msgspec

from shared.vault import new_subject_id
from shared.vault_names import digest, free_texts, hasher, names_of, run_digests, runs_in, texts_of, tokens
from tests.unit.hotline.reports import command, send_letter

KEY = b"k" * 32


def test_tokens_fold_case_and_vietnamese_diacritics_and_split_chinese_characters() -> None:
    """Nguyễn Thị Đào and NGUYEN THI DAO give the same tokens; a Chinese name gives one token per character."""
    assert tokens("Nguyễn Thị Đào") == tokens("NGUYEN  THI dao,") == ["nguyen", "thi", "dao"]
    assert tokens("受害人王小红") == ["受", "害", "人", "王", "小", "红"]


def test_names_come_from_the_name_fields_only() -> None:
    """Name, names and aliases are indexed; other fields (a village) and one-letter names are not."""
    personal = {"name": "Lò Văn Sơn", "aliases": ["Sơn", "A"], "names": {"zh": "罗文山"}, "home": "Bản Vược"}
    assert names_of(personal) == ["lo van son", "罗 文 山", "son"]


def test_a_name_is_a_run_of_the_texts_tokens() -> None:
    """The runs of a text include the name's token run wherever it stands, and not a run across a word."""
    runs = runs_in("Bàn giao Lò Văn Sơn tại cửa khẩu")
    assert "lo van son" in runs
    assert "giao lo" in runs
    assert "van so" not in runs


def test_the_keyed_hash_depends_on_the_key() -> None:
    """The same name under another index key hashes differently, so the index cannot be matched without the key."""
    assert digest(KEY, "lo van son") == digest(KEY, "lo van son")
    assert digest(KEY, "lo van son") != digest(b"x" * 32, "lo van son")
    assert re.fullmatch(r"[0-9a-f]{32}", digest(KEY, "lo van son"))


def test_free_texts_are_the_vi_zh_en_of_text_objects_anywhere_in_a_report() -> None:
    """Free text nested in lists and objects is found; unit codes and officers' names are not free text."""
    report = {
        "unit": "VN-LC-IBGS",
        "officer": "Capt Dinh",
        "summary": {"original": "vi", "vi": "một", "zh": "一"},
        "items": [{"description": {"original": "zh", "zh": "水牛"}, "quantity": 3}],
    }
    assert sorted(free_texts(report)) == sorted(["một", "一", "水牛"])


def test_subject_ids_are_random_and_of_the_event_pattern() -> None:
    """Each new subject id is fresh (never derived from anything) and fits SUBJ- plus 12 base32 characters."""
    ids = {new_subject_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"SUBJ-[A-Z2-7]{12}", i) for i in ids)


def test_hashing_runs_by_prefix_gives_each_runs_own_keyed_hash() -> None:
    """run_digests hashes every run of up to ``longest`` tokens exactly as digest does, and no longer run nor
    a one-character run (no name that short is indexed)."""
    found = tokens("Bàn giao Lò Văn Sơn 王小红")
    hashes: set[str] = set()
    run_digests(hasher(KEY), found, 3, hashes)
    expected = {run for run in runs_in("Bàn giao Lò Văn Sơn 王小红") if len(run.split(" ")) <= 3 and len(run) > 1}
    assert hashes == {digest(KEY, run) for run in expected}
    assert digest(KEY, "王") not in hashes
    assert digest(KEY, "王 小") in hashes
    assert digest(KEY, "lo van son") in hashes
    assert digest(KEY, "giao lo van son") not in hashes
    assert digest(KEY, "ab c") != digest(KEY, "a bc")


def test_free_texts_of_a_struct_are_those_of_its_builtins() -> None:
    """texts_of reads a command struct in place and finds what free_texts finds in its JSON form."""
    report = command(send_letter("cmd-texts", subject={"original": "vi", "vi": "Về chị Lò Thị Sếnh", "zh": "关于"},
                                 body={"original": "zh", "zh": "正文", "vi": "Nội dung", "en": "Body"}))
    assert sorted(texts_of(report)) == sorted(free_texts(msgspec.to_builtins(report)))
    assert "Về chị Lò Thị Sếnh" in texts_of(report)
