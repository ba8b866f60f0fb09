"""The aiming aid's verdict rules and their wording (the thresholds themselves: tests/test_aim.py)."""

from __future__ import annotations

from plate_index.aim_verdict import (
    MAX_BLUR_SHARE,
    MAX_TILT,
    PassFacts,
    StreamFacts,
    min_plate_width,
    verdict,
    widest_view_metres,
)
from webui.aim_texts import advice_text

STREAM = StreamFacts(1280, 720, 25.0, 2.0)


def plate(width=150, tilt=0.0, blur=2.5, motion=False, night=False, read=True, views=10, views_read=10):
    return PassFacts(width, tilt, blur, blur / width, motion, night, read, 0.95 if read else 0.3, views,
                     views_read)


def codes(advice):
    return [a.code for a in advice]


def test_a_camera_that_reads_its_plates_is_good():
    advice = verdict([plate(140), plate(150), plate(160, views_read=9)], STREAM, 5)
    assert codes(advice) == ["good"]
    assert advice_text(advice[0]) == ("Good: 3 of 3 plates read (on 97 % of the frames they were seen on), "
                                      "median width 150 px.")


def test_small_plates_ask_for_zoom_to_the_measured_width():
    advice = verdict([plate(55), plate(60), plate(50)], STREAM, 5)
    assert codes(advice) == ["zoom"]  # their sharp edges are 4 % of their width: not called blurred
    assert advice_text(advice[0]) == "Plates are 55 px wide: zoom in until they are at least 100 px wide."


def test_blur_names_motion_or_focus_and_night():
    smeared = [plate(140, blur=140 * (MAX_BLUR_SHARE + 0.03), motion=True, night=True) for _ in range(3)]
    advice = verdict(smeared, STREAM, 5)
    assert codes(advice) == ["motion_blur"]
    assert advice_text(advice[0]).startswith("Blur at night: plates are smeared by motion")
    assert "shorten the shutter" in advice_text(advice[0]).lower()
    unfocused = [plate(140, blur=140 * (MAX_BLUR_SHARE + 0.03)) for _ in range(3)] + [plate(140)]
    assert codes(verdict(unfocused, STREAM, 5)) == ["focus_blur"]
    one_blurred = [plate(140, blur=140 * (MAX_BLUR_SHARE + 0.03), motion=True), plate(140), plate(140)]
    assert codes(verdict(one_blurred, STREAM, 5)) == ["good"]  # most plates decide


def test_tilt_long_gop_and_low_frame_rate_are_named_with_their_fixes():
    advice = verdict([plate(tilt=MAX_TILT + 8)] * 3, StreamFacts(1920, 1080, 6.0, 8.0), 5)
    assert codes(advice) == ["tilt", "gop", "fps"]
    assert advice_text(advice[1]) == "Keyframes every 8 s: set the GOP (I-frame interval) to 2 s."
    assert advice_text(advice[2]).startswith("6 frames/s: set at least 10 frames/s")


def test_no_plates_and_plates_that_look_fine_but_do_not_read():
    assert codes(verdict([], STREAM, 5)) == ["no_plates"]
    unread = [plate(views=10, views_read=3, read=True), plate(views=10, views_read=2, read=True)]
    advice = verdict(unread, STREAM, 5)
    assert codes(advice) == ["unread"]
    assert "only 25 %" in advice_text(advice[0])


def test_the_width_plates_need_grows_with_the_picture_the_detector_scales_down():
    assert min_plate_width(640) == min_plate_width(1280) == 100
    assert min_plate_width(1920) > min_plate_width(1280)
    assert min_plate_width(3840) > 2 * min_plate_width(1280)
    assert 6 < widest_view_metres(1280) < 7  # 12.8 plates of 0.52 m
