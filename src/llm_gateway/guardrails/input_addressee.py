"""Pasted notices that tell *people* to ignore an earlier notice: not an injection by rule.

"Parents, please ignore the previous practice schedule", "Engineers should ignore all previous
deploy windows", "Team, disregard my earlier invite", "학부모님께서는 이전 안내문은 무시해 주세요",
"주민 여러분 지난 공지는 무시하시고 …" are ordinary notices a user pastes to be summarised or
translated; ``injection.ignore_previous`` / ``injection.ignore_above`` /
``injection.ko.ignore_previous`` fire on their "ignore the previous …".

A dismissal is *excused* (those three findings are dropped when they match nothing once it is
blanked) when, fixed before any figure was taken (session 14):

* its addressee is explicitly human: a vocative ("Parents,", "Team:", "Hi all —", "주민 여러분",
  "고객님,") or the subject ("Engineers should …", "학부모님께서는 …", "직원은 …") of a plural or
  role noun for people (parents, residents, tenants, staff, employees, engineers, team, players,
  guests, customers, members …; 학부모, 주민, 입주민, 직원, 회원, 고객, 여러분 …);
* its object is an ordinary thing (schedule, e-mail, notice, memo, invite, SOP, agenda, price
  list, link, version, "parking rules" …; 공지, 안내문, 메일, 일정, 계좌, 링크 …), not
  instructions, prompts, guidelines, settings, policies, the system, or rules without a
  modifier or with an AI one ("your rules", "safety rules").

Vetoes (nothing is excused in the prompt): an AI addressee or AI noun anywhere (AI, bot,
assistant, agent, model, LLM, GPT …, "@assistant" spelt "aassistant"; 봇, 챗봇, 인공지능,
에이전트, 어시스턴트, 비서), or a word an attack goes for (system, developer, prompt,
instructions, guidelines, safety, jailbreak, reveal, hidden, secret, password, credentials, API
key, token; 시스템, 프롬프트, 지시, 지침, 비밀번호 …). Only rule findings are excused; the
classifier scores the whole prompt as before (a previous attempt that zeroed scores opened a
bypass). Prompts longer than ``_MAX_TEXT`` are not excused: a notice is short, and the excuse
must stay cheap on long crafted text (its bounded gaps cost ~85 ms on 5,500 characters of
"학부모님께서는 이전 " repeated).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from llm_gateway.guardrails.input_patterns import InputPattern
from llm_gateway.guardrails.normalize import NormalizedText
from llm_gateway.guardrails.types import Finding

_MAX_TEXT = 4000
EXCUSABLE_RULES = frozenset(
    {"injection.ignore_previous", "injection.ignore_above", "injection.ko.ignore_previous"}
)
_VETO = re.compile(
    r"\b(?:ai|a\.i\.|llms?|language models?|chat ?bots?|bots?|assistants?|copilots?|agents?|"
    r"models?|gpt\w*|chatgpt|claude|summari[sz]ers?|aai|aassistant|abot|aagent|system|"
    r"developers?|operator|prompts?|instructions?|guidelines|guardrails?|safety|jailbreak\w*|"
    r"reveal|hidden|secrets?|confidential|passwords?|credentials?|api keys?|tokens?)\b|"
    r"(?<![a-z])ai(?![a-z])|인공지능|챗봇|봇|어시스턴트|에이전트|비서|시스템|프롬프트|지시|지침|"
    r"명령|비밀번호|개발자|관리자"
)
_HUMAN_EN = (
    r"(?:parents|families|guardians|residents|tenants|neighbou?rs|homeowners|owners|members|"
    r"staff|employees|colleagues|co-?workers|engineers|team|teammates|everyone|everybody|all|"
    r"folks|players|coaches|guests|customers|clients|students|teachers|faculty|volunteers|"
    r"attendees|participants|passengers|travell?ers|patients|visitors|shoppers|subscribers|"
    r"managers|supervisors|drivers|riders|nurses|doctors|interns|contractors|vendors|suppliers|"
    r"applicants|candidates|hosts|organi[sz]ers|committee|crew|class|kids|friends|renters|"
    r"commuters|fans|campers|ladies and gentlemen|sirs?|madam)"
)
_DISMISS_EN = r"(?:ignore|disregard|forget(?: about)?|discard|skip)"
_ORD_EN = (
    r"(?:schedules?|timetables?|calendars?|rosters?|rotas?|agendas?|e-?mails?|mails?|notices?|"
    r"notifications?|memos?|invites?|invitations?|sops?|announcements?|messages?|texts?|"
    r"letters?|posts?|flyers?|newsletters?|bulletins?|updates?|reminders?|alerts?|versions?|"
    r"drafts?|lists?|menus?|forms?|links?|address(?:es)?|dates?|times?|deadlines?|windows?|"
    r"plans?|routes?|maps?|signs?|assessments?|bills?|invoices?|statements?|quotes?|"
    r"estimates?|figures?|numbers?|amounts?|prices?|rates?|fees?|practices?|games?|"
    r"matches?|meetings?|events?|sessions?|classes?|shifts?|slots?|bookings?|reservations?|"
    r"payments?|procedures?|requirements?|details?|info|locations?|venues?|rooms?|tickets?)"
)
_SENSITIVE_MOD = (
    r"(?:your|ai|system|safety|content|model|bot|assistant|chat|prompt|security|moderation)"
)
_NOUN_PHRASE_EN = (
    r"(?:about\s+)?(?:(?:the|any|all|my|our|that|this|these|those|his|her|their|last|"
    r"yesterday'?s|last week'?s)\s+)*(?:(?:previous|prior|earlier|above|old|original|initial|"
    r"first|former|preceding|outdated)\s+)?"
    rf"(?:(?:(?!{_SENSITIVE_MOD}\b)[a-z0-9'-]+\s+){{0,2}}?{_ORD_EN}|"
    rf"(?:(?!{_SENSITIVE_MOD}\b)[a-z0-9'-]+\s+){{1,2}}rules?)\b"
    r"(?!\s+(?:instructions?|prompts?|rules|guidelines|directives|commands|settings|polic\w+))"
)
_HUMAN_DISMISSAL_EN = re.compile(
    rf"(?:(?:^|[\"'“‘\[({{<:—–-]|[.!?;] )\s?(?:(?:hi|hello|dear|attention|calling all|to all|"
    rf"heads up)[ ,]+)?(?:all |our |the |my |dear |fellow )?(?:[a-z-]+ )?{_HUMAN_EN}\s*"
    rf"[,:—–-]\s*|\b(?:all |our |the |fellow )?(?:[a-z-]+ )?{_HUMAN_EN}\s+(?:should|must|can|"
    rf"may|need to|are (?:asked|requested|reminded) to|,? ?please)\s+)"
    rf"(?:(?:please|kindly|just|now|you can|you may|you should|feel free to)\s+){{0,2}}"
    rf"{_DISMISS_EN}\s+{_NOUN_PHRASE_EN}"
)
_HUMAN_KO = (
    r"(?:학부모|부모|주민|입주민|입주자|세입자|임차인|임직원|교직원|직원|사원|팀원|회원|고객|"
    r"학생|교사|선생|선수|참가자|참석자|방문객|손님|신도|교인|성도|조합원|구성원|주주|동문|"
    r"보호자|가족|승객|환자|운영진|멤버|관계자|담당자|임원|수강생|이용자|단원|부원|여러분)"
)
_PRIOR_KO = r"(?:이전|지난|앞서|기존|위|앞|예전|먼저|어제|지난번|종전|처음|전에|앞에서)"
_ORD_KO = (
    r"(?:공지사항|공지|안내문자|안내문|안내|메일|문자|일정표|일정|시간표|계좌|링크|주소|가격|"
    r"금액|버전|초대장|초대|메모|공문|가정통신문|통신문|게시물|게시글|글|자료|양식|서류|조건|"
    r"날짜|요금|연락처|번호|내용|장소|시간|준비물|메시지|카톡|알림|발표|공고|청구서|고지서|"
    r"명단|순서|메뉴|견적)"
)
_HUMAN_DISMISSAL_KO = re.compile(
    rf"{_HUMAN_KO}\s*(?:님|분)?\s*(?:들)?\s*(?:여러분)?\s*(?:께서는|께서|께|은|는|이|가|에게|[,:])?"
    rf"[^.!?\n]{{0,40}}?{_PRIOR_KO}[^.!?\n]{{0,20}}?{_ORD_KO}\s*(?:은|는|을|를|도)?"
    r"[^.!?\n]{0,12}?(?:무시|신경\s*쓰지|잊|없던\s*(?:걸로|것으로))"
)
_NON_WORD = re.compile(r"[\W_]+")


def human_dismissal_spans(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` (the normalized view) that tell people to ignore an ordinary thing."""
    if len(text) > _MAX_TEXT or _VETO.search(text) is not None:
        return []
    spans = [m.span() for m in _HUMAN_DISMISSAL_EN.finditer(text)]
    if not text.isascii():
        spans += [m.span() for m in _HUMAN_DISMISSAL_KO.finditer(text)]
    return sorted(spans)


def _blanked(views: NormalizedText, spans: list[tuple[int, int]]) -> NormalizedText:
    pieces, previous = [], 0
    for start, end in spans:
        if start >= previous:
            pieces.append(views.text[previous:start])
            pieces.append(" ")
            previous = end
    pieces.append(views.text[previous:])
    text = "".join(pieces)
    return NormalizedText(text, _NON_WORD.sub("", text), views.hangul, views.decoded)


def excuse_human_dismissals(
    findings: list[Finding], views: NormalizedText, patterns: Mapping[str, InputPattern]
) -> list[Finding]:
    """``findings`` less the ignore-previous ones that only match a dismissal told to people."""
    if not any(f.rule_id in EXCUSABLE_RULES for f in findings):
        return findings
    spans = human_dismissal_spans(views.text)
    if not spans:
        return findings
    rest = _blanked(views, spans)

    def excused(finding: Finding) -> bool:
        pattern = patterns.get(finding.rule_id)
        if pattern is None or finding.rule_id not in EXCUSABLE_RULES:
            return False
        haystack = rest.compact if pattern.view == "compact" else rest.text
        return pattern.regex.search(haystack) is None

    return [f for f in findings if not excused(f)]
