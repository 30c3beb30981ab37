"""Answers on the real seed: verbatim quotes, context for leaning sentences, no repeats, abstention."""

from __future__ import annotations

import pytest

from knowledge.answers import AFTERWARDS, answer, is_verbatim, ranking_of
from knowledge.cues import Cue
from knowledge.index import load_knowledge_base
from knowledge.model import Kind
from knowledge.question import OFF_TOPIC, read_question
from knowledge.summaries import summarize


def test_quotes_are_verbatim_and_cited(kb):
    result = answer(kb, "is China negotiating?")
    assert result.answered and 1 <= len(result.quotes) <= 3
    article = kb.article(result.quotes[0].sentence.source)
    for quote in result.quotes:
        assert quote.text in article.text
        assert quote.sentence.paragraph >= 1 and quote.sentence.number >= 1


def test_leaning_sentence_is_quoted_with_its_context(kb):
    result = answer(kb, "could the US reduce tariffs to show goodwill?")
    quote = next(q for q in result.quotes if "reducing tariffs" in q.sentence.text)
    assert [s.text[:20] for s in quote.context] == ["China’s approach ind"]
    assert quote.text.startswith("China’s approach indicates")
    assert quote.text.endswith("reaching out to Xi first.")


def test_no_sentence_quoted_twice(kb):
    for question in [
        "what concessions does China want from the US?",
        "is there a stalemate?",
        "what did Yun Sun say?",
        "are the two countries negotiating?",
    ]:
        ids = [s.id for q in answer(kb, question).quotes for s in q.sentences]
        assert len(ids) == len(set(ids)), question


def test_a_question_answered_by_one_sentence_gets_one(kb):
    result = answer(kb, "Where is the Stimson Center?")
    assert len(result.quotes) == 1
    assert "Stimson Center in Washington" in result.quotes[0].text


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who is the Chinese Foreign Ministry spokesman?", "Guo Jiakun"),
        ("When did the Foreign Ministry make its statement?", "April 25, 2025"),
        ("Why does China think it can outlast the US?", "led by Xi Jinping"),
    ],
)
def test_question_words_pick_the_right_sentence(kb, question, expected):
    assert expected in answer(kb, question).quotes[0].text


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of France?",
        "hello",
        "What is the GDP of China?",
        "good morning",
        "Who won the World Cup?",
        "?!",
        "   ",
        "the the the",
    ],
)
def test_abstains_when_the_articles_do_not_answer(kb, question):
    result = answer(kb, question)
    assert not result.answered and result.quotes == () and result.reason


def test_hostile_and_huge_questions_get_a_reason(kb):
    assert not answer(kb, "x" * 10_000).answered
    result = answer(kb, "'; DROP TABLE sentences; -- @everyone \x00\ufffd")
    assert result.reason or result.quotes


def test_follow_up_uses_the_earlier_question(kb):
    alone = answer(kb, "why?")
    assert not alone.answered
    follow = answer(kb, "why?", context=["Is China confident about the trade war?"])
    assert follow.answered
    assert "believing it can endure" in follow.quotes[0].text


def test_is_verbatim():
    assert is_verbatim("a  b", "x a\nb y")
    assert not is_verbatim("a c", "x a b y")


def test_a_lead_sentence_does_not_crowd_out_the_body_sentence_behind_it(kb):
    # The subtitle matches more of the words, but the body sentence holds the denial itself.
    texts = [q.text for q in answer(kb, "is it true the us and china are consulting on trade?").quotes]
    assert texts[0].startswith("China's Foreign Ministry denies")
    assert any("NOT having any consultation" in t for t in texts[1:])


def test_a_quote_runs_on_into_the_sentence_that_continues_it(kb):
    result = answer(kb, "Would a goodwill gesture from Washington bring Beijing to the table?")
    quote = result.quotes[0]
    assert quote.sentence.text.startswith("China’s approach indicates")
    assert [s.text[:17] for s in quote.continuation] == ["This could entail"]
    assert quote.text.endswith("reaching out to Xi first.")
    assert is_verbatim(quote.text, kb.article(quote.sentence.source).text)


def test_words_written_together_in_the_question_prefer_sentences_that_have_them_together(kb):
    question = "What position has the Chinese Foreign Ministry taken on the reported negotiations?"
    assert "Foreign Ministry" in answer(kb, question).quotes[0].text


@pytest.mark.parametrize(
    "question",
    [
        "whats going on between the us and china on trade rn",
        "what's the latest news on the talks?",
        "catch me up",
    ],
)
def test_overview_questions_get_the_gist(kb, question):
    gist = summarize(kb, sentences=2).quotes
    assert [q.sentence.id for q in answer(kb, question).quotes] == [q.sentence.id for q in gist]


def test_overview_words_do_not_turn_a_specific_question_into_a_summary(kb):
    assert not answer(kb, "@everyone what's up").answered  # a greeting
    tariffs = answer(kb, "what's going on with tariffs?")  # not what the headline is about
    assert "reducing tariffs" in tariffs.quotes[0].text


def test_a_generic_attribution_is_not_the_topic_but_a_named_one_is(kb):
    result = answer(kb, "According to the analyst quoted, which side is seeking to de-escalate?")
    assert any("wanting to de-escalate" in q.text for q in result.quotes)
    named = answer(kb, "According to Yun Sun, are the Chinese eager to back down?")
    assert "Yun Sun" in named.quotes[0].text


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("whats the subtitle / tagline under the headline", Kind.SUBTITLE),
        ("what is the headline saying about china's stance", Kind.HEADLINE),
    ],
)
def test_questions_about_the_headline_or_subtitle_quote_it(kb, question, kind):
    result = answer(kb, question)
    assert result.quotes and all(q.sentence.kind is kind for q in result.quotes)


def test_a_summary_request_in_other_words_gets_the_summary_in_the_length_asked(kb):
    one = answer(kb, "Give me the one-line summary of this story.").quotes
    assert [q.sentence.id for q in one] == [summarize(kb).quotes[0].sentence.id]
    assert len(answer(kb, "What's the gist?").quotes) == 2


def test_how_things_turned_out_is_not_in_articles_written_before(kb):
    for question in ("Was a deal eventually signed?", "Did Trump and Xi end up meeting after this?"):
        result = answer(kb, question)
        assert not result.answered and result.reason == AFTERWARDS, question
    assert answer(kb, "so what happens next?").answered  # the outlook is in the article


def test_a_month_the_articles_never_name_is_unknown(kb):
    result = answer(kb, "What happened in the trade talks in May 2025?")
    assert not result.answered and "May" in result.reason
    assert answer(kb, "what happened in the talks in April 2025?").answered


def test_which_questions(kb):
    unknown = answer(kb, "Which American companies are hurt most by the tariffs?")
    assert not unknown.answered and "companies" in unknown.reason
    # "which country": the answer names a country, it need not say "country"
    known = answer(kb, "Which country do analysts think can better withstand the trade war?")
    assert "led by Xi Jinping" in known.quotes[0].text


def test_a_question_about_conditions_prefers_the_sentence_that_states_them(kb):
    result = answer(kb, "Under what conditions would China agree to negotiate?")
    assert "unless they see significant concessions" in result.quotes[0].text


def test_the_expert_is_found_by_role(kb):
    for question in ("who is the expert quoted", "What did the think tank expert say about Beijing?"):
        assert "Stimson Center" in answer(kb, question).quotes[0].text, question


def test_names_are_told_from_other_words(kb):
    assert {"stimson", "yun", "guo", "china", "u.s"} <= kb.names
    assert not {"howev", "amid", "firm", "negotiation"} & kb.names  # first words, title case


@pytest.mark.parametrize(
    ("question", "answered"),
    [
        ("Where did Yun Sun go to university?", False),  # only the name matches
        ("Where does the Stimson Center get its funding?", False),
        ("What did the Chinese ambassador to the US say?", False),
        ("What does Yun Sun do for a living?", True),  # an attribute: whoever holds one
        ("Where is the Stimson Center based?", True),
        ("What did Yun Sun say?", True),  # nothing asked of the name but what it said
    ],
)
def test_a_sentence_that_shares_only_the_names_is_no_answer(kb, question, answered):
    assert answer(kb, question).answered is answered


def test_a_summary_question_works_on_articles_without_headlines(config_for, seeds_dir):
    (seeds_dir / "plain.txt").write_text("Talks stalled in Geneva. Both sides blamed the other.\n")
    kb = load_knowledge_base(config_for(seeds_dir))
    for question in ("tl;dr?", "what's going on?"):
        assert answer(kb, question).quotes[0].text == "Talks stalled in Geneva.", question


def test_what_someone_thought_would_happen_is_not_hindsight(kb):
    result = answer(kb, "Did analysts think China could ultimately endure the trade war?")
    assert result.answered and "endure the repercussions" in " ".join(q.text for q in result.quotes)


# --- Many dated articles (tests/data/timeline: ten fixtures, April to November 2025) ---------


def _dates(kb, result):
    return [kb.day(q.sentence.source) for q in result.quotes]


def test_a_question_of_now_is_answered_from_the_newest_article_first(timeline_kb):
    result = answer(timeline_kb, "what are the tariffs on China now?")
    days = _dates(timeline_kb, result)
    assert result.answered and days[0] == max(timeline_kb.dates)


def test_where_things_stand_on_a_specific_story_is_its_newest_answer(timeline_kb):
    """TikTok is the story of one article (Madrid) and a line of a later one (Busan): where
    things stand is the later line first, Madrid's after it, not Madrid's gist."""
    result = answer(timeline_kb, "where do things stand on tiktok?")
    days = _dates(timeline_kb, result)
    assert result.answered and days[0] > min(days)
    assert all("tiktok" in q.text.lower() for q in result.quotes)


@pytest.mark.parametrize(
    ("question", "levied_on"),
    [
        ("whats the tariff on china rn", ("on Chinese goods", "on China")),
        ("what tariff does china charge on american goods now", ("on American goods",)),
    ],
)
def test_a_tariff_on_one_country_is_not_answered_with_the_other_sides(
    timeline_kb, question, levied_on
):
    """The newest article says both "China will keep a 10% tariff on American goods" and "the
    fentanyl-related tariff on Chinese goods": which way round is asked decides which is first."""
    result = answer(timeline_kb, question)
    assert result.answered
    assert any(side in result.quotes[0].text for side in levied_on)
    assert timeline_kb.day(result.quotes[0].sentence.source) == max(timeline_kb.dates)


def test_the_other_sides_tariff_is_a_fixed_factor_no_fitted_weight_can_turn(timeline_kb):
    """The penalty is no part of the weighted cue feature: ranked under a negative cue weight
    (``bot fit`` may try one), the other side's sentence still weighs less, not more."""
    from knowledge.answers import TARIFF_ELSEWHERE, quotes_under
    from knowledge.ranking import CUES, RankingWeights

    ranking = ranking_of(timeline_kb, "whats the tariff on china rn")
    other_side = [c for c in ranking.candidates if "tariff on American goods" in
                  timeline_kb.sentences.text(c.sentence)]
    assert other_side and all(c.factor == TARIFF_ELSEWHERE for c in other_side)
    assert all(c.features[CUES] >= 0 for c in ranking.candidates)
    weights = RankingWeights(cues=-1.0).vector()
    first = quotes_under(timeline_kb, ranking, weights)[0]
    assert "tariff on American goods" not in first.text


def test_a_change_over_time_shows_the_newer_answer_then_the_older(timeline_kb):
    from bot.formatting import render_answer

    result = answer(timeline_kb, "is China still refusing to negotiate?")
    days = _dates(timeline_kb, result)
    assert result.answered and days[0] > min(days)
    assert "**Earlier, " in render_answer(result)


def test_a_question_about_a_change_is_answered_stage_by_stage_oldest_first(timeline_kb):
    """Where it started and where it stands, each stage from its own article, in date order."""
    result = answer(timeline_kb, "how have china's rare earth export controls changed over the year?")
    days = _dates(timeline_kb, result)
    sources = [q.sentence.source for q in result.quotes]
    assert result.answered and len(sources) == len(set(sources)) >= 2
    assert days == sorted(days) and days[0] < days[-1]
    assert all("rare" in q.text.lower() for q in result.quotes)
    # a range named: no stage outside it
    spring = answer(timeline_kb, "how did the tariffs change between April and June?")
    assert spring.answered
    assert all(4 <= day.month <= 6 for day in _dates(timeline_kb, spring))


def test_a_follow_up_to_a_change_goes_on_from_where_it_stands(timeline_kb):
    """The stages are told oldest first; the thread a follow-up continues is the newest."""
    question = "how have china's rare earth export controls changed over the year?"
    result = answer(timeline_kb, question)
    newest = max(result.quotes, key=lambda q: timeline_kb.day(q.sentence.source))
    assert timeline_kb.recent_replies[(question,)] == (newest.sentence.id,)


def test_an_older_answer_follows_only_when_it_held_an_earlier_state_of_the_same_thing(timeline_kb):
    """An older article's near-tie sharing only the words of every story is not shown; one that
    said what the newest answer says, at an earlier time, is."""
    import datetime as dt

    changed = answer(timeline_kb, "are the export controls still in place now?")
    days = _dates(timeline_kb, changed)
    assert changed.answered and days[0] == max(timeline_kb.dates)
    earlier = [q for q, day in zip(changed.quotes, days, strict=True) if day < days[0]]
    assert earlier and "export controls" in earlier[0].text
    assert (days[0] - max(d for d in days if d < days[0])) >= dt.timedelta(days=14)

    # Geneva's "after the first day of talks" shares only "talks" with it: not an earlier answer
    same = answer(timeline_kb, "are the talks still going?")
    assert same.answered
    assert {q.sentence.source for q in same.quotes} == {"090_november_implementation.md"}


def test_a_named_month_is_answered_from_that_month(timeline_kb):
    import datetime as dt

    result = answer(timeline_kb, "what happened in April?")
    assert result.answered
    assert all(dt.date(2025, 4, 1) <= d <= dt.date(2025, 4, 30) for d in _dates(timeline_kb, result))


def test_what_happened_at_a_place_is_that_events_own_article(timeline_kb):
    result = answer(timeline_kb, "what happened in Geneva?")
    assert result.quotes[0].sentence.source == "020_geneva_truce.md"


def test_what_was_agreed_at_an_event_is_that_events_own_lead(timeline_kb):
    """"What did they agree in Geneva?" asks what the Geneva article reports, as "what happened
    in Geneva?" does: its lead, not "many things discussed, much agreed to"."""
    for question in ("what did they agree in geneva?", "what was agreed in geneva?",
                     "wat came out of geneva"):
        result = answer(timeline_kb, question)
        assert result.quotes[0].sentence.source == "020_geneva_truce.md", question
        assert result.quotes[0].sentence.id in timeline_kb.news_leads, question


def test_after_an_event_means_later_articles(timeline_kb):
    import datetime as dt

    result = answer(timeline_kb, "what tariff did Trump threaten after the Madrid talks?")
    assert result.answered
    assert all(d >= dt.date(2025, 9, 15) for d in _dates(timeline_kb, result))


def test_hindsight_is_answered_from_later_articles_and_refused_on_one(timeline_kb, kb):
    later = answer(timeline_kb, "did the extra 100% tariff end up happening?")
    assert later.answered and _dates(timeline_kb, later)[0] > timeline_kb.day(
        "060_rare_earth_escalation.md")
    alone = answer(kb, "was a deal eventually reached?")
    assert not alone.answered and alone.reason == AFTERWARDS


def test_what_happened_after_the_newest_article_is_refused_a_plan_is_not(timeline_kb):
    past = answer(timeline_kb, "what did Xi and Trump agree in March 2026?")
    assert not past.answered and "after they were written" in past.reason
    plan = answer(timeline_kb, "will the truce hold until November 2026?")
    assert "after they were written" not in plan.reason


def test_how_long_wants_a_duration_even_spelled_out(timeline_kb):
    result = answer(timeline_kb, "how long did the Busan meeting last?")
    assert "an hour and forty minutes" in result.quotes[0].text


def test_a_clause_with_when_does_not_ask_for_a_date(timeline_kb):
    result = answer(timeline_kb, "did Taiwan come up when Trump and Xi met?")
    assert "Taiwan did not come up" in result.quotes[0].text


def test_overview_of_many_articles_leads_with_now_then_earlier(timeline_kb):
    result = answer(timeline_kb, "what's going on?")
    days = _dates(timeline_kb, result)
    assert days[0] == max(timeline_kb.dates) and days[-1] < days[0]


def test_a_when_question_gets_relative_days_dated_beside_the_quote(timeline_kb):
    import datetime as dt

    from bot.formatting import render_answer

    result = answer(timeline_kb, "when did the Kuala Lumpur talks end?")
    assert ("Sunday", dt.date(2025, 10, 26)) in result.quotes[0].days
    assert "*(Sunday: 26 Oct 2025)*" in render_answer(result)
    assert all(not q.days for q in answer(timeline_kb, "what did Bessent say in Kuala Lumpur?").quotes)


def test_an_acronym_no_article_uses_makes_its_name_unknown(timeline_kb):
    result = answer(timeline_kb, "Who won the 2025 NBA Finals?")  # "final approval" is no final
    assert not result.answered and "NBA" in result.reason
    assert answer(timeline_kb, "What did the US Treasury say in Geneva?").answered


def test_a_name_in_lower_case_no_article_mentions_is_unknown(timeline_kb):
    """"huawei" is no English word, nor one edit from one, nor the articles'; a typo of an
    English word ("eventualy") or an abbreviation ("dept") is no name."""
    result = answer(timeline_kb, "was huawei taken off the entity list?")
    assert not result.answered and "huawei" in result.reason
    for question in ("was the truce eventualy extended?", "what did the commerce dept decide?"):
        assert "don't mention" not in answer(timeline_kb, question).reason, question


def test_what_happened_in_a_year_after_the_newest_article_is_not_reported(timeline4_kb):
    """The newest article is of December 2024: what happened in 2025 is not in any of them,
    though a plan may be ("…due to double to 50% on January 1")."""
    from knowledge.question import AFTER_THE_ARTICLES

    result = answer(timeline4_kb, "Did China lift its gallium and germanium ban on the US in 2025?")
    assert not result.answered and result.reason == AFTER_THE_ARTICLES
    assert answer(timeline4_kb, "did china ban gallium exports to the us in 2024?").answered
    # whether a step was planned for that year is what the articles report
    planned = answer(timeline4_kb, "were the tariffs on chinese semiconductors scheduled to rise in 2025?")
    assert planned.reason != AFTER_THE_ARTICLES


def test_what_happened_in_a_later_year_named_as_an_events_time_is_not_reported(timeline_kb):
    """"The 2026 midterm elections" are after the newest article (November 2025): whoever won
    them, no article says; "the 2025 APEC summit" is of the articles' time."""
    from knowledge.question import AFTER_THE_ARTICLES

    result = answer(timeline_kb, "Who won the 2026 US midterm elections?")
    assert not result.answered and result.reason == AFTER_THE_ARTICLES
    assert answer(timeline_kb, "who met at the 2025 APEC summit?").reason != AFTER_THE_ARTICLES
    # a plan or a deadline for that year the articles report; "held" after "be" is no past
    for question in ("was the 2026 deadline extended?", "will the summit be held in 2026?"):
        assert answer(timeline_kb, question).reason != AFTER_THE_ARTICLES, question


def test_how_many_wants_a_count_not_a_share():
    """"How many chips…" is not answered by "a 25% cut"; "by how many points…" is, by "24
    percentage points"; "how much…" by a share too."""
    from knowledge.answers import _states_a_new_number as states

    assert not states("Nvidia may sell the H200 with a 25% cut.", "How many H200 chips were shipped?")
    assert states("It hit 545 U.S. products.", "how many US products did China go after?")
    assert states("It suspends 24 percentage points.", "By how many points was the levy cut?")
    assert states("Washington takes a 15% cut.", "how much does Washington take?")


def test_how_many_wants_a_number_the_question_does_not_state(timeline4_kb):
    """"the Mate 60 Pro" holds a number, but not one "how many Mate 60 phones…" asks for."""
    result = answer(timeline4_kb, "How many Mate 60 phones did Huawei sell?")
    assert not result.answered
    assert answer(timeline4_kb, "how many chinese entities did the december rules add?").answered


def test_how_a_dated_event_turned_out_comes_from_after_that_events_article(timeline4_kb):
    """"announced in May": May's report of the announcement is the event, not how it turned out;
    the answer is September's."""
    import datetime as dt

    result = answer(timeline4_kb, "Was the 100% duty on Chinese electric cars announced in May "
                                  "eventually put into effect?")
    assert result.answered
    assert timeline4_kb.day(result.quotes[0].sentence.source) > dt.date(2024, 5, 31)


def test_a_story_the_question_names_is_answered_from_an_article_naming_it(timeline_kb):
    """London's article lists a Chinese delegation, but never names Busan; the Busan article
    names no Chinese delegation: better no answer than London's team."""
    result = answer(timeline_kb, "who was in the chinese delegation at busan?")
    assert all("busan" in timeline_kb.article(q.sentence.source).text.lower() for q in result.quotes)
    assert not result.answered
    london = answer(timeline_kb, "who was in the chinese delegation in london?")
    assert london.answered and "He Lifeng" in london.quotes[0].text


def test_who_is_answered_by_the_people_the_question_does_not_name(timeline2_kb):
    """A sentence naming who signed (Trump, Liu He) answers "who signed" better than one naming
    only Trump: each further person the question lacks counts as another cue."""
    result = answer(timeline2_kb, "Who put pen to paper for China on the phase one deal?")
    assert result.answered and "Liu He signed" in result.quotes[0].text


def test_a_country_no_article_mentions_is_unknown_in_any_case(timeline_kb):
    for question in ("did india get a trade deal w the us", "What tariff does Canada pay?",
                     "whats indias tariff rate from the us", "did australian wine get tariffed"):
        result = answer(timeline_kb, question)
        assert not result.answered and "don't mention" in result.reason, question
    assert answer(timeline_kb, "what did china agree in geneva?").answered


def test_a_question_about_nothing_the_articles_discuss_is_refused(timeline2_kb):
    """On a few short articles the one sentence holding an off-topic question's rarest word
    ("match" of a "numbers match") would answer it; the question shares no name, lead word or
    recurring word with the articles."""
    for question in ("who scored in the football match yesterday", "how do I bake sourdough bread",
                     "give me a good dumpling recipe pls"):  # "give me" is how it asks; "goods"
        result = answer(timeline2_kb, question)
        assert not result.answered and result.reason == OFF_TOPIC, question
    assert answer(timeline2_kb, "how long did the dinner in buenos aires last?").answered
    # a follow-up is about what the thread is about
    assert answer(timeline2_kb, "and who else was at the table?",
                  ["how long did the dinner in buenos aires last?"]).answered


def test_how_things_turned_out_is_told_by_an_article_later_than_the_event_asked_about(
    timeline2_kb,
):
    """Only the May 2019 article says the deadline and "enforced"; the event is the December 2018
    dinner's, so the May article tells how it turned out."""
    result = answer(timeline2_kb, "Was the 90-day deadline set at the G20 dinner ever enforced?")
    assert result.answered and "never enforced" in result.quotes[0].text


def test_how_things_turned_out_needs_less_of_the_question_from_a_later_article(timeline_kb):
    """The question's words are those of October's doubts ("no reason to meet"); November's
    "the package grew out of the meeting between Trump and Xi in Busan" tells how it turned out
    with few of them: an article after the event's needs cover only half as much."""
    import datetime as dt

    question = (
        "Did the Trump-Xi encounter at APEC happen in the end, after Trump said there was no "
        "reason to meet?"
    )
    result = answer(timeline_kb, question)
    assert result.answered
    assert timeline_kb.day(result.quotes[0].sentence.source) >= dt.date(2025, 10, 30)


def test_how_a_story_turned_out_may_come_from_an_article_not_naming_it(timeline5_kb):
    """The February ruling that voided the fentanyl duty never names the summit that lowered it:
    a question of how things turned out is not kept to the articles naming the story."""
    question = "Did the lowered opioid-linked levy that came out of the Trump-Xi summit hold up in the end?"
    result = answer(timeline5_kb, question)
    assert result.answered and result.quotes[0].sentence.source == "080_supreme_court_ieepa.md"


def test_one_word_in_common_is_no_answer_where_there_are_many_stories(timeline4_kb):
    """"My point was U.S. business needs to see some action" shares only "point" with the
    question: a coincidence. A sentence sharing two of its words (or one, and its article's lead
    another) may answer."""
    from knowledge.answers import TOO_FEW

    assert not answer(timeline4_kb, "What is the boiling point of water?").answered
    ranking = ranking_of(timeline4_kb, "What is the boiling point of water?")
    assert TOO_FEW in ranking.dropped.values()
    assert answer(timeline4_kb, "what was yellen's point about the chip rules?").answered


def test_a_country_the_question_names_must_be_named_by_the_answers_article(timeline_kb):
    """Taiwan comes up in one article ("Taiwan never came up"), not in June's: arms sales to
    Taiwan are not answered from June's trade agreement; South Korea is the Busan article's."""
    from knowledge.answers import COUNTRY_ELSEWHERE

    question = "Did the US approve new arms sales to Taiwan in 2025?"
    assert not answer(timeline_kb, question).answered
    assert not answer(timeline_kb, "did taiwan's arms sales go ahead in 2025?").answered
    assert COUNTRY_ELSEWHERE in ranking_of(timeline_kb, question).dropped.values()
    assert answer(timeline_kb, "where in south korea did trump and xi meet?").answered


def test_a_follow_up_goes_on_with_the_story_the_previous_reply_told(timeline_kb):
    """"What did he say about it?" shares no word with the sentence that answers it; it comes
    right after the one the previous reply quoted, and that one is not quoted again."""
    earlier = "who was xi meeting when he first talked about the tariff war in public?"
    first = answer(timeline_kb, earlier)
    assert "first public comments" in first.quotes[0].text
    result = answer(timeline_kb, "what did he say about it?", [earlier])
    assert "no winners in a tariff war" in result.quotes[0].text
    assert not answer(timeline_kb, "what did he say about it?").answered  # alone: nothing to ask
    assert (earlier,) in timeline_kb.recent_replies  # the previous reply is not worked out again


def test_a_period_that_picks_the_article_lowers_the_coverage_it_needs(timeline2_kb):
    """The one article of July 2018 (of May 2019) answers with words of its own: the period named
    picked the article, so the question's other words need cover only half as much."""
    first = answer(timeline2_kb, "in july 2018, how large was the first round of US tariffs?")
    assert first.answered and "$34 bill" in first.quotes[0].text
    why = answer(timeline2_kb, "in may 2019 what reason did mnuchin give for the talks collapsing?")
    assert why.answered and "backtracked on commitments" in why.quotes[0].text


def test_after_an_event_is_answered_from_what_came_soon_after_it(timeline_kb):
    """"After the London talks" admits every later article; the London article itself reports
    what followed them, the Busan one (October) what came much later."""
    import datetime as dt

    result = answer(timeline_kb, "what did china do after the london talks?")
    assert timeline_kb.day(result.quotes[0].sentence.source) == dt.date(2025, 6, 11)


def test_article_counts_equal_counting_each_articles_sentences(timeline_kb):
    """Per-article counts of a term, both ways of computing them (rare and common terms)."""
    kb = timeline_kb
    for term in ("china", "tariff", "busan", "soybean", "rosenbad", "nosuchterm"):
        expected = [
            sum(term in kb.terms[i] for i in kb.sentences.ids_of(article.source))
            for article in kb.articles
        ]
        assert kb.article_counts(term).tolist() == expected, term
        assert kb.articles_holding(term) == sum(count > 0 for count in expected), term
    assert sum(kb.article_counts("china")) > len(kb.articles)  # a common term, many articles


def test_article_counts_without_the_compiled_merge_are_the_same(timeline_kb, monkeypatch):
    """Where ``knowledge._rows`` is not built, NumPy counts a term's sentences by article (each
    one's article, or the articles' starts searched in the postings): the same counts."""
    from knowledge import sentence_rows
    from knowledge.index import _article_counts

    kb = timeline_kb
    starts, number = kb.article_starts, kb.sentences.articles_of
    terms = ("china", "tariff", "busan", "soybean", "rosenbad", "nosuchterm")
    compiled = [_article_counts(kb.scorer.docs_with(t), starts, number) for t in terms]
    monkeypatch.setattr(sentence_rows, "_compiled", None)
    for term, expected in zip(terms, compiled, strict=True):
        found = _article_counts(kb.scorer.docs_with(term), starts, number)
        assert found.tolist() == expected.tolist() and found.dtype == expected.dtype, term


def test_an_undoubled_stem_finds_the_articles_term(timeline_kb):
    """Snowball undoubles a consonant before a suffix ("tariffed" → "tarif"), not without one."""
    from knowledge.question import read_question

    assert "tariff" in read_question(timeline_kb, "are they still tariffed?").terms


def test_a_follow_up_is_asked_about_what_the_earlier_question_named(timeline_kb):
    """"and r they still tariffed?" after a question about soybeans asks about soybean tariffs:
    the earlier question's terms count towards what an answer must cover."""
    earlier = "how many tons of soybeans is china supposed to buy each year"
    reply = answer(timeline_kb, "and r they still tariffed?", [earlier])
    assert reply.quotes, reply.reason
    assert any("soybean" in q.text for q in reply.quotes)


def test_a_question_of_now_on_articles_without_any_date(seeds_dir, config_for):
    """No article states a date (an intake without metadata): a question of now is still
    answered, from what the articles say."""
    from knowledge.index import load_knowledge_base

    (seeds_dir / "undated.md").write_text(
        "# Test fixture, undated\n\nNegotiators from both countries are still talking about "
        "tariffs on steel. The talks continue without a deadline.\n",
        encoding="utf-8",
    )
    kb = load_knowledge_base(config_for(seeds_dir))
    assert not kb.dates
    reply = answer(kb, "are they still talking about tariffs?")
    assert reply.quotes and "tariffs on steel" in reply.quotes[0].text


def test_a_demonym_is_its_country_and_a_capital_its_city(timeline_kb, timeline2_kb):
    """People paraphrase places: "the Malaysian capital" is Kuala Lumpur, which the articles
    name; a demonym whose country no article names is still unknown."""
    read = read_question(timeline_kb, "In which building in the Malaysian capital were the talks?")
    assert "kuala" in read.terms and not read.refusal
    assert Cue.SPEECH not in read.cues  # a place rewritten is no "according to…" taken off
    assert "KUALA LUMPUR" in answer(timeline_kb, "who met in the malaysian capital?").quotes[0].text
    refused = answer(timeline2_kb, "what did the Swiss hosts say about the tariffs?")
    assert not refused.answered and "Swiss" in refused.reason


def test_an_abbreviation_is_the_name_whose_initials_it_is(timeline_kb):
    """"KL" is Kuala Lumpur, which the articles spell out, in any case; an abbreviation whose
    name no article writes stays unknown."""
    for asked in ("where were the kl negotiations", "what happened at the KL talks?"):
        read = read_question(timeline_kb, asked)
        assert {"kuala", "lumpur"} <= set(read.terms) and not read.refusal
    assert not answer(timeline_kb, "what did the ZQ say about tariffs?").answered


def test_where_in_a_place_named_asks_for_the_venue(timeline_kb):
    """"Where in Stockholm…?" is not answered by a sentence saying "in Stockholm" or naming
    other cities: the question knows the city and asks for the venue there."""
    read = read_question(timeline_kb, "Where in Stockholm were the talks held?")
    assert read.venue
    assert "Rosenbad" in answer(timeline_kb, "Where in Stockholm were the talks held?").quotes[0].text
    assert "Merdeka" in answer(timeline_kb, "where were the kl negotations").quotes[0].text
    assert not read_question(timeline_kb, "where did the two sides meet in late July?").venue
    assert Cue.PLACE not in read_question(timeline_kb, "where do things stand now?").cues


def test_what_followed_an_event_is_not_its_backstory(timeline2_kb):
    """"Ever enforced?": the May 2019 article's sentence telling the December dinner again is
    the event's backstory; the one telling what came after it (February 24) is the outcome."""
    result = answer(timeline2_kb, "Was the 90-day deadline set at the G20 dinner ever enforced?")
    assert "never enforced" in result.quotes[0].text


def test_article_relevance_without_the_compiled_pass_is_the_same(timeline_kb, monkeypatch):
    """Where ``knowledge._rows`` is not built, NumPy works out BM25 over articles: the same
    floats, term by term and article by article, and the same best article."""
    import numpy as np

    from knowledge import relevance

    kb = timeline_kb
    asked = [["china", "tariff"], ["busan", "soybean", "trump", "xi"], ["geneva"], ["nosuchterm"]]
    compiled = [relevance.article_relevance(kb, terms) for terms in asked]
    monkeypatch.setattr(relevance, "_compiled", None)
    for terms, expected in zip(asked, compiled, strict=True):
        found = relevance.article_relevance(kb, terms)
        if not expected:
            assert not found, terms
            continue
        assert found._terms == expected._terms and found._best == expected._best, terms
        assert np.array_equal(found._matrix, expected._matrix), terms


def test_a_person_named_in_lower_case_no_article_mentions_is_unknown(timeline_kb, timeline4_kb):
    """"janet yellen" is a given name and a word no 2025 article uses: nobody they mention, as
    "Janet Yellen" is not. Given names that are common words ("will", "mark") are words."""
    result = answer(timeline_kb, "what did janet yellen say about the geneva deal")
    assert not result.answered and "janet yellen" in result.reason
    assert "janet yellen" in answer(timeline_kb, "what was janet yellen's view of geneva").reason
    assert "don't mention" not in answer(timeline_kb, "what happened in june hmmm").reason
    assert "don't mention" not in answer(timeline_kb, "will mark the date of the truce").reason
    assert "don't mention" not in answer(timeline4_kb, "what did janet yellen say in beijing").reason
