"""Outage reasons are stored as codes and read back whole; the technicians' English is unchanged."""

from __future__ import annotations

from recorder.reasons import ENGLISH, OutageReason, Reason


def test_every_reason_survives_the_catalog_round_trip():
    for code in OutageReason:
        detail = "7" if "{detail}" in ENGLISH[code] else ""
        reason = Reason(code, detail)
        assert Reason.parse(reason.stored()) == reason, code


def test_the_cli_keeps_the_english_it_always_showed():
    assert Reason(OutageReason.NO_VIDEO, "10").english() == "no video for 10 s"
    unauthorized = "unauthorized: check the user and password in the camera's url"
    assert str(Reason(OutageReason.UNAUTHORIZED)) == unauthorized
    assert Reason(OutageReason.CODEC, "mjpeg").stored() == "codec:mjpeg"
