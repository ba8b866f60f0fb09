"""Grouping reads into sightings: one record per vehicle pass, the best text by vote, alternatives kept."""

from __future__ import annotations

from plate_index.grouping import PlateRead, SightingGrouper, vote


def _read(text, t, conf=0.9, camera="cam-1", chars=None, region="Ukraine"):
    chars = chars or tuple([conf] * len(text))
    return PlateRead(camera=camera, time=t, text=text, char_confidences=tuple(chars), confidence=conf,
                     region=region, region_confidence=0.8)


def test_reads_of_one_pass_become_one_sighting_with_first_and_last_seen():
    grouper = SightingGrouper(gap_seconds=4)
    for i, text in enumerate(["BH1234AA", "BH1234AA", "8H1234AA", "BH1234AA"]):
        grouper.add(_read(text, 100 + i * 0.2))
    done = grouper.flush()
    assert len(done) == 1
    assert done[0].plate == "BH1234AA"
    assert done[0].first_seen == 100 and done[0].last_seen == 100.6
    assert done[0].alternatives == ["8H1234AA"]


def test_vote_is_weighted_by_character_confidence():
    reads = [
        _read("BH1234AA", 0, chars=(0.9, 0.9, 0.9, 0.9, 0.3, 0.9, 0.9, 0.9)),
        _read("BH1284AA", 0.2, chars=(0.9, 0.9, 0.9, 0.9, 0.95, 0.9, 0.9, 0.9)),
        _read("BH1284AA", 0.4, chars=(0.9, 0.9, 0.9, 0.9, 0.2, 0.9, 0.9, 0.9)),
    ]
    # position 4: '3' has 0.3, '8' has 0.95 + 0.2 = 1.15 -> 8 wins, though not by read count alone
    assert vote(reads) == "BH1284AA"
    reads[1] = _read("BH1284AA", 0.2, chars=(0.9, 0.9, 0.9, 0.9, 0.05, 0.9, 0.9, 0.9))
    assert vote(reads) == "BH1234AA"  # 0.3 beats 0.05 + 0.2


def test_vote_can_combine_characters_no_single_read_had_right():
    reads = [
        _read("BH1234XA", 0, chars=(0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.4, 0.9)),
        _read("BH1Z34AA", 0.2, chars=(0.9, 0.9, 0.9, 0.4, 0.9, 0.9, 0.9, 0.9)),
    ]
    assert vote(reads) == "BH1234AA"


def test_partial_read_of_a_plate_entering_the_frame_joins_the_sighting():
    grouper = SightingGrouper(gap_seconds=4)
    grouper.add(_read("1234AA", 0, conf=0.6))
    for i in range(3):
        grouper.add(_read("BH1234AA", 0.2 + i * 0.2))
    (sighting,) = grouper.flush()
    assert sighting.plate == "BH1234AA"
    assert "1234AA" in sighting.alternatives


def test_two_plates_on_one_camera_at_once_stay_apart():
    grouper = SightingGrouper(gap_seconds=4)
    for i in range(4):
        grouper.add(_read("BH1234AA", i * 0.2))
        grouper.add(_read("BH5678KC", i * 0.2 + 0.1))
    plates = sorted(s.plate for s in grouper.flush())
    assert plates == ["BH1234AA", "BH5678KC"]


def test_same_plate_on_two_cameras_is_two_sightings():
    grouper = SightingGrouper(gap_seconds=4)
    grouper.add(_read("BH1234AA", 0, camera="a"))
    grouper.add(_read("BH1234AA", 0.2, camera="b"))
    assert len(grouper.flush()) == 2


def test_same_plate_after_the_gap_is_a_new_pass():
    grouper = SightingGrouper(gap_seconds=4)
    grouper.add(_read("BH1234AA", 0))
    sighting, closed = grouper.add(_read("BH1234AA", 4.5))
    assert len(closed) == 1 and closed[0].last_seen == 0
    assert sighting.first_seen == 4.5


def test_expire_closes_only_sightings_older_than_the_gap():
    grouper = SightingGrouper(gap_seconds=4)
    grouper.add(_read("BH1234AA", 0))
    grouper.add(_read("AA9999XX", 3))
    assert grouper.expire("cam-1", 5) and [s.plate for s in grouper.flush()] == ["AA9999XX"]


def test_evidence_of_the_most_confident_read_is_kept():
    grouper = SightingGrouper(gap_seconds=4)
    grouper.add(_read("BH1234AA", 0, conf=0.7), evidence="first")
    grouper.add(_read("BH1234AA", 0.2, conf=0.95), evidence="best")
    grouper.add(_read("BH1234AA", 0.4, conf=0.8), evidence="later")
    (sighting,) = grouper.flush()
    assert sighting.evidence == "best" and sighting.confidence == 0.95


def test_region_is_the_confidence_weighted_majority():
    grouper = SightingGrouper(gap_seconds=4)
    grouper.add(_read("BH1234AA", 0, region="Ukraine"))
    grouper.add(_read("BH1234AA", 0.2, region="Ukraine"))
    grouper.add(_read("BH1234AA", 0.4, region="Bulgaria"))
    (sighting,) = grouper.flush()
    assert sighting.region == ("Ukraine", 0.8)


def test_alternatives_are_ranked_by_weight_and_capped():
    grouper = SightingGrouper(gap_seconds=4)
    texts = ["BH1234AA"] * 5 + ["BH1234A4"] * 3 + ["8H1234AA"] * 2 + ["BH1Z34AA", "BH12J4AA"]
    for i, text in enumerate(texts):
        grouper.add(_read(text, i * 0.1))
    (sighting,) = grouper.flush()
    assert sighting.alternatives[:2] == ["BH1234A4", "8H1234AA"]
    assert len(sighting.alternatives) == 3


def test_a_lone_unsure_read_is_not_credible_but_a_lone_sure_one_is():
    grouper = SightingGrouper(gap_seconds=4)
    grouper.add(_read("FFJ144", 0, conf=0.62))
    grouper.add(_read("BH1234AA", 0, conf=0.95, camera="b"))
    grouper.add(_read("AA0000XX", 0, conf=0.6, camera="c"))
    grouper.add(_read("AA0000XX", 0.2, conf=0.6, camera="c"))
    credible = {s.plate: s.credible for s in grouper.flush()}
    assert credible == {"FFJ144": False, "BH1234AA": True, "AA0000XX": True}


def test_a_late_read_of_a_closed_pass_reopens_it_instead_of_making_a_second_sighting():
    """The chooser reads frames out of time order: the next car's read can close a pass before the
    pass's own earlier frame is read."""
    grouper = SightingGrouper(gap_seconds=4)
    first, _ = grouper.add(_read("BH1234AA", 100.8))
    _, closed = grouper.add(_read("AA7777KK", 105.0))  # the next car, read first
    assert closed == [first]
    late, closed = grouper.add(_read("BH1234AA", 100.2))  # the first car's earlier frame, read later
    assert late is first and closed == []
    assert first.first_seen == 100.2 and len(first.reads) == 2
    _, closed = grouper.add(_read("AA7777KK", 110.0))
    assert first in closed, "finished again when it closes again"
    again, _ = grouper.add(_read("BH1234AA", 130.0))  # the same car much later: a new pass
    assert again is not first
