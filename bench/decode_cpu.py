"""CPU one camera with plate reading costs for decoding, while something moves and while nothing does.

H.264 frames depend on the ones before, so while a car is in view a camera with `lpr = true` is decoded
in full (25 frames/s) even though plate reading samples only `lpr.sample_fps` of them; while the road is
still only its keyframes are (recorder/tap_decoder.py). With recording (bench/record_cpu.py) and the
models (bench/lpr_throughput.py) this sizes a machine. Decodes test streams (ffmpeg's testsrc2, x264 at
typical camera bitrates, a keyframe every 2 s) with the tap's own settings (PyAV, one thread), including
the conversion to BGR arrays of the frames plate reading takes (`lpr.sample_fps`, 5 of 25 by default),
and reports CPU seconds per second of video, i.e. the share of one core per camera. The reference is the
same decode without any conversion. Then: keyframes only (a still road), and a stream with B-frames
(which no other frame refers to) decoded in full and with `skip_frame = NONREF`, as the tap does when
every consumer samples at most half the frame rate (the test streams and most cameras have none).

    .venv/bin/python bench/decode_cpu.py
Last line: `decode_cpu 720p_core_share=X 1080p_core_share=Y 360p_core_share=Z 720p_keyframes_core_share=K
720p_bframes_core_share=B 720p_bframes_nonref_core_share=N`.
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
STREAMS = {"360p": ("640x360", "512k"), "720p": ("1280x720", "2M"), "1080p": ("1920x1080", "4M")}


def clip(size: str, rate: str, bframes: int = 0) -> Path:
    path = OUT / f"decode-{size}-{rate}{f'-bf{bframes}' if bframes else ''}.mp4"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25",
             "-t", str(SECONDS), "-c:v", "libx264", "-preset", "veryfast", "-b:v", rate, "-maxrate", rate,
             "-bufsize", rate, "-g", "50", "-bf", str(bframes), "-x264-params", "b-pyramid=none",
             "-pix_fmt", "yuv420p", str(path)],
            check=True,
        )
    return path


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def decode_share(path: Path, *, to_bgr: bool, keyframes: bool = False, skip: str = "DEFAULT") -> float:
    """CPU seconds spent per second of video; with `to_bgr`, SAMPLE_FPS frames a second become BGR arrays;
    with `keyframes`, only the keyframes are decoded (each made a BGR array)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        context = stream.codec_context
        context.thread_count = 1  # as recorder/tap_decoder.py decodes
        context.skip_frame = skip
        frames = packets = 0
        due = 0.0  # video seconds of the next frame plate reading takes
        began, wall = cpu(), time.monotonic()
        for packet in container.demux(stream):
            if packet.size == 0 or (keyframes and not packet.is_keyframe):
                packets += packet.size > 0
                continue
            packets += 1
            for frame in context.decode(packet):
                if to_bgr and (keyframes or frame.time >= due):
                    frame.to_ndarray(format="bgr24")
                    due = frame.time + 1 / SAMPLE_FPS - 0.01
                frames += 1
        spent = cpu() - began
    print(f"  {path.name}: {frames} frames decoded of {packets}, {spent:.2f} CPU s, "
          f"{time.monotonic() - wall:.2f} s wall{f' (BGR arrays at {SAMPLE_FPS} frames/s)' if to_bgr else ''}"
          f"{' keyframes only' if keyframes else ''}{f' skip_frame={skip}' if skip != 'DEFAULT' else ''}",
          file=sys.stderr)
    return spent / (packets / 25)


def main() -> None:
    shares = {}
    for name, (size, rate) in STREAMS.items():
        path = clip(size, rate)
        decode_share(path, to_bgr=True)  # warm-up: libraries loaded, file in the page cache
        bare = decode_share(path, to_bgr=False)
        shares[name] = decode_share(path, to_bgr=True)
        print(f"{name}: {shares[name] * 100:.1f} % of one core per camera at 25 frames/s "
              f"(decode alone {bare * 100:.1f} %)")
    shares["720p_keyframes"] = decode_share(clip(*STREAMS["720p"]), to_bgr=True, keyframes=True)
    print(f"720p, keyframes only (a still road): {shares['720p_keyframes'] * 100:.2f} % of one core")
    bframes = clip(*STREAMS["720p"], bframes=2)
    decode_share(bframes, to_bgr=True)
    shares["720p_bframes"] = decode_share(bframes, to_bgr=True)
    shares["720p_bframes_nonref"] = decode_share(bframes, to_bgr=True, skip="NONREF")
    print(f"720p with 2 B-frames in 3: {shares['720p_bframes'] * 100:.1f} % of one core decoding every "
          f"frame, {shares['720p_bframes_nonref'] * 100:.1f} % skipping the frames nothing refers to")
    print("decode_cpu " + " ".join(f"{name}_core_share={share:.3f}" for name, share in shares.items()))


if __name__ == "__main__":
    main()
