"""When and where forum meetings happen: the event's date, clock times and rooms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

MAX_SLOT_MINUTES = 240
MAX_BREAK_MINUTES = 120
MAX_ROOMS = 2000
MAX_TEXT = 200
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class EventSettings:
    """The organiser's event: date, first meeting's start, meeting length, break between
    meetings, venue, and names of the rooms or tables (table n meets in rooms[n - 1])."""

    date: date | None = None
    start: time = time(9, 0)
    slot_minutes: int = 20
    break_minutes: int = 5
    venue: str = ""
    rooms: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Check every setting; ValueError names the setting and its limit."""
        for name, value, low, high in (("slot_minutes", self.slot_minutes, 5, MAX_SLOT_MINUTES),
                                       ("break_minutes", self.break_minutes, 0,
                                        MAX_BREAK_MINUTES)):
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number from {low} to {high}, "
                                 f"got {value!r}")
        if self.date is not None and not FIRST_YEAR <= self.date.year <= LAST_YEAR:
            raise ValueError(f"date must be in the years {FIRST_YEAR} to {LAST_YEAR}, "
                             f"got {self.date.isoformat()}")
        object.__setattr__(self, "rooms", tuple(r.strip() for r in self.rooms))
        if len(self.rooms) > MAX_ROOMS:
            raise ValueError(f"at most {MAX_ROOMS} rooms, got {len(self.rooms)}")
        if any(not r for r in self.rooms):
            raise ValueError("room names must not be empty")
        if len(set(self.rooms)) != len(self.rooms):
            raise ValueError("room names must differ from each other")
        for name, text in [("venue", self.venue)] + [("room", r) for r in self.rooms]:
            if len(text) > MAX_TEXT:
                raise ValueError(f"{name} is {len(text)} characters, the limit is {MAX_TEXT}")

    def slot(self, round_no: int) -> tuple[datetime, datetime]:
        """Start and end of meeting round `round_no` (1-based)."""
        if round_no < 1:
            raise ValueError(f"rounds are numbered from 1, got {round_no}")
        first = datetime.combine(self.date or date(2000, 1, 1), self.start)
        begin = first + timedelta(minutes=(round_no - 1) * (self.slot_minutes
                                                            + self.break_minutes))
        return begin, begin + timedelta(minutes=self.slot_minutes)

    def clock(self, round_no: int) -> str:
        """'09:25-09:45' for a round; with a date, the day is said when it changes."""
        begin, end = self.slot(round_no)
        text = f"{begin:%H:%M}-{end:%H:%M}"
        first = self.slot(1)[0]
        if begin.date() != first.date():
            text += f" (+{(begin.date() - first.date()).days} hari)"
        return text

    def room(self, table: int | None) -> str:
        """The name of a table's room: its given name, else 'Meja n'."""
        if table is None:
            return ""
        if self.rooms:
            if not 1 <= table <= len(self.rooms):
                raise ValueError(f"table {table} has no room: {len(self.rooms)} rooms named")
            return self.rooms[table - 1]
        return f"Meja {table}"


def parse_date(text: str) -> date:
    """A date written YYYY-MM-DD."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"date must be YYYY-MM-DD, got {text!r}") from None


def parse_clock(text: str) -> time:
    """A time of day written HH:MM (24-hour)."""
    try:
        return datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        raise ValueError(f"start time must be HH:MM (24-hour), got {text!r}") from None
