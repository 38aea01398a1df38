"""When an outage is told, and its end: once each, only past the threshold."""

from __future__ import annotations

from bot.domain.incidents import Alert, System, due, failed, succeeded

AFTER = 30 * 60


def test_an_incident_is_told_once_it_has_lasted_long_enough_and_only_once():
    incident = failed(
        None, System.CONSOLE, words="ssh: connect to host preprod port 22: Connection refused", now=0
    )
    incident = failed(incident, System.CONSOLE, words="ssh: Could not resolve hostname preprod", now=600)
    assert incident.since == 0 and "resolve" in incident.words  # the start kept, the newest words
    assert due(incident, now=AFTER - 1, alert_after_s=AFTER) == (incident, None)
    told, alert = due(incident, now=AFTER, alert_after_s=AFTER)
    assert isinstance(alert, Alert) and alert.incident.alerted
    assert due(told, now=AFTER * 5, alert_after_s=AFTER) == (told, None)


def test_a_blip_that_heals_before_the_threshold_is_never_told():
    incident = failed(None, System.TRELLO, words="HTTP 503", now=0)
    assert succeeded(incident, now=60) == (None, None)


def test_the_end_of_a_told_incident_is_told_and_a_new_one_starts_afresh():
    told, _ = due(failed(None, System.SLACK, words="invalid_auth", now=0), now=AFTER, alert_after_s=AFTER)
    ended, recovery = succeeded(told, now=AFTER + 10)
    assert ended is None and recovery is not None and recovery.at == AFTER + 10
    again = failed(ended, System.SLACK, words="ratelimited", now=AFTER + 20)
    assert again.since == AFTER + 20 and not again.alerted


def test_the_words_quoted_to_people_are_bounded():
    incident = failed(None, System.CONSOLE, words="x" * 100_000, now=0)
    assert len(incident.words) == 500
