"""The daemon's picture work (motion gate, frames, live pictures, frame slots) runs on PyAV and numpy and
never loads OpenCV, whose library alone keeps ~35 MB resident (the 24-camera soak's memory budget);
only the LPR worker, which needs it for the models anyway, and the tools do."""

from __future__ import annotations

import subprocess
import sys
import textwrap

DAEMON_SIDE = textwrap.dedent("""
    import sys

    import av

    import dozor.supervisor, dozor.services, recorder.service, plate_index.service  # noqa: E401, F401
    from edge.config import MotionConfig
    from plate_index.motion import MotionGate
    from plate_index.slots import FrameSlots
    from recorder.frames import Frame
    from recorder.live_snapshots import encode_jpeg

    gate = MotionGate(MotionConfig(mask=[(0, 0.3), (1, 0.3), (1, 1), (0, 1)]))
    slots = FrameSlots(1)
    with av.open(sys.argv[1]) as container:
        for i, picture in enumerate(container.decode(video=0)):
            frame = Frame("cam", 1000.0 + i / 25, picture, i)
            gate.differs(frame)
            gate.look(frame)
            kept = frame.detached()
            slots.write(0, kept.pixels)
            assert encode_jpeg(kept)[:2] == encode_jpeg(frame)[:2] == b"\\xff\\xd8"
            assert kept.image.shape == frame.image.shape
    slots.close()
    assert gate.still > 0, "the synthetic clip's frames were looked at"
    print("cv2" in sys.modules)
""")


def test_the_daemons_picture_work_never_imports_opencv(test_clip):
    clip = test_clip(seconds=2, width=640, height=360)
    out = subprocess.run([sys.executable, "-c", DAEMON_SIDE, str(clip)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False", "OpenCV was loaded in the daemon"
