"""The aiming aid's advice in words: English for `dozor aim`, the reader's language on the web page.

plate_index.aim_verdict gives each piece of advice as a code and its figures; the sentences live here,
with the UI's other texts, so they are translated in webui/translations like the rest. Outside a web
request Flask-Babel has no locale and the English text is used, which is what the CLI prints.
"""

from __future__ import annotations

from flask_babel import lazy_gettext

from plate_index.aim_verdict import Advice

# (code, at night) -> the sentence; its figures come from the advice's values.
TEXTS = {
    ("good", False): lazy_gettext(
        "Good: %(read)d of %(seen)d plates read (on %(frames).0f %% of the frames they were seen on), "
        "median width %(width)d px."),
    ("no_plates", False): lazy_gettext(
        "No plates seen in %(minutes).0f min: check that the camera sees the lane, that cars passed, and "
        "that plates are not far too small."),
    ("zoom", False): lazy_gettext(
        "Plates are %(width)d px wide: zoom in until they are at least %(need)d px wide."),
    ("motion_blur", True): lazy_gettext(
        "Blur at night: plates are smeared by motion (%(blur).0f px, %(share).0f %% of their width). "
        "Shorten the shutter (1/1000 s or faster) and add IR light."),
    ("motion_blur", False): lazy_gettext(
        "Plates are smeared by motion (%(blur).0f px, %(share).0f %% of their width): shorten the shutter "
        "(1/1000 s or faster)."),
    ("focus_blur", True): lazy_gettext(
        "Blur at night: plates are out of focus (%(blur).0f px, %(share).0f %% of their width). Focus the "
        "lens with the IR light on (cameras focus differently in infrared)."),
    ("focus_blur", False): lazy_gettext(
        "Plates are out of focus (%(blur).0f px, %(share).0f %% of their width): focus the lens where the "
        "plates pass."),
    ("tilt", False): lazy_gettext(
        "Plates are tilted %(angle).0f degrees: mount or turn the camera so they are level (at most "
        "%(limit).0f degrees)."),
    ("gop", False): lazy_gettext("Keyframes every %(seconds).0f s: set the GOP (I-frame interval) to 2 s."),
    ("fps", False): lazy_gettext(
        "%(fps).0f frames/s: set at least %(need).0f frames/s, so that each car is seen on several frames."),
    ("unread", False): lazy_gettext(
        "Plates are read on only %(frames).0f %% of the frames they are seen on although width, blur and "
        "tilt are within limits: check the exposure (glare, IR reflections at night) and for dirty plates."),
}


def advice_text(advice: Advice) -> str:
    """The advice as a sentence in the current language (English outside a web request)."""
    text = TEXTS.get((advice.code, bool(advice.values.get("night"))))
    return str(text) % advice.values if text is not None else advice.code
