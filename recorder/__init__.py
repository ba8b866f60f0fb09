"""The recorder: RTSP cameras in, rolling crash-safe fragmented-MP4 segments and a catalog out.

One thread per camera reads packets with PyAV and copies them into segment files without re-encoding;
a frame tap hands decoded frames to plate reading and the live grid without ever slowing recording.
Entry point: `recorder.service.Recorder`. Readers (web UI, CLI) use `recorder.catalog`'s query functions.
"""
