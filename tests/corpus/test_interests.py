"""Public statements of interest: kept apart from replication records until confirmed."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from corpus.interests import DuplicateInterestError, InterestIn, Interests
from corpus.store import Stage, Store, UnknownInnovationError

IID = "kipp-2018-toss-klungkung"


@pytest.fixture()
def interests(target, small_corpus) -> Interests:
    store = Store(target)
    store.seed(small_corpus)
    return Interests(store)


def test_a_statement_is_stored_apart_and_does_not_count_as_a_replication(interests):
    made = interests.add(InterestIn(innovation_id=IID, region="Kabupaten  Sragen",
                                    province="jawa tengah", note="Dinas Kesehatan"))
    assert made.region == "Kabupaten Sragen" and made.province == "Jawa Tengah"
    assert not made.confirmed and interests.get(made.id) == made
    assert interests.store.replications(IID) == []
    assert interests.store.committed_replications() == {}
    assert interests.counts() == {"unconfirmed": 1, "confirmed": 0}
    assert interests.list(IID, confirmed=False) == [made]


def test_the_same_region_twice_is_refused_and_unknown_innovations_too(interests):
    interests.add(InterestIn(innovation_id=IID, region="Kota Ambon"))
    with pytest.raises(DuplicateInterestError, match="Kota Ambon already stated"):
        interests.add(InterestIn(innovation_id=IID, region="kota ambon"))
    with pytest.raises(UnknownInnovationError):
        interests.add(InterestIn(innovation_id="nope", region="Kota Ambon"))


def test_confirming_makes_an_interest_record_once(interests):
    made = interests.add(InterestIn(innovation_id=IID, region="Kota Ambon"))
    generation = interests.store.generation()
    record = interests.confirm(made.id)
    assert record.stage == Stage.INTEREST and record.region == "Kota Ambon"
    assert interests.confirm(made.id) == record  # idempotent
    assert interests.store.replications(IID) == [record]
    assert interests.store.generation() == generation + 1
    assert interests.counts() == {"unconfirmed": 0, "confirmed": 1}
    assert interests.list(confirmed=True)[0].replication_id == record.id


@pytest.mark.parametrize(("region", "message"), [
    ("Kota", "at least 6 characters"),
    ("Sragen Raya", "must name a region with its kind"),
    ("Kabupaten " + "x" * 120, "at most 120 characters"),
    ("Kota\x07Ambon", "control character"),
])
def test_statements_are_validated(region, message):
    with pytest.raises(ValidationError, match=message):
        InterestIn(innovation_id=IID, region=region)
