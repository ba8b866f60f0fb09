"""`dozor probe` and `dozor check-config --online` against the real RTSP test server (gst-rtsp-server).

The streams are clips encoded with known codec, size, frame rate and keyframe interval (H.264 and H.265,
short and long GOP); the failures are the real thing: a path the server does not have, a port nothing
listens on, a password the server refuses (it requires basic authentication), a web server where the
camera should be, a camera sending MJPEG. Everything runs through the `dozor` command as an installer
types it, and its whole output (stdout and stderr, FFmpeg's own lines included) must never contain the
password, which is made of the characters that broke naive masking (@, space, colon), nor part of one typed
with a / that should have been percent-encoded.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import HTTPServer, SimpleHTTPRequestHandler
from pathlib import Path
from urllib.parse import quote

import av
import cv2
import numpy as np
import pytest

pytestmark = pytest.mark.slow

USER, PASSWORD = "installer", "p@ss w:rd-7Qz"
SECRETS = (PASSWORD, quote(PASSWORD, safe=""), "p@ss", "w:rd-7Qz", "7Qz")
DOZOR = [sys.executable, "-m", "dozor.cli"]

# name -> (codec, width, height, fps, gop seconds)
STREAMS = {
    "h264-short": ("h264", 640, 360, 25, 1.0),
    "h264-long": ("h264", 320, 240, 15, 6.0),
    "h265-short": ("h265", 480, 270, 20, 1.0),
    "h265-long": ("h265", 320, 240, 25, 6.0),
}


def dozor(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    env = {**os.environ, "DOZOR_LOG_LEVEL": "DEBUG"}  # the most talkative the CLI gets
    return subprocess.run([*DOZOR, *args], capture_output=True, text=True, timeout=timeout, env=env)


def assert_no_password(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} leaked in: {text}"


@pytest.fixture(scope="module")
def clips(tmp_path_factory, gi_python):
    from clips import synthetic_clip

    folder = tmp_path_factory.mktemp("probe-clips")
    out = {}
    for name, (codec, width, height, fps, gop) in STREAMS.items():
        # two GOPs long, so the looping server sends a keyframe every `gop` seconds, loop seams included
        out[name] = synthetic_clip(folder / f"{name}.mp4", codec=codec, width=width, height=height, fps=fps,
                                   gop_seconds=gop, seconds=2 * gop)
    out["mjpeg"] = _mjpeg_clip(folder / "mjpeg.mkv")
    return out


def _mjpeg_clip(path: Path) -> Path:
    from fractions import Fraction

    with av.open(str(path), "w") as out:
        stream = out.add_stream("mjpeg", rate=10)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuvj420p"
        for index in range(20):
            frame = av.VideoFrame.from_ndarray(np.full((240, 320, 3), index * 10, np.uint8), format="bgr24")
            frame.pts, frame.time_base = index, Fraction(1, 10)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


@pytest.fixture
def server(rtsp_server, clips):
    return rtsp_server(clips, auth=f"{USER}:{PASSWORD}")


def test_probe_reports_codec_size_frame_rate_and_gop_of_h264_and_h265_streams(server, tmp_path):
    def run(name: str) -> subprocess.CompletedProcess:
        url = server.url(name, user=USER, password=PASSWORD)
        return dozor("probe", url, "--json", "--snapshot", str(tmp_path / name))

    with ThreadPoolExecutor(len(STREAMS)) as pool:
        results = dict(zip(STREAMS, pool.map(run, STREAMS), strict=True))
    for name, (codec, width, height, fps, gop) in STREAMS.items():
        done = results[name]
        assert done.returncode == 0, (name, done.stdout, done.stderr)
        assert_no_password(done.stdout, done.stderr)
        found = json.loads(done.stdout)
        assert found["codec"] == {"h264": "h264", "h265": "hevc"}[codec], name
        assert (found["width"], found["height"]) == (width, height), name
        assert found["fps"] == pytest.approx(fps, abs=0.3), name
        assert found["gop_seconds"] == pytest.approx(gop, abs=0.1), name
        assert found["problems"] == ([] if gop < 4 else [found["problems"][0]]), name
        if gop > 4:
            assert f"keyframes every {gop:.0f} s: set the GOP" in found["problems"][0]
        assert found["bitrate_kbps"] > 10 and found["audio"] is None
        picture = cv2.imread(found["snapshot"])
        assert picture.shape[:2] == (height, width), name
        assert found["url"] == server.url(name)  # the address without user and password


def test_probe_text_output_says_recording_is_possible_and_what_plates_need(server, tmp_path):
    done = dozor("probe", server.url("h264-short", user=USER, password=PASSWORD), "--snapshot", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert_no_password(done.stdout, done.stderr)
    assert "H.264 640x360, 25.0 frames/s, keyframe every 1 s" in done.stdout
    assert "recording  OK" in done.stdout
    assert "plates must be at least 100 px wide" in done.stdout
    assert list(tmp_path.glob("probe-camera-1-*.jpg"))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def web_server():
    """A plain web server, where an installer might mistake the camera's web page port for RTSP."""
    http = HTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield http.server_port
    http.shutdown()


def test_probe_names_each_failure_and_never_prints_the_password(server, web_server, tmp_path):
    port = server.port
    cases = {
        "wrong path": (f"rtsp://{USER}:{PASSWORD}@127.0.0.1:{port}/no-such-stream",
                       "answered but has no stream at /no-such-stream: check the path"),
        "wrong port": (f"rtsp://{USER}:{PASSWORD}@127.0.0.1:{_closed_port()}/h264-short",
                       "nothing accepts connections on port"),
        "wrong password": (server.url("h264-short", user=USER, password=quote(PASSWORD + "x", safe="")),
                           "refused the user name or password"),
        "no password": (server.url("h264-short"), "refused the user name or password"),
        "not an RTSP server": (f"rtsp://{USER}:{PASSWORD}@127.0.0.1:{web_server}/h264-short",
                               f"a web server (HTTP) answers on port {web_server}"),
        "unsupported codec": (server.url("mjpeg", user=USER, password=PASSWORD),
                              "the camera sends MJPEG; Dozor records H.264 or H.265 only: set the camera's "
                              "video codec"),
        "not rtsp at all": (f"http://{USER}:{PASSWORD}@127.0.0.1:{web_server}/", "not an RTSP address"),
        "a / in the password": (f"rtsp://{USER}:x/{PASSWORD}@127.0.0.1:{port}/h264-short",
                                "holds a / ? # or @ that is not percent-encoded"),
    }
    with ThreadPoolExecutor(len(cases)) as pool:
        results = dict(zip(cases, pool.map(lambda case: dozor("probe", case[0], "--snapshot", str(tmp_path)),
                                           cases.values()), strict=True))
    for name, (_url, expected) in cases.items():
        done = results[name]
        assert done.returncode == 1, (name, done.stdout, done.stderr)
        output = done.stdout + done.stderr
        assert expected in output, (name, output)
        assert "Traceback" not in output, name
        assert_no_password(output)


def test_check_config_online_lists_which_cameras_fail_and_why(server, tmp_path):
    config = tmp_path / "dozor.toml"
    good = server.url("h264-short", user=USER, password=PASSWORD)
    bad_password = server.url("h265-short", user=USER, password="guess")
    bad_path = server.url("gone", user=USER, password=PASSWORD)
    long_gop = server.url("h265-long", user=USER, password=PASSWORD)
    config.write_text(
        f'[storage]\npath = "{tmp_path / "data"}"\n'
        f'[[cameras]]\nname = "gate"\nurl = "{good}"\nlpr_url = "{long_gop}"\n'
        f'[[cameras]]\nname = "road"\nurl = "{bad_password}"\n'
        f'[[cameras]]\nname = "yard"\nurl = "{bad_path}"\n'
        f'[[cameras]]\nname = "spare"\nurl = "{bad_path}"\nenabled = false\n'
    )
    done = dozor("check-config", str(config), "--online")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert_no_password(output)
    assert "camera gate: OK H.264 640x360, 25 frames/s, keyframe every 1 s" in done.stdout
    assert "camera gate (lpr_url): OK H.265 320x240" in done.stdout
    assert "camera road: FAILED: the camera at 127.0.0.1" in done.stdout
    assert "refused the user name or password" in done.stdout
    assert "camera yard: FAILED: the camera at 127.0.0.1" in done.stdout
    assert "no stream at /gone" in done.stdout
    assert "spare" not in output  # disabled: not recorded, not probed
    assert "warning: camera gate (lpr_url): keyframes every 6 s" in done.stderr
    assert "2 of 4 camera stream(s) cannot be recorded" in done.stderr
