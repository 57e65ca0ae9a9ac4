"""Korean register, voice and kind features: a paraphrase in another register or voice passes
every veto; its look-alikes (opposite prefix, antonym verb, a narrower kind, a real role swap)
do not."""

from __future__ import annotations

import pytest

from llm_gateway.cache.semantic.features import FEATURE_NAMES, VETOES, pair_features
from llm_gateway.cache.semantic.register import passive_of, same_predicate
from llm_gateway.cache.semantic.typos import is_typo


def _vetoes(a: str, b: str) -> list[str]:
    values = pair_features(a, b, 0.95)
    return [n for n in VETOES if values[FEATURE_NAMES.index(n)] > 0]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # 반말 / 존댓말: the last predicate in another form
        ("도서관 주말에 몇 시에 닫아?", "도서관은 주말에 몇 시에 닫나요?"),
        ("우체국 택배 토요일에도 받아요?", "우체국 택배 토요일에도 받아?"),
        ("세뱃돈 보통 얼마씩 줘?", "세뱃돈은 보통 얼마씩 주나요?"),
        ("과태료 내야 돼?", "과태료를 내야 합니까?"),
        # active / passive: 누가 → 누구에 의해, a passive verb, roles moved by the voice
        ("누가 석굴암을 만들었어?", "석굴암은 누구에 의해 만들어졌어?"),
        ("뱀이 물면 어떻게 해?", "뱀에게 물리면 어떻게 해?"),
        ("사기꾼이 내 계좌를 도용했으면?", "내 계좌가 사기꾼에게 도용당했으면?"),
        # 몇 년에 / 몇 개월부터 ask when, like 언제
        ("수능은 몇 년에 처음 생겼어?", "수능은 언제 처음 생겼어?"),
        ("강아지 예방접종 몇 개월부터 해?", "강아지 예방접종 언제부터 해?"),
        ("분리수거할 때 병뚜껑 떼야 돼?", "분리수거 시 병뚜껑을 떼야 하나요?"),
        # the asker's situation told in another sentence: test_added_content.py (a cost now)
    ],
)
def test_korean_register_and_voice_pass_every_veto(a: str, b: str) -> None:
    assert _vetoes(a, b) == []


@pytest.mark.parametrize(
    ("a", "b", "name"),
    [
        ("저칼로리 간식 추천해줘", "고칼로리 간식 추천해줘", "antonym_swap"),
        ("상반기 공채 일정 알려줘", "하반기 공채 일정 알려줘", "antonym_swap"),
        ("에어컨 온도 올리는 방법", "에어컨 온도 낮추는 방법", "antonym_swap"),
        ("구독 서비스 가입하는 법", "구독 서비스 해지하는 법", "antonym_swap"),
        ("사진 확대하는 단축키", "사진 축소하는 단축키", "antonym_swap"),
        ("두피에 좋은 음식", "건조성 두피에 좋은 음식", "scope_differs"),
        ("집에서 만드는 떡볶이", "대회용 떡볶이 만드는 법", "scope_differs"),
        # a passive on one side does not excuse a role that is really swapped
        ("아이가 강아지를 물었어", "아이가 강아지한테 물렸어", "roles_changed"),
        ("누나가 동생에게 사기당했어", "동생이 누나에게 사기당했어", "roles_changed"),
        ("유튜브 프리미엄 가입해?", "유튜브 프리미엄 가격이야?", "slot_substitution"),
        ("기차 몇 시에 출발해?", "기차로 몇 시간 걸려?", "question_differs"),
        # one sentence each: a time or a negation on one side still counts
        ("부산 날씨 어때?", "내일 부산 날씨 어때?", "times_differ"),
        ("부산 여행 가요. 오늘 날씨 어때?", "부산 내일 날씨 어때?", "times_differ"),
        ("김밥 오래 보관하는 법", "김밥 오래 보관하면 안 되는 이유", "negation_differs"),
    ],
)
def test_korean_look_alikes_are_vetoed(a: str, b: str, name: str) -> None:
    assert name in _vetoes(a, b)


def test_register_fold_keeps_stems_apart() -> None:
    assert same_predicate("열려", "열리나요")
    assert same_predicate("줘", "주나요")
    assert not same_predicate("켜", "꺼")
    assert not same_predicate("있어", "없어")
    assert not same_predicate("가입해", "가격이야")
    assert passive_of("물면", "물리면")
    assert not passive_of("물면", "물건")


def test_two_letter_korean_typos_need_four_syllables() -> None:
    assert not is_typo("배추김치", "백김치")  # two kimchis
    assert is_typo("건강보험료", "건강보헙료")
