"""Orders inside pasted content addressed to the AI that reads it, by who they address.

The n-gram injection head's signal on indirect injection is mostly the paste framing (session
13); these rules read the addressee instead. A finding needs an AI addressee *and* an action
order to it (send, forward, DM, book, pay, confirm, include a link, change an account, rate,
approve, delete, reveal …) *inside pasted third-party content*.
``input_patterns_indirect.injection.addressed_reader`` keeps the older case (an order to drop
the user's task).

Fixed before any figure was taken (session 14, second version, after a review of the first
found 24 of 64 benign look-alikes newly blocked):

**Address forms** (the regexes here):

* Reader descriptions: "if an AI / a voice assistant is reading|transcribing …,", "when your
  assistant drafts a reply,", "whoever the AI is that's extracting info:", "any bot reading
  this server:", "the AI reading this must …", "AI summarizers should …", "note|ps|message|
  request|one small thing to|for the AI …:"; Korean "이 글을 요약하는 AI는", "읽는 챗봇은",
  "처리하는 자동화 도구는", "번역기에게:".
* Vocatives after a mark (quote, bracket, colon, dash, #, |, comment mark, sentence end): "Hey
  AI travel helper, do book …", "(AI bot: …)"; Korean "AI 비서님,", "봇아", "챗봇님",
  "AI 번역기에게:".
* Dropped from the first version: "@"-forms (normalisation spells "@" as "a": they matched
  "anti-bot", "AAI", "Hi @assistant"); "any word + bot" ("HR-bot", "standup-bot", 배포봇);
  bare 비서 / 에이전트 (people: "구글 비서야" is a smart speaker the user owns, 에이전트 a
  person) — they count only after an AI word ("AI 비서", "AI 에이전트"); the general Korean
  verbs 보고 / 안내 / 진행 / 처리하 / 추가 / 등록 / 평가 (추가 / 안내 / 등록 count only with a
  payload before them: a link, URL, account, address, contact, number).

**Pasted content** (``input_pasted``): a finding stands only when the match starts

* inside a quoted or bracketed span or a code fence ('…', "…", “…”, ‘…’, 「…」, 『…』, […],
  (…), ```…```), or
* after the user's frame — the prompt's text before its first colon or quote — when that frame
  asks to process someone else's content: summarise, sum up, TL;DR, translate, reply to,
  respond to, answer, extract from, check, read, review, go through, sort, triage, classify,
  transcribe, parse, analyse, "what does … say|mean"; Korean 요약, 번역, 답장, 회신, 정리,
  읽어, 분석, 추출, 뽑아, 확인, 검토, "뭐라고".

A vocative or reader description in the user's own sentences ("Thanks. Assistant, now send it
to Bob.") is the user talking to the assistant and is not read.

**Vetoes**, read only from the user's text (the frame before the first colon or quote, and the
text after the last closing quote), never from the pasted content, which an attacker writes:

* the user's own bot, prompt or instructions, and documents, scripts, tests and routines for a
  bot: "my|our|the … bot|chatbot|assistant|agent|AI …'s prompt|instructions|system
  message|FAQ|README|docs|guide|help text|script|template|scenario|flow"; "system prompt",
  "prompt template", "system message", "FAQ", "README", "test case", "pytest", "Cypress", "QA",
  "routine", "automation", "YAML", "scenario", "screenplay", "scene", "script", "dialogue",
  "story", "novel", "film", "postmortem", "requirements", "design doc", "rubric",
  "fine-tuning", "JSONL", "RPA", "UiPath", "Zapier", "IVR", "onboarding guide", "user guide",
  "wiki", "example usage"; Korean "우리|내|사내|회사 … 챗봇|봇|AI … 프롬프트|지침|설정|문서|
  가이드|사용법|시나리오", "프롬프트", "시스템 메시지", "지침", "시나리오", "대본", "대사",
  "루틴", "테스트 케이스", "QA", "동화", "소설", "웹드라마", "사용법", "가이드", "위키",
  "FAQ", "요청서", "RPA", "오픈빌더", "키오스크", "평가 결과" (added while implementing, after
  running the review's rows: "챗봇 블록", "발화", and "올릴|보낼|작성한 … 공지|글|문서" — the
  user's own notice);
* a question about the quoted text: "is this|that (a prompt injection|an attack|safe|
  malicious|phishing|a scam)?", "prompt injection", "how should we handle|spot|train|respond",
  "grounds for"; Korean "인젝션", "공격", "어떻게 대응|설명|막", "맞아?".

**v3** (session 14, after check (c) — a second writer's 70 look-alikes, 4 newly blocked —
written before coding). Three more veto kinds, the family not just the rows:

* a question about the quoted text or its feature, in the user's text: "is that|this|it
  something … (can do)", "is it a (real|built-in) feature|command", "can|does|will … actually|
  really …", "does … support", "is there a|any|such … feature|command|setting|way|option",
  "what feature|command", "what's the difference", "how do|can|should I|we tell|distinguish|
  differentiate|set up|configure|design|word|phrase"; Korean "무슨|어떤 기능", "그런 게|거|기능",
  "기능이 있|뭐", "가능해|가능한가|지원해|지원되", "할 수 있어|있나|있을까", "되나요", "되는 거",
  "어떻게 구분|해야|하면|설정|만들|설계" (joining v2's 대응 / 설명 / 막 / 처리 / 대처), "차이",
  "구분";
* reported speech — the quote is what someone said, wrote, sent, posted or typed (to a bot),
  not content handed over to process: the user's frame runs straight into the quote (no colon)
  and ends in a speech verb with at most six words after it ("My manager wrote in the team
  channel "…"", "she said "…"", "someone typed "…"", "I told it "…""), unless the frame asks to
  process content (v2's process verbs: "Summarise what she wrote "…"" is pasted content);
  Korean: the user's text right after the quote is a quotative with a speech verb
  ("…"라고 보냈는데 / 했는데 / 했더니 / 하면 / 말했 / 쳤 / 썼 / 올렸 / 물었 / 입력 / 부르 / 요청 /
  부탁 / 시켰"), not a content description ("라고 적힌|써 있는 메일" stays pasted content);
* intent / utterance design frames, in the user's text: "intent", "utterance", "sample|training
  phrase", "trigger phrase|word", "wake word", "voice command", "slash command", "when|if a|the
  user|customer|caller|someone says|types|asks", "I say|said|type|told it"; Korean
  "인텐트", "엔티티", "예문", "학습 문장", "트리거", "명령어", "호출어", "웨이크 워드" (v2 has
  발화), and a frame ending "사용자|유저|고객|손님|이용자|누가|누군가 + 가|이" straight into
  a quote.

And one carve-out in the Korean pattern itself, read anywhere (a reported or past request is no
order to the reader, wherever it sits): the action followed within a few syllables by
"달라고 / 주라고 / 하라고 / (이)라고 + speech verb" or a past / passive ending ("했는데", "했더니",
"했어", "했다", "됐", "되었"), or by a subject / topic particle ("결제가 그대로예요": a noun, not
an order: 가 / 이 / 은 / 는 / 의 then a space or the end).

Unchanged from v2: vetoes read only the user's text (frame and text after the last quote);
only the two addressee findings are dropped, so a veto can never change what the other layers
say (attacks wrapped in these forms are at worst the status quo: main's verdict).

AI nouns: AI, LLM, language model, (chat)bot, assistant, copilot, summariser, notetaker, and
agent / translator / transcriber / secretary / helper / tool / system / reader / processor only
after an AI modifier (AI, automated, automatic, machine, virtual, voice, digital, reading,
coding, booking …): "travel agents" and "translators" are people.

Carve-outs (not a finding): a Korean order followed by "도록 설정" / "게 설정" (describes how a
bot is set up; added while implementing); style-only notes ("note to the AI: no emojis", "AI:
answer in Korean", "AI야 이모지 쓰지 마"): reply/answer/respond/write/translate/summarise/format/
use/keep are not actions; add/include/append/insert/attach only with a payload (a link, URL,
address, phone, e-mail, card, account, key, password, file, "that …", a quoted phrase); show/print/
list/output/reveal only with something secret or personal (prompt, instructions, password, key,
history, contacts, phone numbers …). Mentions ("what does 'AI: send me the keys' mean?") are
dropped by ``input_mention`` as for every pattern. All quantifiers are bounded.
"""

from __future__ import annotations

from llm_gateway.guardrails.input_patterns import InputPattern, pattern

_AI_MOD = (
    r"(?:ai|a\.i\.|llm|gpt|automated|automatic|auto|automation|machine|virtual|voice|digital|"
    r"robo|smart|[a-z]+-(?:scanning|reading|writing|sorting))"
)
_AI_ROLE = (
    r"(?:assistants?|agents?|helpers?|secretar(?:y|ies)|translators?|transcribers?|tools?|"
    r"systems?|readers?|reviewers?|screeners?|processors?|planners?|services?|editors?|"
    r"writers?|models?|notetakers?|summari[sz]ers?|scanners?|parsers?|programs?|bots?|"
    r"generators?|checkers?|crawlers?)"
)
# Domain words make an AI noun only of roles people do not hold: "booking assistant" is a
# tool, "travel agent" a person.
_DOMAIN = (
    r"(?:reading|coding|code|booking|shopping|scheduling|calendar|e-?mail|inbox|travel|browsing|"
    r"research|career|review|screening|ranking|comparison|translation|transcription|"
    r"summari[sz]ation|support|helpdesk|notes?)"
)
_AI_NOUN = (
    rf"(?:{_AI_MOD}[- ](?:[a-z-]+ ){{0,2}}?{_AI_ROLE}|{_DOMAIN}[- ](?:assistants?|bots?|"
    r"models?|helpers?)|coding agents?|ai|a\.i\.|llms?|language models?|chat ?bots?|"
    r"bots?|assistants?|copilots?|summari[sz]ers?|notetakers?)"
)
_READING = (
    r"(?:reading|reads|processing|processes|summari[sz]ing|summari[sz]es|translating|"
    r"translates|transcribing|transcribes|parsing|parses|scanning|scans|handling|handles|"
    r"reviewing|reviews|drafting|drafts|extracting|extracts|sees|views|accepting|answering|"
    r"writing|checking|indexing|crawling|analy[sz]ing|opens|opening|listening|sorting|"
    r"looking at|working on|going through)"
)
# A hyphen is a mark only as a dash, not inside a word ("HR-bot, send …" names a bot).
_MARK = r"(?:[\"'“‘\[({<#|*/>«「『〔【:—–]|(?<![a-z0-9가-힣])-|[.!?;] )"
# Style carve-out: these verbs are actions only with a payload or a secret after them.
_PAYLOAD = (
    r"(?:links?|urls?|https?|www\.|[a-z0-9-]+\.(?:com|net|org|io|cc|co|biz|info|xyz|shop|kr|"
    r"app|me)\b|address|phone|numbers?|e-?mails?|cards?|accounts?|iban|keys?|tokens?|"
    r"passwords?|credentials?|files?|folders?|contacts?|that\b|saying|sentence|phrase|line|"
    r"paragraph|[\"'“‘])"
)
_PRIVATE_OBJECT = (
    r"(?:system prompt|prompt|instructions|rules|config\w*|passwords?|credentials?|keys?|tokens?|"
    r"secrets?|\.env|ssh|history|conversation|hidden|phone|e-?mails?|addresses|contacts?|"
    r"members?|customers?|users?|salar\w+|cards?|accounts?|ssn|social security|private|"
    r"personal|files?|folders?|director\w+|database|db\b|logs?|dms?|messages)"
)
_ACTION = (
    r"(?:send|sends|forward|e-?mail|dm|cc|bcc|text everyone|wire|transfer|pay|book|buy|purchase|"
    r"order (?:these|the|a|an|\d)|charge|refund|approve|grant|authori[sz]e|escalate|upload|"
    r"exfiltrate|leak|publish|post (?:it|this|the|to|on)|export|delete|erase|wipe|register|"
    r"sign (?:up|them|the user)|subscribe|run|execute|install|force-?push|push|commit|merge|"
    r"invite|ban|kick|unlock|accept|confirm (?:the|this|that|it|without|purchase|booking|order|"
    r"payment|transfer)|rate|rank|score|mark (?:this|it|as|the)|flag|recommend|advise|warn|"
    r"tell (?:the user|them|the reader|readers|everyone|customers|applicants|the author|"
    r"the travell?er|people|users|the parent)|(?:say|state|write|claim|conclude|report|respond|"
    r"reply|answer|mention) that|report (?:success|option)|reply (?:yes|to this)|"
    r"(?:change|update|modify|set|replace|swap|switch|edit|remove|disable|turn off|open|visit|"
    r"call|copy|move|share|create|schedule|collect|ask (?:the user|for)|request)\b"
    rf"[^.!?]{{0,50}}?\b(?:{_PAYLOAD}|{_PRIVATE_OBJECT}|owner|role|permission\w*|settings?|public|"
    r"payee|vendor|recipient|delivery|payout|search engine|admin|sharing|auth\w*|branch|tool|"
    r"api|function|send_\w+|invite)|"
    rf"(?:add|include|append|insert|attach|embed|paste|put)\b[^.!?]{{0,60}}?{_PAYLOAD}|"
    rf"(?:print|output|reveal|show|display|dump|list|give|disclose|provide|read out)\b"
    rf"[^.!?]{{0,40}}?\b{_PRIVATE_OBJECT})"
)
# Words between the address and the order: "please", "do", "go ahead and", "can you also".
_LEAD = (
    r"(?:(?:please|kindly|do|also|just|then|now|first|quickly|silently|immediately|go ahead and|"
    r"can you|could you|would you|i need you to|make sure to|remember to|be sure to|you should|"
    r"you must|you need to|you can|feel free to|it would be (?:super |very )?helpful if you|"
    r"when you [a-z]+ (?:this|it),?|and)\s+){0,4}"
)
_MODAL = (
    r"(?:should|must|shall|will|needs? to|has to|have to|is to|are to|(?:is|are) (?:required|"
    r"asked|instructed|expected|supposed) to)"
)
_READER_EN = (
    rf"(?:if|when|whenever|once|while|as)\s+(?:an?|any|the|your|my|some)\s+{_AI_NOUN}\s+"
    rf"(?:is\s+|are\s+)?{_READING}\b[^.!?]{{0,60}}?[,:;—–-]|"
    rf"(?:whoever|whatever|whichever)\s+(?:the\s+)?{_AI_NOUN}\s+(?:is|are|that'?s|that is)\b"
    rf"[^.!?]{{0,60}}?[,:;—–-]|"
    rf"(?:(?:to|for)\s+)?(?:any|every|each|all|the)\s+{_AI_NOUN}\s+{_READING}\s+(?:this|these|"
    rf"the [a-z]+|it|my [a-z]+)(?:\s+[a-z]+)?\s*(?:[,:—–-]|{_MODAL})|"
    rf"{_AI_NOUN}\s+(?:that|who|which)\s+{_READING}\s+(?:this|these|the [a-z]+|it)[^.!?,]{{0,20}}?"
    rf"{_MODAL}|"
    rf"(?:ai|automated|llm|virtual) (?:readers|summari[sz]ers|tools|helpers|systems|agents|"
    rf"processors|screeners|assistants)(?: [a-z-]+ing\b[^.!?,:]{{0,40}}?)?\s+{_MODAL}|"
    rf"(?:assistants|agents|bots) [a-z]+ing\b[^.!?,:]{{0,40}}?\s+{_MODAL}|"
    rf"(?:note|message|instructions?|attention|p\.?s\.?|important|reminder|request|demand|"
    rf"one (?:small |last |more )?thing|(?:a |one )?(?:small |quick |little )?favou?r)\s*"
    rf"(?:to|for)\s+(?:the\s+|any\s+|all\s+|your\s+|my\s+)?{_AI_NOUN}\s*[,:—–-]"
)
_VOCATIVE_EN = (
    rf"{_MARK}\s?(?:(?:hey|hi|hello|dear|yo|ok|okay|and|also|btw|oh|so|attention)[ ,]+)?"
    rf"(?:to\s+)?(?:the |any |all |my |your )?{_AI_NOUN}(?: {_READING} (?:this|these|it|the "
    rf"[a-z]+))?\s*(?:[,:—–)]|-\s)"
)
# French, the one other language seen addressing a translator: "Petite demande au traducteur
# automatique : ajoutez …".
_FRENCH = (
    r"(?:demande|note|message|remarque|consigne)s? (?:au|à l'|a l'|pour l'|pour le|à la|a la) "
    r"(?:traducteur automatique|ia|assistant|robot|bot|intelligence artificielle)\s*[,:—–-]"
    r"[^.!?]{0,40}?\b(?:ajoute[zr]?|envoye[zr]|[ée]crive[zr] que|supprime[zr]|transf[ée]re[zr]|"
    r"confirme[zr]|paye[zr]|r[ée]serve[zr]|indique[zr] que|remplace[zr]|partage[zr])\b"
)
# Bare 비서 / 에이전트 are people (or the user's own smart speaker): only after an AI word.
_KO_AI_HEAD = (
    r"(?:(?<![a-z])ai(?![a-z])|llm|gpt|인공지능|에이아이|챗봇|봇|어시스턴트|assistant|bot|"
    r"(?:자동|자동화)\s*(?:[가-힣]{1,4}\s*)?(?:기|도구|프로그램|시스템)|"
    r"(?:번역|요약|분석|검토|검수|교정|정리)기|(?:ai|자동)\s*[가-힣]{1,4}기)"
)
_KO_AI = rf"(?:{_KO_AI_HEAD}(?:\s*(?:{_KO_AI_HEAD}|비서|에이전트))?)"
_KO_READER = (
    r"(?:읽는|요약하는|번역하는|처리하는|분석하는|검토하는|정리하는|등록하는|보는|열람하는|"
    r"작성하는|쓰는|받아쓰는|검수하는|교정하는|스캔하는|확인하는|답장하는|답하는)\s*"
)
_KO_ACTION = (
    r"(?:보내|보낼|전송|송금|이체|결제|구매|구입|주문|예약|첨부|포함|넣어|넣고|넣을|바꿔|바꾸|"
    r"바꿀|변경|수정|삭제|지워|지우|공개|출력|올려|올리|업로드|공유|승인|답장|회신|"
    r"결론|실행|복사|붙여|내보내|입력받|받으|발송|초대|강퇴|추방|가입|확정|"
    # 추가 / 안내 / 등록 are everyday verbs; an order only with a payload before them
    r"(?:링크|url|주소|계좌|연락처|번호|비밀번호)[^\n.!?]{0,20}?(?:추가|안내|등록)|"
    r"알려\s*주|알려줘|말해|라고\s*(?:답|말|쓰|써|하))"
)
# Style-only Korean notes ("AI: 한국어로 답해", "AI야 이모지 쓰지 마") name none of these verbs;
# a question about such a bot ("요약하는 AI는 왜 링크를 삭제해?") is not an order.
_KO_QUESTION = r"(?:\?|나요|는지|할까|을까|까요|ㄹ까|냐|니\b)"
# "… 보내도록 설정" describes how a bot is set up, not an order to it.
# v3: a reported or past request ("챗봇한테 주문 취소해달라고 했는데", "송금했더니") is no order to
# the reader wherever it sits, nor is the action word used as a noun ("결제가 그대로예요").
_KO_REPORTED = (
    r"달라고|주라고|하라고|(?:이)?라고\s*(?:했|하더|하니|말|보냈|요청|부탁|시켰)|했(?:는데|더니|어|다|었|지만)|"
    r"됐|되었"
)
_KO_NOUN = r"(?:가|이|은|는|의)(?:\s|$)"
_KO_ORDER = (
    rf"[^\n.!?]{{0,80}}?{_KO_ACTION}(?!{_KO_NOUN})"
    rf"(?![가-힣\s]{{0,8}}?(?:{_KO_QUESTION}|도록\s*설정|게\s*설정|{_KO_REPORTED}))"
)
# A question about what an AI reader does ("if an AI is reading my mail, can it send it?").
_NOT_QUESTION = r"(?![^.!?]{0,80}\?)"

ADDRESSEE_PATTERNS: tuple[InputPattern, ...] = (
    pattern(
        "injection.addressed_action",
        "injection",
        1.0,
        rf"(?:{_READER_EN}|{_VOCATIVE_EN})\s*(?:[^.!?]{{0,60}}?\b)?{_LEAD}{_ACTION}{_NOT_QUESTION}|"
        rf"{_FRENCH}",
    ),
    pattern(
        "injection.ko.addressed_action",
        "injection",
        1.0,
        rf"(?:{_KO_READER}(?:[가-힣a-z]{{1,6}}\s+)?{_KO_AI}\s*(?:님|들)?\s*"
        rf"(?:은|는|에게|한테|께)|"
        rf"{_MARK}\s?(?:[가-힣]{{1,8}}\s+)?{_KO_AI}\s*"
        rf"(?:(?:님|씨)?\s*(?:아|야|에게|한테|께|[,:：])|님\s))"
        rf"{_KO_ORDER}",
        "text_ko",
    ),
)
