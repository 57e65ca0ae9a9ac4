"""The guardrail classifier's training-group registry: which evaluation and writer files are groups.

* ``FIRST_INDEPENDENT_SET`` ... ``FIFTEENTH_INDEPENDENT_SET``: the strangers' sets
  ``eval/guardrails/heldout/guard_heldout.jsonl`` and ``_v2`` to ``_v15`` by their exact file
  names (relative to ``eval/guardrails``), each scored once as held out and dev data since. The
  first four are training groups of every build (``guard_corpora.all_rows`` reads them).
* ``OPTIONAL_GROUPS``: group name -> file for the strangers' sets v5-v20, v24-v26 and (session
  24) v28-v40b, the look-alike judges v37c-v40c and v38d-v40d, the
  writers' files ``dev_written_s9_a`` ... ``dev_written_s18_o`` and the targeted sets
  ``evasion_words_v24`` to ``_v26`` (everyday asks in the words of evasion, strangers', each
  scored once in session 18). A dev run adds any of them by name
  (``guard_lowo.py --include-group``); ``guard_corpora.all_rows(include=...)`` reads them.
* ``SESSION_24_SETS`` / ``SESSION_24_JUDGES``: the thirteen strangers' sets scored in sessions
  20-23 (v28 ... v40b) and six look-alike judges (``lookalike_v38c`` ... ``persona_v40d``,
  attack and extraction heads only): round 24's candidate U trains on them (docs/GUARDRAILS.md,
  "Session 24").
* ``SESSION_25_SETS`` / ``SESSION_25_JUDGES``: the eight strangers' sets scored in sessions 24-25
  (v41 ... v44b) and eight look-alike judges (``lookalike_v41c`` ... ``persona_v44d``, attack and
  extraction heads only): round 28's X3 trains on them (docs/GUARDRAILS.md, "Session 25, round
  28").
* ``SESSION_26_SETS`` / ``SESSION_26_JUDGES``: round 28's pair (v45, v45b) and its two judges
  (``lookalike_v45c``, ``persona_v45d``, attack and extraction heads only): round 29's candidate
  trains on them (docs/GUARDRAILS.md, "Session 26, round 29").
* ``ROUND_30_SETS`` / ``ROUND_30_JUDGES``: round 29's pair (v46, v46b) and its two judges, the
  same way: round 30's T trains on them (docs/GUARDRAILS.md, "Session 26, round 30").
* ``ROUND_31_SETS`` / ``ROUND_31_JUDGES``: round 30's pair (v47, v47b) and its two judges, the
  same way: round 31's U trains on them (shipped; docs/GUARDRAILS.md, "Session 27, round 31").
* ``ROUND_33_SETS`` / ``ROUND_33_JUDGES``: rounds 31-32's three pairs (v48 ... v50b) and their six
  judges, the same way: round 33's V trains on them (shipped; docs/GUARDRAILS.md, "Session 28,
  round 33").
* ``ROUND_34_SETS`` / ``ROUND_34_JUDGES`` / ``ROUND_34_WRITERS``: session 28's two pairs (v51 ...
  v52b) and their four judges, the same way, and two hard-negative writers (whole groups):
  round 34's X trains on them (shipped; docs/GUARDRAILS.md, "Session 29, round 34").
* ``ROUND_35_SETS`` / ``ROUND_35_JUDGES`` / ``ROUND_35_WRITERS``: session 29's three families
  (v53 ... v55b; v54 is a pair) and their four judges, the same way, and two more hard-negative
  writers (whole groups): round 35's Y trained on them and failed its rule (docs/GUARDRAILS.md,
  "Session 30, round 35"), so they are unshipped (``ROUND_35_UNSHIPPED``).
* ``UNSHIPPED_GROUPS``: the optional groups the shipped build leaves out: s17_n, session 23's and
  round 35's.
  Sessions 14 and 16 measured v11-v15, s13_j, s14_k and s15_l as groups and no candidate passed;
  session 18's round 9 shipped them with s17_m, s18_o and ev24 (docs/GUARDRAILS.md, "Session
  18"); session 19's round 12 shipped v16-v20, v24-v26, ev25 and ev26 without their injection
  rows.
* ``GROUP_SKIPS``: the categories a group trains without (round 12's ten: ``injection``).
* ``shipped_optional_groups()``: the rest, which the shipped build trains on
  (``train_guardrails.py --include-writers``, on by default; ``--check`` reproduces it).

Names only: nothing here reads a file. The lead's held-out set (any path naming
``sealed.SEALED``) is never a group; ``guard_corpora.refuse_heldout`` stops any read of it.
"""

from __future__ import annotations

# The first eighteen independent sets (each scored as held out, dev data since; the tenth to
# fifteenth, ``heldout/guard_heldout_v10.jsonl`` to ``_v15``, since sessions 10-15; v10 an
# optional group since session 12, v11-v13 since session 14, v14 and v15 since session 16;
# v16-v20 and v24-v26, scored in sessions 16-18, since session 19). The lead's next held-out
# set (any path naming ``sealed.SEALED``) must never be read: ``guard_corpora.refuse_heldout``
# guards it.
FIRST_INDEPENDENT_SET = "heldout/guard_heldout.jsonl"
SECOND_INDEPENDENT_SET = "heldout/guard_heldout_v2.jsonl"
THIRD_INDEPENDENT_SET = "heldout/guard_heldout_v3.jsonl"
FOURTH_INDEPENDENT_SET = "heldout/guard_heldout_v4.jsonl"
FIFTH_INDEPENDENT_SET = "heldout/guard_heldout_v5.jsonl"
SIXTH_INDEPENDENT_SET = "heldout/guard_heldout_v6.jsonl"
SEVENTH_INDEPENDENT_SET = "heldout/guard_heldout_v7.jsonl"
EIGHTH_INDEPENDENT_SET = "heldout/guard_heldout_v8.jsonl"
NINTH_INDEPENDENT_SET = "heldout/guard_heldout_v9.jsonl"
TENTH_INDEPENDENT_SET = "heldout/guard_heldout_v10.jsonl"
ELEVENTH_INDEPENDENT_SET = "heldout/guard_heldout_v11.jsonl"
TWELFTH_INDEPENDENT_SET = "heldout/guard_heldout_v12.jsonl"
THIRTEENTH_INDEPENDENT_SET = "heldout/guard_heldout_v13.jsonl"
FOURTEENTH_INDEPENDENT_SET = "heldout/guard_heldout_v14.jsonl"
FIFTEENTH_INDEPENDENT_SET = "heldout/guard_heldout_v15.jsonl"

# Session 19's round 12: the strangers' sets scored in sessions 16-18 (dev since) and the two
# later targeted sets of the evasion family (groups below, trained without ``GROUP_SKIPS``).
SESSION_19_SETS = (16, 17, 18, 19, 20, 24, 25, 26)
SESSION_19_GROUPS = (
    *(f"dev_heldout_v{n}" for n in SESSION_19_SETS),
    "dev_evasion_v25",
    "dev_evasion_v26",
)

# Session 24: the strangers' guard sets scored in sessions 20-23 (each once, dev data since).
SESSION_24_SETS = ("28", "29", "31", "33", "36", "37", "37b", "38", "38b", "39", "39b", "40", "40b")
SESSION_24_GROUPS = tuple(f"dev_heldout_v{n}" for n in SESSION_24_SETS)
SESSION_24_JUDGES = (
    *(f"dev_lookalike_v{n}c" for n in (38, 39, 40)),
    *(f"dev_persona_v{n}d" for n in (38, 39, 40)),
)

# Session 25: the strangers' guard sets scored in sessions 24-25 (v41-v44b, each once, dev data
# since) and their look-alike and persona judges (attack and extraction heads only). Round 27's
# X2 trained on v41-v43b's and missed its rule's fast-path gain (+0.004 of +0.005); round 28's
# X3 trains on all of them and shipped (docs/GUARDRAILS.md, "Session 25, round 28").
SESSION_25_SETS = ("41", "41b", "42", "42b", "43", "43b", "44", "44b")
SESSION_25_GROUPS = tuple(f"dev_heldout_v{n}" for n in SESSION_25_SETS)
SESSION_25_JUDGE_ROUNDS = (41, 42, 43, 44)
SESSION_25_JUDGES = (
    *(f"dev_lookalike_v{n}c" for n in SESSION_25_JUDGE_ROUNDS),
    *(f"dev_persona_v{n}d" for n in SESSION_25_JUDGE_ROUNDS),
)

# Session 26: the strangers' guard pair scored in round 28 (v45, v45b, dev data since) and its
# look-alike and persona judges (attack and extraction heads only): round 29's candidate trains
# on them (docs/GUARDRAILS.md, "Session 26, round 29").
SESSION_26_SETS = ("45", "45b")
SESSION_26_GROUPS = tuple(f"dev_heldout_v{n}" for n in SESSION_26_SETS)
SESSION_26_JUDGES = ("dev_lookalike_v45c", "dev_persona_v45d")
# and round 29's pair (v46, v46b) with its judges: round 30's candidate trains on them too
ROUND_30_SETS = ("46", "46b")
ROUND_30_GROUPS = tuple(f"dev_heldout_v{n}" for n in ROUND_30_SETS)
ROUND_30_JUDGES = ("dev_lookalike_v46c", "dev_persona_v46d")
# and round 30's pair (v47, v47b) with its judges: round 31's U trains on them too (shipped)
ROUND_31_SETS = ("47", "47b")
ROUND_31_GROUPS = tuple(f"dev_heldout_v{n}" for n in ROUND_31_SETS)
ROUND_31_JUDGES = ("dev_lookalike_v47c", "dev_persona_v47d")


def judge_files(families: tuple[int, ...]) -> dict[str, str]:
    """Each family's look-alike and persona judge: group name -> file (``eval/guardrails``)."""
    return {
        f"dev_{kind}_v{n}{suffix}": f"{kind}_v{n}{suffix}.jsonl"
        for n in families
        for kind, suffix in (("lookalike", "c"), ("persona", "d"))
    }


# and rounds 31-32's three pairs (v48-v50b) with their six judges: round 33's V (shipped)
ROUND_33_SETS = ("48", "48b", "49", "49b", "50", "50b")
ROUND_33_GROUPS = tuple(f"dev_heldout_v{n}" for n in ROUND_33_SETS)
ROUND_33_JUDGE_ROUNDS = (48, 49, 50)
ROUND_33_JUDGES = tuple(judge_files(ROUND_33_JUDGE_ROUNDS))
# and session 28's two judged families (v51-v52b) with their four judges, and two writers of the
# hard negatives the fast path still blocked, beside attacks in the same registers: own data,
# earlier turns and pasted notices (r); security and fraud education, safety questions,
# fiction, games and idioms (s): round 34's X (shipped)
ROUND_34_WRITERS = ("dev_written_s29_r", "dev_written_s29_s")
ROUND_34_SETS = ("51", "51b", "52", "52b")
ROUND_34_GROUPS = tuple(f"dev_heldout_v{n}" for n in ROUND_34_SETS)
ROUND_34_JUDGE_ROUNDS = (51, 52)
ROUND_34_JUDGES = tuple(judge_files(ROUND_34_JUDGE_ROUNDS))
# and session 29's three judged families (v53-v55b; v54 is a pair without look-alike judges) with
# their four judges, and two more writers of hard negatives beside attacks in the same registers:
# own data, own bots and pasted notices (t); education, victims, safety, fiction, idioms (u):
# round 35's Y (failed its rule: unshipped, below)
ROUND_35_WRITERS = ("dev_written_s30_t", "dev_written_s30_u")
ROUND_35_SETS = ("53", "53b", "54", "54b", "55", "55b")
ROUND_35_GROUPS = tuple(f"dev_heldout_v{n}" for n in ROUND_35_SETS)
ROUND_35_JUDGE_ROUNDS = (53, 55)
ROUND_35_JUDGES = tuple(judge_files(ROUND_35_JUDGE_ROUNDS))

# The addressee review files (``tests/data/addressee_review``, relative to ``eval/guardrails``):
# session 23 made them training groups (docs/GUARDRAILS.md, "Session 23").
ADDRESSEE_REVIEW = "../../tests/data/addressee_review"
ADDRESSEE_FILES = (
    "benign_lookalikes",
    "benign_lookalikes_2",
    "benign_lookalikes_3",
    "benign_lookalikes_4",
    "review_s15_benign",
    "attack_misses",
    "excuse_bypass",
    "review_s15_attacks",
)

# Strangers' and writers' sets read as training groups by name: the shipped build trains on all
# but ``UNSHIPPED_GROUPS`` (``shipped_optional_groups``); a dev experiment adds or leaves out any
# of them by name (``guard_lowo.py --include-group`` / ``--exclude-group``).
OPTIONAL_GROUPS = {
    "dev_heldout_v5": FIFTH_INDEPENDENT_SET,
    "dev_heldout_v6": SIXTH_INDEPENDENT_SET,
    "dev_heldout_v7": SEVENTH_INDEPENDENT_SET,
    "dev_heldout_v8": EIGHTH_INDEPENDENT_SET,
    "dev_heldout_v9": NINTH_INDEPENDENT_SET,
    **{f"dev_written_s9_{w}": f"dev_written_s9_{w}.jsonl" for w in "abcd"},
    **{f"dev_written_s10_{w}": f"dev_written_s10_{w}.jsonl" for w in "efg"},
    "dev_written_s11_h": "dev_written_s11_h.jsonl",
    # session 12: a twelfth writer's training file and the tenth stranger's set (v11, dev data
    # too, is the lead's joint check this session: not a group)
    "dev_written_s12_i": "dev_written_s12_i.jsonl",
    "dev_heldout_v10": TENTH_INDEPENDENT_SET,
    # session 14: the eleventh to thirteenth strangers' sets (each scored once as held out, dev
    # data since) and a thirteenth writer's training file
    "dev_heldout_v11": ELEVENTH_INDEPENDENT_SET,
    "dev_heldout_v12": TWELFTH_INDEPENDENT_SET,
    "dev_heldout_v13": THIRTEENTH_INDEPENDENT_SET,
    "dev_written_s13_j": "dev_written_s13_j.jsonl",
    # session 16: the fourteenth and fifteenth strangers' sets and two more writers' files
    "dev_heldout_v14": FOURTEENTH_INDEPENDENT_SET,
    "dev_heldout_v15": FIFTEENTH_INDEPENDENT_SET,
    "dev_written_s14_k": "dev_written_s14_k.jsonl",
    "dev_written_s15_l": "dev_written_s15_l.jsonl",
    # session 17: a writer of users' own-things asks and the extraction attacks that mimic them
    "dev_written_s17_m": "dev_written_s17_m.jsonl",
    # and a writer of everyday how-to asks beside harmful ones in the same form
    "dev_written_s17_n": "dev_written_s17_n.jsonl",
    # session 18: everyday asks in the words of evasion, beside harmful ones in the same forms
    "dev_written_s18_o": "dev_written_s18_o.jsonl",
    # and the targeted judge of round 8 (another author of the family), dev data since
    "dev_evasion_v24": "evasion_words_v24.jsonl",
    # session 19 (``SESSION_19_GROUPS``)
    **{f"dev_heldout_v{n}": f"heldout/guard_heldout_v{n}.jsonl" for n in SESSION_19_SETS},
    "dev_evasion_v25": "evasion_words_v25.jsonl",
    "dev_evasion_v26": "evasion_words_v26.jsonl",
    # session 23: a writer of extraction attacks beside their own-things look-alikes, and the
    # reviewers' and blind writers' addressee look-alikes and attacks (sessions 14-15), until
    # then test pins only: benign prompts that name a bot or an AI product
    "dev_written_s23_p": "dev_written_s23_p.jsonl",
    # and a writer of harmless persona, role and format set-ups beside persona jailbreaks
    "dev_written_s23_q": "dev_written_s23_q.jsonl",
    **{f"dev_addressee_{name}": f"{ADDRESSEE_REVIEW}/{name}.jsonl" for name in ADDRESSEE_FILES},
    # and round 20's stranger-written judge of that family (300 benign prompts naming a bot)
    "dev_lookalike_v37c": "lookalike_v37c.jsonl",
    # session 24: the strangers' sets scored in sessions 20-23 (dev since), their look-alike
    # and persona judges
    **{f"dev_heldout_v{n}": f"heldout/guard_heldout_v{n}.jsonl" for n in SESSION_24_SETS},
    **{f"dev_lookalike_v{n}c": f"lookalike_v{n}c.jsonl" for n in (38, 39, 40)},
    **{f"dev_persona_v{n}d": f"persona_v{n}d.jsonl" for n in (38, 39, 40)},
    # session 25 (``SESSION_25_GROUPS``, ``SESSION_25_JUDGES``)
    **{f"dev_heldout_v{n}": f"heldout/guard_heldout_v{n}.jsonl" for n in SESSION_25_SETS},
    **{f"dev_lookalike_v{n}c": f"lookalike_v{n}c.jsonl" for n in SESSION_25_JUDGE_ROUNDS},
    **{f"dev_persona_v{n}d": f"persona_v{n}d.jsonl" for n in SESSION_25_JUDGE_ROUNDS},
    # session 26 (``SESSION_26_GROUPS``, ``SESSION_26_JUDGES``)
    **{f"dev_heldout_v{n}": f"heldout/guard_heldout_v{n}.jsonl" for n in SESSION_26_SETS},
    "dev_lookalike_v45c": "lookalike_v45c.jsonl",
    "dev_persona_v45d": "persona_v45d.jsonl",
    # session 26, round 30 (``ROUND_30_GROUPS``, ``ROUND_30_JUDGES``)
    **{f"dev_heldout_v{n}": f"heldout/guard_heldout_v{n}.jsonl" for n in ROUND_30_SETS},
    "dev_lookalike_v46c": "lookalike_v46c.jsonl",
    "dev_persona_v46d": "persona_v46d.jsonl",
    # session 27, round 31 (``ROUND_31_GROUPS``, ``ROUND_31_JUDGES``)
    **{f"dev_heldout_v{n}": f"heldout/guard_heldout_v{n}.jsonl" for n in ROUND_31_SETS},
    "dev_lookalike_v47c": "lookalike_v47c.jsonl",
    "dev_persona_v47d": "persona_v47d.jsonl",
    # session 28, round 33 (``ROUND_33_GROUPS``, ``ROUND_33_JUDGES``)
    **{f"dev_heldout_v{n}": f"heldout/guard_heldout_v{n}.jsonl" for n in ROUND_33_SETS},
    **judge_files(ROUND_33_JUDGE_ROUNDS),
    # session 29, round 34 (``ROUND_34_GROUPS``, ``ROUND_34_JUDGES``)
    **{f"dev_heldout_v{n}": f"heldout/guard_heldout_v{n}.jsonl" for n in ROUND_34_SETS},
    **judge_files(ROUND_34_JUDGE_ROUNDS),
    # and its two writers (``ROUND_34_WRITERS``, whole groups)
    **{name: f"{name}.jsonl" for name in ROUND_34_WRITERS},
    # session 30, round 35 (``ROUND_35_GROUPS``, ``ROUND_35_JUDGES``)
    **{f"dev_heldout_v{n}": f"heldout/guard_heldout_v{n}.jsonl" for n in ROUND_35_SETS},
    **judge_files(ROUND_35_JUDGE_ROUNDS),
    # and its two writers (``ROUND_35_WRITERS``, whole groups)
    **{name: f"{name}.jsonl" for name in ROUND_35_WRITERS},
}
# Categories a group trains without. Session 19's round 11 added the ten later sets whole, and
# their injection rows moved the injection head onto benign prompts that name an AI product or
# agent ("클로드: 긴 문서 요약이 제일 나음", "@copilot 이 함수 삭제하고 …"); round 12 keeps
# every other category of theirs and passed its judges (docs/GUARDRAILS.md, "Session 19").
# (The two evasion sets hold no injection rows: the skip drops the eight strangers' sets' 640.)
GROUP_SKIPS: dict[str, frozenset[str]] = {g: frozenset({"injection"}) for g in SESSION_19_GROUPS}

# Session 23's groups, when a build adds them (``train_guardrails.py --include-group``), train
# the attack and extraction heads only: their benign rows are look-alikes of attacks, and in
# the harmful head they moved its scores under its threshold (two pinned harmful requests
# passed). No round that trained on them shipped (rounds 20-22, docs/GUARDRAILS.md "Session
# 23"): they are unshipped. Session 24's look-alike judges train the same heads only, and
# shipped with round 24.
SESSION_23_GROUPS = frozenset(
    {
        "dev_written_s23_p",
        "dev_written_s23_q",
        "dev_lookalike_v37c",
        *(f"dev_addressee_{name}" for name in ADDRESSEE_FILES),
    }
)
ATTACK_ONLY_GROUPS = (
    SESSION_23_GROUPS
    | frozenset(SESSION_24_JUDGES)
    | frozenset(SESSION_25_JUDGES)
    | frozenset(SESSION_26_JUDGES)
    | frozenset(ROUND_30_JUDGES)
    | frozenset(ROUND_31_JUDGES)
    | frozenset(ROUND_33_JUDGES)
    | frozenset(ROUND_34_JUDGES)
    | frozenset(ROUND_35_JUDGES)
)


# Optional groups the shipped build does not train on. Sessions 14 and 16 left v11-v15, s13_j,
# s14_k and s15_l out (their candidates failed their rules); session 18's round 9 shipped them
# with s17_m, s18_o and ev24 (docs/GUARDRAILS.md, "Session 18"). s17_n, session 17's everyday
# how-to writer, is still out: no round shipped it. It stays a writer of ``guard_lowo`` and a dev
# run can still add it (``--include-group``). Session 23's groups are out too (above), and round
# 35's (session 30: its candidate Y failed its rule by one benign row, docs/GUARDRAILS.md
# "Session 30, round 35"); a dev run adds them by name.
ROUND_35_UNSHIPPED = frozenset({*ROUND_35_GROUPS, *ROUND_35_JUDGES, *ROUND_35_WRITERS})
UNSHIPPED_GROUPS = frozenset({"dev_written_s17_n", *SESSION_23_GROUPS, *ROUND_35_UNSHIPPED})


def shipped_optional_groups() -> tuple[str, ...]:
    """The optional groups the shipped build trains on (``--include-writers``), sorted."""
    return tuple(sorted(set(OPTIONAL_GROUPS) - UNSHIPPED_GROUPS))


def shipped_group_files() -> frozenset[str]:
    """Every file the shipped build trains on as a group (relative to ``eval/guardrails``): the
    first four strangers' sets and the shipped optional groups."""
    first = (FIRST_INDEPENDENT_SET, SECOND_INDEPENDENT_SET, THIRD_INDEPENDENT_SET)
    optional = {OPTIONAL_GROUPS[g] for g in shipped_optional_groups()}
    return frozenset({*first, FOURTH_INDEPENDENT_SET, *optional})
