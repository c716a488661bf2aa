"""Finding names in free text (pure): tokens, runs, keyed hashes, free texts of a report."""

from __future__ import annotations

import re

import msgspec
import pytest

from shared.vault.names import (
    MAX_NAME_TOKENS,
    UnindexableName,
    digest,
    free_texts,
    hasher,
    names_of,
    run_digests,
    runs_in,
    texts_of,
    tokens,
)
from shared.vault.store import new_subject_id
from tests.unit.hotline.reports import command, send_letter

KEY = b"k" * 32


def test_tokens_fold_case_and_vietnamese_diacritics_and_split_chinese_characters() -> None:
    """Nguyễn Thị Đào and NGUYEN THI DAO give the same tokens; a Chinese name gives one token per character."""
    assert tokens("Nguyễn Thị Đào") == tokens("NGUYEN  THI dao,") == ["nguyen", "thi", "dao"]
    assert tokens("受害人王小红") == ["受", "害", "人", "王", "小", "红"]


def test_a_latin_name_written_against_chinese_text_is_its_own_run_of_tokens() -> None:
    """Latin words end where CJK characters (every block, Extension B on too) begin, so the name run is found."""
    text = "越南公民Sùng Thị Chở在104(2)号界碑附近越境"
    assert tokens(text)[:7] == ["越", "南", "公", "民", "sung", "thi", "cho"]
    assert tokens(text)[7:9] == ["在", "104"]
    assert "sung thi cho" in runs_in(text)
    # Extension B, Extension A, then a compatibility ideograph (NFKD gives its unified form)
    assert tokens("Lò\U00020000\u3400\uf900A") == ["lo", "\U00020000", "\u3400", "\u8c48", "a"]


def test_eth_folds_to_d_as_the_vietnamese_d_with_stroke_does() -> None:
    """``Ð``/``ð``, often typed for ``Đ``/``đ``, give the same tokens."""
    assert tokens("ÐÀO Thị Hðng") == tokens("Đào Thị Hđng") == ["dao", "thi", "hdng"]


def test_names_come_from_the_name_fields_only() -> None:
    """Name, names and aliases are indexed; other fields (a village) are not."""
    personal = {"name": "Lò Văn Sơn", "aliases": ["Sơn Lò", "A Sơn"], "names": {"zh": "罗文山"}, "home": "Bản Vược"}
    assert names_of(personal) == ["lo van son", "罗 文 山", "son lo", "a son"]


@pytest.mark.parametrize(
    ("personal", "field", "problem"),
    [
        ({"name": "Lò Văn Sơn", "aliases": ["Sơn Lò", "Sơn"]}, "aliases[1]", "at least two words"),
        ({"name": "Lò Văn Sơn", "aliases": ["Mai"]}, "aliases[0]", "at least two words"),
        ({"name": "山"}, "name", "at least two words"),
        ({"name": "Lò Văn Sơn", "names": {"zh": "..."}}, "names.zh", "letters or digits"),
        ({"name": "\u200b"}, "name", "letters or digits"),
        ({"name": "A"}, "name", "at least two words"),
        ({"name": "阿" * (MAX_NAME_TOKENS + 1)}, "name", f"at most {MAX_NAME_TOKENS}"),
    ],
)
def test_a_name_the_index_cannot_protect_is_refused_not_skipped(personal: dict[str, object], field: str,
                                                                problem: str) -> None:
    """A one-word or one-character name (an ordinary word too), a name without tokens or one longer than the
    lookups look for is refused, naming the field, instead of being left out of the index."""
    with pytest.raises(UnindexableName, match=re.escape(problem)) as refused:
        names_of(personal)
    assert str(refused.value).startswith(f"{field}: ")


def test_a_long_transliterated_chinese_name_is_indexed() -> None:
    """An 11-character transliteration is indexed whole, and is a run of a text that contains it."""
    name = "玛丽亚特蕾莎德尔加多罗"
    assert names_of({"name": name}) == [" ".join(name)]
    assert " ".join(name) in runs_in(f"据报{name}已越境")


def test_a_name_is_a_run_of_the_texts_tokens() -> None:
    """The runs of a text include the name's token run wherever it stands, and not a run across a word nor a
    single word (no name is one word)."""
    runs = runs_in("Bàn giao Lò Văn Sơn tại cửa khẩu")
    assert "lo van son" in runs
    assert "giao lo" in runs
    assert "van so" not in runs
    assert "son" not in runs


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
    """run_digests hashes every run of 2 to ``longest`` tokens exactly as digest does, and no longer run nor
    a one-token run (no name that short is indexed)."""
    found = tokens("Bàn giao Lò Văn Sơn 王小红")
    hashes: set[str] = set()
    run_digests(hasher(KEY), found, 3, hashes)
    expected = {run for run in runs_in("Bàn giao Lò Văn Sơn 王小红") if len(run.split(" ")) <= 3}
    assert hashes == {digest(KEY, run) for run in expected}
    assert digest(KEY, "王") not in hashes
    assert digest(KEY, "giao") not in hashes
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
