"""CPU one camera with plate reading costs for decoding: every frame of its stream, as the frame tap does.

H.264 frames depend on the ones before, so a camera with `lpr = true` is decoded in full (25 frames/s)
even though plate reading samples only `lpr.sample_fps` of them; this is what sizes a machine, together
with recording (bench/record_cpu.py) and the models (bench/lpr_throughput.py). Decodes test streams
(ffmpeg's testsrc2, x264 at typical camera bitrates) with the tap's own settings (PyAV, one thread),
including the conversion to BGR arrays of the frames plate reading takes (`lpr.sample_fps`, 5 of 25 by
default, as `FrameTap._deliver` converts only the frames a subscriber is due), and reports CPU seconds
per second of video, i.e. the share of one core per camera. The reference is the same decode without
any conversion.

    .venv/bin/python bench/decode_cpu.py
Last line: `decode_cpu 720p_core_share=X 1080p_core_share=Y 360p_core_share=Z`.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import av

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
SECONDS = 20
SAMPLE_FPS = 5  # lpr.sample_fps's default
EVERY = 25 // SAMPLE_FPS
STREAMS = {"360p": ("640x360", "512k"), "720p": ("1280x720", "2M"), "1080p": ("1920x1080", "4M")}


def clip(size: str, rate: str) -> Path:
    path = OUT / f"decode-{size}-{rate}.mp4"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25",
             "-t", str(SECONDS), "-c:v", "libx264", "-preset", "veryfast", "-b:v", rate, "-maxrate", rate,
             "-bufsize", rate, "-g", "50", "-bf", "0", "-pix_fmt", "yuv420p", str(path)],
            check=True,
        )
    return path


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def decode_share(path: Path, *, to_bgr: bool) -> float:
    """CPU seconds spent per second of video; with `to_bgr`, every `EVERY`-th frame becomes a BGR array."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_count = 1  # as recorder/frame_tap.py decodes
        frames = 0
        began, wall = cpu(), time.monotonic()
        for frame in container.decode(stream):
            if to_bgr and frames % EVERY == 0:
                frame.to_ndarray(format="bgr24")
            frames += 1
        spent = cpu() - began
    print(f"  {path.name}: {frames} frames, {spent:.2f} CPU s, {time.monotonic() - wall:.2f} s wall"
          f"{f' (BGR arrays at {SAMPLE_FPS} frames/s)' if to_bgr else ''}", file=sys.stderr)
    return spent / (frames / 25)


def main() -> None:
    shares = {}
    for name, (size, rate) in STREAMS.items():
        path = clip(size, rate)
        decode_share(path, to_bgr=True)  # warm-up: libraries loaded, file in the page cache
        bare = decode_share(path, to_bgr=False)
        shares[name] = decode_share(path, to_bgr=True)
        print(f"{name}: {shares[name] * 100:.1f} % of one core per camera at 25 frames/s "
              f"(decode alone {bare * 100:.1f} %)")
    print("decode_cpu " + " ".join(f"{name}_core_share={share:.3f}" for name, share in shares.items()))


if __name__ == "__main__":
    main()
