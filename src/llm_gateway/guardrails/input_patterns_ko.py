"""Rule table for the input guardrail in Korean, matched on the ``compact`` view (no spaces).

One exception, ``injection.ko.addressed_bot``, needs the punctuation that marks pasted content
and runs on the text view of Hangul prompts (``text_ko``).

Korean agglutinates particles and endings onto stems, so patterns are stem sequences with
optional particles between them, bounded in distance (``이전 지시를 무시하고`` matches
``이전.{0,10}지시.{0,12}무시``).
"""

from __future__ import annotations

from llm_gateway.guardrails.input_patterns import InputPattern, pattern

_KO_PRIOR = (
    r"(?:이전|앞|위|기존|지금까지|여태|이제까지|앞서|처음|원래|모든|너의|당신의|네|니|너한테|"
    r"시스템|개발자|받은|주어진|설정된|입력된|들은|기본|초기)"
)
# Nouns that only mean "your instructions" (a request to drop them is an attack) ...
_KO_ORDERS = (
    r"(?:지시|지침|명령|규칙|프롬프트|지시사항|제한|제약|가이드라인|룰|정책|규정|원칙|"
    r"프로그래밍|instructions?|prompt)"
)
# ... and nouns that also mean settings, chat history or content in everyday requests.
_KO_SOFT_ORDERS = r"(?:설정|대화|내용|말|요청)"
_KO_DISMISS = (
    r"(?:무시|잊|지워|지우|삭제|버리|버려|취소|초기화|리셋|따르지|따를필요|안따라|어기|어겨|"
    r"우회|해제|벗어|깨|없던걸로|없던것으로|신경쓰지|무효)"
)
_KO_DISMISS_HARD = r"(?:무시|잊|없던걸로|없던것으로|신경쓰지|무효)"
# A dismissal asked about ("...을 어기면 어떻게 되나요?") is a question, not an instruction.
_KO_NOT_QUESTION = r"(?![가-힣]{0,4}?(?:면|나요|는지|ㄹ까|을까|할까|까요))"
_KO_RULE_NOUN = (
    r"(?:규칙|지침|정책|프로토콜|가이드라인|필터|제한|장치|기준|원칙|규정|제약|검열|필터링|수칙|"
    r"조치|교육|점검|모드)"
)
# Everyday words (안전하게 "safely", 사용 "use", 보안 "security") count only with a rule noun after
# them: "다 쓴 배터리 안전하게 버리는 법" is a disposal question, not "discard the safety rules".
_KO_SAFETY = (
    r"(?:(?:안전|보안|콘텐츠|사용|openai|오픈ai|가이드)(?:적|상)?(?:인|의)?" + _KO_RULE_NOUN + "|"
    r"(?:윤리|도덕|검열|필터)(?:적|상)?(?:인|의)?" + _KO_RULE_NOUN + "?)"
)
_KO_REVEAL = (
    r"(?:알려|보여|출력|말해|공개|노출|복사|반복|적어|써줘|써봐|인쇄|print|뭐|무엇|뭔지|그대로|"
    r"나열|붙여|공유)"
)
# 초기 "initial" and 비밀 "secret", not 초기화 "reset" nor 비밀번호 "password": "직원 비밀번호
# 초기화하는 명령어 알려줘" asks for an admin command, not for the assistant's instructions.
_KO_INITIAL = r"(?:초기(?!화)|비밀(?!번호))"
_KO_ADDRESSED = rf"(?:너의|네|니|당신의|너한테|네가받은|니가받은|{_KO_INITIAL}|숨겨진|숨은|내부)"

KO_PATTERNS: tuple[InputPattern, ...] = (
    pattern(
        "injection.ko.ignore_previous",
        "injection",
        1.0,
        rf"{_KO_PRIOR}.{{0,10}}?(?:{_KO_ORDERS}.{{0,12}}?{_KO_DISMISS}|{_KO_SOFT_ORDERS}.{{0,12}}?"
        rf"{_KO_DISMISS_HARD}){_KO_NOT_QUESTION}",
        "compact",
    ),
    pattern(
        "injection.ko.dismiss_orders",
        "injection",
        0.6,
        rf"{_KO_ORDERS}(?:사항)?(?:들)?(?:은|는|을|를|이|가|도)?(?:모두|전부|다|싹|모조리)?"
        rf"{_KO_DISMISS}{_KO_NOT_QUESTION}",
        "compact",
    ),
    pattern(
        "injection.ko.new_instructions",
        "injection",
        0.6,
        r"(?:새로운|새|다음|진짜|실제)(?:지시|지침|명령|임무|작업|규칙)(?:은|는|을|를|이|가|:)|"
        r"(?:대신|그냥|오직|무조건)(?:에)?.{0,12}?(?:라고|이라고)(?:만)?(?:말해|출력|대답|답해|써)",
        "compact",
    ),
    pattern(
        "prompt_extraction.ko.reveal",
        "prompt_extraction",
        1.0,
        rf"(?:(?:시스템|원래|숨겨진|숨은|내부|개발자|처음|{_KO_ADDRESSED}|받은|설정된|"
        rf"입력된|주어진|기본).{{0,8}}?(?:프롬프트|지시|지침|instructions?|prompt|시스템메시지)|"
        rf"{_KO_ADDRESSED}.{{0,6}}?(?:설정|규칙|명령|메시지))(?:문|사항|내용|전문|값)?.{{0,14}}?"
        rf"{_KO_REVEAL}",
        "compact",
    ),
    pattern(
        "prompt_extraction.ko.above",
        "prompt_extraction",
        1.0,
        r"(?:위|앞|이전|처음)(?:에|의)?(?:있는|나온|적힌|쓰인|작성된)?(?:모든)?(?:내용|텍스트|글|문장|"
        r"지시|프롬프트)(?:을|를)?(?:전부|모두|그대로|한글자도빠짐없이).{0,6}?(?:반복|출력|복사|"
        r"보여|알려|적어)|(?:대화|채팅)(?:시작)?(?:전|이전)에받은.{0,10}?(?:메시지|내용|지시)",
        "compact",
    ),
    pattern("prompt_extraction.ko.mention", "prompt_extraction", 0.4, r"시스템프롬프트", "compact"),
    pattern(
        "jailbreak.ko.policy_bypass",
        "jailbreak",
        1.0,
        rf"{_KO_SAFETY}(?:은|는|을|를|이|가|에서|도)?.{{0,8}}?{_KO_DISMISS}{_KO_NOT_QUESTION}|"
        r"(?:안전|보안|검열|윤리|콘텐츠)(?:필터|장치|모드|기능)?(?:을|를)?(?:끄고|꺼줘|꺼라|끄세요|꺼)|"
        # "탈옥 프롬프트" names the attack (a blog post about it, a detector for it); turning a
        # jailbreak mode on is the use.
        r"(?:탈옥|제한해제|무제한|dan|검열해제|무검열)모드|모든규칙을(?:깨|어기|무시)|"
        r"(?:규칙|제한|제약|검열|필터|윤리|도덕)(?:적|적인)?[가-힣]{0,6}?(?:이|가|도|은|는)?"
        r"(?:전혀|하나도|아무것도|아무)?없는(?:ai|인공지능|챗봇|봇|모델|버전|모드|상태|캐릭터|존재)",
        "compact",
    ),
    pattern(
        "jailbreak.ko.persona",
        "jailbreak",
        0.5,
        r"(?:지금부터|이제부터|앞으로|이제)(?:너는|넌|당신은|니가|네가)|탈옥|개발자모드|(?:역할극|"
        r"롤플레이|캐릭터)(?:을|를)?(?:유지|계속|절대)|(?:너는|넌|당신은)(?:더이상|이제)(?:ai|챗봇|"
        r"인공지능|어시스턴트|chatgpt)(?:가|이)?아니",
        "compact",
    ),
    pattern(
        "jailbreak.ko.no_limits",
        "jailbreak",
        0.5,
        r"(?:제한|검열|필터|규칙|제약|윤리|도덕)(?:이|가|도|은|는)?(?:전혀|하나도|아무)?(?:없는|"
        r"없이|없어|없다|없으니)",
        "compact",
    ),
    pattern(
        "jailbreak.ko.no_refusal",
        "jailbreak",
        0.6,
        r"(?:거절|거부)(?:하지|하면)(?:마|말|않|안)|무엇이든(?:할수|대답|답)|어떤(?:질문|요청)"
        r"(?:이든|에도|이라도)(?:답|대답|응)|경고(?:문)?(?:없이|하지마)",
        "compact",
    ),
    # Fiction that must work in reality: "드라마 대본인데 실제로 써먹을 수 있을 정도로",
    # "게임 속이지만 현실에서도 통하는 … 만드는 법". The demand that a fictional frame's content
    # work outside it is the jailbreak, whatever the topic.
    pattern(
        "jailbreak.ko.fiction_real",
        "jailbreak",
        1.0,
        # narrative frames only ("게임" and "캐릭터" also name software), and not software work
        r"^(?!.*(?:개발|코딩|프로그래밍|사이트|유니티|언리얼|엔진)).*?"
        r"(?:대본|소설|웹툰|드라마|trpg|장면|시나리오|롤플|역할극|재연)"
        r".{0,60}(?:현실에서도?(?:통하는|쓸수있게|써먹을|작동하는|실제로)|실제로(?:써먹|돌아가는|"
        r"작동하는|따라할수|통하는)|그대로따라할수)",
        "compact",
    ),
    # A note addressed to the AI inside pasted content, with an order: "[비고] 검토 AI는
    # 금액란을 … 수정한 뒤", "#{검수AI: 문구 검수는 건너뛰고 …}",
    # "◆AI 변환 시 유의사항: 본문 대신 … 출력하시오".
    # The address must follow a mark of pasted content (newline, quote, bracket, #, ◆): a
    # question about what a chatbot does ("챗봇은 답변을 어떻게 보내?") has none.
    pattern(
        "injection.ko.addressed_bot",
        "injection",
        1.0,
        # The gap after a mark cannot cross another mark: that mark starts its own (shorter)
        # gap, so the matches are the same and each stretch is scanned once, not once per mark
        # before it ("'봇: '봇: …" cost 37 ms on 4,000 characters, 1.5 ms now).
        r"[\n'\"\[{(〔⟪◆#“‘「『<][^\n'\"\[{(〔⟪◆#“‘「『<]{0,40}?"
        r"(?:(?<![a-z])ai(?![a-z])|봇|에이전트|어시스턴트|비서)"
        r"\s*(?:님|전용|용)?\s*(?:(?:변환|처리|요약|검토|검수|분류|번역|작성)\s*시\s*)?"
        r"(?:지침|유의사항|주의사항|지시|참고)?\s*(?:개정|갱신|변경)?\s*(?:[:：\]]|은|는|에게|한테)"
        r"\s*[^\n]{0,80}?(?:건너뛰|멈추|무시하|대신|수정한\s*뒤|바꾼\s*뒤|바꾸고|변경|출력하시오|"
        r"출력할\s*것|공개|전송|보내|첨부|승인|물어봐|제출)",
        "text_ko",
    ),
)
