"""Event settings: clock arithmetic, room names and the limits each setting keeps."""

from __future__ import annotations

from datetime import date, time

import pytest

from matcher.forum.event import EventSettings, parse_clock, parse_date


def test_rounds_follow_meeting_length_and_break():
    event = EventSettings(date(2027, 3, 1), time(9, 0), 20, 10)
    assert event.clock(1) == "09:00-09:20"
    assert event.clock(3) == "10:00-10:20"
    late = EventSettings(None, time(23, 30), 40, 0)
    assert late.clock(2) == "00:10-00:50 (+1 hari)"


def test_rooms_name_tables_and_default_to_meja():
    assert EventSettings().room(3) == "Meja 3"
    named = EventSettings(rooms=("Ruang A", " Ruang B "))
    assert named.room(2) == "Ruang B"
    with pytest.raises(ValueError, match="table 3 has no room: 2 rooms named"):
        named.room(3)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"slot_minutes": 2}, "slot_minutes must be a whole number from 5 to 240, got 2"),
    ({"break_minutes": 121}, "break_minutes must be a whole number from 0 to 120"),
    ({"slot_minutes": True}, "slot_minutes must be a whole number"),
    ({"rooms": ("A", "A")}, "room names must differ"),
    ({"rooms": ("A", " ")}, "room names must not be empty"),
    ({"venue": "x" * 201}, "venue is 201 characters, the limit is 200"),
    ({"date": date(9999, 12, 31)}, "date must be in the years 2000 to 2100, got 9999-12-31"),
])
def test_bad_settings_say_which_and_why(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EventSettings(**kwargs)


def test_dates_and_clock_times_are_parsed_strictly():
    assert parse_date("2027-03-01") == date(2027, 3, 1)
    assert parse_clock("07:05") == time(7, 5)
    with pytest.raises(ValueError, match="YYYY-MM-DD, got '01/03/2027'"):
        parse_date("01/03/2027")
    with pytest.raises(ValueError, match="HH:MM"):
        parse_clock("25:00")
