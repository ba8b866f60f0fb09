"""What the soak measured and how it is shown: one run's Result, its table, and the sweep's table.

Kept apart from bench/soak.py (which runs the daemon and samples it) so the figures have one definition
each: the frames offered to the models are those the motion gate found moving (read, dropped or spared
by the chooser), the drop share is of those, recorded is the worst camera's covered share of the window.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Any

DROPS_START = 0.01  # share of offered frames dropped from which a sweep step counts as saturated
OFFERED = ("frames_analysed", "frames_dropped", "frames_spared")


@dataclass
class Result:
    cameras: int
    lpr_cameras: int
    seconds: float
    recorded: dict[str, float]  # camera -> covered share of the window
    found: dict[str, tuple[int, int]]  # camera -> (cars found, cars)
    lpr: dict[str, dict[str, int]]  # camera -> counter deltas over the window
    cores: dict[str, float]  # part -> mean cores
    memory: dict[str, float]  # peak MB
    sample_fps: float
    quality: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    traffic: str = "busy"
    passes: Any = None  # soak_passes.PassFigures
    recall: Any = None  # gate_recall.Recall

    def total(self, counter: str) -> int:
        return sum(c.get(counter, 0) for c in self.lpr.values())

    @property
    def offered(self) -> int:
        """Moving frames offered to the models."""
        return sum(self.total(c) for c in OFFERED)

    @property
    def drop_share(self) -> float:
        return self.total("frames_dropped") / max(self.offered, 1)

    @property
    def plates(self) -> tuple[int, int]:
        return sum(f for f, _ in self.found.values()), sum(n for _, n in self.found.values())


def report(result: Result) -> None:
    """Per camera recorded share, cars found and LPR counters; then CPU by part, memory, plate reading."""
    print(f"\n{result.cameras} cameras, {result.seconds / 60:.1f} min window")
    print(f"{'camera':<8} {'recorded':>9} {'found':>6} {'analysed':>9} {'motion-skip':>11} {'dropped':>8} "
          f"{'sightings':>9}")
    for camera in sorted(result.recorded):
        if camera not in result.lpr:
            print(f"{camera:<8} {result.recorded[camera] * 100:8.2f}%  (no plate reading)")
            continue
        lpr, (hits, cars) = result.lpr[camera], result.found[camera]
        print(f"{camera:<8} {result.recorded[camera] * 100:8.2f}% {hits:>3}/{cars:<2} "
              f"{lpr['frames_analysed']:>9} {lpr['frames_skipped_motion']:>11} {lpr['frames_dropped']:>8} "
              f"{lpr['sightings']:>9}")
    cores = result.cores
    print(f"CPU (cores of 2): dozor {cores['dozor']:.2f} (daemon {cores['daemon']:.2f}, of it decoding "
          f"{cores['decode']:.2f}; models in the LPR workers {cores['lpr_workers']:.2f}); "
          f"RTSP server {cores['rtsp_server']:.2f}; "
          f"this bench {cores['bench']:.2f}; other work on the machine {cores['other']:.2f}; "
          f"machine busy {cores['machine']:.2f}")
    mem = result.memory
    print(f"memory peak: daemon RSS {mem['daemon_rss_mb']:.0f} MB, daemon + workers RSS "
          f"{mem['total_rss_mb']:.0f} MB (PSS {mem['total_pss_mb']:.0f} MB)")
    print(f"plate reading: {result.offered} moving frames offered to the models: read "
          f"{result.total('frames_analysed')}, dropped {result.total('frames_dropped')} "
          f"({result.drop_share * 100:.1f} %), spared (pass read well) {result.total('frames_spared')}; "
          f"still frames looked at {result.total('frames_skipped_motion')}; worker restarts "
          f"{result.total('worker_restarts')}")
    if result.passes is not None and result.passes.passes:
        figures = result.passes
        print(f"car passes read: {figures.read} of {figures.passes} ({figures.share * 100:.1f} %); "
              f"car's first frame to searchable: p50 {figures.latency(0.5):.1f} s, "
              f"p95 {figures.latency(0.95):.1f} s")
        if figures.unread:
            more = " ..." if len(figures.unread) > 12 else ""
            print("  not read: " + ", ".join(figures.unread[:12]) + more)
    if result.quality:
        print(f"sightings per car pass {result.quality['sightings_per_pass']:.2f}, worst clip's sightings "
              f"matching no car {result.quality['stray_max_per_clip']}")
    for note in result.notes:
        print(f"NOTE: {note}")


def summary_line(result: Result) -> str:
    found, cars = result.plates
    passes = result.passes
    read = (f"passes_read={passes.share * 100:.1f}% latency_p95_s={passes.latency(0.95):.1f} "
            if passes is not None and passes.passes else "")
    if result.recall is not None:
        read += f"gate_recall={result.recall.share * 100:.2f}% "
    return (f"soak traffic={result.traffic} cameras={result.cameras} lpr_cameras={result.lpr_cameras} "
            f"minutes={result.seconds / 60:.1f} {read}"
            f"recorded_min={min(result.recorded.values()) * 100:.2f}% "
            f"rss_mb={result.memory['total_rss_mb']:.0f} "
            f"lpr_drops={result.total('frames_dropped')} lpr_drop_share={result.drop_share * 100:.1f}% "
            f"plates_found={found}/{cars} cpu_cores={result.cores['dozor']:.2f} "
            f"decode_cores={result.cores['decode']:.2f} model_cores={result.cores['lpr_workers']:.2f}")


def sweep_lines(results: list[Result], args: argparse.Namespace) -> str:
    """The sweep's table and its last line (`soak_sweep drops_start_at=K misses_start_at=L ...`): where
    frames start to drop, and where a car on the clips is no longer found (what a user notices)."""
    out = [f"\n{'cameras':>7} {'offered':>8} {'dropped':>8} {'found':>8} {'recorded':>9} {'dozor':>6} "
           f"{'server':>6} {'other':>6}"]
    for r in results:
        out.append(f"{r.cameras:>7} {r.offered:>8} {r.drop_share * 100:7.1f}% "
                   f"{r.plates[0]:>4}/{r.plates[1]:<3} {min(r.recorded.values()) * 100:8.2f}% "
                   f"{r.cores['dozor']:6.2f} {r.cores['rtsp_server']:6.2f} {r.cores['other']:6.2f}")
    drops = next((r.cameras for r in results if r.drop_share > DROPS_START), "none")
    misses = next((r.cameras for r in results if r.plates[0] < r.plates[1]), "none")
    steps = " ".join(f"c{r.cameras}=drop{r.drop_share * 100:.1f}%,found{r.plates[0]}/{r.plates[1]}"
                     for r in results)
    out.append(f"soak_sweep drops_start_at={drops} misses_start_at={misses} {steps} "
               f"sample_fps={args.sample_fps:g} lpr_workers={args.lpr_workers} "
               f"substream={int(args.substream)} minutes={results[0].seconds / 60:.1f}")
    return "\n".join(out)
