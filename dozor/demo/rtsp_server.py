"""A real RTSP server for the tests and benches: gst-rtsp-server serving looping clips as cameras.

Run with Debian's /usr/bin/python3 (where `gi` imports), not the venv:
    /usr/bin/python3 dozor/demo/rtsp_server.py --port 8554 [--auth user:pass] cam-a=/a.mp4 cam-b=/b.mov
Each camera is rtsp://127.0.0.1:PORT/NAME. Why it is built this way (facts found when trying):
- `filesrc ! qtdemux ! ... ! rtph264pay` does not loop, and seeking back on EOS makes timestamps jump
  backwards. So each clip is demuxed ONCE into memory (parsebin: no decoding, any container) and pushed
  through `appsrc ! rtph26Xpay` with the clip's length added to PTS/DTS on every loop: RTP time stays
  monotonic, like a real camera's. AAC, PCMU and Opus audio tracks of the clip are served too.
- `RTSPServer.attach()` returns 0 instead of raising when the port is taken: checked, exit status 3.
- Every connection gets its own pipeline (media not shared). A shared media, reused by every new
  client of the camera, can stop sending for 5-11 s after a SIGSTOP/SIGCONT of 4 s (its appsrc is not
  drained; measured), so the clients that reconnect meanwhile got PLAY answered but no packets: FFmpeg's
  probing then ends with no picture size, and the fault tests lost up to 14 s for a 4 s stall.
Two options make the cameras harder, like some real ones: `--no-sprop` leaves the parameter sets out
of the SDP (no sprop-parameter-sets / sprop-vps/sps/pps in its fmtp), so clients only get them in-band,
before each keyframe (config-interval=-1); `--start-after-keyframe` starts every new stream one frame
after the clip's first keyframe, so a client's first keyframe comes a whole GOP after it connects
(such a stream's SDP lacks the parameter sets even without `--no-sprop`: rtph264pay only puts them in
its caps when a keyframe passes, and the SDP is made from the caps after the first buffer).
Commands on stdin, one per line, answered with "OK ..." on stdout: `down NAME` removes the camera's
mount and closes its clients' connections (a camera that failed); `up NAME` brings it back.
Prints "READY PORT" when it serves. SIGKILL/restart and SIGSTOP/SIGCONT are done by the test fixture.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer, GstSdp  # noqa: E402

PAYLOADERS = {
    "video/x-h264": "rtph264pay config-interval=-1",
    "video/x-h265": "rtph265pay config-interval=-1",
    "audio/mpeg": "rtpmp4gpay",
    "audio/x-mulaw": "rtppcmupay",
    "audio/x-opus": "rtpopuspay",
    "image/jpeg": "rtpjpegpay",
}


class Clip:
    """One clip in memory: per stream, its caps and its (pts, dts, duration, data, flags) buffers."""

    def __init__(self, path: str):
        self.streams: list[tuple[Gst.Caps, list[Gst.Buffer]]] = []
        self._load(path)
        ends = [b.pts + (b.duration if b.duration != Gst.CLOCK_TIME_NONE else 0)
                for _, bufs in self.streams for b in bufs[-1:]]
        self.duration = max(ends)

    def _load(self, path: str) -> None:
        pipeline = Gst.parse_launch(f'filesrc location="{path}" ! parsebin name=parse')
        parse = pipeline.get_by_name("parse")
        sinks: list[tuple[Gst.Element, list, list]] = []

        def on_pad(_element, pad):
            caps = pad.query_caps(None)
            kind = caps.get_structure(0).get_name()
            if kind not in PAYLOADERS:
                print(f"rtsp_server: {path}: skipping a {kind} track", file=sys.stderr)
                return
            sink = Gst.ElementFactory.make("appsink")
            sink.set_property("sync", False)
            pipeline.add(sink)
            sink.sync_state_with_parent()
            pad.link(sink.get_static_pad("sink"))
            sinks.append((sink, [], []))

        parse.connect("pad-added", on_pad)
        pipeline.set_state(Gst.State.PLAYING)
        # Pull until every sink is at its end (a sink's "eos" turns true once EOS arrived AND it is
        # drained). Not the bus: a sink added while the pipeline runs never posts EOS there, and
        # parsebin sends no no-more-pads; every pad exists before any stream ends.
        deadline = time.monotonic() + 60
        while not (sinks and all(sink.get_property("eos") for sink, _, _ in sinks)):
            for sink, caps, buffers in sinks:
                while (sample := sink.emit("try-pull-sample", 0)) is not None:
                    caps.append(sample.get_caps())
                    buffers.append(sample.get_buffer())
            if time.monotonic() > deadline:
                raise SystemExit(f"rtsp_server: cannot read {path}")
            time.sleep(0.01)
        self.streams = [(caps[0], buffers) for _, caps, buffers in sinks if buffers]
        pipeline.set_state(Gst.State.NULL)
        if not self.streams:
            raise SystemExit(f"rtsp_server: {path} has no stream this server can serve")
        # video first: pay0 is the video, like on a camera
        self.streams.sort(key=lambda s: not s[0].get_structure(0).get_name().startswith("video"))


def no_sprop_media() -> type:
    """A media class whose SDP announces no parameter sets (`--no-sprop`). Made after Gst.init():
    subclassing RTSPMedia before it registers a broken type (and a server that serves nothing)."""

    class NoSpropMedia(GstRtspServer.RTSPMedia):
        def do_setup_sdp(self, sdp: GstSdp.SDPMessage, info) -> bool:
            if not GstRtspServer.RTSPMedia.do_setup_sdp(self, sdp, info):
                return False
            for index in range(sdp.medias_len()):
                media = sdp.get_media(index)
                for position in reversed(range(media.attributes_len())):
                    attribute = media.get_attribute(position)
                    if attribute.key != "fmtp" or "sprop-" not in attribute.value:
                        continue
                    payload, _, params = attribute.value.partition(" ")
                    kept = ";".join(p for p in params.split(";") if not p.strip().startswith("sprop-"))
                    media.remove_attribute(position)
                    media.add_attribute("fmtp", f"{payload} {kept}")
            return True

    return NoSpropMedia


class ClipFactory(GstRtspServer.RTSPMediaFactory):
    """A camera: every media it makes pushes the clip in a loop through one appsrc per stream."""

    def __init__(self, clip: Clip, *, no_sprop: bool = False, start_after_keyframe: bool = False):
        super().__init__()
        self.clip = clip
        self.start_after_keyframe = start_after_keyframe
        if no_sprop:
            self.set_media_gtype(no_sprop_media())
        parts = []
        for index, (caps, _) in enumerate(clip.streams):
            pay = PAYLOADERS[caps.get_structure(0).get_name()]
            parts.append(
                f"appsrc name=src{index} format=time is-live=true ! {pay} name=pay{index} pt={96 + index}"
            )
        self.set_launch("( " + " ".join(parts) + " )")
        self.set_shared(False)  # see the module docstring: a shared media stalls new clients after a stall
        self.connect("media-configure", self._configure)

    def _configure(self, _factory, media):
        bin_ = media.get_element()
        for index, (caps, buffers) in enumerate(self.clip.streams):
            src = bin_.get_by_name_recurse_up(f"src{index}")
            src.set_property("caps", caps)
            src.set_property("max-bytes", 256 * 1024)
            state = {"i": 0, "loop": 0}
            if self.start_after_keyframe and index == 0:  # the video (first stream) skips its keyframe
                state["i"] = 1 + next(i for i, b in enumerate(buffers)
                                      if not b.has_flags(Gst.BufferFlags.DELTA_UNIT))
            src.connect("need-data", self._need_data, buffers, state)

    def _need_data(self, src, _length, buffers, state):
        """Push the next buffers, shifted by one clip length per loop so time only goes forward."""
        for _ in range(8):
            original = buffers[state["i"]]
            buf = original.copy_deep()  # copy() shares the timestamps with the original (PyGObject)
            offset = state["loop"] * self.clip.duration
            buf.pts = original.pts + offset
            if original.dts != Gst.CLOCK_TIME_NONE:
                buf.dts = original.dts + offset
            if src.emit("push-buffer", buf) != Gst.FlowReturn.OK:
                return
            state["i"] += 1
            if state["i"] == len(buffers):
                state["i"] = 0
                state["loop"] += 1


class Server:
    def __init__(self, port: int, cameras: dict[str, str], auth: str | None, **hard: bool):
        self.server = GstRtspServer.RTSPServer()
        self.server.set_service(str(port))
        self.mounts = self.server.get_mount_points()
        self.factories = {name: ClipFactory(Clip(path), **hard) for name, path in cameras.items()}
        self.clients: dict[GstRtspServer.RTSPClient, str] = {}
        if auth:
            self._require_auth(auth)
        for name, factory in self.factories.items():
            self.mounts.add_factory(f"/{name}", factory)
        self.server.connect("client-connected", self._client_connected)

    def _require_auth(self, auth: str) -> None:
        user, _, password = auth.partition(":")
        rtsp_auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "user")
        rtsp_auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
        self.server.set_auth(rtsp_auth)
        for factory in self.factories.values():
            permissions = GstRtspServer.RTSPPermissions()
            permissions.add_permission_for_role("user", "media.factory.access", True)
            permissions.add_permission_for_role("user", "media.factory.construct", True)
            factory.set_permissions(permissions)

    def _client_connected(self, _server, client):
        def remember(_client, ctx):
            self.clients[client] = ctx.uri.abspath.strip("/").split("/")[0]

        client.connect("describe-request", remember)
        client.connect("setup-request", remember)
        client.connect("closed", lambda c: self.clients.pop(c, None))

    def command(self, line: str) -> str:
        verb, _, name = line.strip().partition(" ")
        if name not in self.factories:
            return f"ERROR unknown camera {name!r}"
        if verb == "down":
            self.mounts.remove_factory(f"/{name}")
            for client, path in list(self.clients.items()):
                if path == name:
                    client.close()
            return f"OK down {name}"
        if verb == "up":
            self.mounts.add_factory(f"/{name}", self.factories[name])
            return f"OK up {name}"
        return f"ERROR unknown command {verb!r}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--auth", help="user:password the cameras require (basic auth)")
    parser.add_argument("--no-sprop", action="store_true", help="no parameter sets in the SDP")
    parser.add_argument("--start-after-keyframe", action="store_true",
                        help="every new stream starts one frame after the clip's first keyframe")
    parser.add_argument("cameras", nargs="+", help="NAME=CLIP_PATH")
    args = parser.parse_args()
    Gst.init(None)
    cameras = dict(item.split("=", 1) for item in args.cameras)
    server = Server(args.port, cameras, args.auth, no_sprop=args.no_sprop,
                    start_after_keyframe=args.start_after_keyframe)
    loop = GLib.MainLoop()
    if server.server.attach(None) == 0:
        print(f"rtsp_server: port {args.port} is taken", file=sys.stderr)
        return 3

    def read_commands():
        for line in sys.stdin:
            if line.strip():
                GLib.idle_add(lambda text=line: print(server.command(text), flush=True) and False)
        GLib.idle_add(loop.quit)  # stdin closed: the test is gone

    threading.Thread(target=read_commands, daemon=True).start()
    print(f"READY {args.port}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
