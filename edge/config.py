"""The one typed schema of Dozor's TOML configuration.

Every key is declared once here, with its type, bounds, default and meaning (Frigate's habit): the
loader validates against it, `docs/config.md` is generated from it, and the example config documents
the same keys. Errors a user can make are reported as `ConfigError` with the key path, the bad value
and a hint, never as a traceback.
"""

from __future__ import annotations

import difflib
import os
import re
import socket
import tomllib
from collections.abc import Iterator
from datetime import date, time
from pathlib import Path
from typing import Any, Literal
from urllib.parse import SplitResult, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from edge.redact import SPILL, credentials_spill, mask_url

CAMERA_NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$")
NAME_RULE = "must be 1-48 lower-case letters, digits and '-', not starting or ending with '-'"
MODEL_DIR_ENV = "DOZOR_MODEL_DIR"


def checked_name(value: str) -> str:
    """A camera's or a node's name (used in file names and URLs), or ValueError with the rule."""
    if not CAMERA_NAME_RE.match(value):
        raise ValueError(NAME_RULE)
    return value


def url_parts(value: str, schemes: tuple[str, ...], expected: str) -> SplitResult:
    """An address's parts, or ValueError: credentials that would spill into the host, another scheme
    than `schemes` or no host (`expected` names what it must be, e.g. "an rtsp:// address")."""
    if credentials_spill(value):
        raise ValueError(SPILL)
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError(f"must be {expected} with a host")
    return parts


def setting(default: Any, hint: str, **options: Any) -> Any:
    """One key of the file: its default (`...`: required), the hint a wrong value is answered with, and
    its bounds (ge, gt, le, lt). Its meaning, for docs/config.md, is the docstring under it."""
    return Field(default, json_schema_extra={"hint": hint}, **options)


class ConfigError(Exception):
    """The configuration cannot be used. The CLI prints `str(error)` and exits 1; nothing is started."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
        super().__init__(f"{source}: {count}\n" + "\n".join(f"  - {p}" for p in problems))


class Section(BaseModel):
    """Base for every table: unknown keys are errors (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class StorageConfig(Section):
    path: Path = setting(Path("/var/lib/dozor"), "an absolute folder on the big disk, e.g. /var/lib/dozor")
    """Folder for segments, databases and plate images. Must be writable by the daemon."""
    retention_days: int = setting(14, "a whole number of days, 14 is the community's rule", ge=1, le=3650)
    """Days of video, plate reads and crops to keep; older data is deleted."""
    max_disk_gb: float = setting(0, "0, or a size in GB below the disk's size", ge=0)
    """Cap on the space Dozor's data may use, in GB; 0 = no cap beyond keeping min_free_gb free."""
    min_free_gb: float = setting(2, "a size in GB, 2 is a safe default", ge=0)
    """Free space to keep on the data disk, in GB; the oldest recordings go first to keep it."""

    @field_validator("path")
    @classmethod
    def _usable_path(cls, value: Path) -> Path:
        if "\x00" in str(value):
            raise ValueError("must not contain a NUL character")
        return value


class RecorderConfig(Section):
    segment_seconds: int = setting(60, "seconds between 5 and 3600; 60 is typical", ge=5, le=3600)
    """Length of a segment file; it is cut at the first keyframe after this many seconds."""
    stall_seconds: float = setting(10, "seconds between 2 and 120", ge=2, le=120)
    """A camera that sends no packet for this long is reconnected."""
    reconnect_min_seconds: float = setting(1, "seconds, e.g. 1", gt=0, le=60)
    """First wait before reconnecting a camera that dropped; doubles up to reconnect_max_seconds."""
    reconnect_max_seconds: float = setting(10, "seconds, e.g. 10", gt=0, le=600)
    """Longest wait between reconnection attempts."""
    live_fps: float = setting(1, "1 is enough for a grid; 0 turns it off", ge=0, le=5)
    """Pictures per second written for the volunteers' live grid (0 = no live pictures)."""

    @model_validator(mode="after")
    def _backoff_order(self) -> RecorderConfig:
        if self.reconnect_max_seconds < self.reconnect_min_seconds:
            raise ValueError("reconnect_max_seconds must not be below reconnect_min_seconds")
        return self


class LprConfig(Section):
    enabled: bool = Field(default=True, description="Read licence plates from cameras that have lpr = true.")
    model_dir: str = setting(
        "", 'a folder path, or "" for the hub',
        description=(
            "Folder with the ONNX models (detector yolo-v9-t-*-license-plate-end2end.onnx, OCR "
            'cct_xs_v2_global.onnx and its yaml); "" = download fast-alpr\'s hub models on first run. '
            f"The environment variable {MODEL_DIR_ENV} overrides it."
        ),
    )
    sample_fps: float = setting(5, "a number above 0 and at most 30; 5 catches a car at 60 km/h", gt=0, le=30)
    """Frames per second analysed per camera (frames in between are not looked at)."""
    detector_confidence: float = setting(0.4, "a number between 0 and 1, 0.4 is the model's default",
                                         gt=0, lt=1)
    """Minimum detector score for a plate box."""
    min_read_confidence: float = setting(0.5, "a number between 0 and 1", ge=0, le=1)
    """Reads whose mean OCR character confidence is lower are ignored."""
    sighting_gap_seconds: float = setting(4, "seconds, 4 suits a road camera", gt=0, le=60)
    """Reads of a similar plate on one camera closer than this in time are one sighting."""
    workers: int = setting(1, "a whole number from 1 to 16", ge=1, le=16)
    """LPR worker processes. One per two CPU cores is a good start."""
    threads_per_worker: int = setting(1, "1, or 0 for one per core", ge=0, le=64)
    """ONNX Runtime threads per worker; 0 = one per CPU core. One thread reads a frame for the least CPU;
    more only help when cores sit idle. To use more cores, add workers."""

    def effective_model_dir(self) -> str:
        """The model folder actually used: the environment variable wins over the file."""
        return os.environ.get(MODEL_DIR_ENV, "") or self.model_dir


class WebConfig(Section):
    enabled: bool = Field(default=True, description="Serve the LAN web UI.")
    listen: str = setting("127.0.0.1:8080", "host:port, e.g. 0.0.0.0:8080")
    """Address and port of the web UI, host:port. Use 0.0.0.0:8080 to serve the LAN."""
    tls: bool = Field(
        default=False,
        description="Serve HTTPS with a certificate under <storage.path>/tls (self-signed at install).",
    )
    session_idle_minutes: int = setting(30, "minutes, 30 is the default", ge=1, le=24 * 60)
    """A signed-in user who does nothing for this long must sign in again."""
    session_max_hours: int = setting(12, "hours, 12 is the default (a night shift)", ge=1, le=7 * 24)
    """A session ends this long after sign-in, however busy (an open live grid polls all night); the user
    signs in again."""
    streams_per_user: int = setting(4, "4 is the default", ge=1, le=32)
    """Live views, recorded videos and exports one user may have open at once."""
    connections_per_address: int = setting(64, "64 is the default", ge=8, le=4096)
    """Open connections one client address may hold; more are closed at once. A browser opens up to 6;
    raise it if many people share one address (NAT)."""
    language: Literal["uk", "en"] = setting("uk", '"uk" or "en"')
    """Default language of the UI (users can switch)."""

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be host:port with a port from 1 to 65535")
        return value

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])


class IndexConfig(Section):
    url: str = setting("", 'postgresql://dozor:PASSWORD@hub.lan:5432/dozor, or "" for this appliance alone')
    """The hromada's shared plate index (PostgreSQL). With an address, this appliance ships its
    sightings there (its own plates.db stays its record, shipped through an outbox that waits out a
    broken link) and its web UI and `dozor search` search every appliance's sightings there. "" (the
    default): this appliance alone, searching its own plates.db."""
    node: str = setting("", 'e.g. "village-x"; "" = this machine\'s host name')
    """This appliance's name in the shared index: what the hub shows beside its sightings."""
    hub_key_sha256: str = setting("", '64 hex digits printed by `dozor node-key`, or ""')
    """The SHA-256 of the key the hub presents when it fetches this node's video, live pictures and
    plate pictures over HTTPS (the hub keeps the key itself in its [[nodes]] key_file; this appliance
    keeps only its hash). "" (the default): no hub may fetch anything from this appliance."""

    @field_validator("url")
    @classmethod
    def _postgresql(cls, value: str) -> str:
        if value:
            url_parts(value, ("postgresql", "postgres"), "a postgresql:// address")
        return value

    @field_validator("node")
    @classmethod
    def _node_name(cls, value: str) -> str:
        return checked_name(value) if value else value

    @field_validator("hub_key_sha256")
    @classmethod
    def _sha256(cls, value: str) -> str:
        value = value.strip().lower()
        if value and not re.fullmatch(r"[0-9a-f]{64}", value):
            raise ValueError("must be the 64 hex digits `dozor node-key` prints")
        return value

    @property
    def node_name(self) -> str:
        """The node's name: `node`, or the host name (lower case, other characters as '-')."""
        if self.node:
            return self.node
        host = re.sub(r"[^a-z0-9-]+", "-", socket.gethostname().lower()).strip("-")
        return host[:48].strip("-") or "node"


class NodeConfig(Section):
    name: str = setting(..., 'e.g. "village-a", as that node\'s [index] node')
    """The node's name in the shared index: its sightings' video, live pictures and plate pictures are
    fetched from it."""
    url: str = setting(..., "https://village-a.lan:8443")
    """The node's web UI (`[web] tls = true` there): the hub fetches over HTTPS only."""
    fingerprint: str = setting(..., "the SHA-256 fingerprint the node's install printed, AB:CD:...")
    """The node's TLS certificate, pinned: the hub sends its key only to the machine holding it."""
    key_file: str = setting(..., '"/etc/dozor/nodes/village-a.key" (readable by the dozor user only)')
    """The file holding the key `dozor node-key` made for this node (the node keeps only its hash)."""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return checked_name(value)

    @field_validator("url")
    @classmethod
    def _https(cls, value: str) -> str:
        parts = url_parts(value, ("https",), "an https:// address of the node's web UI")
        if parts.username or parts.password:
            raise ValueError("must not hold a user or password (the hub presents the node's key_file)")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError("must be just https://host:port (no path)")
        return value.rstrip("/")

    @field_validator("fingerprint")
    @classmethod
    def _fingerprint(cls, value: str) -> str:
        digits = value.replace(":", "").strip().lower()
        if not re.fullmatch(r"[0-9a-f]{64}", digits):
            raise ValueError("must be a SHA-256 fingerprint: 64 hex digits, with or without ':'")
        return digits


DEFAULT_REASONS = ["theft", "missing_person", "road_accident", "hit_and_run", "wanted_vehicle", "other"]


class AccessConfig(Section):
    require_case: bool = Field(
        default=True,
        description=(
            "Police and admins choose a case (number and reason) before they see any plate data; every "
            "audit entry of that work carries it. Turn off only where the law asks for no purpose."
        ),
    )
    case_pattern: str = setting(
        r"^(?:\d{17}|(?:ЄО|EO) ?№? ?\d{1,10})$",
        "a regular expression, e.g. ^\\d{17}$ for ЄРДР numbers only",
    )
    """What a case number must look like (a regular expression over the whole number, after surrounding
    spaces are removed). The default takes an ЄРДР number (17 digits) or an ЄО journal number."""
    case_example: str = setting("12026100000000123, ЄО 4512", "text shown under the case number field")
    """An example of valid case numbers, shown to the officer next to the field."""
    reasons: list[str] = setting(
        DEFAULT_REASONS, 'a list of short codes or words, e.g. ["theft", "missing_person", "other"]'
    )
    """The reasons an officer chooses from. The default codes are shown translated; any other entry is
    shown as written."""
    max_hold_days: int = setting(90, "a whole number of days from 1 to 365", ge=1, le=365)
    """The longest a case hold may keep video and sightings past retention."""

    @field_validator("case_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression ({exc})") from None
        return value

    @field_validator("reasons")
    @classmethod
    def _reasons(cls, value: list[str]) -> list[str]:
        cleaned = [reason.strip() for reason in value]
        if not cleaned or any(not reason or len(reason) > 60 for reason in cleaned):
            raise ValueError("needs at least one reason, each 1-60 characters")
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("a reason is listed twice")
        return cleaned


class OversightConfig(Section):
    duty_start: time = setting(time(8, 0), "a local time, e.g. 08:00:00")
    """Start of the police's duty hours (local time); searches outside duty hours are flagged for admins."""
    duty_end: time = setting(time(20, 0), "a local time, e.g. 20:00:00; before duty_start for a night rota")
    """End of the duty hours. Equal to duty_start: no duty hours, nothing is flagged for the hour."""
    searches_per_case: int = setting(30, "a whole number from 2 to 10000", ge=2, le=10000)
    """More plate searches than this under one case within a week are flagged."""
    repeat_plate_cases: int = setting(3, "a whole number from 2 to 100", ge=2, le=100)
    """One user searching one plate under this many different cases (or more) within a week is flagged."""
    hold_warn_days: int = setting(7, "a whole number of days from 1 to 90", ge=1, le=90)
    """Case holds ending within this many days are flagged, so their case can extend or export in time."""


class PrivacyConfig(Section):
    controller: str = setting("", 'e.g. "Severynivka village council, 1 Shkilna St."')
    """Who is responsible for the cameras (the data controller): named on the sign, in the DPIA and the
    records of processing. Empty: the generated documents leave a blank to fill in."""
    contact: str = setting("", 'e.g. "rada@severynivka.gov.ua, +380 44 000 0000"')
    """Where a person asks about their data (whether their plate is stored, its deletion)."""
    full_notice_at: str = setting("", 'e.g. "https://severynivka.gov.ua/cameras" or "the council office"')
    """Where the full notice (the second layer of the sign) can be read."""
    legal_basis: str = setting("", 'e.g. "Law of Ukraine On the National Police, art. 40"')
    """The law the processing rests on, for the DPIA and the records of processing."""


class MotionConfig(Section):
    enabled: bool = Field(default=True, description="Skip the plate detector on frames where nothing moves.")
    threshold: float = setting(0.002, "a fraction, e.g. 0.002 = 0.2 % of the picture", ge=0, le=1)
    """Share of the (downscaled) picture that must change for a frame to count as moving."""
    mask: list[tuple[float, float]] = Field(
        default_factory=list,
        description=(
            "Optional polygon, as [x, y] pairs in fractions of the picture (0..1), where motion counts; "
            "outside it (trees, a flag) is ignored. Empty = the whole picture."
        ),
        json_schema_extra={"hint": "e.g. [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] for the lower half"},
    )

    @field_validator("mask")
    @classmethod
    def _polygon(cls, value: list[tuple[float, float]]) -> list[tuple[float, float]]:
        if value and len(value) < 3:
            raise ValueError("a polygon needs at least 3 points")
        if any(not (0 <= x <= 1 and 0 <= y <= 1) for x, y in value):
            raise ValueError("points are fractions of the picture, each between 0 and 1")
        return value


class DirectionLabels(Section):
    """What each direction of travel means on one camera's road (plate_index.direction): the UI shows
    a sighting's direction with its camera's label, or with a generic phrase where there is none.
    Several directions may share a label (a road seen at an angle: towards and right-to-left)."""

    towards: str = setting("", 'e.g. "to Odesa", at most 40 characters', max_length=40)
    """Cars coming towards the camera (their plate grows); "" = the generic "towards the camera"."""
    away: str = setting("", 'e.g. "to the village", at most 40 characters', max_length=40)
    """Cars going away from the camera (their plate shrinks); "" = the generic "away from the camera"."""
    left_to_right: str = setting("", 'e.g. "to the bridge", at most 40 characters', max_length=40)
    """Cars crossing the picture from left to right; "" = the generic "left to right"."""
    right_to_left: str = setting("", 'e.g. "to the school", at most 40 characters', max_length=40)
    """Cars crossing the picture from right to left; "" = the generic "right to left"."""

    @field_validator("towards", "away", "left_to_right", "right_to_left")
    @classmethod
    def _printable(cls, value: str) -> str:
        if not value.isprintable():
            raise ValueError("must be one line of printable text")
        return value.strip()

    def label(self, direction: str) -> str:
        """The label of a direction code ("towards", ...), "" when none is set (or it is "unknown")."""
        return str(getattr(self, direction, "")) if direction in type(self).model_fields else ""


class CameraConfig(Section):
    name: str = setting(..., 'e.g. "road-north"')
    """Unique short name: lower-case letters, digits and '-'. Used in file names and URLs."""
    url: str = setting(..., "rtsp://user:password@10.0.0.11:554/stream1")
    """RTSP address of the main stream, with credentials if the camera needs them."""
    title: str = Field(default="", description="Human name shown in the UI; defaults to the name.")
    looks_at: str = setting("", 'e.g. "the road into the village from the north, both lanes"')
    """What the camera looks at, in words: published in the transparency report and the DPIA."""
    enabled: bool = Field(default=True, description="Record this camera.")
    lpr: bool = Field(default=True, description="Read licence plates on this camera.")
    lpr_url: str = setting("", 'rtsp://... or ""')
    """Optional second RTSP stream (e.g. a sub-stream) for plate reading; "" = the main stream."""
    live_url: str = setting("", 'rtsp://... or ""')
    """Optional sub-stream (a smaller picture, H.264) for the live grid: grids of up to 3×3 play it at
    the camera's frame rate, forwarded as it comes without transcoding, and only while someone watches.
    "" = the grid shows the live pictures (once a second) for this camera."""
    motion: MotionConfig = Field(default_factory=MotionConfig, description="Motion gate for plate reading.")
    directions: DirectionLabels = Field(
        default_factory=DirectionLabels,
        description="Names of the directions of travel on this camera's road, shown with each sighting.",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return checked_name(value)

    @field_validator("url", "lpr_url", "live_url")
    @classmethod
    def _rtsp(cls, value: str, info: Any) -> str:
        if info.field_name in ("lpr_url", "live_url") and value == "":
            return value
        parts = url_parts(value, ("rtsp", "rtsps"), "an rtsp:// address")
        try:
            port = parts.port  # urllib checks the port only when asked; the recorder asks later
        except ValueError:
            port = 0
        if port == 0:
            raise ValueError("the port must be a number from 1 to 65535")
        try:
            (parts.hostname or "").encode("idna")  # url_parts made sure there is one
        except UnicodeError:
            raise ValueError("the host is not a valid host name or address") from None
        if "\x00" in value:
            raise ValueError("must not contain a NUL character")
        return value

    @property
    def display_name(self) -> str:
        return self.title or self.name


class Config(Section):
    storage: StorageConfig = Field(
        default_factory=StorageConfig, description="Where data lives and for how long."
    )
    recorder: RecorderConfig = Field(default_factory=RecorderConfig, description="Recording of the cameras.")
    lpr: LprConfig = Field(default_factory=LprConfig, description="Licence-plate reading.")
    web: WebConfig = Field(default_factory=WebConfig, description="The LAN web UI.")
    access: AccessConfig = Field(
        default_factory=AccessConfig, description="Who may see plate data, and for what purpose."
    )
    index: IndexConfig = Field(
        default_factory=IndexConfig, description="The shared plate index of several appliances (PostgreSQL)."
    )
    oversight: OversightConfig = Field(
        default_factory=OversightConfig, description="What the admin page flags for oversight of searches."
    )
    privacy: PrivacyConfig = Field(
        default_factory=PrivacyConfig, description="Who answers for the data: the data-protection documents."
    )
    nodes: list[NodeConfig] = Field(
        default_factory=list, description="On a hub: one [[nodes]] table per node whose video it shows."
    )
    cameras: list[CameraConfig] = Field(default_factory=list, description="One [[cameras]] table per camera.")

    @field_validator("cameras")
    @classmethod
    def _unique_names(cls, cameras: list[CameraConfig]) -> list[CameraConfig]:
        seen: set[str] = set()
        for camera in cameras:
            if camera.name in seen:
                raise ValueError(f"camera name {camera.name!r} is used twice; names must be unique")
            seen.add(camera.name)
        return cameras

    @field_validator("nodes")
    @classmethod
    def _unique_nodes(cls, nodes: list[NodeConfig]) -> list[NodeConfig]:
        names = [node.name for node in nodes]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"node name {name!r} is used twice; names must be unique")
        return nodes

    def camera(self, name: str) -> CameraConfig:
        """The camera called `name`; KeyError if there is none."""
        for camera in self.cameras:
            if camera.name == name:
                return camera
        raise KeyError(name)


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate a TOML file; raise ConfigError listing every problem found."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(source, ["file not found; hint: copy config.example.toml and edit it"]) from None
    except OSError as exc:
        raise ConfigError(
            source, [f"cannot read the file ({exc.strerror}); hint: check its permissions"]
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(source, ["the file is not UTF-8 text; hint: save it as UTF-8"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            source, [f"not valid TOML: {exc}; hint: check quotes and brackets on that line"]
        ) from None
    return parse_config(data, source)


def parse_config(data: dict[str, Any], source: str = "<config>") -> Config:
    """Validate an already-parsed TOML document."""
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, [_describe(error, data) for error in exc.errors()]) from None


def _describe(error: Any, data: dict[str, Any]) -> str:
    loc = tuple(error["loc"])
    path = _key_path(loc)
    if error["type"] == "extra_forbidden":
        return _unknown_key(loc, path)
    if error["type"] == "missing":
        field = _field_for(loc)
        hint = _hint(field)
        return f"{path}: required key is missing" + (f"; hint: {hint}" if hint else "")
    message = str(error["msg"]).removeprefix("Value error, ")
    field = _field_for(loc)
    hint = _hint(field)
    shown = _shown_value(loc, error.get("input"))
    where = f"{path} = {shown}" if path else "configuration"
    return f"{where}: {message}" + (f"; hint: {hint}" if hint else "")


def _key_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _shown_value(loc: tuple[Any, ...], value: Any) -> str:
    """The bad value as the user wrote it, with camera passwords masked."""
    if isinstance(value, str):
        if loc and loc[-1] in ("url", "lpr_url", "live_url"):
            value = mask_url(value)
        value = "".join(c if c.isprintable() else repr(c)[1:-1] for c in value)  # one problem, one line
        return f'"{value}"' if len(value) <= 80 else f'"{value[:77]}..."'
    if isinstance(value, dict):
        return "{...}"
    if isinstance(value, list):
        return "[...]"
    if isinstance(value, date | time):  # TOML dates and times (datetime is a date)
        return value.isoformat()
    return repr(value) if not isinstance(value, bool) else str(value).lower()


def _walk_model(loc: tuple[Any, ...]) -> Iterator[tuple[type[BaseModel], str]]:
    model: Any = Config
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            model = None
            continue
        yield model, part
        annotation = fields[part].annotation
        args = getattr(annotation, "__args__", ())
        inner = next(
            (a for a in (annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)), None
        )
        model = inner


def _field_for(loc: tuple[Any, ...]) -> Any:
    found = None
    for model, name in _walk_model(loc):
        found = model.model_fields[name]
    return found


def _hint(field: Any) -> str:
    if field is None:
        return ""
    extra = field.json_schema_extra or {}
    return str(extra.get("hint", "")) if isinstance(extra, dict) else ""


def _unknown_key(loc: tuple[Any, ...], path: str) -> str:
    parent_loc, key = loc[:-1], str(loc[-1])
    parent_model: Any = Config
    for model, name in _walk_model(parent_loc):
        annotation = model.model_fields[name].annotation
        args = getattr(annotation, "__args__", ())
        parent_model = next(
            (a for a in (annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)), None
        )
    known = list(getattr(parent_model, "model_fields", {}))
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"known keys here: {', '.join(known)}"
    return f"{path}: unknown key; hint: {hint}"
